// SPDX-License-Identifier: MIT
/*
 * The recursive-descent parser of vipd.conf, after OpenBSD's parse.y
 * surface. It fills a fresh struct conf, reports every error it finds as
 * "file:line:col: ..." and returns the whole config or none of it. It
 * reads files only for include and resolves users and groups; nothing else.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/conf_lex.h"
#include "daemon/conf_parse.h"
#include "daemon/conf_pool.h"
#include "daemon/conf_priv.h"

static void __attribute__((format(printf, 3, 0)))
report(struct conf_parser *p, const struct conf_pos *pos, const char *fmt,
       va_list ap)
{
	if (!p->errs || p->nerrors > CONF_ERRORS_MAX)
		return;
	if (p->nerrors == CONF_ERRORS_MAX) {
		fprintf(p->errs, "%s: too many errors, giving up\n", p->root);
		return;
	}
	if (pos)
		fprintf(p->errs, "%s:%u:%u: ", pos->file, pos->line, pos->col);
	else
		fprintf(p->errs, "%s: ", p->root);
	vfprintf(p->errs, fmt, ap);
	fputc('\n', p->errs);
}

void conf_perr(struct conf_parser *p, const struct conf_pos *pos,
	       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(p, pos, fmt, ap);
	va_end(ap);
	p->nerrors++;
}

void conf_bad_value(struct conf_parser *p, const struct conf_tok *t,
		    const char *form)
{
	char got[CONF_DESCRIBE_MAX];

	conf_perr(p, &t->pos, "expected %s, got %s", form,
		  conf_tok_describe(t, got, sizeof(got)));
}

void conf_next(struct conf_parser *p)
{
	conf_lex_next(p->lx, &p->tok);
	if (p->tok.type == CONF_TOK_ERROR)
		conf_perr(p, &p->tok.pos, "%s", p->tok.text);
}

static void skip_block(struct conf_parser *p)
{
	unsigned depth = 0;

	do {
		if (p->tok.type == CONF_TOK_LBRACE)
			depth++;
		else if (p->tok.type == CONF_TOK_RBRACE)
			depth--;
		conf_next(p);
	} while (depth && p->tok.type != CONF_TOK_EOF);
}

/* Drops the rest of a statement: up to its end of line, or before '}'. */
static void skip_stmt(struct conf_parser *p)
{
	for (;;) {
		switch (p->tok.type) {
		case CONF_TOK_EOF:
		case CONF_TOK_RBRACE:
			return;
		case CONF_TOK_EOL:
			conf_next(p);
			return;
		case CONF_TOK_LBRACE:
			skip_block(p);
			break;
		case CONF_TOK_WORD:
		case CONF_TOK_STRING:
		case CONF_TOK_ERROR:
			conf_next(p);
			break;
		}
	}
}

void conf_expected(struct conf_parser *p, const char *form)
{
	/* the lexer already said what is wrong with an error token */
	if (p->tok.type != CONF_TOK_ERROR)
		conf_bad_value(p, &p->tok, form);
	skip_stmt(p);
}

const struct conf_tok *conf_value(struct conf_parser *p, const char *form)
{
	if (p->tok.type == CONF_TOK_WORD || p->tok.type == CONF_TOK_STRING)
		return &p->tok;
	conf_expected(p, form);
	return NULL;
}

void conf_end_stmt(struct conf_parser *p)
{
	if (p->tok.type == CONF_TOK_EOL)
		conf_next(p);
	else if (p->tok.type != CONF_TOK_EOF && p->tok.type != CONF_TOK_RBRACE)
		conf_expected(p, "end of line");
}

bool conf_open_block(struct conf_parser *p)
{
	while (p->tok.type == CONF_TOK_EOL)
		conf_next(p);
	if (p->tok.type != CONF_TOK_LBRACE) {
		conf_expected(p, "'{'");
		return false;
	}
	conf_next(p);
	return true;
}

void conf_close_block(struct conf_parser *p)
{
	if (p->tok.type != CONF_TOK_RBRACE) {
		conf_expected(p, "'}'");
		return;
	}
	conf_next(p);
	conf_end_stmt(p);
}

bool conf_is_kw(const struct conf_parser *p, enum conf_kw kw)
{
	return p->tok.type == CONF_TOK_WORD && p->tok.kw == kw;
}

bool conf_take_name(struct conf_parser *p, const struct conf_tok *t,
		    const char *what, char *dst)
{
	if (!conf_name_valid(t->text)) {
		char got[CONF_DESCRIBE_MAX];

		conf_perr(p, &t->pos,
			  "bad %s %s, use 1 to 63 of A-Z a-z 0-9 _ . -", what,
			  conf_tok_describe(t, got, sizeof(got)));
		return false;
	}
	memcpy(dst, t->text, t->len + 1);
	return true;
}

