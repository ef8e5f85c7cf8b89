// SPDX-License-Identifier: MIT
/*
 * Pools: sets of VIPs spread over the live eligible nodes (Wackamole's
 * balance).  Placement is a pure function of the agreed table: a lost
 * holder's VIPs go one by one to the least-loaded usable node, a VIP with
 * no holder is placed the same way once the group may decide, and a node
 * that joins takes nothing until an agreed REBALANCE moves the fewest
 * VIPs needed.  Every move goes through vip_assign(), so it is
 * break-before-make like any other.  Only the settle timer is local: the
 * lowest member sends the REBALANCE when its timer fires.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define POOL_ALL_NODES 0xffffffffu

int core_pool_find(const struct core *c, const char *name)
{
	for (unsigned p = 0; p < c->conf->npools; p++)
		if (!strcmp(c->conf->pools[p].name, name))
			return (int)p;
	return -1;
}

void core_pool_get(const struct core *c, unsigned pool,
		   struct core_pool_info *ret)
{
	const struct core_pool *p = &c->pools[pool];

	*ret = (struct core_pool_info){ .due = p->due,
					.rebalances = p->rebalances,
					.last_moves = p->last_moves };
}

/* Pool VIPs each node holds now. */
static void pool_loads(const struct core *c, unsigned pool, unsigned *load)
{
	memset(load, 0, CONF_MAX_NODES * sizeof(*load));
	for (unsigned k = 0; k < c->conf->nvips; k++) {
		int h;

		if (c->conf->vips[k].pool != pool + 1)
			continue;
		h = node_index(c, c->vips[k].holder);
		if (h >= 0)
			load[h]++;
	}
}

/* Tie-break among equal loads: the pool's prefer order, then the order
 * of the cluster block. */
static unsigned pool_rank(const struct core *c, unsigned pool, unsigned i)
{
	const struct conf_pool *cp = &c->conf->pools[pool];

	for (unsigned r = 0; r < cp->nprefer; r++)
		if (cp->prefer[r] == i)
			return r;
	return cp->nprefer + i;
}

static unsigned pool_cap(const struct core *c, unsigned pool)
{
	uint32_t m = c->conf->pools[pool].max_per_node;

	return m ? m : POOL_ALL_NODES;
}

/* Whether a is a better place than b (-1: none yet) for one more VIP. */
static int pool_better(const struct core *c, unsigned pool,
		       const unsigned *load, unsigned a, int b)
{
	if (b < 0 || load[a] != load[b])
		return b < 0 || load[a] < load[b];
	return pool_rank(c, pool, a) < pool_rank(c, pool, (unsigned)b);
}

uint32_t pool_successor(const struct core *c, unsigned vip, uint32_t gone)
{
	unsigned pool = c->conf->vips[vip].pool - 1u;
	unsigned load[CONF_MAX_NODES], cap = pool_cap(c, pool);
	int best = -1;

	pool_loads(c, pool, load);
	for (unsigned i = 0; i < c->conf->nnodes; i++) {
		uint32_t id = c->nodes[i].id;

		if (id == gone || !vip_usable(c, id) ||
		    !vip_eligible(c, vip, id) || load[i] >= cap)
			continue;
		if (pool_better(c, pool, load, i, best))
			best = (int)i;
	}
	return best < 0 ? 0 : c->nodes[best].id;
}

/* Place every pool VIP that has no holder, in table order. */
void pool_fill(struct core *c, uint64_t now)
{
	if (!c->synced || !vip_may_change(c))
		return;
	for (unsigned k = 0; k < c->conf->nvips; k++) {
		uint32_t to;

		if (!c->conf->vips[k].pool || c->vips[k].holder)
			continue;
		to = vip_successor(c, k, 0);
		if (!to)
			continue;
		vip_assign(c, now, k, to, c->vips[k].term + 1, "pool");
		vip_reconcile(c, now, k);
		pend_check(c, k, now);
	}
}

