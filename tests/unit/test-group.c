// SPDX-License-Identifier: MIT
/*
 * The daemon's group link (src/daemon/group.c) over the simulated
 * group's engine: what one pass says leaves as one message, records that
 * cannot be read are dropped and counted while the rest of their bundle
 * is taken, and a clean stop gives the core nothing more.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../harness/group.h"
#include "proto/peer.h"

#define NVIPS 16

static struct group G;

static void up3(unsigned nvips, enum conf_policy policy)
{
	g_init(&G, 3, nvips, policy);
	for (unsigned i = 0; i < 3; i++)
		g_start(&G, i);
	g_settle(&G);
	for (unsigned i = 0; i < 3; i++)
		assert_true(core_synced(G.nodes[i].core));
}

static uint32_t holder_at(unsigned i, unsigned vip, uint64_t *ret_term)
{
	struct core_vip_info vi;

	g_holder(&G, i, vip, &vi);
	*ret_term = vi.term;
	return vi.holder;
}

/* n1 holds every VIP and dies: n2, next on the list, takes them over,
 * and says so in a handful of messages, not one or two per VIP. */
static void failover_of_many_vips_leaves_in_few_messages(void **state)
{
	unsigned long records, messages;
	uint64_t term;

	up3(NVIPS, CONF_POLICY_PREFER);
	for (unsigned k = 0; k < NVIPS; k++) {
		char name[8];

		snprintf(name, sizeof(name), "v%u", k);
		assert_int_equal(g_claim(&G, 0, name, 0, 0), 0);
	}
	g_settle(&G);
	for (unsigned k = 0; k < NVIPS; k++)
		assert_int_equal(holder_at(1, k, &term), 1);
	records = G.nodes[1].records;
	messages = G.nodes[1].messages;
	g_kill(&G, 0);
	for (unsigned k = 0, steps = 0; k < NVIPS && steps < 1000; steps++) {
		g_advance(&G);
		while (k < NVIPS && g_answers(&G, 1, k))
			k++;
	}
	for (unsigned k = 0; k < NVIPS; k++) {
		assert_int_equal(holder_at(2, k, &term), 2);
		assert_true(g_answers(&G, 1, k));
	}
	records = G.nodes[1].records - records;
	messages = G.nodes[1].messages - messages;
	assert_true(records >= NVIPS);
	assert_true(messages * 4 <= records);
	g_done(&G);
}

static size_t put(uint8_t *buf, size_t off, const struct core_msg *m,
		  uint32_t sender)
{
	int n = peer_encode(m, sender, buf + off, 4096 - off);

	assert_true(n > 0);
	return off + (size_t)n;
}

/* One bundle from n2: a record naming n3 as its sender, one of another
 * peer version, a claim of v1 at term 7, and a cut-off record.  Every
 * node drops three and takes the claim. */
static void unreadable_records_are_counted_and_the_rest_taken(void **state)
{
	struct core_msg claim = { .type = CORE_MSG_CLAIM, .term = 7 };
	uint8_t buf[4096];
	size_t off = 0, mark;
	uint64_t term;

	up3(2, CONF_POLICY_WAIT);
	snprintf(claim.vip, sizeof(claim.vip), "v1");
	off = put(buf, off, &claim, 3);
	mark = off;
	off = put(buf, off, &claim, 2);
	buf[mark] = PEER_VERSION + 1;
	off = put(buf, off, &claim, 2);
	mark = off;
	off = put(buf, off, &claim, 2);
	g_inject(&G, 1, buf, mark + 10);
	g_settle(&G);
	for (unsigned i = 0; i < 3; i++) {
		struct group_link_stats st;

		g_link_stats(&G, i, &st);
		assert_int_equal(st.bad_peer, 3);
		assert_int_equal(holder_at(i, 1, &term), 2);
		assert_int_equal(term, 7);
		assert_int_equal(holder_at(i, 0, &term), 0);
	}
	g_done(&G);
}

static int leaving = -1;
static unsigned taken_after_stop;

static void count_after_stop(struct group *g, unsigned i,
			     const struct g_obs *o)
{
	if ((int)i == leaving && o->kind != G_OBS_LOCAL)
		taken_after_stop++;
}

static const struct g_hooks stop_hooks = { .before = count_after_stop };

/* n1, its deliveries 30 ms behind, stops with records queued: they go
 * through its link up to its own release-all, and its core takes none;
 * the others see the release before n1 leaves. */
static void clean_stop_gives_the_core_nothing_more(void **state)
{
	uint64_t term;

	up3(2, CONF_POLICY_WAIT);
	assert_int_equal(g_claim(&G, 0, "v0", 0, 0), 0);
	g_settle(&G);
	assert_true(g_answers(&G, 0, 0));
	G.nodes[0].lag_us = 30000;
	assert_int_equal(g_claim(&G, 1, "v1", 0, 0), 0);
	g_run(&G, G.now + 5000);
	assert_false(g_drained(&G, 0));
	G.hooks = &stop_hooks;
	leaving = 0;
	g_leave(&G, 0);
	leaving = -1;
	G.hooks = NULL;
	assert_int_equal(taken_after_stop, 0);
	assert_false(G.nodes[0].alive);
	g_settle(&G);
	for (unsigned i = 1; i < 3; i++) {
		assert_int_equal(holder_at(i, 0, &term), 0);
		assert_int_equal(holder_at(i, 1, &term), 2);
	}
	g_done(&G);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(failover_of_many_vips_leaves_in_few_messages),
		cmocka_unit_test(unreadable_records_are_counted_and_the_rest_taken),
		cmocka_unit_test(clean_stop_gives_the_core_nothing_more),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
