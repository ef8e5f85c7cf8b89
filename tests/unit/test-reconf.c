// SPDX-License-Identifier: MIT
/*
 * VIPs added, removed and changed by a reload (src/core/reconf.c), node
 * by node, through the simulated group: a VIP is usable only once every
 * member defines it alike, a removed one is released before it is
 * forgotten, and the untouched VIP v1 keeps its holder, term and address
 * at every simulated millisecond.
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
static struct conf confs[3];                  /* each node's own file */
static struct conf_vip vips[3][G_MAX_VIPS];
static uint64_t v1_term;                      /* v1's term, never moves */

static void assert_v1_untouched(void)
{
	struct core_vip_info vi;

	assert_int_equal(g_answering(&G, 1), 1);
	assert_true(g_answers(&G, 0, 1));
	for (unsigned i = 0; i < G.n; i++) {
		g_holder(&G, i, 1, &vi);
		assert_int_equal(vi.holder, 1);
		assert_int_equal(vi.term, v1_term);
	}
}

/* Run for dur, checking one holder for every VIP and v1 untouched. */
static void run_checked(uint64_t dur)
{
	uint64_t end = G.now + dur;

	while (G.now < end) {
		g_run(&G, G.now + 1000);
		for (unsigned k = 0; k < G_MAX_VIPS; k++)
			assert_true(g_answering(&G, k) <= 1);
		assert_v1_untouched();
	}
}

/* Three nodes with their own files (v0, v1); n1 holds v1. */
static void up3(enum conf_policy policy)
{
	struct core_vip_info vi;

	g_init(&G, 3, 2, policy);
	for (unsigned i = 0; i < 3; i++) {
		confs[i] = G.conf;
		memcpy(vips[i], G.vips, sizeof(vips[i]));
		confs[i].vips = vips[i];
		confs[i].vips_cap = G_MAX_VIPS;
		G.nodes[i].conf = &confs[i];
		g_start(&G, i);
	}
	g_run(&G, G.now + 300000);
	assert_int_equal(g_claim(&G, 0, "v1", 0, 0), 0);
	g_run(&G, G.now + 50000);
	g_holder(&G, 0, 1, &vi);
	assert_int_equal(vi.state, CORE_VIP_LIVE);
	v1_term = vi.term;
	assert_v1_untouched();
}

static void reload(unsigned i, unsigned want_changed)
{
	unsigned changed;

	core_reconf(G.nodes[i].core, &changed);
	assert_int_equal(changed, want_changed);
}

/* Node i's file gains v2 (slot 2), an address of its own. */
static void add_v2(unsigned i)
{
	struct conf *c = &confs[i];

	c->vips[2] = c->vips[1];
	snprintf(c->vips[2].name, sizeof(c->vips[2].name), "v2");
	c->vips[2].addrs[0].addr[3] = 99;
	c->nvips = 3;
	reload(i, 1);
}

static void assert_state_everywhere(unsigned vip, uint32_t holder,
				    enum core_vip_state st)
{
	for (unsigned i = 0; i < G.n; i++) {
		struct core_vip_info vi;

		g_holder(&G, i, vip, &vi);
		assert_int_equal(vi.holder, holder);
		assert_int_equal(vi.state, st);
	}
}

static void added_vip_is_usable_once_every_member_defines_it(void **state)
{
	up3(CONF_POLICY_WAIT);
	add_v2(0);
	/* not even n1 takes it before the others heard its definition */
	assert_int_equal(g_claim(&G, 0, "v2", 0, 0), CORE_E_MISMATCH);
	assert_non_null(strstr(G.nodes[0].last_reason, "reload"));
	assert_int_equal(g_claim(&G, 1, "v2", 0, 0), CORE_E_UNKNOWN_VIP);
	run_checked(100000);
	assert_int_equal(g_claim(&G, 0, "v2", 0, 0), CORE_E_MISMATCH);
	assert_non_null(strstr(G.nodes[0].last_reason, "'n2' 'n3'"));
	add_v2(1);
	run_checked(100000);
	assert_int_equal(g_claim(&G, 1, "v2", 0, 0), CORE_E_MISMATCH);
	assert_non_null(strstr(G.nodes[1].last_reason, "'n3'"));
	add_v2(2);
	run_checked(100000);
	assert_int_equal(g_claim(&G, 2, "v2", 0, 0), 0);
	/* a resync brings nobody in: no fence of a lease to wait out */
	run_checked(20000);
	assert_state_everywhere(2, 3, CORE_VIP_LIVE);
	assert_true(g_answers(&G, 2, 2));
	assert_v1_untouched();
	g_done(&G);
}

