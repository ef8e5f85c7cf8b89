// SPDX-License-Identifier: MIT
/*
 * Control request lines: parse and format. A request is one line of
 * printable ASCII words separated by spaces. This file owns the grammar
 * and its error reasons; it must never log, allocate or trust the length
 * of anything it has not checked.
 *
 *   status [VIP] | claim VIP [--term N] [--wait SECONDS] [--session SECONDS]
 *   | release VIP | move VIP NODE | watch | reload | ping
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proto/ctl.h"

#define CTL_TOK_MAX 8	 /* words kept; one more means "too many" */
#define CTL_QUOTE_MAX 32 /* bytes of user input quoted in a reason */

struct ctl_tok {
	const char *p; /* into the caller's line; not NUL-terminated */
	size_t n;      /* bytes */
};

#define CTL_OPT_CLAIM 1 /* --term, --wait, --session */
#define CTL_OPT_SINCE 2 /* --since */

struct ctl_syntax {
	const char *word; /* command word */
	enum ctl_cmd cmd;
	unsigned min_pos;  /* positional arguments required */
	unsigned max_pos;  /* positional arguments allowed */
	int options;	   /* CTL_OPT_* allowed */
	const char *usage; /* for reasons */
};

static const struct ctl_syntax ctl_syntax[] = {
	{"status", CTL_STATUS, 0, 1, 0, "status [VIP]"},
	{"claim", CTL_CLAIM, 1, 1, CTL_OPT_CLAIM,
	 "claim VIP [--term N] [--wait SECONDS] [--session SECONDS]"},
	{"release", CTL_RELEASE, 1, 1, 0, "release VIP"},
	{"move", CTL_MOVE, 2, 2, 0, "move VIP NODE"},
	{"watch", CTL_WATCH, 0, 0, CTL_OPT_SINCE,
	 "watch [--since INCARNATION:SEQ]"},
	{"reload", CTL_RELOAD, 0, 0, 0, "reload"},
	{"ping", CTL_PING, 0, 0, 0, "ping"},
	{"metrics", CTL_METRICS, 0, 0, 0, "metrics"},
	{"rebalance", CTL_REBALANCE, 1, 1, 0, "rebalance POOL"},
};

static const char *const ctl_cmd_name[] = {
	[CTL_STATUS] = "status",   [CTL_CLAIM] = "claim",
	[CTL_RELEASE] = "release", [CTL_MOVE] = "move",
	[CTL_WATCH] = "watch",	   [CTL_RELOAD] = "reload",
	[CTL_PING] = "ping",	   [CTL_METRICS] = "metrics",
	[CTL_REBALANCE] = "rebalance",
};

const char *ctl_cmd_to_string(enum ctl_cmd cmd)
{
	if ((unsigned)cmd >= sizeof(ctl_cmd_name) / sizeof(ctl_cmd_name[0]))
		return NULL;
	return ctl_cmd_name[cmd];
}

__attribute__((format(printf, 3, 4))) static void
fail_msg(char *reason, size_t rlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (reason && rlen)
		vsnprintf(reason, rlen, fmt, ap);
	va_end(ap);
}

/* Records the reason and yields -EINVAL, visibly to the static analyser
 * (which does not follow a va_list function's return value). */
#define fail(reason, rlen, ...) (fail_msg((reason), (rlen), __VA_ARGS__), -EINVAL)

/* Copies a token for quoting: printable ASCII only, at most 32 bytes. */
static const char *quote(const struct ctl_tok *t, char *buf)
{
	size_t n = t->n > CTL_QUOTE_MAX ? CTL_QUOTE_MAX : t->n;
	size_t i;

	/* cppcheck-suppress knownConditionTrueFalse ; n comes from t */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t->p[i];

		buf[i] = (char)((c >= 0x20 && c < 0x7f) ? c : '?');
	}
	if (t->n > n) /* cppcheck-suppress knownConditionTrueFalse */
		memcpy(buf + i, "...", 4);
	else
		buf[i] = '\0';
	return buf;
}

static int tok_eq(const struct ctl_tok *t, const char *s)
{
	return t->n == strlen(s) && memcmp(t->p, s, t->n) == 0;
}

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static int tok_name(const struct ctl_tok *t, char *out)
{
	size_t i;

	if (t->n == 0 || t->n >= CTL_NAME_MAX)
		return -EINVAL;
	for (i = 0; i < t->n; i++)
		if (!name_char(t->p[i]))
			return -EINVAL;
	memcpy(out, t->p, t->n);
	out[t->n] = '\0';
	return 0;
}