/* Usable nodes that may hold some VIP of the pool. */
static uint32_t pool_nodes(const struct core *c, unsigned pool)
{
	uint32_t elig = 0, mask = 0;

	for (unsigned k = 0; k < c->conf->nvips; k++)
		if (c->conf->vips[k].pool == pool + 1)
			elig |= c->conf->vips[k].eligible;
	for (unsigned i = 0; i < c->conf->nnodes; i++)
		if ((elig >> i) & 1u && vip_usable(c, c->nodes[i].id))
			mask |= 1u << i;
	return mask;
}

/* Each node's share: the pool's VIPs on those nodes divided evenly, the
 * odd ones to the nodes that hold most now (fewest moves), then by rank;
 * never above max-per-node. */
static void pool_targets(const struct core *c, unsigned pool, uint32_t set,
			 const unsigned *load, unsigned *target)
{
	unsigned n = 0, total = 0, cap = pool_cap(c, pool);

	for (unsigned i = 0; i < c->conf->nnodes; i++)
		if ((set >> i) & 1u)
			n++, total += load[i];
	memset(target, 0, CONF_MAX_NODES * sizeof(*target));
	for (unsigned i = 0; n && i < c->conf->nnodes; i++) {
		unsigned pos = 0;

		if (!((set >> i) & 1u))
			continue;
		for (unsigned j = 0; j < c->conf->nnodes; j++)
			if ((set >> j) & 1u && j != i &&
			    ((MUTANT(10) ? load[j] < load[i]
					: load[j] > load[i]) ||
			     (load[j] == load[i] &&
			      pool_rank(c, pool, j) < pool_rank(c, pool, i))))
				pos++;
		target[i] = total / n + (pos < total % n ? 1u : 0u);
		if (target[i] > cap)
			target[i] = cap;
	}
}

/* The node furthest above (over) or below (!over) its share, or -1. */
static int pool_extreme(const struct core *c, unsigned pool, uint32_t set,
			const unsigned *load, const unsigned *target, int over)
{
	int best = -1;
	unsigned gap = 0;

	for (unsigned i = 0; i < c->conf->nnodes; i++) {
		unsigned d;

		if (!((set >> i) & 1u))
			continue;
		if (over ? load[i] <= target[i] : load[i] >= target[i])
			continue;
		d = over ? load[i] - target[i] : target[i] - load[i];
		if (best < 0 || d > gap ||
		    (d == gap && pool_rank(c, pool, i) <
					 pool_rank(c, pool, (unsigned)best)))
			best = (int)i, gap = d;
	}
	return best;
}

/* The last VIP of the pool that node `from` holds and may give to `to`
 * now (no hand-over in flight), or -1. */
static int pool_pick(const struct core *c, unsigned pool, unsigned from,
		     unsigned to)
{
	for (unsigned k = c->conf->nvips; k-- > 0;) {
		const struct core_vip *v = &c->vips[k];

		if (c->conf->vips[k].pool == pool + 1 &&
		    v->holder == c->nodes[from].id && !v->prev &&
		    !vip_frozen(c, k) && vip_eligible(c, k, c->nodes[to].id))
			return (int)k;
	}
	return -1;
}

/* Move the fewest VIPs needed, each once (a VIP only ever goes to a
 * node below its share, which it never leaves above it).  With
 * apply 0 only counts whether one move is due. */
static unsigned pool_balance(struct core *c, uint64_t now, unsigned pool,
			     int apply)
{
	unsigned load[CONF_MAX_NODES], target[CONF_MAX_NODES], moves = 0;
	uint32_t set = pool_nodes(c, pool);
	int o, u, k;

	pool_loads(c, pool, load);
	pool_targets(c, pool, set, load, target);
	while ((o = pool_extreme(c, pool, set, load, target, 1)) >= 0 &&
	       (u = pool_extreme(c, pool, set, load, target, 0)) >= 0 &&
	       (k = pool_pick(c, pool, (unsigned)o, (unsigned)u)) >= 0) {
		moves++;
		if (!apply)
			break;
		vip_assign(c, now, (unsigned)k, c->nodes[u].id,
			   c->vips[k].term + 1, "rebalanced");
		vip_reconcile(c, now, (unsigned)k);
		pend_check(c, (unsigned)k, now);
		load[o]--;
		load[u]++;
	}
	return moves;
}

