// SPDX-License-Identifier: MIT
/*
 * The ownership core driven through the simulated group: every
 * transition and every refusal, with the one-holder invariant checked at
 * each simulated millisecond.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../harness/group.h"
#include "core/internal.h" /* CORE_UP_BATCH */

static struct group G;

/* Run until t, asserting that no VIP ever has two answering nodes. */
static void run_checked(struct group *g, uint64_t dur)
{
	uint64_t end = g->now + dur;

	while (g->now < end) {
		g_run(g, g->now + 1000);
		for (unsigned k = 0; k < g->conf.nvips; k++)
			assert_true(g_answering(g, k) <= 1);
	}
}

static void up3(enum conf_policy policy)
{
	g_init(&G, 3, 2, policy);
	for (unsigned i = 0; i < 3; i++)
		g_start(&G, i);
	run_checked(&G, 300000);
	for (unsigned i = 0; i < 3; i++) {
		assert_true(core_synced(G.nodes[i].core));
		assert_true(core_quorate(G.nodes[i].core));
	}
}

static unsigned skip_mask;

static void assert_holder_everywhere(unsigned vip, uint32_t holder,
				     enum core_vip_state st)
{
	for (unsigned i = 0; i < G.n; i++) {
		struct core_vip_info vi;

		if (!G.nodes[i].alive || G.nodes[i].hung ||
		    (skip_mask >> i) & 1u)
			continue;
		g_holder(&G, i, vip, &vi);
		assert_int_equal(vi.holder, holder);
		assert_int_equal(vi.state, st);
	}
}

static void claim_on_idle_vip_goes_live(void **state)
{
	up3(CONF_POLICY_WAIT);
	assert_int_equal(g_claim(&G, 0, "v0", 0, 0), 0);
	run_checked(&G, 50000);
	assert_int_equal(G.nodes[0].last_err, CORE_OK);
	assert_int_equal(G.nodes[0].last_term, 1);
	assert_int_equal(g_answering(&G, 0), 1);
	assert_true(G.nodes[0].up[0]);
	assert_holder_everywhere(0, 1, CORE_VIP_LIVE);
	assert_holder_everywhere(1, 0, CORE_VIP_UNASSIGNED);
	g_done(&G);
}

static void claim_with_lower_term_is_refused(void **state)
{
	up3(CONF_POLICY_WAIT);
	assert_int_equal(g_claim(&G, 0, "v0", 5, 0), 0);
	run_checked(&G, 50000);
	assert_int_equal(G.nodes[0].last_term, 5);
	assert_int_equal(g_claim(&G, 1, "v0", 3, 0), CORE_E_STALE_TERM);
	assert_non_null(strstr(G.nodes[1].last_reason, "n1"));
	assert_non_null(strstr(G.nodes[1].last_reason, "5"));
	assert_int_equal(g_claim(&G, 1, "v0", 5, 0), CORE_E_STALE_TERM);
	run_checked(&G, 50000);
	assert_holder_everywhere(0, 1, CORE_VIP_LIVE);
	g_done(&G);
}

static void claim_held_elsewhere_without_term_is_refused(void **state)
{
	up3(CONF_POLICY_WAIT);
	g_claim(&G, 0, "v0", 0, 0);
	run_checked(&G, 50000);
	assert_int_equal(g_claim(&G, 1, "v0", 0, 0), CORE_E_HELD);
	assert_non_null(strstr(G.nodes[1].last_reason, "n1"));
	g_done(&G);
}

static void claim_with_higher_term_hands_over_break_before_make(void **s)
{
	up3(CONF_POLICY_WAIT);
	g_claim(&G, 0, "v0", 4, 0);
	run_checked(&G, 50000);
	assert_int_equal(g_claim(&G, 1, "v0", 9, 0), 0);
	run_checked(&G, 50000);
	assert_int_equal(G.nodes[1].last_err, CORE_OK);
	assert_int_equal(G.nodes[1].last_term, 9);
	assert_false(G.nodes[0].up[0]);
	assert_holder_everywhere(0, 2, CORE_VIP_LIVE);
	g_done(&G);
}

static void claim_unknown_vip_is_refused(void **state)
{
	up3(CONF_POLICY_WAIT);
	assert_int_equal(g_claim(&G, 0, "nope", 0, 0), CORE_E_UNKNOWN_VIP);
	assert_non_null(strstr(G.nodes[0].last_reason, "nope"));
	g_done(&G);
}

static void claim_from_non_eligible_node_is_refused(void **state)
{
	up3(CONF_POLICY_WAIT);
	G.vips[0].eligible = 0x3; /* n1, n2 */
	assert_int_equal(g_claim(&G, 2, "v0", 0, 0), CORE_E_NOT_ELIGIBLE);
	assert_int_equal(g_move(&G, 0, "v0", "n3"), CORE_E_NOT_ELIGIBLE);
	g_done(&G);
}

static void move_goes_to_named_node_without_overlap(void **state)
{
	up3(CONF_POLICY_WAIT);
	g_claim(&G, 0, "v0", 0, 0);
	run_checked(&G, 50000);
	assert_int_equal(g_move(&G, 2, "v0", "n2"), 0);
	run_checked(&G, 50000);
	assert_int_equal(G.nodes[2].last_err, CORE_OK);
	assert_int_equal(G.nodes[2].last_term, 2);
	assert_holder_everywhere(0, 2, CORE_VIP_LIVE);
	assert_true(G.nodes[1].up[0]);
	assert_false(G.nodes[0].up[0]);
	g_done(&G);
}

