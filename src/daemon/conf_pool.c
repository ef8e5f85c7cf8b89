// SPDX-License-Identifier: MIT
/*
 * The pool block of vipd.conf: a set of VIPs that vipd spreads over the
 * live nodes itself (src/core/pool.c).
 *   pool web {
 *           vips web1 web2 web3 web4
 *           prefer n1 n2            # ties of load go to these first
 *           max-per-node 3          # never more on one node
 *           rebalance after 30s     # or: rebalance off
 *   }
 * The VIPs are defined above it, each in its vip block.  The sub-words
 * are read as text, not keywords, so they add nothing to the lexer's
 * table.  Also prints the blocks back (printconf) and compares them on
 * reload.
 */
#include <stdio.h>
#include <string.h>

#include "daemon/conf_pool.h"
#include "daemon/conf_priv.h"

#define POOL_SETTLE_MS 30000 /* default 'rebalance after' */
#define POOL_ITEMS "'vips', 'prefer', 'max-per-node', 'rebalance' or '}'"

struct pool_state {
	struct conf_pool *pl;
	unsigned idx;	     /* in c->pools */
	unsigned given;	     /* bit per item */
	struct conf_pos pos; /* of the pool name */
};

static const char *const pool_items[] = { "vips", "prefer", "max-per-node",
					  "rebalance" };

bool conf_pool_at(const struct conf_parser *p)
{
	return p->tok.type == CONF_TOK_WORD && !strcmp(p->tok.text, "pool");
}

/* The reason vip v cannot join a pool, or NULL. */
static const char *vip_unfit(const struct conf_vip *v)
{
	if (v->policy == CONF_POLICY_PREFER)
		return "has 'policy prefer': the pool places it, remove its "
		       "policy line (the pool's 'prefer' orders ties)";
	if (v->check[0])
		return "has a check, which chooses its holder: take it out "
		       "of the pool or remove the check";
	if (v->follow[0])
		return "has a follow-group, which chooses its holder: take it "
		       "out of the pool or remove the follow-group";
	return NULL;
}

static void add_member(struct conf_parser *p, struct pool_state *ps,
		       const struct conf_tok *t)
{
	struct conf *c = p->c;
	unsigned k;
	const char *why;

	for (k = 0; k < c->nvips; k++)
		if (!strcmp(c->vips[k].name, t->text))
			break;
	if (k == c->nvips) {
		conf_perr(p, &t->pos, "vip '%s' of pool '%s' is not defined "
			  "above it; define it in a vip block before the pool",
			  t->text, ps->pl->name);
		return;
	}
	if (c->vips[k].pool == ps->idx + 1) {
		conf_perr(p, &t->pos, "vip '%s' is listed twice in pool '%s', "
			  "keep one", t->text, ps->pl->name);
		return;
	}
	if (c->vips[k].pool) {
		conf_perr(p, &t->pos, "vip '%s' is already in pool '%s', list "
			  "it in one pool only", t->text,
			  c->pools[c->vips[k].pool - 1].name);
		return;
	}
	why = vip_unfit(&c->vips[k]);
	if (why) {
		conf_perr(p, &t->pos, "vip '%s' of pool '%s' %s", t->text,
			  ps->pl->name, why);
		return;
	}
	c->vips[k].pool = (uint8_t)(ps->idx + 1);
	ps->pl->nvips++;
}

/* Reads WHAT... to the end of the statement, each through take(). */
static void word_list(struct conf_parser *p, struct pool_state *ps,
		      void (*take)(struct conf_parser *, struct pool_state *,
				   const struct conf_tok *),
		      const char *what)
{
	char form[64];
	const struct conf_tok *t;

	snprintf(form, sizeof(form), "a %s", what);
	if (!conf_value(p, form))
		return;
	snprintf(form, sizeof(form), "a %s or end of line", what);
	while ((t = conf_value(p, form))) {
		take(p, ps, t);
		conf_next(p);
		if (p->tok.type == CONF_TOK_EOL ||
		    p->tok.type == CONF_TOK_EOF ||
		    p->tok.type == CONF_TOK_RBRACE) {
			conf_end_stmt(p);
			return;
		}
	}
}