/* Some node is above its share and another below, movable or not (a
 * hand-over still in flight, or a VIP's nodes line in the way). */
static int pool_uneven(const struct core *c, unsigned pool)
{
	unsigned load[CONF_MAX_NODES], target[CONF_MAX_NODES];
	uint32_t set = pool_nodes(c, pool);

	pool_loads(c, pool, load);
	pool_targets(c, pool, set, load, target);
	return pool_extreme(c, pool, set, load, target, 1) >= 0 &&
	       pool_extreme(c, pool, set, load, target, 0) >= 0;
}

/* A membership change: each pool with a settle time rebalances that long
 * after the last one. */
void pool_view(struct core *c, uint64_t now)
{
	for (unsigned p = 0; p < c->conf->npools; p++) {
		uint32_t ms = c->conf->pools[p].settle_ms;

		c->pools[p].due = ms ? now + (uint64_t)ms * 1000 : 0;
		if (MUTANT(9) && c->synced)
			pool_balance(c, now, p, 1);
	}
}

/* An agreed REBALANCE: the same moves on every member. */
void pool_apply(struct core *c, uint64_t now, const struct core_msg *m)
{
	int p = core_pool_find(c, m->vip);

	if (p < 0 || !vip_may_change(c))
		return;
	pool_fill(c, now);
	c->pools[p].last_moves = pool_balance(c, now, (unsigned)p, 1);
	c->pools[p].rebalances++;
	c->pools[p].due = 0;
}

static void pool_send(struct core *c, unsigned pool)
{
	struct core_msg m = { .type = CORE_MSG_REBALANCE };

	snprintf(m.vip, sizeof(m.vip), "%s", c->conf->pools[pool].name);
	core_send(c, &m);
}

static uint32_t pool_lowest(const struct core *c)
{
	uint32_t low = 0;

	for (unsigned i = 0; i < c->conf->nnodes; i++)
		if (vip_usable(c, c->nodes[i].id) &&
		    (!low || c->nodes[i].id < low))
			low = c->nodes[i].id;
	return low;
}

/* Settle timers, while synced and quorate: the lowest usable member asks
 * for each due rebalance that would move something.  Returns the earlier
 * of next and the next timer. */
uint64_t pool_tick(struct core *c, uint64_t now, uint64_t next)
{
	for (unsigned p = 0; p < c->conf->npools; p++) {
		struct core_pool *cp = &c->pools[p];

		if (!cp->due)
			continue;
		if (now < cp->due) {
			next = cp->due < next ? cp->due : next;
			continue;
		}
		cp->due = 0;
		if (!vip_may_change(c))
			continue;
		if (pool_balance(c, now, p, 0)) {
			if (pool_lowest(c) == c->self)
				pool_send(c, p);
		} else if (pool_uneven(c, p)) {
			/* nothing movable yet: look again later */
			cp->due = now + (uint64_t)c->conf->pools[p].settle_ms *
						1000;
			next = cp->due < next ? cp->due : next;
		}
	}
	return next;
}

int core_rebalance(struct core *c, const char *pool, char *reason,
		   size_t len)
{
	int p = core_pool_find(c, pool);

	if (p < 0) {
		snprintf(reason, len, "no pool named '%s' in the "
			 "configuration", pool);
		return CORE_E_UNKNOWN_VIP;
	}
	if (!c->joined || !c->synced) {
		snprintf(reason, len, "not joined to the group yet, retry");
		return CORE_E_NOT_JOINED;
	}
	if (!vip_may_change(c)) {
		snprintf(reason, len, "this node's partition has no quorum");
		return CORE_E_NO_QUORUM;
	}
	pool_send(c, (unsigned)p);
	return 0;
}
