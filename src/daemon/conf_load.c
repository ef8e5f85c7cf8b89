// SPDX-License-Identifier: MIT
/*
 * Entry points of the config loader: reading files, following includes,
 * the checks that need the whole file, and the all-or-nothing handover
 * of the result. The only file system access of the parser lives here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/conf_parse.h"
#include "daemon/conf_priv.h"
#include "fault/fault.h"

/* Reads a regular file of at most CONF_FILE_MAX bytes into *ret_buf. */
static int read_file(const char *path, char **ret_buf, size_t *ret_len,
		     struct stat *st)
{
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, r = 0;

	fd = fault_open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1)
		return -errno;
	if (fault_fstat(fd, st) == -1)
		r = -errno;
	else if (S_ISDIR(st->st_mode))
		r = -EISDIR;
	else if (!S_ISREG(st->st_mode))
		r = -ENOTSUP;
	else if (st->st_size > CONF_FILE_MAX)
		r = -EFBIG;
	else if (!(buf = fault_malloc(CONF_FILE_MAX + 1)))
		r = -ENOMEM;
	while (r == 0 && (n = fault_read(fd, buf + len, CONF_FILE_MAX + 1 - len))) {
		if (n == -1 && errno != EINTR)
			r = -errno;
		else if (n > 0)
			len += (size_t)n;
		if (len > CONF_FILE_MAX)
			r = -EFBIG;
	}
	close(fd);
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

/* Keeps a copy of a file name for token positions; NULL when out of memory. */
static const char *keep_name(struct conf_parser *p, const char *name)
{
	char **files;
	char *copy;
	size_t n;

	files = fault_realloc(p->files, (p->nfiles + 1) * sizeof(*files));
	if (!files) {
		p->oom = true;
		return NULL;
	}
	p->files = files;
	n = strlen(name) + 1;
	copy = fault_malloc(n);
	if (!copy) {
		p->oom = true;
		return NULL;
	}
	memcpy(copy, name, n);
	p->files[p->nfiles++] = copy;
	return copy;
}

/* Writes dir(current file)/path, or path if absolute, into out. */
static bool include_path(const struct conf_parser *p, const char *path,
			 char *out, size_t n)
{
	const char *cur = p->lx->file;
	const char *slash = strrchr(cur, '/');
	int dirlen = slash ? (int)(slash - cur) + 1 : 0;
	int r;

	if (path[0] == '/')
		dirlen = 0;
	r = snprintf(out, n, "%.*s%s", dirlen, cur, path);
	return r >= 0 && (size_t)r < n;
}

static void parse_included(struct conf_parser *p, const char *name,
			   const char *buf, size_t len)
{
	struct conf_lex lx, *saved_lx = p->lx;
	struct conf_tok *saved_tok;

	saved_tok = fault_malloc(sizeof(*saved_tok));
	if (!saved_tok) {
		p->oom = true;
		return;
	}
	*saved_tok = p->tok;
	conf_lex_init(&lx, name, buf, len);
	p->lx = &lx;
	p->depth++;
	conf_parse_stmts(p);
	p->depth--;
	p->lx = saved_lx;
	p->tok = *saved_tok;
	free(saved_tok);
}

static bool is_open(const struct conf_parser *p, const struct stat *st)
{
	for (unsigned i = 0; i <= p->depth; i++)
		if (p->dev[i] == st->st_dev && p->ino[i] == st->st_ino)
			return true;
	return false;
}

/* Reads and parses one file named by include token t; what names the
 * file in messages (the token, or the token and the glob's match). */
static void include_one(struct conf_parser *p, const struct conf_tok *t,
			const char *path, const char *what)
{
	const char *name;
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int r;

	if ((r = read_file(path, &buf, &len, &st)) < 0)
		conf_perr(p, &t->pos, "include %s: %s", what, strerror(-r));
	else if (is_open(p, &st))
		conf_perr(p, &t->pos,
			  "include %s: include loop, remove this "
			  "include",
			  what);
	else if ((name = keep_name(p, path))) {
		p->dev[p->depth + 1] = st.st_dev;
		p->ino[p->depth + 1] = st.st_ino;
		parse_included(p, name, buf, len);
	}
	free(buf);
}

/* glob(3)'s error callback has no context: the first error of the
 * running glob() lands here (the loader is single-threaded). */