static void take_path(struct conf_parser *p, const struct conf_tok *t,
		      char *dst)
{
	const char *why = NULL;

	if (t->text[0] != '/')
		why = "is relative, use an absolute path";
	else if (t->len >= CONF_PATH_MAX)
		why = "is too long, use at most 255 bytes";
	if (!why) {
		memcpy(dst, t->text, t->len + 1);
	} else {
		char got[CONF_DESCRIBE_MAX];

		conf_perr(p, &t->pos, "path %s %s",
			  conf_tok_describe(t, got, sizeof(got)), why);
	}
}

bool conf_take_duration(struct conf_parser *p, const struct conf_tok *t,
			uint32_t min_ms, uint32_t max_ms, uint32_t *ret)
{
	uint32_t ms;

	if (conf_parse_duration(t->text, &ms) == -EINVAL) {
		conf_bad_value(p, t, "a duration like 150ms or 2s");
		return false;
	}
	if (conf_parse_duration(t->text, &ms) < 0 || ms < min_ms ||
	    ms > max_ms) {
		char got[CONF_DESCRIBE_MAX];

		conf_perr(p, &t->pos,
			  "duration %s is out of range, use %u%s "
			  "to %u%s",
			  conf_tok_describe(t, got, sizeof(got)),
			  min_ms % 1000 ? min_ms : min_ms / 1000,
			  min_ms % 1000 ? "ms" : "s",
			  max_ms % 1000 ? max_ms : max_ms / 1000,
			  max_ms % 1000 ? "ms" : "s");
		return false;
	}
	*ret = ms;
	return true;
}

bool conf_take_number(struct conf_parser *p, const struct conf_tok *t,
		      uint32_t min, uint32_t max, uint32_t *ret)
{
	uint32_t v;
	int r;

	r = conf_parse_u32(t->text, &v);
	if (r == -EINVAL) {
		conf_bad_value(p, t, "a number");
		return false;
	}
	if (r < 0 || v < min || v > max) {
		char got[CONF_DESCRIBE_MAX];

		conf_perr(p, &t->pos, "number %s is out of range, use %u to %u",
			  conf_tok_describe(t, got, sizeof(got)), min, max);
		return false;
	}
	*ret = v;
	return true;
}

static void take_mark(struct conf_parser *p, const struct conf_tok *t)
{
	uint32_t v;

	if (!conf_take_number(p, t, 1, UINT32_MAX, &v))
		return;
	if (v & (v - 1))
		conf_perr(p, &t->pos,
			  "lease-mark 0x%x has more than one bit "
			  "set, use a power of two like 0x10000000",
			  v);
	else
		p->c->lease_mark = v;
}

/* ADDRESS:PORT, [IPV6]:PORT: the metrics listener. */
static void take_listen(struct conf_parser *p, const struct conf_tok *t)
{
	char host[64];
	const char *colon = strrchr(t->text, ':');
	size_t n = colon ? (size_t)(colon - t->text) : 0;
	unsigned long port = colon ? strtoul(colon + 1, NULL, 10) : 0;
	int v6 = n >= 2 && t->text[0] == '[' && t->text[n - 1] == ']';

	if (v6)
		snprintf(host, sizeof(host), "%.*s", (int)(n - 2), t->text + 1);
	else if (n < sizeof(host))
		snprintf(host, sizeof(host), "%.*s", (int)n, t->text);
	if (!colon || n >= sizeof(host) || port == 0 || port > 65535 ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    conf_parse_addr(host, &p->c->metrics_addr) < 0 ||
	    (p->c->metrics_addr.family == AF_INET6) != v6) {
		conf_bad_value(p, t, "ADDRESS:PORT like 127.0.0.1:9477 or "
				     "[::1]:9477");
		return;
	}
	p->c->metrics_port = (uint16_t)port;
}

