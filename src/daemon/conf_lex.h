/* SPDX-License-Identifier: MIT */
/*
 * Tokens of vipd.conf: words, "quoted strings", braces, ends of line
 * (newline or ';').
 * The lexer reads a caller-owned buffer, never allocates and never writes
 * errors itself: a bad character or string comes back as CONF_TOK_ERROR.
 * Value converters (names, durations, numbers, addresses) live here too.
 */
#ifndef VIPD_DAEMON_CONF_LEX_H
#define VIPD_DAEMON_CONF_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/conf.h"

#define CONF_TOK_MAX 1024 /* longest token, with NUL */

enum conf_tok_type {
	CONF_TOK_EOF = 0, /* end of the buffer */
	CONF_TOK_EOL,	  /* newline or ; */
	CONF_TOK_WORD,	  /* bare word, maybe a keyword */
	CONF_TOK_STRING,  /* "quoted string", escapes removed */
	CONF_TOK_LBRACE,  /* { */
	CONF_TOK_RBRACE,  /* } */
	CONF_TOK_ERROR,	  /* text holds the problem */
};

/* Keywords in strcmp() order: conf_kw_lookup() bsearches their names. */
enum conf_kw {
	CONF_KW_NONE = 0,
	CONF_KW_ADDRESS,
	CONF_KW_ALLOW,
	CONF_KW_ANNOUNCE,
	CONF_KW_CHECK,
	CONF_KW_CLUSTER,
	CONF_KW_DEV,
	CONF_KW_FALL,
	CONF_KW_FOLLOW_GROUP,
	CONF_KW_GROUP,
	CONF_KW_HANDOFF_KEY,
	CONF_KW_HANDOFF_PORT,
	CONF_KW_ID,
	CONF_KW_INCLUDE,
	CONF_KW_INTERVAL,
	CONF_KW_LEASE,
	CONF_KW_LEASE_MARK,
	CONF_KW_METRICS_LISTEN,
	CONF_KW_NO,
	CONF_KW_NODE,
	CONF_KW_NODE_NAME,
	CONF_KW_NODES,
	CONF_KW_NOTIFY,
	CONF_KW_NOTIFY_PEERS,
	CONF_KW_POLICY,
	CONF_KW_PREFER,
	CONF_KW_REFRESH,
	CONF_KW_RISE,
	CONF_KW_SOCKET,
	CONF_KW_TIMEOUT,
	CONF_KW_TWO_NODE,
	CONF_KW_USER,
	CONF_KW_VIP,
	CONF_KW_WAIT,
	CONF_KW_YES,
	CONF_KW_COUNT_,
};

struct conf_pos {
	const char *file; /* not owned; outlives every token */
	unsigned line;	  /* 1-based */
	unsigned col;	  /* 1-based, in bytes */
};

struct conf_tok {
	enum conf_tok_type type;
	enum conf_kw kw;	 /* WORD only; CONF_KW_NONE otherwise */
	struct conf_pos pos;	 /* first byte of the token */
	size_t len;		 /* bytes in text, without NUL */
	char text[CONF_TOK_MAX]; /* NUL-terminated */
};

struct conf_lex {
	const char *file; /* name for positions; not owned */
	const char *buf;  /* not owned, need not be NUL-terminated */
	size_t len;
	size_t off; /* next byte to read */
	unsigned line;
	unsigned col;
};

/* Starts lexing buf[0..len) named file; both must outlive the lexer. */
void conf_lex_init(struct conf_lex *lx, const char *file, const char *buf,
		   size_t len);

/*
 * Reads the next token into *tok. Skips blanks and '#' comments. Bytes
 * below 0x20 (but tab, CR, LF) and 0x7f are refused, as are unterminated
 * strings and tokens of CONF_TOK_MAX bytes or more: those come back as
 * CONF_TOK_ERROR, after which lexing goes on from a sane point. Once at
 * the end, keeps returning CONF_TOK_EOF.
 */
void conf_lex_next(struct conf_lex *lx, struct conf_tok *tok);

/* Returns the keyword spelled word, or CONF_KW_NONE. */
enum conf_kw conf_kw_lookup(const char *word);

/* Returns the spelling of kw, or NULL for CONF_KW_NONE and out of range. */
const char *conf_kw_name(enum conf_kw kw);

/*
 * Writes tok for an error message into buf of size n: "'text'" with bytes
 * outside printable ASCII as \xNN, cut with "..." past 40 bytes, or
 * "end of line" / "end of file". n must be 64 or more. Returns buf.
 */
const char *conf_tok_describe(const struct conf_tok *tok, char *buf, size_t n);

/* True if s is a valid name: 1..CONF_NAME_MAX-1 of [A-Za-z0-9_.-]. */
bool conf_name_valid(const char *s);

/*
 * Parses a duration "150ms" or "2s" (decimal, no sign, no blanks) into
 * *ret_ms. Returns 0, or -EINVAL if malformed, -ERANGE above 2^32-1 ms.
 */
int conf_parse_duration(const char *s, uint32_t *ret_ms);

/*
 * Parses an unsigned 32-bit number, decimal or "0x" hexadecimal, with no
 * sign or blanks. Returns 0, or -EINVAL if malformed, -ERANGE if too big.
 */
int conf_parse_u32(const char *s, uint32_t *ret);

/*
 * Parses "ADDR" or "ADDR/PREFIX" (IPv4 dotted quad or IPv6) into *ret;
 * without a prefix, the host prefix (32 or 128) is used. Returns 0,
 * -EINVAL for a bad address, -ERANGE for a prefix that is not 1..32 (IPv4)
 * or 1..128 (IPv6), or is not plain decimal.
 */
int conf_parse_addr(const char *s, struct conf_addr *ret);

#endif
