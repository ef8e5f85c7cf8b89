// SPDX-License-Identifier: MIT
/*
 * vipctl's command line, separated from the rest so a unit test runs it:
 * global options are taken wherever they stand, the verb's own options
 * and a held COMMAND's options are never touched.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"

enum opt_kind { OPT_NONE = 0, OPT_FLAG, OPT_VALUE };

/* Takes the global option at argv[*i] (and its value); 1 taken, 0 not a
 * global option, -EINVAL a missing value. */
static int take_option(struct vipctl_args *a, char **argv, int argc, int *i)
{
	static const struct {
		const char *lng, *shrt;
		enum opt_kind kind;
	} opts[] = {
		{"--socket", "-s", OPT_VALUE}, {"--timeout", "-t", OPT_VALUE},
		{"--json", "-j", OPT_FLAG},    {"--help", "-h", OPT_FLAG},
		{"--version", "-V", OPT_FLAG},
	};
	const char *w = argv[*i], *val = NULL;
	size_t k, n;

	for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
		n = strlen(opts[k].lng);
		if (strcmp(w, opts[k].shrt) == 0 || strcmp(w, opts[k].lng) == 0)
			break;
		if (opts[k].kind == OPT_VALUE &&
		    strncmp(w, opts[k].lng, n) == 0 && w[n] == '=') {
			val = w + n + 1;
			break;
		}
	}
	if (k == sizeof(opts) / sizeof(opts[0]))
		return 0;
	if (opts[k].kind == OPT_VALUE && !val) {
		if (*i + 1 >= argc)
			return -EINVAL;
		val = argv[++*i];
	}
	switch (k) {
	case 0:
		a->socket = val;
		break;
	case 1:
		a->timeout = val;
		break;
	case 2:
		a->json = 1;
		break;
	case 3:
		a->help = 1;
		break;
	default:
		a->version = 1;
		break;
	}
	return 1;
}

int vipctl_args_parse(int argc, char **argv, struct vipctl_args *ret, char *err,
		      size_t len)
{
	int i, r, verbatim = 0;

	memset(ret, 0, sizeof(*ret));
	ret->words = calloc((size_t)(argc > 0 ? argc : 1), sizeof(char *));
	if (!ret->words)
		return -ENOMEM;
	for (i = 1; i < argc; i++) {
		const char *w = argv[i];

		if (!verbatim && strcmp(w, "--") == 0 && ret->nwords > 0) {
			verbatim = 1; /* the rest is the verb's */
			continue;
		}
		if (!verbatim && w[0] == '-' && w[1]) {
			r = take_option(ret, argv, argc, &i);
			if (r < 0) {
				snprintf(err, len, "%s expects a value", w);
				goto out_free;
			}
			if (r == 1)
				continue;
			if (ret->nwords == 0) {
				snprintf(err, len, "unknown option '%s'", w);
				goto out_free;
			}
		}
		ret->words[ret->nwords++] = argv[i];
		if (ret->nwords == 1 && strcmp(w, "hold") == 0)
			verbatim = 1;
	}
	return 0;
out_free:
	free(ret->words);
	ret->words = NULL;
	ret->nwords = 0;
	return -EINVAL;
}
