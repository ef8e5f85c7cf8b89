// SPDX-License-Identifier: MIT
/*
 * The invariants, checked against the harness's kernel model and the
 * cores' tables after every event a node handles and every simulated
 * millisecond.  Numbers follow the simulator's brief:
 *  1 one holder: at most one node answers for a VIP, at every instant;
 *    a node answers only for a VIP its own table gives it, and only
 *    while its table is learnt and its partition quorate;
 *  2 terms never decrease in a node's table (per incarnation);
 *  3 a holder changes only on a trigger, at a higher term, with quorum;
 *  4 a node that learnt it has no quorum answers for nothing;
 *  5 liveness after the faults heal (sim.c);
 *  6 drained members of one partition are synced and agree on
 *    (holder, term) of every VIP;
 *  7 a pool's rebalance never flaps (pool.c).
 * The first violation is kept; the run stops at the end of that step.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"

#define SIM_SYNC_MS 5 /* a drained member may be unsynced this long */

void sim_fail(int inv, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (S.violated)
		return;
	S.violated = inv;
	n = snprintf(S.what, sizeof(S.what), "invariant %d at t=%llums: ",
		     inv, (unsigned long long)(S.g.now / 1000));
	va_start(ap, fmt);
	vsnprintf(S.what + n, sizeof(S.what) - (size_t)n, fmt, ap);
	va_end(ap);
}

static uint32_t holder_of(unsigned i, unsigned vip, uint64_t *ret_term)
{
	struct core_vip_info vi;

	core_vip_get(S.g.nodes[i].core, vip, &vi);
	*ret_term = vi.term;
	return vi.holder;
}

uint64_t sim_max_term(unsigned vip)
{
	uint64_t max = 0, t;

	for (unsigned i = 0; i < S.g.n; i++) {
		if (!S.g.nodes[i].core)
			continue;
		holder_of(i, vip, &t);
		if (t > max)
			max = t;
	}
	return max;
}

void sim_node_started(unsigned i)
{
	memset(S.last_term[i], 0, sizeof(S.last_term[i]));
	S.sync_since_ms[i] = 0;
}

/* Invariant 1, at the instant a node's kernel may have started
 * answering. */
static void check_one_holder(void)
{
	for (unsigned k = 0; k < S.g.conf.nvips; k++)
		if (g_answering(&S.g, k) > 1)
			sim_fail(1, "v%u answered by %u nodes", k,
				 g_answering(&S.g, k));
}

/* Invariants 1 (own view) and 4 for node i. */
static void check_node_kernel(unsigned i)
{
	const struct g_node *n = &S.g.nodes[i];
	uint64_t t;

	for (unsigned k = 0; k < S.g.conf.nvips; k++) {
		if (!g_answers(&S.g, i, k))
			continue;
		if (!n->core) {
			sim_fail(1, "n%u answers for v%u with no vipd", i + 1,
				 k);
			return;
		}
		if (!core_quorate(n->core))
			sim_fail(4, "n%u answers for v%u without quorum",
				 i + 1, k);
		else if (!core_synced(n->core) && !core_learnt(n->core))
			sim_fail(1, "n%u answers for v%u before its table "
				    "is learnt", i + 1, k);
		else if (holder_of(i, k, &t) != n->id)
			sim_fail(1, "n%u answers for v%u held by n%u",
				 i + 1, k, holder_of(i, k, &t));
	}
}

static void hook_kernel(struct group *g, unsigned i)
{
	check_one_holder();
	check_node_kernel(i);
}

static void hook_before(struct group *g, unsigned i, const struct g_obs *o)
{
	const struct core *c = g->nodes[i].core;

	S.pre_synced = core_synced(c);
	for (unsigned k = 0; k < g->conf.nvips; k++)
		S.pre_holder[k] = holder_of(i, k, &S.pre_term[k]);
}

/* May a holder of vip change from h0 (term t0) to h1 on event o? */
static int trigger_ok(unsigned k, uint32_t h0, uint64_t t0, uint32_t h1,
		      const struct g_obs *o)
{
	const struct core_msg *m = o->m;
	int same = o->kind == G_OBS_MSG && !strcmp(m->vip,
						     S.g.conf.vips[k].name);
	unsigned pool = S.g.conf.vips[k].pool;

	/* A pool places a VIP that has none at a view or a sync's end. */
	if (pool && !h0 && (o->kind == G_OBS_VIEW ||
			    (o->kind == G_OBS_MSG &&
			     m->type == CORE_MSG_STATE)))
		return 1;
	switch (o->kind) {
	case G_OBS_TICK:
	case G_OBS_LOCAL:
		return 0;
	case G_OBS_VIEW:
		return h0 && !((o->members >> h0) & 1u);
	case G_OBS_MSG:
		break;
	}
	switch (m->type) {
	case CORE_MSG_CLAIM:
		return same && h1 == o->from &&
		       ((!m->term && !h0) || m->term > t0 ||
			(m->term == t0 && !h0));
	case CORE_MSG_RELEASE:
		return same;
	case CORE_MSG_MOVE:
		return same && h1 == m->node;
	case CORE_MSG_RELEASED:
		if (!m->vip[0])
			return h0 == o->from &&
			       (m->flags & CORE_MSG_F_SHUTDOWN);
		return same && (m->flags & CORE_MSG_F_FAILED) &&
		       h0 == o->from && m->term == t0;
	case CORE_MSG_EXPIRE:
		return h0 && h0 == m->node;
	case CORE_MSG_REBALANCE:
		return pool && !strcmp(m->vip, S.g.conf.pools[pool - 1].name);
	case CORE_MSG_LIVE:
	case CORE_MSG_RENEW:
	case CORE_MSG_CANCEL:
	case CORE_MSG_STATE:
	case CORE_MSG_SYNC:
		return 0;
	}
	return 0;
}