static void add_prefer(struct conf_parser *p, struct pool_state *ps,
		       const struct conf_tok *t)
{
	int i = conf_node_index(p->c, t->text);
	struct conf_pool *pl = ps->pl;

	if (i < 0) {
		conf_perr(p, &t->pos, "node '%s' in the prefer list of pool "
			  "'%s' is not in the cluster block, add 'node %s id "
			  "N' to cluster { }", t->text, pl->name, t->text);
		return;
	}
	for (unsigned r = 0; r < pl->nprefer; r++)
		if (pl->prefer[r] == (uint8_t)i) {
			conf_perr(p, &t->pos, "node '%s' is listed twice, "
				  "keep one", t->text);
			return;
		}
	pl->prefer[pl->nprefer++] = (uint8_t)i;
}

static void item_rebalance(struct conf_parser *p, struct conf_pool *pl)
{
	const struct conf_tok *t = conf_value(p, "'after DURATION' or 'off'");

	if (!t)
		return;
	if (!strcmp(t->text, "off")) {
		pl->settle_ms = 0;
	} else if (!strcmp(t->text, "after")) {
		conf_next(p);
		t = conf_value(p, "a duration like 30s");
		if (!t)
			return;
		conf_take_duration(p, t, 1000, 86400000, &pl->settle_ms);
	} else {
		conf_expected(p, "'after DURATION' or 'off'");
		return;
	}
	conf_next(p);
	conf_end_stmt(p);
}

static void pool_item(struct conf_parser *p, struct pool_state *ps)
{
	unsigned n = sizeof(pool_items) / sizeof(pool_items[0]), i = 0;
	const struct conf_tok *t;

	while (p->tok.type == CONF_TOK_WORD && i < n &&
	       strcmp(p->tok.text, pool_items[i]) != 0)
		i++;
	if (p->tok.type != CONF_TOK_WORD || i == n) {
		conf_expected(p, POOL_ITEMS);
		return;
	}
	if (ps->given & (1u << i))
		conf_perr(p, &p->tok.pos, "'%s' is given twice in pool '%s', "
			  "keep one", pool_items[i], ps->pl->name);
	ps->given |= 1u << i;
	conf_next(p);
	if (i == 0) {
		word_list(p, ps, add_member, "vip name");
	} else if (i == 1) {
		word_list(p, ps, add_prefer, "node name");
	} else if (i == 2) {
		t = conf_value(p, "a count from 1 to 4096");
		if (!t)
			return;
		conf_take_number(p, t, 1, CONF_MAX_VIPS,
				 &ps->pl->max_per_node);
		conf_next(p);
		conf_end_stmt(p);
	} else {
		item_rebalance(p, ps->pl);
	}
}

/* Names the pool, refusing a second one of that name. */
static bool pool_name(struct conf_parser *p, struct pool_state *ps,
		      const struct conf_tok *t)
{
	ps->pos = t->pos;
	if (!conf_take_name(p, t, "pool name", ps->pl->name))
		return false;
	for (unsigned i = 0; i < ps->idx; i++)
		if (!strcmp(p->c->pools[i].name, ps->pl->name)) {
			conf_perr(p, &t->pos, "pool '%s' is defined twice, "
				  "rename one", ps->pl->name);
			return false;
		}
	return true;
}