static void move_refusals(void **state)
{
	up3(CONF_POLICY_WAIT);
	g_claim(&G, 0, "v0", 0, 0);
	run_checked(&G, 50000);
	assert_int_equal(g_move(&G, 0, "v0", "n9"), CORE_E_UNKNOWN_NODE);
	assert_int_equal(g_move(&G, 0, "v9", "n2"), CORE_E_UNKNOWN_VIP);
	g_kill(&G, 2);
	run_checked(&G, 50000);
	assert_int_equal(g_move(&G, 0, "v0", "n3"), CORE_E_NOT_MEMBER);
	assert_holder_everywhere(0, 1, CORE_VIP_LIVE);
	g_done(&G);
}

static void release_unassigns_and_removes(void **state)
{
	up3(CONF_POLICY_WAIT);
	g_claim(&G, 0, "v0", 0, 0);
	run_checked(&G, 50000);
	assert_int_equal(g_release(&G, 1, "v0"), 0);
	run_checked(&G, 50000);
	assert_int_equal(G.nodes[1].last_err, CORE_OK);
	assert_false(G.nodes[0].up[0]);
	assert_holder_everywhere(0, 0, CORE_VIP_UNASSIGNED);
	g_done(&G);
}

static void waiting_claim_takes_over_on_release(void **state)
{
	up3(CONF_POLICY_WAIT);
	g_claim(&G, 0, "v0", 0, 0);
	run_checked(&G, 50000);
	assert_int_equal(g_claim(&G, 1, "v0", 0, 1), 0);
	run_checked(&G, 50000);
	assert_holder_everywhere(0, 1, CORE_VIP_LIVE);
	g_release(&G, 0, "v0");
	run_checked(&G, 50000);
	assert_holder_everywhere(0, 2, CORE_VIP_LIVE);
	assert_int_equal(G.nodes[1].last_err, CORE_OK);
	g_done(&G);
}


static void withdrawn_waiting_claim_never_takes_over(void **state)
{
	uint64_t id;

	up3(CONF_POLICY_WAIT);
	g_claim(&G, 0, "v0", 0, 0);
	run_checked(&G, 50000);
	assert_int_equal(g_claim(&G, 1, "v0", 0, 1), 0);
	id = G.reqid;
	run_checked(&G, 50000);
	assert_int_equal(G.nodes[1].replies, 0);
	assert_int_equal(g_cancel(&G, 1, "v0", id), 0);
	run_checked(&G, 50000);
	assert_int_equal(G.nodes[1].replies, 1);
	assert_int_equal(G.nodes[1].last_err, CORE_E_CANCELLED);
	g_release(&G, 0, "v0");
	run_checked(&G, 50000);
	assert_holder_everywhere(0, 0, CORE_VIP_UNASSIGNED);
	g_done(&G);
}

static void claim_granted_before_its_withdrawal_stands(void **state)
{
	up3(CONF_POLICY_WAIT);
	assert_int_equal(g_claim(&G, 1, "v0", 0, 1), 0);
	assert_int_equal(g_cancel(&G, 1, "v0", G.reqid), 0);
	run_checked(&G, 50000);
	assert_int_equal(G.nodes[1].last_err, CORE_OK);
	assert_holder_everywhere(0, 2, CORE_VIP_LIVE);
	g_done(&G);
}

static void withdrawal_keeps_another_local_waiting_claim(void **state)
{
	uint64_t id;

	up3(CONF_POLICY_WAIT);
	g_claim(&G, 0, "v0", 0, 0);
	run_checked(&G, 50000);
	g_claim(&G, 1, "v0", 0, 1);
	id = G.reqid;
	g_claim(&G, 1, "v0", 0, 1);
	run_checked(&G, 50000);
	assert_int_equal(g_cancel(&G, 1, "v0", id), 0);
	run_checked(&G, 50000);
	g_release(&G, 0, "v0");
	run_checked(&G, 50000);
	assert_holder_everywhere(0, 2, CORE_VIP_LIVE);
	g_done(&G);
}

static void queued_claim_never_replaces_an_earlier_waiter(void **state)
{
	up3(CONF_POLICY_WAIT);
	g_claim(&G, 0, "v0", 0, 0);
	run_checked(&G, 50000);
	assert_int_equal(g_claim(&G, 1, "v0", 0, CORE_CLAIM_QUEUE), 0);
	run_checked(&G, 50000);
	assert_int_equal(g_claim(&G, 2, "v0", 0, CORE_CLAIM_QUEUE), 0);
	run_checked(&G, 50000);
	assert_int_equal(G.nodes[2].last_err, CORE_E_HELD);
	g_release(&G, 0, "v0");
	run_checked(&G, 50000);
	assert_holder_everywhere(0, 2, CORE_VIP_LIVE);
	/* A plain waiting claim does replace the waiter. */
	g_claim(&G, 0, "v0", 0, CORE_CLAIM_QUEUE);
	run_checked(&G, 50000);
	g_claim(&G, 2, "v0", 0, CORE_CLAIM_WAIT);
	run_checked(&G, 50000);
	g_release(&G, 1, "v0");
	run_checked(&G, 50000);
	assert_holder_everywhere(0, 3, CORE_VIP_LIVE);
	g_done(&G);
}

