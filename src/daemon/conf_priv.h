/* SPDX-License-Identifier: MIT */
/*
 * The parser state shared by conf_parse.c (statements and grammar
 * helpers), conf_block.c (cluster and vip blocks) and conf_load.c (files,
 * includes, final checks). Nothing outside those three includes this.
 */
#ifndef VIPD_DAEMON_CONF_PRIV_H
#define VIPD_DAEMON_CONF_PRIV_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "core/conf.h"
#include "daemon/conf_lex.h"
#include "daemon/conf_parse.h"

#define CONF_DESCRIBE_MAX 192 /* conf_tok_describe() buffer */

struct conf_addr_seen {
	struct conf_addr addr; /* as in the vip */
	unsigned vip;	       /* index in conf.vips */
	unsigned seq;	       /* order of appearance */
	struct conf_pos pos;
};

struct conf_parser {
	struct conf *c;	  /* being filled; caller's */
	FILE *errs;	  /* may be NULL */
	unsigned flags;	  /* CONF_LOAD_* */
	const char *root; /* name of the first file */
	unsigned nerrors;
	bool oom;			   /* an allocation failed */
	struct conf_lex *lx;		   /* current file */
	struct conf_tok tok;		   /* current token */
	unsigned depth;			   /* files open beyond the first */
	dev_t dev[CONF_INCLUDE_DEPTH + 1]; /* open files, for loops */
	ino_t ino[CONF_INCLUDE_DEPTH + 1];
	char **files; /* owned names tokens point to */
	unsigned nfiles;
	struct conf_addr_seen *addrs; /* owned; every vip address */
	unsigned naddrs;
	unsigned addrs_cap;
	unsigned vips_cap;	 /* allocated c->vips */
	struct conf_vip scratch; /* vip past CONF_MAX_VIPS */
	uint64_t given;		 /* bit per top-level keyword */
	bool have_cluster;
	struct conf_pos node_pos; /* of node-name */
	struct conf_pos cluster_pos;
	struct conf_pos nodes_pos[CONF_MAX_NODES];
	struct conf_pos notify_pos; /* of the current vip's notify-peers */
};

/*
 * Writes "file:line:col: MESSAGE" (or "root: MESSAGE" if pos is NULL) to
 * p->errs and counts the error; past CONF_ERRORS_MAX it only counts.
 */
void conf_perr(struct conf_parser *p, const struct conf_pos *pos,
	       const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Reports "expected FORM, got 'TOKEN'" at t; skips nothing. */
void conf_bad_value(struct conf_parser *p, const struct conf_tok *t,
		    const char *form);

/*
 * Reports "expected FORM, got ..." at the current token (silently if the
 * lexer already reported it), then skips the rest of the statement.
 */
void conf_expected(struct conf_parser *p, const char *form);

/* Reads the next token; lexer errors are reported here. */
void conf_next(struct conf_parser *p);

/*
 * Returns the current token if it is a word or a string, else reports
 * "expected FORM" and skips the statement, returning NULL.
 */
const struct conf_tok *conf_value(struct conf_parser *p, const char *form);

/* Consumes an end of line; accepts '}' and end of file without eating them. */
void conf_end_stmt(struct conf_parser *p);

/* Consumes newlines and a '{'; returns false after reporting otherwise. */
bool conf_open_block(struct conf_parser *p);

/* Consumes '}' and the end of its line, or reports the missing '}'. */
void conf_close_block(struct conf_parser *p);

/* True if the current token is the bare keyword kw (not a string). */
bool conf_is_kw(const struct conf_parser *p, enum conf_kw kw);

/*
 * Copies a valid name from t into dst (CONF_NAME_MAX bytes) and returns
 * true; reports "bad WHAT ..." and returns false otherwise.
 */
bool conf_take_name(struct conf_parser *p, const struct conf_tok *t,
		    const char *what, char *dst);

/* Stores a duration within [min_ms, max_ms] in *ret, or reports why not. */
bool conf_take_duration(struct conf_parser *p, const struct conf_tok *t,
			uint32_t min_ms, uint32_t max_ms, uint32_t *ret);

/* Stores a number within [min, max] in *ret, or reports why not. */
bool conf_take_number(struct conf_parser *p, const struct conf_tok *t,
		      uint32_t min, uint32_t max, uint32_t *ret);

/* Parses statements of the current lexer up to its end of file. */
void conf_parse_stmts(struct conf_parser *p);

/* conf_block.c: 'cluster { ... }' and 'vip NAME { ... }', at the keyword. */
void conf_stmt_cluster(struct conf_parser *p);
void conf_stmt_vip(struct conf_parser *p);
/* conf_check.c: a vip's 'check "COMMAND ARGS" [interval D] [timeout D]
 * [rise N] [fall N]', after the keyword. */
void conf_item_check(struct conf_parser *p, struct conf_vip *v);
/* conf_check.c: a vip's 'follow-group NAME', after the keyword. */
void conf_item_follow(struct conf_parser *p, struct conf_vip *v);

/* conf_announce.c: a vip's 'announce COUNT [interval D] [refresh D]' and
 * 'notify-peers ADDR...', after the keyword; conf_announce_check() at the
 * end of the vip block (a peer needs a VIP address of its family). */
void conf_item_announce(struct conf_parser *p, struct conf_vip *v);
void conf_item_notify_peers(struct conf_parser *p, struct conf_vip *v);
void conf_announce_check(struct conf_parser *p, const struct conf_vip *v);

/* conf_load.c: 'include FILE', at the keyword; reads and parses FILE. */
void conf_stmt_include(struct conf_parser *p);

#endif