void conf_stmt_pool(struct conf_parser *p)
{
	struct conf_pool scratch;
	struct pool_state ps = { .pl = &scratch, .idx = CONF_MAX_POOLS };
	const struct conf_tok *t;

	if (!p->have_cluster)
		conf_perr(p, &p->tok.pos, "pool before the cluster block, "
			  "move cluster { } above the pools");
	conf_next(p);
	t = conf_value(p, "a pool name");
	if (!t)
		return;
	if (p->c->npools == CONF_MAX_POOLS)
		conf_perr(p, &t->pos, "too many pools, use at most %d",
			  CONF_MAX_POOLS);
	else
		ps.idx = p->c->npools, ps.pl = &p->c->pools[ps.idx];
	memset(ps.pl, 0, sizeof(*ps.pl));
	ps.pl->settle_ms = POOL_SETTLE_MS;
	if (pool_name(p, &ps, t) && ps.idx < CONF_MAX_POOLS)
		p->c->npools++;
	conf_next(p);
	if (!conf_open_block(p))
		return;
	while (p->tok.type != CONF_TOK_RBRACE && p->tok.type != CONF_TOK_EOF) {
		if (p->tok.type == CONF_TOK_EOL)
			conf_next(p);
		else
			pool_item(p, &ps);
	}
	conf_close_block(p);
	if (!(ps.given & 1u))
		conf_perr(p, &ps.pos, "pool '%s' has no VIPs, add 'vips "
			  "NAME...'", ps.pl->name);
}

static void print_ms(FILE *f, uint32_t ms)
{
	if (ms % 1000)
		fprintf(f, "%ums", ms);
	else
		fprintf(f, "%us", ms / 1000);
}

void conf_pool_print(FILE *f, const struct conf *c)
{
	for (unsigned i = 0; i < c->npools; i++) {
		const struct conf_pool *pl = &c->pools[i];

		fprintf(f, "\npool %s {\n\tvips", pl->name);
		for (unsigned k = 0; k < c->nvips; k++)
			if (c->vips[k].pool == i + 1)
				fprintf(f, " %s", c->vips[k].name);
		fputc('\n', f);
		if (pl->nprefer)
			fputs("\tprefer", f);
		for (unsigned r = 0; r < pl->nprefer; r++)
			fprintf(f, " %s", c->nodes[pl->prefer[r]].name);
		if (pl->nprefer)
			fputc('\n', f);
		if (pl->max_per_node)
			fprintf(f, "\tmax-per-node %u\n", pl->max_per_node);
		fputs(pl->settle_ms ? "\trebalance after " : "\trebalance off",
		      f);
		if (pl->settle_ms)
			print_ms(f, pl->settle_ms);
		fputs("\n}\n", f);
	}
}

/* The pool a VIP named name is in, by name; "" if none or no such VIP. */
static const char *pool_of(const struct conf *c, const char *name)
{
	for (unsigned k = 0; k < c->nvips; k++)
		if (!c->vips[k].retired && !strcmp(c->vips[k].name, name))
			return c->vips[k].pool ?
			       c->pools[c->vips[k].pool - 1].name : "";
	return "";
}

/* VIPs are matched by name: a reload may add or remove VIPs outside
 * pools, never change a pool or its members. */
bool conf_pools_differ(const struct conf *a, const struct conf *b)
{
	if (a->npools != b->npools)
		return true;
	for (unsigned i = 0; i < a->npools; i++) {
		const struct conf_pool *x = &a->pools[i], *y = &b->pools[i];

		if (strcmp(x->name, y->name) != 0 || x->nprefer != y->nprefer ||
		    memcmp(x->prefer, y->prefer, x->nprefer) != 0 ||
		    x->max_per_node != y->max_per_node ||
		    x->settle_ms != y->settle_ms || x->nvips != y->nvips)
			return true;
	}
	for (unsigned k = 0; k < a->nvips; k++)
		if (!a->vips[k].retired &&
		    strcmp(pool_of(a, a->vips[k].name),
			   pool_of(b, a->vips[k].name)) != 0)
			return true;
	for (unsigned k = 0; k < b->nvips; k++)
		if (strcmp(pool_of(a, b->vips[k].name),
			   pool_of(b, b->vips[k].name)) != 0)
			return true;
	return false;
}