static void release_held_never_releases_a_later_holder(void **state)
{
	struct core_vip_info vi;

	up3(CONF_POLICY_WAIT);
	g_claim(&G, 0, "v0", 0, 0);
	run_checked(&G, 50000);
	g_holder(&G, 0, 0, &vi);
	/* The move is ordered first: the release finds n2 at a later term. */
	assert_int_equal(g_move(&G, 2, "v0", "n2"), 0);
	assert_int_equal(g_release_held(&G, 0, "v0", vi.term), 0);
	run_checked(&G, 100000);
	assert_int_equal(G.nodes[0].last_err, CORE_E_SUPERSEDED);
	assert_holder_everywhere(0, 2, CORE_VIP_LIVE);
	/* At its own term it releases, break-before-make as any release. */
	g_holder(&G, 1, 0, &vi);
	assert_int_equal(g_release_held(&G, 1, "v0", vi.term), 0);
	run_checked(&G, 50000);
	assert_int_equal(G.nodes[1].last_err, CORE_OK);
	assert_holder_everywhere(0, 0, CORE_VIP_UNASSIGNED);
	assert_int_equal(g_release_held(&G, 1, "v0", vi.term),
			 CORE_E_SUPERSEDED);
	g_done(&G);
}

static void minority_drops_and_majority_waits_for_lease(void **state)
{
	const unsigned split[3] = { 1, 0, 0 };
	const unsigned heal[3] = { 0, 0, 0 };

	up3(CONF_POLICY_WAIT);
	g_claim(&G, 0, "v0", 0, 0);
	run_checked(&G, 50000);
	g_partition(&G, split);
	run_checked(&G, 2000);
	assert_false(core_quorate(G.nodes[0].core));
	assert_false(G.nodes[0].up[0]);
	assert_int_equal(g_claim(&G, 0, "v1", 0, 0), CORE_E_NO_QUORUM);
	skip_mask = 1; /* the minority keeps its table, but not the address */
	assert_holder_everywhere(0, 0, CORE_VIP_UNASSIGNED);
	skip_mask = 0;
	assert_int_equal(g_claim(&G, 1, "v0", 0, 0), 0);
	run_checked(&G, 300000);
	assert_true(G.nodes[1].up[0]);
	g_partition(&G, heal);
	run_checked(&G, 300000);
	assert_holder_everywhere(0, 2, CORE_VIP_LIVE);
	assert_false(G.nodes[0].up[0]);
	g_done(&G);
}

static void killed_holder_is_replaced_by_prefer_policy(void **state)
{
	up3(CONF_POLICY_PREFER);
	g_claim(&G, 0, "v0", 0, 0);
	run_checked(&G, 50000);
	g_kill(&G, 0);
	run_checked(&G, 100000);
	assert_holder_everywhere(0, 2, CORE_VIP_LIVE);
	g_start(&G, 0);
	run_checked(&G, 300000);
	assert_holder_everywhere(0, 2, CORE_VIP_LIVE);
	assert_false(G.nodes[0].up[0]);
	g_done(&G);
}

static void release_under_prefer_hands_to_the_next_of_the_list(void **s)
{
	up3(CONF_POLICY_PREFER);
	g_claim(&G, 0, "v0", 0, 0);
	run_checked(&G, 50000);
	assert_int_equal(g_release(&G, 0, "v0"), 0);
	run_checked(&G, 50000);
	assert_int_equal(G.nodes[0].last_err, CORE_OK);
	assert_holder_everywhere(0, 2, CORE_VIP_LIVE);
	/* A waiting claim comes before the list. */
	g_claim(&G, 2, "v0", 0, 1);
	run_checked(&G, 50000);
	g_release(&G, 1, "v0");
	run_checked(&G, 50000);
	assert_holder_everywhere(0, 3, CORE_VIP_LIVE);
	g_done(&G);
}

static void hung_holder_expires_and_never_readds(void **state)
{
	up3(CONF_POLICY_PREFER);
	g_claim(&G, 0, "v0", 0, 0);
	run_checked(&G, 50000);
	G.nodes[0].hung = 1;
	run_checked(&G, 400000);
	assert_holder_everywhere(0, 2, CORE_VIP_LIVE);
	G.nodes[0].hung = 0;
	run_checked(&G, 300000);
	assert_holder_everywhere(0, 2, CORE_VIP_LIVE);
	assert_false(G.nodes[0].up[0]);
	g_done(&G);
}

/* A holder whose own lease is longer than ours (nodes configured
 * differently): its renewals announce it, and nobody takes over before
 * its gate has closed.  With peers fencing by their own lease, the
 * successor would add the address while the hung holder still answers. */
static void longer_lease_of_a_peer_is_honoured(void **state)
{
	uint64_t t0;

	g_init(&G, 3, 1, CONF_POLICY_PREFER);
	G.nodes[0].lease_ms = 600;
	for (unsigned i = 0; i < 3; i++)
		g_start(&G, i);
	run_checked(&G, 300000);
	assert_int_equal(core_lease_ms(G.nodes[0].core), 600);
	assert_int_equal(core_lease_ms(G.nodes[1].core), 150);
	g_claim(&G, 0, "v0", 0, 0);
	run_checked(&G, 1000000); /* fences of the first sync: 600 ms */
	assert_true(G.nodes[0].up[0]);
	G.nodes[0].hung = 1;
	t0 = G.now;
	while (!G.nodes[1].up[0] && G.now < t0 + 2000000)
		run_checked(&G, 1000);
	assert_true(G.nodes[1].up[0]);
	/* not before the hung holder's own 600 ms lease ran out */
	assert_true(G.now - t0 >= 600000 - 600000 / 8);
	assert_true(G.nodes[0].lease_until <= G.now);
	g_done(&G);
}

