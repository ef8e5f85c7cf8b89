// SPDX-License-Identifier: MIT
/*
 * The lexer of vipd.conf and the converters from token text to values.
 * It reads only the caller's buffer, keeps no state outside struct
 * conf_lex, never allocates and never prints: errors are tokens.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon/conf_lex.h"

/* Indexed by enum conf_kw, which is in strcmp() order (a unit test checks). */
static const char *const kw_names[CONF_KW_COUNT_] = {
	[CONF_KW_NONE] = "",
	[CONF_KW_ADDRESS] = "address",
	[CONF_KW_ALLOW] = "allow",
	[CONF_KW_ANNOUNCE] = "announce",
	[CONF_KW_CHECK] = "check",
	[CONF_KW_CLUSTER] = "cluster",
	[CONF_KW_DEV] = "dev",
	[CONF_KW_FALL] = "fall",
	[CONF_KW_FOLLOW_GROUP] = "follow-group",
	[CONF_KW_GROUP] = "group",
	[CONF_KW_HANDOFF_KEY] = "handoff-key",
	[CONF_KW_HANDOFF_PORT] = "handoff-port",
	[CONF_KW_ID] = "id",
	[CONF_KW_INCLUDE] = "include",
	[CONF_KW_INTERVAL] = "interval",
	[CONF_KW_LEASE] = "lease",
	[CONF_KW_LEASE_MARK] = "lease-mark",
	[CONF_KW_METRICS_LISTEN] = "metrics-listen",
	[CONF_KW_NO] = "no",
	[CONF_KW_NODE] = "node",
	[CONF_KW_NODE_NAME] = "node-name",
	[CONF_KW_NODES] = "nodes",
	[CONF_KW_NOTIFY] = "notify",
	[CONF_KW_NOTIFY_PEERS] = "notify-peers",
	[CONF_KW_POLICY] = "policy",
	[CONF_KW_PREFER] = "prefer",
	[CONF_KW_REFRESH] = "refresh",
	[CONF_KW_RISE] = "rise",
	[CONF_KW_SOCKET] = "socket",
	[CONF_KW_TIMEOUT] = "timeout",
	[CONF_KW_TWO_NODE] = "two-node",
	[CONF_KW_USER] = "user",
	[CONF_KW_VIP] = "vip",
	[CONF_KW_WAIT] = "wait",
	[CONF_KW_YES] = "yes",
};

void conf_lex_init(struct conf_lex *lx, const char *file, const char *buf,
		   size_t len)
{
	memset(lx, 0, sizeof(*lx));
	lx->file = file;
	lx->buf = buf;
	lx->len = len;
	lx->line = 1;
	lx->col = 1;
}

static int peek(const struct conf_lex *lx)
{
	return lx->off < lx->len ? (unsigned char)lx->buf[lx->off] : EOF;
}

static void advance(struct conf_lex *lx)
{
	if (lx->buf[lx->off++] == '\n') {
		lx->line++;
		lx->col = 1;
	} else {
		lx->col++;
	}
}

static bool is_bad_char(int c)
{
	return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
}

static bool is_word_char(int c)
{
	return c != EOF && c > ' ' && c != '{' && c != '}' && c != '"' &&
	       c != '#' && c != ';' && !is_bad_char(c);
}

static void set_error(struct conf_tok *tok, const char *msg)
{
	tok->type = CONF_TOK_ERROR;
	tok->len = strlen(msg);
	memcpy(tok->text, msg, tok->len + 1);
}

static void skip_blanks_and_comments(struct conf_lex *lx)
{
	int c;

	while ((c = peek(lx)) != EOF) {
		if (c == ' ' || c == '\t' || c == '\r') {
			advance(lx);
		} else if (c == '#') {
			while ((c = peek(lx)) != EOF && c != '\n')
				advance(lx);
		} else {
			break;
		}
	}
}

static void lex_word(struct conf_lex *lx, struct conf_tok *tok)
{
	while (is_word_char(peek(lx))) {
		if (tok->len < CONF_TOK_MAX - 1)
			tok->text[tok->len] = lx->buf[lx->off];
		tok->len++;
		advance(lx);
	}
	if (tok->len >= CONF_TOK_MAX) {
		set_error(tok, "word too long");
		return;
	}
	tok->text[tok->len] = '\0';
	tok->type = CONF_TOK_WORD;
	tok->kw = conf_kw_lookup(tok->text);
}

/* After an error inside a string, drops the rest of its line. */
static void skip_to_eol(struct conf_lex *lx)
{
	int c;

	while ((c = peek(lx)) != EOF && c != '\n')
		advance(lx);
}

static void lex_string(struct conf_lex *lx, struct conf_tok *tok)
{
	const char *err = NULL;

	advance(lx);
	while (!err) {
		int c = peek(lx);

		if (c == EOF || c == '\n') {
			set_error(tok, "unterminated string");
			return;
		}
		if (c == '"')
			break;
		if (c == '\\') {
			advance(lx);
			c = peek(lx);
			if (c != '"' && c != '\\')
				err = "bad escape in string, use \\\" or \\\\";
		}
		if (!err && is_bad_char(c))
			err = "control character in string";
		else if (!err && tok->len >= CONF_TOK_MAX - 1)
			err = "string too long";
		if (!err) {
			tok->text[tok->len++] = (char)c;
			advance(lx);
		}
	}
	if (err) {
		skip_to_eol(lx);
		set_error(tok, err);
		return;
	}
	advance(lx);
	tok->text[tok->len] = '\0';
	tok->type = CONF_TOK_STRING;
}