static int glob_errno;

static int glob_failed(const char *epath, int eerrno)
{
	(void)epath;
	/* a directory of the pattern that does not exist matches nothing */
	if (eerrno == ENOENT || eerrno == ENOTDIR)
		return 0;
	glob_errno = eerrno;
	return 1;
}

/* A pattern (*, ? or [ in it) includes every match, in sorted order; no
 * match includes nothing (an empty conf.d is fine). */
static void include_glob(struct conf_parser *p, const struct conf_tok *t,
			 const char *pattern, const char *got)
{
	char what[CONF_DESCRIBE_MAX + 4096];
	glob_t g;
	int r;

	glob_errno = 0;
	r = glob(pattern, 0, glob_failed, &g);
	if (r == GLOB_NOMATCH && !glob_errno) {
		globfree(&g);
		return;
	}
	if (r != 0) {
		conf_perr(p, &t->pos, "include %s: %s", got,
			  r == GLOB_NOSPACE ? "out of memory"
			  : glob_errno	    ? strerror(glob_errno)
					    : "cannot read it");
		p->oom = p->oom || r == GLOB_NOSPACE;
		globfree(&g);
		return;
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		snprintf(what, sizeof(what), "%s: %s", got, g.gl_pathv[i]);
		include_one(p, t, g.gl_pathv[i], what);
	}
	globfree(&g);
}

static void include_file(struct conf_parser *p, const struct conf_tok *t)
{
	char path[4096], got[CONF_DESCRIBE_MAX];

	conf_tok_describe(t, got, sizeof(got));
	if (p->flags & CONF_LOAD_NO_INCLUDE)
		conf_perr(p, &t->pos,
			  "include %s: includes are disabled here, "
			  "inline the file",
			  got);
	else if (p->depth >= CONF_INCLUDE_DEPTH)
		conf_perr(p, &t->pos,
			  "include %s: nested deeper than %d "
			  "files, flatten the includes",
			  got, CONF_INCLUDE_DEPTH);
	else if (!include_path(p, t->text, path, sizeof(path)))
		conf_perr(p, &t->pos, "include %s: path too long", got);
	else if (strpbrk(t->text, "*?["))
		include_glob(p, t, path, got);
	else
		include_one(p, t, path, got);
}

void conf_stmt_include(struct conf_parser *p)
{
	const struct conf_tok *t;

	conf_next(p);
	t = conf_value(p, "a file name");
	if (!t)
		return;
	include_file(p, t);
	conf_next(p);
	conf_end_stmt(p);
}

static void check_self(struct conf_parser *p)
{
	struct conf *c = p->c;
	char host[256] = "";

	if (!p->have_cluster) {
		conf_perr(p, NULL,
			  "no cluster block, add cluster { node NAME "
			  "id N }");
		return;
	}
	if (c->nnodes == 0) {
		conf_perr(p, &p->cluster_pos,
			  "empty cluster block, add "
			  "'node NAME id N'");
		return;
	}
	if (p->given & (1ULL << CONF_KW_NODE_NAME)) {
		if (c->node[0] && conf_self_index(c) < 0)
			conf_perr(p, &p->node_pos,
				  "node-name '%s' is not in "
				  "the cluster block, add 'node %s id N' to "
				  "cluster { }",
				  c->node, c->node);
		return;
	}
	if (gethostname(host, sizeof(host) - 1) == -1)
		host[0] = '\0';
	host[strcspn(host, ".")] = '\0';
	if (!conf_name_valid(host) || conf_node_index(c, host) < 0) {
		conf_perr(p, NULL,
			  "node-name is not set and host name '%.63s' "
			  "is not in the cluster block, add 'node-name NAME'",
			  host);
		return;
	}
	memcpy(c->node, host, strlen(host) + 1);
}

/* Direct hand-offs need this node's address to listen on, and go over
 * one socket: every address of one family. */