/* lease auto: the core starts with a placeholder (the longest lease) and
 * the daemon sets the real one before joining; the placeholder must not
 * stay in anyone's fences. */
static void lease_set_before_join_replaces_placeholder(void **state)
{
	g_init(&G, 3, 1, CONF_POLICY_WAIT);
	G.conf.lease_ms = 0;
	for (unsigned i = 0; i < 3; i++) {
		G.nodes[i].lease_ms = 150;
		g_start(&G, i);
	}
	run_checked(&G, 300000);
	assert_int_equal(core_lease_ms(G.nodes[0].core), 150);
	g_claim(&G, 0, "v0", 0, 0);
	run_checked(&G, 300000);
	assert_true(G.nodes[0].up[0]);
	assert_holder_everywhere(0, G.nodes[0].id, CORE_VIP_LIVE);
	g_done(&G);
}

static int fail_all(struct group *g, unsigned node, unsigned vip)
{
	return 1;
}

static void actuator_failure_is_reported_and_unassigns(void **state)
{
	up3(CONF_POLICY_WAIT);
	G.fail_up = fail_all;
	g_claim(&G, 0, "v0", 0, 0);
	run_checked(&G, 50000);
	assert_int_equal(G.nodes[0].last_err, CORE_E_ACTUATOR);
	assert_holder_everywhere(0, 0, CORE_VIP_UNASSIGNED);
	g_done(&G);
}

static void interface_fault_hands_over(void **state)
{
	up3(CONF_POLICY_PREFER);
	g_claim(&G, 0, "v0", 0, 0);
	run_checked(&G, 50000);
	core_local_fault(G.nodes[0].core, G.now, 0, "link down");
	run_checked(&G, 50000);
	assert_holder_everywhere(0, 2, CORE_VIP_LIVE);
	g_done(&G);
}

static void shutdown_confirms_and_hands_over_at_once(void **state)
{
	up3(CONF_POLICY_PREFER);
	g_claim(&G, 0, "v0", 0, 0);
	run_checked(&G, 50000);
	G.nodes[0].stop_sent_gate = 1;
	core_shutdown(G.nodes[0].core, G.now);
	/* the gate was closed when the release left, and the release did
	 * not wait for the address to go */
	assert_int_equal(G.nodes[0].stop_sent_gate, 0);
	assert_int_equal(G.nodes[0].stop_sent_up, 1);
	run_checked(&G, 3000);
	assert_false(G.nodes[0].up[0]);
	skip_mask = 1; /* a stopped node no longer follows the group */
	assert_holder_everywhere(0, 2, CORE_VIP_LIVE);
	skip_mask = 0;
	g_done(&G);
}

static void election_term_equal_to_unassigned_term_is_accepted(void **s)
{
	up3(CONF_POLICY_WAIT);
	g_claim(&G, 0, "v0", 1, 0);
	run_checked(&G, 50000);
	g_kill(&G, 0);
	run_checked(&G, 100000);
	/* the loss moved the term on to 2 with nobody holding it */
	assert_holder_everywhere(0, 0, CORE_VIP_UNASSIGNED);
	assert_int_equal(g_claim(&G, 1, "v0", 2, 0), 0);
	run_checked(&G, 50000);
	assert_int_equal(G.nodes[1].last_err, CORE_OK);
	assert_int_equal(G.nodes[1].last_term, 2);
	/* equal while held is still refused */
	assert_int_equal(g_claim(&G, 2, "v0", 2, 0), CORE_E_STALE_TERM);
	g_done(&G);
}

static void holder_keeps_its_address_while_a_node_joins(void **state)
{
	up3(CONF_POLICY_WAIT);
	g_claim(&G, 0, "v0", 0, 0);
	run_checked(&G, 50000);
	g_kill(&G, 2);
	run_checked(&G, 50000);
	g_start(&G, 2);
	for (unsigned ms = 0; ms < 300; ms++) {
		run_checked(&G, 1000);
		assert_true(G.nodes[0].up[0]);
		assert_int_equal(g_answering(&G, 0), 1);
	}
	assert_holder_everywhere(0, 1, CORE_VIP_LIVE);
	g_done(&G);
}

/* A failover of many VIPs adds their addresses CORE_UP_BATCH at a time,
 * one batch per pass of the loop, so that renewals keep flowing; all of
 * them end up live on the successor. */