static const char *obs_name(const struct g_obs *o)
{
	static const char *const msg[] = {
		[CORE_MSG_CLAIM] = "CLAIM",	[CORE_MSG_RELEASE] = "RELEASE",
		[CORE_MSG_MOVE] = "MOVE",	[CORE_MSG_RELEASED] = "RELEASED",
		[CORE_MSG_LIVE] = "LIVE",	[CORE_MSG_RENEW] = "RENEW",
		[CORE_MSG_EXPIRE] = "EXPIRE",	[CORE_MSG_STATE] = "STATE",
		[CORE_MSG_CANCEL] = "CANCEL", [CORE_MSG_SYNC] = "SYNC",
		[CORE_MSG_REBALANCE] = "REBALANCE",
	};

	if (o->kind == G_OBS_VIEW)
		return "view";
	if (o->kind == G_OBS_TICK)
		return "tick";
	if (o->kind == G_OBS_LOCAL)
		return "local call";
	return (unsigned)o->m->type <= CORE_MSG_TYPE_MAX ? msg[o->m->type]
							  : "?";
}

/* Invariants 2 and 3 for vip k on node i after event o. */
static void check_change(unsigned i, unsigned k, const struct g_obs *o)
{
	const struct core *c = S.g.nodes[i].core;
	uint64_t t1;
	uint32_t h1 = holder_of(i, k, &t1);
	uint32_t h0 = S.pre_holder[k];
	/* An unsynced node defers everything: its table changes only by
	 * learning the merged one, on the last STATE or a view. */
	int learning = !S.pre_synced;

	if (t1 < S.last_term[i][k])
		sim_fail(2, "n%u v%u term went from %llu to %llu on %s",
			 i + 1, k, (unsigned long long)S.last_term[i][k],
			 (unsigned long long)t1, obs_name(o));
	S.last_term[i][k] = t1;
	if (h1 == h0 || learning)
		return;
	if (!core_quorate(c))
		sim_fail(3, "n%u v%u holder n%u -> n%u without quorum on %s",
			 i + 1, k, h0, h1, obs_name(o));
	/* A claim may take an unassigned VIP at the term it is at: nobody
	 * held it at that term (a loss moves the term on). */
	else if (t1 < S.pre_term[k] ||
		 (t1 == S.pre_term[k] &&
		  !(h0 == 0 && o->kind == G_OBS_MSG && o->m &&
		    o->m->type == CORE_MSG_CLAIM && o->m->term == t1)))
		sim_fail(3, "n%u v%u holder n%u -> n%u at same term %llu "
			    "on %s", i + 1, k, h0, h1,
			 (unsigned long long)t1, obs_name(o));
	else if (!trigger_ok(k, h0, S.pre_term[k], h1, o))
		sim_fail(3, "n%u v%u holder n%u -> n%u (term %llu -> %llu) "
			    "without a trigger: %s from n%u term %llu",
			 i + 1, k, h0, h1,
			 (unsigned long long)S.pre_term[k],
			 (unsigned long long)t1, obs_name(o), o->from,
			 o->m && o->kind == G_OBS_MSG
				 ? (unsigned long long)o->m->term
				 : 0ull);
}

static void print_event(unsigned i, const struct g_obs *o)
{
	const struct core *c = S.g.nodes[i].core;
	uint64_t t;

	if (o->kind == G_OBS_TICK)
		return;
	printf("    t=%llums n%u %s", (unsigned long long)(S.g.now / 1000),
	       i + 1, obs_name(o));
	if (o->kind == G_OBS_VIEW)
		printf(" members=0x%x", o->members);
	if (o->kind == G_OBS_MSG)
		printf(" from n%u %s term=%llu node=%u flags=%u", o->from,
		       o->m->vip, (unsigned long long)o->m->term, o->m->node,
		       o->m->flags);
	printf(" | q=%d s=%d", core_quorate(c), core_synced(c));
	for (unsigned k = 0; k < S.g.conf.nvips; k++) {
		uint32_t h = holder_of(i, k, &t);

		printf(" v%u=(n%u,%llu)", k, h, (unsigned long long)t);
	}
	printf("\n");
}