void conf_lex_next(struct conf_lex *lx, struct conf_tok *tok)
{
	char msg[48];
	int c;

	skip_blanks_and_comments(lx);
	tok->kw = CONF_KW_NONE;
	tok->len = 0;
	tok->text[0] = '\0';
	tok->pos.file = lx->file;
	tok->pos.line = lx->line;
	tok->pos.col = lx->col;
	c = peek(lx);
	if (c == EOF) {
		tok->type = CONF_TOK_EOF;
	} else if (c == '\n' || c == ';' || c == '{' || c == '}') {
		tok->type = c == '\n' || c == ';' ? CONF_TOK_EOL
			    : c == '{'		  ? CONF_TOK_LBRACE
						  : CONF_TOK_RBRACE;
		tok->text[0] = (char)c;
		tok->text[1] = '\0';
		tok->len = 1;
		advance(lx);
	} else if (c == '"') {
		lex_string(lx, tok);
	} else if (is_bad_char(c)) {
		snprintf(msg, sizeof(msg), "invalid character '\\x%02x'", c);
		set_error(tok, msg);
		advance(lx);
	} else {
		lex_word(lx, tok);
	}
}

static int kw_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

enum conf_kw conf_kw_lookup(const char *word)
{
	const char *const *hit;

	hit = bsearch(word, kw_names + 1, CONF_KW_COUNT_ - 1,
		      sizeof(kw_names[0]), kw_cmp);
	return hit ? (enum conf_kw)(hit - kw_names) : CONF_KW_NONE;
}

const char *conf_kw_name(enum conf_kw kw)
{
	if (kw <= CONF_KW_NONE || kw >= CONF_KW_COUNT_)
		return NULL;
	return kw_names[kw];
}

const char *conf_tok_describe(const struct conf_tok *tok, char *buf, size_t n)
{
	size_t o = 0, i;

	if (tok->type == CONF_TOK_EOF ||
	    (tok->type == CONF_TOK_EOL && tok->text[0] != ';')) {
		snprintf(buf, n, "%s",
			 tok->type == CONF_TOK_EOF ? "end of file"
						   : "end of line");
		return buf;
	}
	if (n < 64) {
		snprintf(buf, n, "%s", "");
		return buf;
	}
	buf[o++] = '\'';
	for (i = 0; i < tok->len && o + 6 < n; i++) {
		unsigned char c = (unsigned char)tok->text[i];

		if (i == 40) {
			o += (size_t)snprintf(buf + o, n - o, "...");
			break;
		}
		if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(buf + o, n - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o++] = '\'';
	buf[o] = '\0';
	return buf;
}

bool conf_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CONF_NAME_MAX)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789_.-") == n;
}

/* Reads decimal digits from *s; at least one, value capped at 2^33. */
static int parse_dec(const char **s, uint64_t *ret)
{
	const char *p = *s;
	uint64_t v = 0;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > (1ULL << 33))
			v = 1ULL << 33;
	}
	*s = p;
	*ret = v;
	return 0;
}

int conf_parse_duration(const char *s, uint32_t *ret_ms)
{
	uint64_t v;

	if (parse_dec(&s, &v) < 0)
		return -EINVAL;
	if (strcmp(s, "s") == 0)
		v *= 1000;
	else if (strcmp(s, "ms") != 0)
		return -EINVAL;
	if (v > UINT32_MAX)
		return -ERANGE;
	*ret_ms = (uint32_t)v;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int conf_parse_u32(const char *s, uint32_t *ret)
{
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		if (*s == '\0')
			return -EINVAL;
		for (; *s; s++) {
			int d = hex_digit(*s);

			if (d < 0)
				return -EINVAL;
			v = v * 16 + (uint64_t)d;
			if (v > UINT32_MAX)
				return -ERANGE;
		}
	} else if (parse_dec(&s, &v) < 0 || *s != '\0') {
		return -EINVAL;
	}
	if (v > UINT32_MAX)
		return -ERANGE;
	*ret = (uint32_t)v;
	return 0;
}

int conf_parse_addr(const char *s, struct conf_addr *ret)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	struct conf_addr a;
	uint64_t plen;
	const char *p;

	if (n == 0 || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, host, a.addr) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, host, a.addr) == 1)
		a.family = AF_INET6;
	else
		return -EINVAL;
	plen = a.family == AF_INET ? 32 : 128;
	if (slash) {
		p = slash + 1;
		if (parse_dec(&p, &plen) < 0 || *p != '\0' ||
		    (slash[1] == '0' && slash[2] != '\0'))
			return -ERANGE;
		if (plen == 0 || plen > (a.family == AF_INET ? 32U : 128U))
			return -ERANGE;
	}
	a.prefixlen = (uint8_t)plen;
	*ret = a;
	return 0;
}