static void failover_of_many_vips_comes_in_batches(void **state)
{
	unsigned before = 0, most = 0, steps = 0;
	char name[8];

	g_init(&G, 3, G_MAX_VIPS, CONF_POLICY_PREFER);
	for (unsigned i = 0; i < 3; i++)
		g_start(&G, i);
	run_checked(&G, 300000);
	for (unsigned k = 0; k < G_MAX_VIPS; k++) {
		snprintf(name, sizeof(name), "v%u", k);
		assert_int_equal(g_claim(&G, 0, name, 0, 0), 0);
	}
	run_checked(&G, 100000);
	for (unsigned k = 0; k < G_MAX_VIPS; k++)
		assert_true(G.nodes[0].up[k]);
	g_kill(&G, 0);
	while (before < G_MAX_VIPS && steps++ < 1000) {
		unsigned now_up = 0;

		g_advance(&G);
		for (unsigned k = 0; k < G_MAX_VIPS; k++) {
			now_up += (unsigned)G.nodes[1].up[k];
			assert_true(g_answering(&G, k) <= 1);
		}
		if (now_up - before > most)
			most = now_up - before;
		before = now_up;
	}
	assert_int_equal(before, G_MAX_VIPS);
	assert_true(most <= CORE_UP_BATCH);
	run_checked(&G, 50000);
	for (unsigned k = 0; k < G_MAX_VIPS; k++)
		assert_holder_everywhere(k, 2, CORE_VIP_LIVE);
	g_done(&G);
}

/* Direct hand-offs (core_handoff()). */
static uint32_t prev_at_up[G_MAX_NODES]; /* table's prev when it added */

static void note_prev_at_up(struct group *g, unsigned i)
{
	struct core_vip_info vi;

	if (!g->nodes[i].up[0] || prev_at_up[i] != UINT32_MAX)
		return; /* the first add only, not later lease refreshes */
	core_vip_get(g->nodes[i].core, 0, &vi);
	prev_at_up[i] = vi.prev;
}

static const struct g_hooks prev_hooks = { .kernel = note_prev_at_up };

/* Prefer n1, n2, n3: n2 stands by with a current lease while n1 holds
 * (renew.c), so it may add the moment it knows n1 removed the VIP. */
static void up3_direct(int direct)
{
	g_init(&G, 3, 2, CONF_POLICY_PREFER);
	G.direct = direct;
	for (unsigned i = 0; i < 3; i++)
		g_start(&G, i);
	run_checked(&G, 300000);
	g_claim(&G, 0, "v0", 0, 0);
	run_checked(&G, 50000);
	assert_holder_everywhere(0, 1, CORE_VIP_LIVE);
	memset(prev_at_up, 0xff, sizeof(prev_at_up));
	G.hooks = &prev_hooks;
}

/* The new holder adds the address on the old holder's word, before the
 * RELEASED that says the same is ordered; without the direct channel it
 * waits for the RELEASED. */
static void move_with_direct_handoff_adds_before_the_release(void **s)
{
	for (int direct = 0; direct <= 1; direct++) {
		up3_direct(direct);
		assert_int_equal(g_move(&G, 2, "v0", "n2"), 0);
		run_checked(&G, 50000);
		assert_int_equal(G.nodes[2].last_err, CORE_OK);
		assert_holder_everywhere(0, 2, CORE_VIP_LIVE);
		assert_true(G.nodes[1].up[0]);
		assert_false(G.nodes[0].up[0]);
		assert_int_equal(prev_at_up[1], direct ? 1 : 0);
		assert_int_equal(G.hands_sent, (unsigned)direct);
		assert_int_equal(G.hands_taken, (unsigned)direct);
		g_done(&G);
	}
}

/* A node that claims for itself renews along with its claim (a request
 * of its own makes it active), so even a node that stood by for nothing
 * has a current lease by the time the hand-off comes: the application's
 * own claim, at a higher term, takes the early path too. */
static void claim_by_a_quiet_node_takes_the_handoff(void **s)
{
	g_init(&G, 3, 2, CONF_POLICY_WAIT);
	G.direct = 1;
	for (unsigned i = 0; i < 3; i++)
		g_start(&G, i);
	run_checked(&G, 300000);
	g_claim(&G, 0, "v0", 4, 0);
	run_checked(&G, 300000); /* n3 holds nothing, stands by for nothing */
	memset(prev_at_up, 0xff, sizeof(prev_at_up));
	G.hooks = &prev_hooks;
	assert_int_equal(g_claim(&G, 2, "v0", 5, 0), 0);
	run_checked(&G, 50000);
	assert_int_equal(G.nodes[2].last_err, CORE_OK);
	assert_holder_everywhere(0, 3, CORE_VIP_LIVE);
	assert_int_equal(prev_at_up[2], 1);
	g_done(&G);
}

/* A hand-off counts only from the previous holder and at the term of
 * the hand-over; nothing else lets the new holder add early. */
static void handoff_of_another_term_or_sender_is_ignored(void **s)
{
	up3_direct(1);
	G.nodes[0].hung = 1; /* n1 never gets to remove it */
	assert_int_equal(g_move(&G, 2, "v0", "n2"), 0);
	run_checked(&G, 5000);
	core_handoff(G.nodes[1].core, G.now, 3, 0, 2); /* not the holder */
	core_handoff(G.nodes[1].core, G.now, 1, 0, 1); /* older term */
	core_handoff(G.nodes[1].core, G.now, 1, 0, 3); /* later term */
	core_handoff(G.nodes[1].core, G.now, 1, 1, 2); /* other VIP */
	core_handoff(G.nodes[1].core, G.now, 2, 0, 2); /* itself */
	core_handoff(G.nodes[1].core, G.now, 9, 0, 2); /* unknown node */
	core_handoff(G.nodes[1].core, G.now, 1, 7, 2); /* unknown VIP */
	run_checked(&G, 20000);
	assert_false(G.nodes[1].up[0]);
	assert_true(G.nodes[0].up[0]);
	G.nodes[0].hung = 0;
	run_checked(&G, 50000);
	assert_holder_everywhere(0, 2, CORE_VIP_LIVE);
	assert_false(G.nodes[0].up[0]);
	assert_true(G.nodes[1].up[0]);
	g_done(&G);
}

