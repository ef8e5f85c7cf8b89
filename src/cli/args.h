/* SPDX-License-Identifier: MIT */
/* vipctl's command line: global options before or after the verb. */
#ifndef VIPD_CLI_ARGS_H
#define VIPD_CLI_ARGS_H

#include <stddef.h>

struct vipctl_args {
	const char *socket;  /* --socket PATH, NULL: not given */
	const char *timeout; /* --timeout SECONDS as written, NULL: none */
	int json;	     /* --json */
	int help;	     /* --help */
	int version;	     /* --version */
	char **words;	     /* the verb and its own words, in order; owned
			      * array (free()), borrowed strings */
	int nwords;
};

/*
 * Splits argv[1..argc-1] into vipctl's global options (--socket PATH,
 * --json, --timeout SECONDS, --help, --version; short -s, -j, -t, -h, -V;
 * --opt=VALUE too) and the verb's words.  Global options may stand before
 * or after the verb ("vipctl status --json" == "vipctl --json status"),
 * except that everything after "--", and every word after the verb
 * "hold" (whose --timeout is its own and whose COMMAND keeps its
 * options), is the verb's.  Before the verb an unknown option is refused;
 * after it, it is the verb's (claim --term, watch --since).  Returns 0, or
 * -EINVAL with a message in err, or -ENOMEM.
 */
int vipctl_args_parse(int argc, char **argv, struct vipctl_args *ret, char *err,
		      size_t len);

#endif