/* n2 holds v0; each node removes it in turn, n2 last: nobody takes it
 * over meanwhile, and n2 releases it (confirmed) before it is gone. */
static void removed_vip_is_released_before_it_is_forgotten(void **state)
{
	up3(CONF_POLICY_PREFER);
	assert_int_equal(g_claim(&G, 1, "v0", 0, 0), 0);
	run_checked(50000);
	assert_state_everywhere(0, 2, CORE_VIP_LIVE);
	confs[0].vips[0].retired = true;
	reload(0, 1);
	run_checked(100000);
	assert_int_equal(g_claim(&G, 0, "v0", 5, 0), CORE_E_UNKNOWN_VIP);
	assert_int_equal(g_claim(&G, 2, "v0", 5, 0), CORE_E_MISMATCH);
	assert_true(core_vip_hidden(G.nodes[0].core, 0));
	assert_state_everywhere(0, 2, CORE_VIP_LIVE);
	confs[2].vips[0].retired = true;
	reload(2, 1);
	run_checked(100000);
	assert_true(g_answers(&G, 1, 0));
	confs[1].vips[0].retired = true;
	reload(1, 1);
	/* held here until the release is agreed and confirmed */
	assert_false(core_vip_hidden(G.nodes[1].core, 0));
	run_checked(100000);
	assert_state_everywhere(0, 0, CORE_VIP_UNASSIGNED);
	assert_int_equal(g_answering(&G, 0), 0);
	for (unsigned i = 0; i < 3; i++)
		assert_true(core_vip_hidden(G.nodes[i].core, 0));
	/* n1's vipd dies: the prefer list hands v1 on, v0 stays gone */
	g_kill(&G, 0);
	for (unsigned i = 0; i < 300; i++) {
		g_run(&G, G.now + 1000);
		assert_int_equal(g_answering(&G, 0), 0);
		assert_true(g_answering(&G, 1) <= 1);
	}
	assert_int_equal(g_answering(&G, 1), 1);
	g_done(&G);
}

/* n1's file moves v0 onto another prefer list: v0 freezes until every
 * member reads the same, then follows the new list. */
static void changed_vip_freezes_until_every_member_agrees(void **state)
{
	struct core_vip_info vi;

	up3(CONF_POLICY_PREFER);
	for (unsigned i = 0; i < 3; i++) {
		confs[i].vips[0].prefer[0] = 2;
		confs[i].vips[0].prefer[2] = 0;
		reload(i, 1);
		run_checked(100000);
		g_holder(&G, 0, 0, &vi);
		assert_int_equal(vi.differ != 0, i < 2);
		assert_int_equal(g_claim(&G, 1, "v0", 0, 0),
				 i < 2 ? CORE_E_MISMATCH : 0);
		/* the same file read again changes nothing */
		reload(i, 0);
	}
	run_checked(300000);
	assert_state_everywhere(0, 2, CORE_VIP_LIVE);
	/* the new list: n2 gone, v0 goes to n3 */
	g_kill(&G, 1);
	g_run(&G, G.now + 500000);
	g_holder(&G, 0, 0, &vi);
	assert_int_equal(vi.holder, 3);
	g_done(&G);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			added_vip_is_usable_once_every_member_defines_it),
		cmocka_unit_test(
			removed_vip_is_released_before_it_is_forgotten),
		cmocka_unit_test(
			changed_vip_freezes_until_every_member_agrees),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