/* n2 takes v0 (term 2) and, reading the group late, hears n1's hand-off
 * before it has even seen its own claim; n1 asks for v0 back (term 3)
 * before its RELEASED is ordered.  Granting that would make the table
 * forget that n2 may already answer: it is refused until the hand-over
 * is confirmed, and one node answers at every instant. */
static void request_racing_an_unconfirmed_handoff_is_refused(void **s)
{
	up3_direct(1);
	G.nodes[1].lag_us = 20000;
	G.nodes[0].lag_us = 3000;
	assert_int_equal(g_claim(&G, 1, "v0", 2, 0), 0);
	assert_int_equal(g_claim(&G, 0, "v0", 3, 0), 0);
	run_checked(&G, 60000);
	assert_int_equal(G.nodes[0].last_err, CORE_E_HANDOVER);
	assert_non_null(strstr(G.nodes[0].last_reason, "hand-over"));
	assert_int_equal(G.nodes[1].last_err, CORE_OK);
	assert_int_equal(G.hands_taken, 1);
	assert_int_equal(prev_at_up[1], 1); /* n2 added on the hand-off */
	G.nodes[1].lag_us = G.nodes[0].lag_us = 0;
	run_checked(&G, 50000);
	assert_holder_everywhere(0, 2, CORE_VIP_LIVE);
	/* confirmed now: n1 may take it back */
	assert_int_equal(g_claim(&G, 0, "v0", 3, 0), 0);
	run_checked(&G, 50000);
	assert_int_equal(G.nodes[0].last_err, CORE_OK);
	assert_holder_everywhere(0, 1, CORE_VIP_LIVE);
	g_done(&G);
}

/* Renewals sent per node, counted as they are delivered to node
 * observer. */
static unsigned renewals[G_MAX_NODES + 1], observer;

static void count_renewals(struct group *g, unsigned i, const struct g_obs *o)
{
	(void)g;
	if (i == observer && o->kind == G_OBS_MSG &&
	    o->m->type == CORE_MSG_RENEW && o->from <= G_MAX_NODES)
		renewals[o->from]++;
}

static const struct g_hooks renewal_hooks = { .after = count_renewals };

/* Standby renewals of n2 that left in a pass where n2 had delivered no
 * renewal of n1's (a wake-up of their own). */
static uint64_t n1_renew_at_n2;
static unsigned lone_standby;

static void standby_rides(struct group *g, unsigned i, const struct g_obs *o)
{
	if (o->kind != G_OBS_MSG || o->m->type != CORE_MSG_RENEW)
		return;
	if (i == 1 && o->from == 1)
		n1_renew_at_n2 = g->now;
	if (i == 2 && o->from == 2 && o->m->sent_us != n1_renew_at_n2)
		lone_standby++;
}

static const struct g_hooks standby_hooks = { .after = standby_rides };

/* Renewals of ids 1..3 over dur (us) as node obs sees them, into got[]. */
static void count_window(unsigned obs, uint64_t dur, unsigned got[3])
{
	memset(renewals, 0, sizeof(renewals));
	observer = obs;
	G.hooks = &renewal_hooks;
	run_checked(&G, dur);
	G.hooks = NULL;
	for (unsigned i = 0; i < 3; i++)
		got[i] = renewals[i + 1];
}

/* The holder renews CORE_RENEWALS times a lease, the next node of the
 * prefer list CORE_STANDBY_RENEWALS times (it stands by, at most one
 * period later each time, in the pass that delivered a renewal of the
 * holder's: no wake-up of its own), anyone else not at all; the one that takes over has a current lease the moment it
 * holds, and renews as a holder from then on. */
static void standby_successor_renews_seldom_until_it_holds(void **state)
{
	const uint64_t lease = 150000, window = 600000;
	unsigned got[3];
	struct core_vip_info vi;
	int steps = 0;

	g_init(&G, 3, 1, CONF_POLICY_PREFER);
	for (unsigned i = 0; i < 3; i++)
		g_start(&G, i);
	run_checked(&G, 300000);
	assert_int_equal(g_claim(&G, 0, "v0", 0, 0), 0);
	run_checked(&G, 100000);
	assert_int_equal(core_lease_ms(G.nodes[0].core), lease / 1000);
	count_window(2, window, got);
	/* holder n1: 600 / 18.75 = 32; standby n2: 600 / (75 + 0..18.75)
	 * = 6..8; n3: 0 */
	assert_in_range(got[0], window / (lease / CORE_RENEWALS) - 1,
			window / (lease / CORE_RENEWALS) + 1);
	assert_in_range(got[1],
			window / (lease / CORE_STANDBY_RENEWALS +
				  lease / CORE_RENEWALS),
			window / (lease / CORE_STANDBY_RENEWALS) + 1);
	assert_int_equal(got[2], 0);
	lone_standby = 0;
	G.hooks = &standby_hooks;
	run_checked(&G, window);
	G.hooks = NULL;
	assert_int_equal(lone_standby, 0);

	g_leave(&G, 0);
	while (g_holder(&G, 1, 0, &vi) != 2 && steps++ < 100)
		g_advance(&G);
	assert_int_equal(vi.holder, 2);
	assert_true(G.nodes[1].lease_until > G.now);
	/* up within the step its tick runs in: no renewal to wait for */
	g_advance(&G);
	assert_true(g_answers(&G, 1, 0));
	run_checked(&G, 100000);
	count_window(2, window, got);
	assert_int_equal(got[0], 0);
	assert_in_range(got[1], window / (lease / CORE_RENEWALS) - 1,
			window / (lease / CORE_RENEWALS) + 1);
	/* n1 is gone: n3 is the next of the list now, and stands by */
	assert_in_range(got[2],
			window / (lease / CORE_STANDBY_RENEWALS +
				  lease / CORE_RENEWALS),
			window / (lease / CORE_STANDBY_RENEWALS) + 1);
	g_done(&G);
	(void)state;
}

