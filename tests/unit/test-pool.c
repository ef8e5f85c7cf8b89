// SPDX-License-Identifier: MIT
/*
 * Pools (src/core/pool.c) driven through the simulated group: placement,
 * failure moves, rebalance after a join, limits and ties, with the
 * one-holder invariant checked at every simulated millisecond and the
 * placement compared on every live node.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../harness/group.h"

static struct group G;

static void run_checked(uint64_t dur)
{
	uint64_t end = G.now + dur;

	while (G.now < end) {
		g_run(&G, G.now + 1000);
		for (unsigned k = 0; k < G.conf.nvips; k++)
			assert_true(g_answering(&G, k) <= 1);
	}
}

/* n nodes, nvips VIPs all in pool "web" (settle_ms 0: rebalance off). */
static void pool_init(unsigned n, unsigned nvips, uint32_t settle_ms,
		      uint32_t max)
{
	struct conf_pool *p = &G.conf.pools[0];

	g_init(&G, n, nvips, CONF_POLICY_WAIT);
	snprintf(p->name, sizeof(p->name), "web");
	p->settle_ms = settle_ms;
	p->max_per_node = max;
	p->nvips = nvips;
	G.conf.npools = 1;
	for (unsigned k = 0; k < nvips; k++)
		G.vips[k].pool = 1;
}

static void start_all(void)
{
	for (unsigned i = 0; i < G.n; i++)
		g_start(&G, i);
	run_checked(300000);
}

/* Holders as node i sees them; every live node must see the same. */
static void holders(uint32_t *ret)
{
	int first = -1;

	for (unsigned i = 0; i < G.n; i++) {
		if (!G.nodes[i].alive)
			continue;
		for (unsigned k = 0; k < G.conf.nvips; k++) {
			struct core_vip_info vi;

			g_holder(&G, i, k, &vi);
			if (first < 0)
				ret[k] = vi.holder;
			else
				assert_int_equal(ret[k], vi.holder);
			if (vi.holder)
				assert_int_equal(vi.state, CORE_VIP_LIVE);
		}
		first = (int)i;
	}
}

/* "a/b/c": pool VIPs per node id 1..n, and unassigned ones as "+u". */
static void placement(char *buf, size_t len, uint32_t *h)
{
	unsigned load[G_MAX_NODES + 1] = { 0 };
	size_t off = 0;

	holders(h);
	for (unsigned k = 0; k < G.conf.nvips; k++)
		load[h[k]]++;
	for (unsigned i = 1; i <= G.n; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%u",
					i > 1 ? "/" : "", load[i]);
	if (load[0])
		snprintf(buf + off, len - off, "+%u", load[0]);
}

static void assert_placement(const char *want, uint32_t *h)
{
	char got[64];

	placement(got, sizeof(got), h);
	assert_string_equal(got, want);
}

static unsigned moved(const uint32_t *a, const uint32_t *b)
{
	unsigned n = 0;

	for (unsigned k = 0; k < G.conf.nvips; k++)
		n += a[k] != b[k];
	return n;
}

static void rebalance(unsigned i)
{
	char why[128];

	assert_int_equal(core_rebalance(G.nodes[i].core, "web", why,
					sizeof(why)),
			 0);
}

/* Three nodes, twelve VIPs: 4/4/4 once rebalanced; n3 lost: 6/6 with
 * exactly its four moving, each once; n3 back: nothing moves by itself,
 * a rebalance moves exactly four back to 4/4/4. */
static void pool_loses_and_regains_a_node(void **state)
{
	uint32_t a[G_MAX_VIPS], b[G_MAX_VIPS];
	struct core_vip_info before[G_MAX_VIPS], vi;

	pool_init(3, 12, 0, 0);
	start_all();
	rebalance(0);
	run_checked(300000);
	assert_placement("4/4/4", a);
	for (unsigned k = 0; k < 12; k++)
		g_holder(&G, 0, k, &before[k]);
	g_kill(&G, 2);
	run_checked(500000);
	assert_placement("6/6/0", b);
	assert_int_equal(moved(a, b), 4);
	for (unsigned k = 0; k < 12; k++) {
		g_holder(&G, 0, k, &vi);
		assert_true(a[k] == b[k] || a[k] == 3);
		assert_int_equal(vi.term,
				 before[k].term + (a[k] != b[k] ? 1 : 0));
	}
	g_start(&G, 2);
	run_checked(2000000);
	assert_placement("6/6/0", a);
	assert_int_equal(moved(a, b), 0);
	rebalance(1);
	run_checked(300000);
	assert_placement("4/4/4", b);
	assert_int_equal(moved(a, b), 4);
	for (unsigned k = 0; k < 12; k++)
		assert_true(a[k] == b[k] || b[k] == 3);
	g_done(&G);
}