static void hook_after(struct group *g, unsigned i, const struct g_obs *o)
{
	if (!g->nodes[i].core)
		return;
	if (S.verbose)
		print_event(i, o);
	for (unsigned k = 0; k < g->conf.nvips; k++)
		check_change(i, k, o);
	sim_pool_check(i, o);
	check_node_kernel(i);
}

static void hook_reply(struct group *g, unsigned i, uint64_t reqid,
		       enum core_err err, uint64_t term)
{
	if (reqid != S.probe_reqid)
		return;
	S.probe_replied = 1;
	S.probe_err = err;
}

const struct g_hooks sim_hooks = {
	.before = hook_before, .after = hook_after,
	.kernel = hook_kernel, .reply = hook_reply,
};

static int member_of(unsigned i, unsigned p)
{
	const struct g_node *n = &S.g.nodes[i];

	return n->alive && !n->detached && n->part == p;
}

/* Partition p is quiet: every member awake and drained. */
static int part_quiet(unsigned p)
{
	for (unsigned i = 0; i < S.g.n; i++)
		if (member_of(i, p) &&
		    (S.g.nodes[i].hung || !g_drained(&S.g, i)))
			return 0;
	return 1;
}

/* Invariant 6 for a quiet partition p. */
static void check_agreement(unsigned p)
{
	int first = -1;
	uint64_t t0, t1;

	for (unsigned i = 0; i < S.g.n; i++) {
		if (!member_of(i, p))
			continue;
		if (!core_synced(S.g.nodes[i].core)) {
			if (++S.sync_since_ms[i] > SIM_SYNC_MS)
				sim_fail(6, "n%u drained but never synced",
					 i + 1);
			continue;
		}
		S.sync_since_ms[i] = 0;
		if (first < 0) {
			first = (int)i;
			continue;
		}
		for (unsigned k = 0; k < S.g.conf.nvips; k++) {
			uint32_t h0 = holder_of((unsigned)first, k, &t0);
			uint32_t h1 = holder_of(i, k, &t1);

			if (h0 != h1 || t0 != t1)
				sim_fail(6, "v%u: n%d has (n%u, %llu), n%u "
					    "has (n%u, %llu)", k, first + 1,
					 h0, (unsigned long long)t0, i + 1,
					 h1, (unsigned long long)t1);
		}
	}
}

/* After every simulated millisecond. */
void sim_check_ms(void)
{
	check_one_holder();
	for (unsigned i = 0; i < S.g.n; i++)
		check_node_kernel(i);
	for (unsigned p = 0; p < S.g.n; p++) {
		if (part_quiet(p)) {
			check_agreement(p);
			continue;
		}
		for (unsigned i = 0; i < S.g.n; i++)
			if (member_of(i, p))
				S.sync_since_ms[i] = 0;
	}
}

static void report_node(unsigned i)
{
	const struct g_node *n = &S.g.nodes[i];
	char line[256];
	int len;
	uint64_t t;

	len = snprintf(line, sizeof(line), "  n%u: %s%s%s part=%u lag=%llums",
		       i + 1, n->alive ? "alive" : "dead",
		       n->hung ? " hung" : "", n->detached ? " detached" : "",
		       n->part, (unsigned long long)(n->lag_us / 1000));
	if (n->core)
		len += snprintf(line + len, sizeof(line) - (size_t)len,
				" quorate=%d synced=%d lease=%+lldms",
				core_quorate(n->core), core_synced(n->core),
				(long long)(n->lease_until - S.g.now) / 1000);
	for (unsigned k = 0; k < S.g.conf.nvips && n->core; k++) {
		uint32_t h = holder_of(i, k, &t);

		len += snprintf(line + len, sizeof(line) - (size_t)len,
				" v%u=(n%u,%llu%s)", k, h,
				(unsigned long long)t,
				g_answers(&S.g, i, k) ? ",UP" : "");
	}
	fprintf(stdout, "%s\n", line);
}

void sim_report(void)
{
	unsigned first = S.ntrace > SIM_TRACE ? S.ntrace - SIM_TRACE : 0;

	fprintf(stdout, "VIOLATION %s\nseed=0x%016llx\n", S.what,
		(unsigned long long)S.seed);
	fprintf(stdout, "last %u schedule actions:\n", S.ntrace - first);
	for (unsigned k = first; k < S.ntrace; k++)
		fprintf(stdout, "  %s\n", S.trace[k % SIM_TRACE]);
	fprintf(stdout, "nodes now (vN=(holder,term[,UP])):\n");
	for (unsigned i = 0; i < S.g.n; i++)
		report_node(i);
}