/* One node's own copy of the group's configuration, to edit. */
static struct conf other_conf;
static struct conf_vip other_vips[G_MAX_VIPS];

static void other_node_conf(unsigned i)
{
	other_conf = G.conf;
	memcpy(other_vips, G.vips, sizeof(other_vips));
	other_conf.vips = other_vips;
	G.nodes[i].conf = &other_conf;
}

static void start_all(void)
{
	for (unsigned i = 0; i < G.n; i++)
		g_start(&G, i);
	run_checked(&G, 300000);
}

static void assert_differ(unsigned i, unsigned vip, uint32_t mask)
{
	struct core_vip_info vi;

	g_holder(&G, i, vip, &vi);
	assert_int_equal(vi.differ, mask);
}

/* n3's file prefers n3 for v0, the others' n2: were v0 not frozen, n2
 * and n3 would each take it over when n1 goes. */
static void vip_defined_otherwise_by_a_member_is_frozen(void **state)
{
	g_init(&G, 3, 2, CONF_POLICY_PREFER);
	other_node_conf(2);
	other_vips[0].prefer[0] = 2;
	other_vips[0].prefer[2] = 0;
	start_all();
	assert_differ(0, 0, 1u << 2);
	assert_differ(1, 0, 1u << 2);
	assert_differ(2, 0, 3u);
	assert_differ(0, 1, 0);
	assert_int_equal(g_claim(&G, 0, "v0", 0, 0), CORE_E_MISMATCH);
	assert_non_null(strstr(G.nodes[0].last_reason, "of 'n3'"));
	assert_int_equal(g_move(&G, 1, "v0", "n1"), CORE_E_MISMATCH);
	assert_int_equal(g_claim(&G, 2, "v0", 0, 0), CORE_E_MISMATCH);
	assert_non_null(strstr(G.nodes[2].last_reason, "of 'n1' 'n2'"));
	/* v1 is defined alike and works */
	assert_int_equal(g_claim(&G, 0, "v1", 0, 0), 0);
	run_checked(&G, 50000);
	assert_holder_everywhere(1, 1, CORE_VIP_LIVE);
	assert_holder_everywhere(0, 0, CORE_VIP_UNASSIGNED);
	/* n3 leaves: v0 thaws */
	g_leave(&G, 2);
	run_checked(&G, 100000);
	assert_differ(0, 0, 0);
	assert_int_equal(g_claim(&G, 0, "v0", 0, 0), 0);
	run_checked(&G, 50000);
	assert_holder_everywhere(0, 1, CORE_VIP_LIVE);
	/* n3 back with its own file: frozen again, n1 keeps v0 */
	g_start(&G, 2);
	run_checked(&G, 300000);
	assert_holder_everywhere(0, 1, CORE_VIP_LIVE);
	assert_int_equal(g_answering(&G, 0), 1);
	assert_differ(1, 0, 1u << 2);
	/* n1's vipd dies: v1 goes to n2, v0 to nobody */
	g_kill(&G, 0);
	run_checked(&G, 500000);
	assert_holder_everywhere(1, 2, CORE_VIP_LIVE);
	assert_holder_everywhere(0, 0, CORE_VIP_UNASSIGNED);
	assert_int_equal(g_answering(&G, 0), 0);
	/* n3 restarted with the common file: v0 can be claimed again */
	G.nodes[2].conf = NULL;
	g_kill(&G, 2);
	run_checked(&G, 100000);
	g_start(&G, 2);
	run_checked(&G, 300000);
	assert_differ(1, 0, 0);
	assert_int_equal(g_claim(&G, 1, "v0", 0, 0), 0);
	run_checked(&G, 50000);
	assert_holder_everywhere(0, 2, CORE_VIP_LIVE);
	/* frozen, thawed, frozen, thawed */
	assert_int_equal(G.nodes[1].events[CORE_EV_CONFIG], 4);
	g_done(&G);
}

static void vip_unknown_to_a_member_is_frozen(void **state)
{
	g_init(&G, 3, 2, CONF_POLICY_WAIT);
	other_node_conf(2);
	other_conf.nvips = 1; /* n3's file lacks v1 */
	start_all();
	assert_differ(0, 1, 1u << 2);
	assert_differ(0, 0, 0);
	assert_int_equal(g_claim(&G, 0, "v1", 0, 0), CORE_E_MISMATCH);
	assert_int_equal(g_claim(&G, 2, "v1", 0, 0), CORE_E_UNKNOWN_VIP);
	assert_int_equal(g_claim(&G, 0, "v0", 0, 0), 0);
	run_checked(&G, 50000);
	assert_holder_everywhere(0, 1, CORE_VIP_LIVE);
	skip_mask = 1u << 2; /* n3 has no v1 to ask about */
	assert_holder_everywhere(1, 0, CORE_VIP_UNASSIGNED);
	skip_mask = 0;
	g_done(&G);
}

