// SPDX-License-Identifier: MIT
/*
 * Pools in the simulator (--pools): every VIP of the schedule is in one
 * pool, with a random settle time (or none), per-node limit and prefer
 * order, and operators ask for rebalances at random.  Invariant 6
 * already demands the same placement on every drained member, and
 * invariant 3 that a holder changes only on a trigger (a join is none).
 * Invariant 7, no flap: a rebalance moves a VIP only from a node holding
 * at least two more of the pool than the node it goes to, and never
 * leaves the receiver above the giver, so moves strictly even the pool
 * out and a balanced pool never moves.
 */
#include <stdio.h>
#include <string.h>

#include "sim.h"

void sim_pool_setup(void)
{
	struct conf_pool *p = &S.g.conf.pools[0];
	static const uint32_t settle[] = { 0, 50, 200, 600 };

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "p");
	p->settle_ms = settle[sim_rnd(4)];
	p->max_per_node = sim_rnd(3) ? 0 : 1 + sim_rnd(4);
	p->nprefer = sim_rnd(S.g.n + 1);
	for (unsigned r = 0; r < p->nprefer; r++)
		p->prefer[r] = (uint8_t)((r + S.g.n - 1) % S.g.n);
	p->nvips = S.g.conf.nvips;
	S.g.conf.npools = 1;
	for (unsigned k = 0; k < S.g.conf.nvips; k++) {
		S.g.vips[k].pool = 1;
		S.g.vips[k].policy = CONF_POLICY_WAIT;
	}
	sim_log("pool p: %u VIPs, settle %ums, max-per-node %u, %u "
		"preferred", p->nvips, p->settle_ms, p->max_per_node,
		p->nprefer);
}

void sim_pool_action(unsigned i)
{
	char why[128];
	int r = core_rebalance(S.g.nodes[i].core, "p", why, sizeof(why));

	sim_log("n%u rebalance p -> %s", i + 1,
		r ? core_err_to_string((enum core_err)r) : "sent");
}

/* Pool VIPs per node id, from holders h[]. */
static void loads(const uint32_t *h, unsigned *ret)
{
	memset(ret, 0, (G_MAX_NODES + 1) * sizeof(*ret));
	for (unsigned k = 0; k < S.g.conf.nvips; k++)
		if (h[k] <= G_MAX_NODES)
			ret[h[k]]++;
}

/* Invariant 7 after node i handled o. */
void sim_pool_check(unsigned i, const struct g_obs *o)
{
	unsigned pre[G_MAX_NODES + 1], post[G_MAX_NODES + 1];
	uint32_t cur[G_MAX_VIPS] = { 0 };

	if (!S.pools || o->kind != G_OBS_MSG ||
	    o->m->type != CORE_MSG_REBALANCE || !S.pre_synced)
		return;
	for (unsigned k = 0; k < S.g.conf.nvips; k++) {
		struct core_vip_info vi;

		core_vip_get(S.g.nodes[i].core, k, &vi);
		cur[k] = vi.holder;
	}
	loads(S.pre_holder, pre);
	loads(cur, post);
	for (unsigned k = 0; k < S.g.conf.nvips; k++) {
		uint32_t a = S.pre_holder[k], b = cur[k];

		if (a == b || !a)
			continue;
		if (pre[a] < pre[b] + 2 || post[b] > post[a] + 1)
			sim_fail(7, "n%u: rebalance moved v%u from n%u (%u, "
				    "then %u) to n%u (%u, then %u)", i + 1, k,
				 a, pre[a], post[a], b, pre[b], post[b]);
	}
}