int ctl_name_valid(const char *name)
{
	struct ctl_tok t = {name, name ? strnlen(name, CTL_NAME_MAX) : 0};
	char tmp[CTL_NAME_MAX];

	return name && tok_name(&t, tmp) == 0;
}

static int tok_term(const struct ctl_tok *t, uint64_t *ret)
{
	uint64_t v = 0;
	size_t i;

	if (t->n == 0)
		return -EINVAL;
	for (i = 0; i < t->n; i++) {
		unsigned d = (unsigned)(t->p[i] - '0');

		if (d > 9 || v > (CTL_TERM_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	if (v == 0)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* Seconds with up to three decimals, 0..3600, into milliseconds. */
static int tok_wait(const struct ctl_tok *t, uint32_t *ret)
{
	uint32_t sec = 0, ms = 0, scale = 100;
	size_t i = 0;

	for (; i < t->n && t->p[i] >= '0' && t->p[i] <= '9'; i++) {
		sec = sec * 10 + (uint32_t)(t->p[i] - '0');
		if (sec > CTL_WAIT_MAX_MS / 1000)
			return -EINVAL;
	}
	if (i == 0)
		return -EINVAL;
	if (i < t->n) {
		if (t->p[i++] != '.' || i == t->n || t->n - i > 3)
			return -EINVAL;
		for (; i < t->n; i++, scale /= 10) {
			if (t->p[i] < '0' || t->p[i] > '9')
				return -EINVAL;
			ms += (uint32_t)(t->p[i] - '0') * scale;
		}
	}
	if (sec * 1000 + ms > CTL_WAIT_MAX_MS)
		return -EINVAL;
	*ret = sec * 1000 + ms;
	return 0;
}

/* Checks bytes and splits into words; returns the word count. */
static int split(const char *line, size_t len, struct ctl_tok *tok,
		 char *reason, size_t rlen)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == 0)
			return fail(reason, rlen,
				    "request: NUL byte at column %zu; send "
				    "printable text",
				    i + 1);
		if (c < 0x20 || c == 0x7f)
			return fail(
				reason, rlen,
				"request: control character 0x%02x at column "
				"%zu; separate words with single spaces",
				c, i + 1);
	}
	for (i = 0; i < len;) {
		size_t start;

		while (i < len && line[i] == ' ')
			i++;
		if (i == len)
			break;
		if (n == CTL_TOK_MAX)
			return fail(reason, rlen,
				    "request: more than %d words; see the "
				    "usage of the command",
				    CTL_TOK_MAX);
		for (start = i; i < len && line[i] != ' '; i++)
			;
		tok[n].p = line + start;
		tok[n++].n = i - start;
	}
	return (int)n;
}

/* A seconds option (--wait, --session) into *ms and *has. */
static int parse_seconds(const struct ctl_syntax *s, const char *name,
			 const struct ctl_tok *val, uint32_t *ms, int *has,
			 char *reason, size_t rlen)
{
	char q[CTL_QUOTE_MAX + 4];

	if (*has)
		return fail(reason, rlen, "%s: %s given twice; give it once",
			    s->word, name);
	if (!val || tok_wait(val, ms) < 0)
		return fail(reason, rlen,
			    "%s: %s expects seconds from 0 to 3600 (e.g. 2 "
			    "or 0.5), got '%s'",
			    s->word, name, val ? quote(val, q) : "");
	*has = 1;
	return 0;
}

/* INCARNATION:SEQ, 16 lower-case hex digits and a decimal (0 allowed). */
static int tok_since(const struct ctl_tok *t, struct ctl_req *r)
{
	struct ctl_tok seq;
	size_t i;

	if (t->n < 18 || t->p[16] != ':')
		return -EINVAL;
	for (i = 0; i < 16; i++)
		if (!((t->p[i] >= '0' && t->p[i] <= '9') ||
		      (t->p[i] >= 'a' && t->p[i] <= 'f')))
			return -EINVAL;
	seq = (struct ctl_tok){ t->p + 17, t->n - 17 };
	if (seq.n == 1 && seq.p[0] == '0')
		r->since_seq = 0;
	else if (tok_term(&seq, &r->since_seq) < 0)
		return -EINVAL;
	memcpy(r->since_incarnation, t->p, 16);
	r->since_incarnation[16] = '\0';
	return 0;
}

static int parse_since(const struct ctl_syntax *s, const struct ctl_tok *val,
		       struct ctl_req *r, char *reason, size_t rlen)
{
	char q[CTL_QUOTE_MAX + 4];

	if (r->has_since)
		return fail(reason, rlen, "%s: --since given twice; give it "
			    "once", s->word);
	if (!val || tok_since(val, r) < 0)
		return fail(reason, rlen,
			    "%s: --since expects INCARNATION:SEQ as the last "
			    "event carried them (16 hex digits, a colon, a "
			    "number), got '%s'",
			    s->word, val ? quote(val, q) : "");
	r->has_since = 1;
	return 0;
}

static int parse_option(const struct ctl_syntax *s, const struct ctl_tok *opt,
			const struct ctl_tok *val, struct ctl_req *r,
			char *reason, size_t rlen)
{
	char q[CTL_QUOTE_MAX + 4];

	if ((s->options & CTL_OPT_SINCE) && tok_eq(opt, "--since"))
		return parse_since(s, val, r, reason, rlen);
	if ((s->options & CTL_OPT_CLAIM) && tok_eq(opt, "--wait"))
		return parse_seconds(s, "--wait", val, &r->wait_ms,
				     &r->has_wait, reason, rlen);
	if ((s->options & CTL_OPT_CLAIM) && tok_eq(opt, "--session"))
		return parse_seconds(s, "--session", val, &r->session_ms,
				     &r->has_session, reason, rlen);
	if (!(s->options & CTL_OPT_CLAIM) || !tok_eq(opt, "--term"))
		return fail(reason, rlen, "%s: unknown option '%s'; usage: %s",
			    s->word, quote(opt, q), s->usage);
	if (r->has_term)
		return fail(reason, rlen, "%s: --term given twice; give it once",
			    s->word);
	if (!val || tok_term(val, &r->term) < 0)
		return fail(reason, rlen,
			    "%s: --term expects a positive integer below 2^63, "
			    "got '%s'",
			    s->word, val ? quote(val, q) : "");
	r->has_term = 1;
	return 0;
}

static int parse_positional(const struct ctl_syntax *s, unsigned idx,
			    const struct ctl_tok *t, struct ctl_req *r,
			    char *reason, size_t rlen)
{
	char q[CTL_QUOTE_MAX + 4];
	const char *what = s->cmd == CTL_REBALANCE ? "POOL"
			   : idx == 0		   ? "VIP"
						   : "NODE";

	if (idx >= s->max_pos)
		return fail(reason, rlen,
			    "%s: unexpected argument '%s'; usage: %s", s->word,
			    quote(t, q), s->usage);
	if (tok_name(t, idx == 0 ? r->vip : r->node) < 0)
		return fail(reason, rlen,
			    "%s: %s name must be 1 to 63 of A-Z a-z 0-9 _ . -, "
			    "got '%s'",
			    s->word, what, quote(t, q));
	return 0;
}

static int parse_args(const struct ctl_syntax *s, const struct ctl_tok *tok,
		      unsigned n, struct ctl_req *r, char *reason, size_t rlen)
{
	unsigned npos = 0, i;
	int k;

	for (i = 1; i < n; i++) {
		if (tok[i].n >= 2 && tok[i].p[0] == '-' && tok[i].p[1] == '-') {
			k = parse_option(s, &tok[i],
					 i + 1 < n ? &tok[i + 1] : NULL, r,
					 reason, rlen);
			i++;
		} else {
			k = parse_positional(s, npos++, &tok[i], r, reason,
					     rlen);
		}
		if (k < 0)
			return k;
	}
	if (npos < s->min_pos)
		return fail(reason, rlen, "%s: missing %s; usage: %s", s->word,
			    s->cmd == CTL_REBALANCE ? "POOL"
			    : npos == 0		    ? "VIP"
						    : "NODE",
			    s->usage);
	return 0;
}

int ctl_req_parse(const char *line, size_t len, struct ctl_req *ret,
		  char *reason, size_t rlen)
{
	struct ctl_tok tok[CTL_TOK_MAX];
	char q[CTL_QUOTE_MAX + 4];
	struct ctl_req r;
	size_t i;
	int n;

	if (len > CTL_LINE_MAX ||
	    (len == CTL_LINE_MAX && line[len - 1] != '\n'))
		return fail(reason, rlen, "request longer than %d bytes",
			    CTL_LINE_MAX);
	if (len > 0 && line[len - 1] == '\n')
		len--;
	n = split(line, len, tok, reason, rlen);
	if (n < 0)
		return n;
	if (n == 0)
		return fail(reason, rlen,
			    "empty request; expected status, claim, release, "
			    "move, watch, reload, rebalance, ping or metrics");
	for (i = 0; i < sizeof(ctl_syntax) / sizeof(ctl_syntax[0]); i++)
		if (tok_eq(&tok[0], ctl_syntax[i].word))
			break;
	if (i == sizeof(ctl_syntax) / sizeof(ctl_syntax[0]))
		return fail(reason, rlen,
			    "unknown command '%s'; expected status, claim, "
			    "release, move, watch, reload, rebalance, ping or "
			    "metrics",
			    quote(&tok[0], q));
	memset(&r, 0, sizeof(r));
	r.cmd = ctl_syntax[i].cmd;
	n = parse_args(&ctl_syntax[i], tok, (unsigned)n, &r, reason, rlen);
	if (n < 0)
		return n;
	*ret = r;
	return 0;
}

static int req_valid(const struct ctl_req *r)
{
	int need_vip = r->cmd == CTL_CLAIM || r->cmd == CTL_RELEASE ||
		       r->cmd == CTL_MOVE || r->cmd == CTL_REBALANCE;

	if (!ctl_cmd_to_string(r->cmd) || !memchr(r->vip, 0, CTL_NAME_MAX) ||
	    !memchr(r->node, 0, CTL_NAME_MAX))
		return 0;
	if ((need_vip || r->vip[0]) && !ctl_name_valid(r->vip))
		return 0;
	if (r->cmd != CTL_STATUS && !need_vip && r->vip[0])
		return 0;
	if ((r->cmd == CTL_MOVE) != (r->node[0] != '\0'))
		return 0;
	if (r->cmd == CTL_MOVE && !ctl_name_valid(r->node))
		return 0;
	if ((r->has_term || r->has_wait || r->has_session) &&
	    r->cmd != CTL_CLAIM)
		return 0;
	if (r->has_session && r->session_ms > CTL_WAIT_MAX_MS)
		return 0;
	if (r->has_since &&
	    (r->cmd != CTL_WATCH || strlen(r->since_incarnation) != 16 ||
	     strspn(r->since_incarnation, "0123456789abcdef") != 16 ||
	     r->since_seq > CTL_TERM_MAX))
		return 0;
	if (r->has_term && (r->term == 0 || r->term > CTL_TERM_MAX))
		return 0;
	return !r->has_wait || r->wait_ms <= CTL_WAIT_MAX_MS;
}

/* " NAME S" with S in seconds and at most three decimals. */
static void format_seconds(char *buf, size_t len, const char *name,
			   uint32_t ms)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, " %s %u", name, ms / 1000);
	else if (ms % 100 == 0)
		snprintf(buf, len, " %s %u.%u", name, ms / 1000,
			 ms % 1000 / 100);
	else if (ms % 10 == 0)
		snprintf(buf, len, " %s %u.%02u", name, ms / 1000,
			 ms % 1000 / 10);
	else
		snprintf(buf, len, " %s %u.%03u", name, ms / 1000, ms % 1000);
}

int ctl_req_format(const struct ctl_req *r, char *buf, size_t len)
{
	char term[32] = "", wait[32] = "", session[32] = "", since[48] = "";
	int n;

	if (!req_valid(r))
		return -EINVAL;
	if (r->has_term)
		snprintf(term, sizeof(term), " --term %llu",
			 (unsigned long long)r->term);
	if (r->has_wait)
		format_seconds(wait, sizeof(wait), "--wait", r->wait_ms);
	if (r->has_session)
		format_seconds(session, sizeof(session), "--session",
			       r->session_ms);
	if (r->has_since)
		snprintf(since, sizeof(since), " --since %s:%llu",
			 r->since_incarnation, (unsigned long long)r->since_seq);
	n = snprintf(buf, len, "%s%s%s%s%s%s%s%s%s\n",
		     ctl_cmd_to_string(r->cmd), r->vip[0] ? " " : "", r->vip,
		     r->node[0] ? " " : "", r->node, term, wait, session,
		     since);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}