static void check_handoff(struct conf_parser *p)
{
	const struct conf *c = p->c;
	int self = conf_self_index(c), fam;

	if (!c->handoff_key[0] || self < 0)
		return;
	fam = c->nodes[self].addr.family;
	if (!fam) {
		conf_perr(p, &p->nodes_pos[self],
			  "handoff-key is set but node '%s' has no address, "
			  "add 'address ADDR' to its line in the cluster "
			  "block", c->node);
		return;
	}
	for (unsigned i = 0; i < c->nnodes; i++)
		if (c->nodes[i].addr.family && c->nodes[i].addr.family != fam)
			conf_perr(p, &p->nodes_pos[i],
				  "node '%s' has an %s address and node '%s' "
				  "an %s one: give every node an address of "
				  "one family for hand-offs",
				  c->nodes[i].name,
				  c->nodes[i].addr.family == AF_INET ? "IPv4"
								     : "IPv6",
				  c->node, fam == AF_INET ? "IPv4" : "IPv6");
}

static int addr_cmp(const void *a, const void *b)
{
	const struct conf_addr_seen *x = a, *y = b;
	int r;

	if (x->addr.family != y->addr.family)
		return x->addr.family < y->addr.family ? -1 : 1;
	r = memcmp(x->addr.addr, y->addr.addr, sizeof(x->addr.addr));
	if (r)
		return r;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Reports each address used twice, at its later use. */
static void check_addrs(struct conf_parser *p)
{
	const struct conf_addr_seen *first = NULL, *s;
	char text[INET6_ADDRSTRLEN];

	if (p->naddrs)
		qsort(p->addrs, p->naddrs, sizeof(*p->addrs), addr_cmp);
	for (unsigned i = 0; i < p->naddrs; i++) {
		s = &p->addrs[i];
		if (!first || first->addr.family != s->addr.family ||
		    memcmp(first->addr.addr, s->addr.addr, 16) != 0) {
			first = s;
			continue;
		}
		inet_ntop(s->addr.family, s->addr.addr, text, sizeof(text));
		if (first->vip == s->vip)
			conf_perr(p, &s->pos,
				  "address %s is listed twice in "
				  "vip '%s', keep one",
				  text, p->c->vips[s->vip].name);
		else
			conf_perr(p, &s->pos,
				  "address %s is already used by "
				  "vip '%s', use another address",
				  text, p->c->vips[first->vip].name);
	}
}

static void parser_free(struct conf_parser *p)
{
	for (unsigned i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	free(p->addrs);
	free(p);
}

static int load(const char *name, const char *buf, size_t len, unsigned flags,
		const struct stat *st, struct conf *ret, FILE *errs)
{
	struct conf_parser *p;
	struct conf_lex lx;
	int r;

	memset(ret, 0, sizeof(*ret));
	p = fault_calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->c = ret;
	p->errs = errs;
	p->flags = flags;
	p->root = name;
	if (st) {
		p->dev[0] = st->st_dev;
		p->ino[0] = st->st_ino;
	}
	memcpy(ret->group, CONF_DEFAULT_GROUP, sizeof(CONF_DEFAULT_GROUP));
	memcpy(ret->socket, CONF_DEFAULT_SOCKET, sizeof(CONF_DEFAULT_SOCKET));
	ret->lease_ms = CONF_DEFAULT_LEASE_MS;
	ret->lease_mark = CONF_DEFAULT_LEASE_MARK;
	ret->handoff_port = CONF_DEFAULT_HANDOFF_PORT;
	conf_lex_init(&lx, name, buf, len);
	p->lx = &lx;
	conf_parse_stmts(p);
	check_self(p);
	check_handoff(p);
	check_addrs(p);
	r = p->oom ? -ENOMEM : p->nerrors ? -EINVAL : 0;
	if (r < 0)
		conf_free(ret);
	parser_free(p);
	return r;
}

int conf_load_buffer_flags(const char *name, const char *buf, size_t len,
			   unsigned flags, struct conf *ret, FILE *errs)
{
	return load(name, buf, len, flags, NULL, ret, errs);
}

int conf_load_buffer(const char *name, const char *buf, size_t len,
		     struct conf *ret, FILE *errs)
{
	return load(name, buf, len, 0, NULL, ret, errs);
}

int conf_load(const char *path, struct conf *ret, FILE *errs)
{
	struct stat st = {0};
	size_t len = 0;
	char *buf = NULL;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = read_file(path, &buf, &len, &st);
	if (r != 0) /* 0 or -errno */
		return r;
	r = load(path, buf, len, 0, &st, ret, errs);
	free(buf);
	return r;
}
