// SPDX-License-Identifier: MIT
/*
 * Golden tests of the config parser (after bgpd's regress/config): every
 * DIR/NN-name.conf either loads and prints exactly NN-name.ok, or fails
 * with exactly the messages of NN-name.err. A printed config must parse
 * back to an equal one. Extra files on the command line must load.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/conf_parse.h"
#include "daemon/conf_pool.h"
#include "daemon/printconf.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n = 0;
	FILE *m;
	int c;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &n);
	if (!m) {
		fclose(f);
		return NULL;
	}
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(f);
	fclose(m);
	return buf;
}

static bool vip_equal(const struct conf_vip *a, const struct conf_vip *b)
{
	bool eq = strcmp(a->name, b->name) == 0 && a->naddrs == b->naddrs &&
		  strcmp(a->dev, b->dev) == 0 && a->eligible == b->eligible &&
		  a->policy == b->policy && a->nprefer == b->nprefer &&
		  a->announce_count == b->announce_count &&
		  a->announce_interval_ms == b->announce_interval_ms &&
		  a->nallow == b->nallow &&
		  memcmp(a->prefer, b->prefer, a->nprefer) == 0;

	for (unsigned i = 0; eq && i < a->naddrs; i++)
		eq = a->addrs[i].family == b->addrs[i].family &&
		     a->addrs[i].prefixlen == b->addrs[i].prefixlen &&
		     memcmp(a->addrs[i].addr, b->addrs[i].addr, 16) == 0;
	for (unsigned i = 0; eq && i < a->nallow; i++)
		eq = a->allow[i].is_group == b->allow[i].is_group &&
		     a->allow[i].id == b->allow[i].id &&
		     strcmp(a->allow[i].name, b->allow[i].name) == 0;
	return eq;
}

static bool conf_equal(const struct conf *a, const struct conf *b)
{
	bool eq = strcmp(a->node, b->node) == 0 &&
		  strcmp(a->group, b->group) == 0 &&
		  strcmp(a->socket, b->socket) == 0 &&
		  strcmp(a->user, b->user) == 0 &&
		  strcmp(a->notify, b->notify) == 0 &&
		  a->lease_ms == b->lease_ms &&
		  a->lease_mark == b->lease_mark &&
		  a->two_node == b->two_node && a->nnodes == b->nnodes &&
		  a->nvips == b->nvips && !conf_pools_differ(a, b);

	for (unsigned i = 0; eq && i < a->nnodes; i++)
		eq = strcmp(a->nodes[i].name, b->nodes[i].name) == 0 &&
		     a->nodes[i].id == b->nodes[i].id;
	for (unsigned i = 0; eq && i < a->nvips; i++)
		eq = vip_equal(&a->vips[i], &b->vips[i]);
	return eq;
}

static char *printed(const struct conf *c)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);

	if (!m)
		abort();
	conf_print(m, c);
	fclose(m);
	return buf;
}

/* Prints c, parses the output again and checks both agree. */
static int roundtrip(const char *name, const struct conf *c, char **ret)
{
	struct conf again;
	char *out = printed(c), *out2;
	int r;

	r = conf_load_buffer(name, out, strlen(out), &again, stderr);
	if (r < 0) {
		fprintf(stderr, "%s: printed config does not parse:\n%s", name,
			out);
		free(out);
		return -1;
	}
	out2 = printed(&again);
	r = strcmp(out, out2) == 0 && conf_equal(c, &again) ? 0 : -1;
	if (r < 0)
		fprintf(stderr,
			"%s: printed config re-parses differently:\n"
			"%s---\n%s",
			name, out, out2);
	conf_free(&again);
	free(out2);
	*ret = out;
	return r;
}

static int check_ok(const char *conf, const char *ok)
{
	char *want = slurp(ok), *got = NULL;
	struct conf c;
	int r;

	r = conf_load(conf, &c, stderr);
	if (r < 0) {
		fprintf(stderr, "%s: load failed: %s\n", conf, strerror(-r));
	} else if ((r = roundtrip(conf, &c, &got)) == 0 && want &&
		   strcmp(want, got) != 0) {
		fprintf(stderr, "%s: output differs from %s; got:\n%s", conf,
			ok, got);
		r = -1;
	}
	conf_free(&c);
	free(want);
	free(got);
	return r < 0 ? -1 : 0;
}

static int check_err(const char *conf, const char *err)
{
	char *want = slurp(err), *got = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&got, &n);
	struct conf c;
	int r;

	if (!m || !want)
		abort();
	r = conf_load(conf, &c, m);
	fclose(m);
	if (r != -EINVAL) {
		fprintf(stderr, "%s: expected -EINVAL, got %d\n", conf, r);
		r = -1;
	} else if (strcmp(want, got) != 0) {
		fprintf(stderr, "%s: errors differ from %s; got:\n%s", conf,
			err, got);
		r = -1;
	} else {
		r = 0;
	}
	conf_free(&c);
	free(want);
	free(got);
	return r;
}

static int check_golden(const char *name)
{
	char base[512], ok[520], err[520];
	size_t n = strlen(name);

	if (n < 6 || n >= sizeof(base) || strcmp(name + n - 5, ".conf"))
		return 0;
	snprintf(base, sizeof(base), "%.*s", (int)(n - 5), name);
	snprintf(ok, sizeof(ok), "%s.ok", base);
	snprintf(err, sizeof(err), "%s.err", base);
	if (access(ok, R_OK) == 0)
		return check_ok(name, ok);
	if (access(err, R_OK) == 0)
		return check_err(name, err);
	fprintf(stderr, "%s: has neither %s nor %s\n", name, ok, err);
	return -1;
}

/* A config that must load as it is, e.g. the shipped example. */
static int check_loads(const char *path)
{
	char *got = NULL;
	struct conf c;
	int r = conf_load(path, &c, stderr);

	if (r < 0) {
		fprintf(stderr, "%s: load failed: %s\n", path, strerror(-r));
		return -1;
	}
	r = roundtrip(path, &c, &got);
	conf_free(&c);
	free(got);
	return r;
}

int main(int argc, char **argv)
{
	struct dirent **ents;
	int n, failed = 0, count = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR [CONF...]\n", argv[0]);
		return 2;
	}
	for (int i = 2; i < argc; i++, count++)
		failed += check_loads(argv[i]) < 0;
	if (chdir(argv[1]) == -1 ||
	    (n = scandir(".", &ents, NULL, alphasort)) < 0) {
		perror(argv[1]);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		if (strstr(ents[i]->d_name, ".conf")) {
			count++;
			failed += check_golden(ents[i]->d_name) < 0;
		}
		free(ents[i]);
	}
	free(ents);
	printf("%d configs, %d failed\n", count, failed);
	return failed ? 1 : 0;
}