static void take_setting(struct conf_parser *p, enum conf_kw kw,
			 const struct conf_tok *t)
{
	struct conf *c = p->c;

	switch (kw) {
	case CONF_KW_NODE_NAME:
		p->node_pos = t->pos;
		conf_take_name(p, t, "node name", c->node);
		break;
	case CONF_KW_GROUP:
		conf_take_name(p, t, "group name", c->group);
		break;
	case CONF_KW_USER:
		conf_take_name(p, t, "user name", c->user);
		break;
	case CONF_KW_SOCKET:
		take_path(p, t, c->socket);
		break;
	case CONF_KW_NOTIFY:
		take_path(p, t, c->notify);
		break;
	case CONF_KW_LEASE: {
		uint32_t ms;

		if (t->type == CONF_TOK_WORD && strcmp(t->text, "auto") == 0)
			c->lease_ms = 0;
		else if (conf_parse_duration(t->text, &ms) == -EINVAL)
			conf_bad_value(p, t,
				       "auto, or a duration like 400ms or 2s");
		else
			conf_take_duration(p, t, CONF_LEASE_MIN_MS,
					   CONF_LEASE_MAX_MS, &c->lease_ms);
		break;
	}
	case CONF_KW_LEASE_MARK:
		take_mark(p, t);
		break;
	case CONF_KW_HANDOFF_KEY:
		take_path(p, t, c->handoff_key);
		break;
	case CONF_KW_HANDOFF_PORT: {
		uint32_t port;

		if (conf_take_number(p, t, 1, 65535, &port))
			c->handoff_port = (uint16_t)port;
		break;
	}
	case CONF_KW_METRICS_LISTEN:
		take_listen(p, t);
		break;
	default:
		if (t->type == CONF_TOK_WORD && t->kw == CONF_KW_YES)
			c->two_node = true;
		else if (t->type == CONF_TOK_WORD && t->kw == CONF_KW_NO)
			c->two_node = false;
		else
			conf_bad_value(p, t, "'yes' or 'no'");
		break;
	}
}

static const char *setting_form(enum conf_kw kw)
{
	switch (kw) {
	case CONF_KW_NODE_NAME:
		return "a node name";
	case CONF_KW_SOCKET:
	case CONF_KW_NOTIFY:
	case CONF_KW_HANDOFF_KEY:
		return "an absolute path";
	case CONF_KW_HANDOFF_PORT:
		return "a UDP port number";
	case CONF_KW_METRICS_LISTEN:
		return "ADDRESS:PORT";
	case CONF_KW_LEASE:
		return "a duration like 150ms or 2s";
	case CONF_KW_LEASE_MARK:
		return "a number like 0x10000000";
	case CONF_KW_TWO_NODE:
		return "'yes' or 'no'";
	default:
		return "a name";
	}
}

static void stmt_setting(struct conf_parser *p, enum conf_kw kw)
{
	const struct conf_tok *t;

	if (p->given & (1ULL << kw))
		conf_perr(p, &p->tok.pos, "'%s' is given twice, keep one",
			  conf_kw_name(kw));
	p->given |= 1ULL << kw;
	conf_next(p);
	t = conf_value(p, setting_form(kw));
	if (!t)
		return;
	take_setting(p, kw, t);
	conf_next(p);
	conf_end_stmt(p);
}

static void stmt_top(struct conf_parser *p)
{
	enum conf_kw kw = p->tok.type == CONF_TOK_WORD ? p->tok.kw : 0;

	switch (kw) {
	case CONF_KW_CLUSTER:
		conf_stmt_cluster(p);
		break;
	case CONF_KW_VIP:
		conf_stmt_vip(p);
		break;
	case CONF_KW_INCLUDE:
		conf_stmt_include(p);
		break;
	case CONF_KW_NODE_NAME:
	case CONF_KW_GROUP:
	case CONF_KW_SOCKET:
	case CONF_KW_USER:
	case CONF_KW_NOTIFY:
	case CONF_KW_LEASE:
	case CONF_KW_LEASE_MARK:
	case CONF_KW_TWO_NODE:
	case CONF_KW_HANDOFF_KEY:
	case CONF_KW_HANDOFF_PORT:
	case CONF_KW_METRICS_LISTEN:
		stmt_setting(p, kw);
		break;
	default:
		if (conf_pool_at(p)) {
			conf_stmt_pool(p);
			break;
		}
		conf_expected(p, "a setting, 'include', 'cluster', 'vip' or 'pool'");
		if (p->tok.type == CONF_TOK_RBRACE)
			conf_next(p);
		break;
	}
}

void conf_parse_stmts(struct conf_parser *p)
{
	conf_next(p);
	while (p->tok.type != CONF_TOK_EOF) {
		if (p->tok.type == CONF_TOK_EOL)
			conf_next(p);
		else
			stmt_top(p);
	}
}

void conf_free(struct conf *c)
{
	if (!c)
		return;
	free(c->vips);
	memset(c, 0, sizeof(*c));
}

int conf_node_index(const struct conf *c, const char *name)
{
	for (unsigned i = 0; i < c->nnodes; i++)
		if (strcmp(c->nodes[i].name, name) == 0)
			return (int)i;
	return -1;
}

int conf_node_index_by_id(const struct conf *c, uint32_t id)
{
	for (unsigned i = 0; i < c->nnodes; i++)
		if (c->nodes[i].id == id)
			return (int)i;
	return -1;
}

int conf_self_index(const struct conf *c)
{
	return conf_node_index(c, c->node);
}