/* Membership decides quorum and eligibility: a member that counts the
 * cluster otherwise freezes every VIP; the devices and allow lists, each
 * node's own, do not. */
static void membership_defined_otherwise_freezes_every_vip(void **state)
{
	g_init(&G, 3, 2, CONF_POLICY_WAIT);
	other_node_conf(1);
	other_conf.two_node = true;
	snprintf(other_vips[0].dev, sizeof(other_vips[0].dev), "eth9");
	other_vips[1].nallow = 1;
	start_all();
	assert_differ(0, 0, 1u << 1);
	assert_differ(0, 1, 1u << 1);
	G.nodes[1].conf = NULL;
	other_conf.two_node = false;
	other_node_conf(1);
	snprintf(other_vips[0].dev, sizeof(other_vips[0].dev), "eth9");
	other_vips[1].nallow = 1;
	g_kill(&G, 1);
	run_checked(&G, 100000);
	g_start(&G, 1);
	run_checked(&G, 300000);
	assert_differ(0, 0, 0);
	assert_differ(0, 1, 0);
	assert_int_equal(g_claim(&G, 1, "v0", 0, 0), 0);
	run_checked(&G, 50000);
	assert_holder_everywhere(0, 2, CORE_VIP_LIVE);
	g_done(&G);
}

static void lease_auto_covers_the_ring_stall_after_one_period(void **s)
{
	static const uint32_t tokens[] = { 10, 50, 100, 300, 1000, 3000 };

	for (unsigned i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
		uint32_t t = tokens[i], consensus = t * 12 / 10, join = 50;
		uint32_t stall = t + consensus + join +
				 CORE_LEASE_STALL_MARGIN_MS;
		uint32_t ms = core_lease_auto_ms(t, consensus, join);

		assert_int_equal(ms % 10, 0);
		assert_true(ms - ms / CORE_RENEWALS >= stall);
		/* the shortest such: 10 ms less would not cover it */
		assert_true(ms == CONF_LEASE_MIN_MS ||
			    (ms - 10) - (ms - 10) / CORE_RENEWALS < stall);
	}
	/* the bench's setting: token 50, consensus 60, join 30 */
	assert_int_equal(core_lease_auto_ms(50, 60, 30), 200);
	assert_int_equal(core_lease_auto_ms(0, 0, 0), CONF_LEASE_MIN_MS);
	assert_int_equal(core_lease_auto_ms(60000, 60000, 60000),
			 CONF_LEASE_MAX_MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(claim_on_idle_vip_goes_live),
		cmocka_unit_test(claim_with_lower_term_is_refused),
		cmocka_unit_test(claim_held_elsewhere_without_term_is_refused),
		cmocka_unit_test(
			claim_with_higher_term_hands_over_break_before_make),
		cmocka_unit_test(claim_unknown_vip_is_refused),
		cmocka_unit_test(claim_from_non_eligible_node_is_refused),
		cmocka_unit_test(move_goes_to_named_node_without_overlap),
		cmocka_unit_test(move_refusals),
		cmocka_unit_test(release_unassigns_and_removes),
		cmocka_unit_test(waiting_claim_takes_over_on_release),
		cmocka_unit_test(withdrawn_waiting_claim_never_takes_over),
		cmocka_unit_test(claim_granted_before_its_withdrawal_stands),
		cmocka_unit_test(withdrawal_keeps_another_local_waiting_claim),
		cmocka_unit_test(release_held_never_releases_a_later_holder),
		cmocka_unit_test(queued_claim_never_replaces_an_earlier_waiter),
		cmocka_unit_test(minority_drops_and_majority_waits_for_lease),
		cmocka_unit_test(killed_holder_is_replaced_by_prefer_policy),
		cmocka_unit_test(
			release_under_prefer_hands_to_the_next_of_the_list),
		cmocka_unit_test(hung_holder_expires_and_never_readds),
		cmocka_unit_test(longer_lease_of_a_peer_is_honoured),
		cmocka_unit_test(lease_set_before_join_replaces_placeholder),
		cmocka_unit_test(actuator_failure_is_reported_and_unassigns),
		cmocka_unit_test(interface_fault_hands_over),
		cmocka_unit_test(shutdown_confirms_and_hands_over_at_once),
		cmocka_unit_test(
			election_term_equal_to_unassigned_term_is_accepted),
		cmocka_unit_test(holder_keeps_its_address_while_a_node_joins),
		cmocka_unit_test(failover_of_many_vips_comes_in_batches),
		cmocka_unit_test(
			move_with_direct_handoff_adds_before_the_release),
		cmocka_unit_test(handoff_of_another_term_or_sender_is_ignored),
		cmocka_unit_test(claim_by_a_quiet_node_takes_the_handoff),
		cmocka_unit_test(
			request_racing_an_unconfirmed_handoff_is_refused),
		cmocka_unit_test(standby_successor_renews_seldom_until_it_holds),
		cmocka_unit_test(vip_defined_otherwise_by_a_member_is_frozen),
		cmocka_unit_test(vip_unknown_to_a_member_is_frozen),
		cmocka_unit_test(
			membership_defined_otherwise_freezes_every_vip),
		cmocka_unit_test(
			lease_auto_covers_the_ring_stall_after_one_period),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