/* With a settle time the lowest member asks for the rebalance itself,
 * once the membership has been quiet that long. */
static void settle_timer_rebalances_after_a_join(void **state)
{
	uint32_t a[G_MAX_VIPS], b[G_MAX_VIPS];
	struct core_pool_info pi;

	pool_init(3, 6, 2000, 0);
	g_start(&G, 0);
	g_start(&G, 1);
	run_checked(300000);
	assert_placement("3/3/0", a);
	g_start(&G, 2);
	run_checked(1000000);
	assert_placement("3/3/0", a);
	core_pool_get(G.nodes[2].core, 0, &pi);
	assert_true(pi.due > G.now);
	run_checked(1500000);
	assert_placement("2/2/2", b);
	assert_int_equal(moved(a, b), 2);
	for (unsigned i = 0; i < 3; i++) {
		core_pool_get(G.nodes[i].core, 0, &pi);
		assert_int_equal(pi.rebalances, 1);
		assert_int_equal(pi.last_moves, 2);
		assert_int_equal(pi.due, 0);
	}
	run_checked(5000000);
	assert_placement("2/2/2", a);
	assert_int_equal(moved(a, b), 0);
	g_done(&G);
}

/* max-per-node: survivors never take more; the rest wait unassigned
 * and are placed when a node comes back. */
static void max_per_node_is_never_exceeded(void **state)
{
	uint32_t a[G_MAX_VIPS];

	pool_init(3, 12, 0, 5);
	start_all();
	rebalance(0);
	run_checked(300000);
	assert_placement("4/4/4", a);
	g_kill(&G, 2);
	run_checked(500000);
	assert_placement("5/5/0+2", a);
	g_start(&G, 2);
	run_checked(500000);
	assert_placement("5/5/2", a);
	g_done(&G);
}

/* Ties of load go to the pool's prefer order. */
static void ties_follow_the_prefer_order(void **state)
{
	uint32_t a[G_MAX_VIPS];

	pool_init(3, 4, 0, 0);
	G.conf.pools[0].prefer[0] = 2;
	G.conf.pools[0].prefer[1] = 1;
	G.conf.pools[0].nprefer = 2;
	start_all();
	rebalance(0);
	run_checked(300000);
	assert_placement("1/1/2", a);
	g_done(&G);
}

/* An explicit move of a pool VIP is obeyed; the next rebalance moves
 * the fewest VIPs back to an even spread. */
static void explicit_move_stands_until_a_rebalance(void **state)
{
	uint32_t a[G_MAX_VIPS], b[G_MAX_VIPS];

	pool_init(3, 6, 0, 0);
	start_all();
	rebalance(0);
	run_checked(300000);
	assert_placement("2/2/2", a);
	for (unsigned k = 0; k < 6; k++) {
		char vip[8];

		if (a[k] != 1)
			continue;
		snprintf(vip, sizeof(vip), "v%u", k);
		assert_int_equal(g_move(&G, 0, vip, "n3"), 0);
	}
	run_checked(300000);
	assert_placement("0/2/4", a);
	rebalance(2);
	run_checked(300000);
	assert_placement("2/2/2", b);
	assert_int_equal(moved(a, b), 2);
	g_done(&G);
}

static void rebalance_of_an_unknown_pool_is_refused(void **state)
{
	char why[128];

	pool_init(3, 3, 0, 0);
	start_all();
	assert_int_equal(core_rebalance(G.nodes[0].core, "nope", why,
					sizeof(why)),
			 CORE_E_UNKNOWN_VIP);
	assert_non_null(strstr(why, "nope"));
	assert_int_equal(core_pool_find(G.nodes[0].core, "web"), 0);
	g_done(&G);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pool_loses_and_regains_a_node),
		cmocka_unit_test(settle_timer_rebalances_after_a_join),
		cmocka_unit_test(max_per_node_is_never_exceeded),
		cmocka_unit_test(ties_follow_the_prefer_order),
		cmocka_unit_test(explicit_move_stands_until_a_rebalance),
		cmocka_unit_test(rebalance_of_an_unknown_pool_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
