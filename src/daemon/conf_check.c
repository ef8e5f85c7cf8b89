// SPDX-License-Identifier: MIT
/*
 * A VIP's health check, or its group-follow, in vipd.conf:
 *   check "/usr/bin/pg_isready -q" interval 1s timeout 500ms rise 2 fall 3
 * The command is split at spaces (no shell) and must be absolute; the
 * options may come in any order.  Fills the conf_vip's check fields.
 *   follow-group pg-primary
 */
#include <string.h>

#include "conf_priv.h"

#define CHECK_FORM "'check \"/PATH ARGS\" [interval D] [timeout D] " \
		   "[rise N] [fall N]'"

static void take_command(struct conf_parser *p, const struct conf_tok *t,
			 struct conf_vip *v)
{
	char got[CONF_DESCRIBE_MAX];

	if (t->text[0] != '/')
		conf_perr(p, &t->pos, "check command %s is relative, use an "
			  "absolute path", conf_tok_describe(t, got,
							     sizeof(got)));
	else if (t->len >= CONF_PATH_MAX)
		conf_perr(p, &t->pos, "check command %s is too long, use at "
			  "most 255 bytes", conf_tok_describe(t, got,
							      sizeof(got)));
	else
		memcpy(v->check, t->text, t->len + 1);
}

/* One "interval D", "timeout D", "rise N" or "fall N"; false at the end
 * of the statement or after reporting. */
static bool check_option(struct conf_parser *p, struct conf_vip *v)
{
	enum conf_kw kw = p->tok.type == CONF_TOK_WORD ? p->tok.kw : 0;
	const struct conf_tok *t;

	if (kw != CONF_KW_INTERVAL && kw != CONF_KW_TIMEOUT &&
	    kw != CONF_KW_RISE && kw != CONF_KW_FALL)
		return false;
	conf_next(p);
	t = conf_value(p, kw == CONF_KW_RISE || kw == CONF_KW_FALL
				  ? "a count from 1 to 100"
				  : "a duration like 500ms");
	if (!t)
		return false;
	if (kw == CONF_KW_INTERVAL)
		conf_take_duration(p, t, 100, 3600000, &v->check_interval_ms);
	else if (kw == CONF_KW_TIMEOUT)
		conf_take_duration(p, t, 10, 3600000, &v->check_timeout_ms);
	else
		conf_take_number(p, t, 1, 100, kw == CONF_KW_RISE
						       ? &v->check_rise
						       : &v->check_fall);
	conf_next(p);
	return true;
}

void conf_item_follow(struct conf_parser *p, struct conf_vip *v)
{
	const struct conf_tok *t = conf_value(p, "a CPG group name");

	if (!t)
		return;
	conf_take_name(p, t, "group name", v->follow);
	conf_next(p);
	conf_end_stmt(p);
}

void conf_item_check(struct conf_parser *p, struct conf_vip *v)
{
	const struct conf_tok *t = conf_value(p, CHECK_FORM);
	struct conf_pos pos;

	if (!t)
		return;
	pos = t->pos;
	take_command(p, t, v);
	conf_next(p);
	while (check_option(p, v))
		;
	if (v->check_timeout_ms > v->check_interval_ms)
		conf_perr(p, &pos, "check of vip '%s': timeout %u ms is longer "
			  "than its interval %u ms, shorten it", v->name,
			  v->check_timeout_ms, v->check_interval_ms);
	conf_end_stmt(p);
}
