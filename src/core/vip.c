// SPDX-License-Identifier: MIT
/*
 * Ownership transitions of one VIP in agreed order (claim, release, move,
 * released, live, cancel, holder lost) and the local reconciliation that
 * follows each: adding or removing the address here, break-before-make.
 * A new holder adds the address only once the previous one confirmed its
 * removal, or once that one's kernel lease has certainly run out.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

int vip_eligible(const struct core *c, unsigned vip, uint32_t node)
{
	int i = node_index(c, node);

	return i >= 0 && (c->conf->vips[vip].eligible >> i) & 1u;
}

/* May ownership change in this view?  Quorum, and in a two-node cluster
 * reduced to one member, proof that the peer's vipd is gone (a process
 * exit or a clean stop): a partition looks like a crash, and without
 * fencing both halves would keep quorum. */
int vip_may_change(const struct core *c)
{
	unsigned count = 0;
	const struct core_node *peer = NULL;

	if (!c->quorate)
		return 0;
	if (!c->conf->two_node || c->conf->nnodes != 2)
		return 1;
	for (unsigned i = 0; i < 2; i++) {
		if (c->nodes[i].member)
			count++;
		else
			peer = &c->nodes[i];
	}
	return count == 2 || !peer || peer->gone ||
	       peer->left_why != CORE_LEAVE_NODEDOWN;
}

/* An application term t (0: none) is stale for node from if it is below
 * the current term, or equal to it while another node holds the VIP.
 * Equal is fine when the VIP is unassigned: a holder lost moves the term
 * on with nobody holding it, so nobody ever held the VIP at that term,
 * and the application's next election term may well be that number. */
int vip_term_stale(const struct core *c, unsigned vip, uint64_t t,
		   uint32_t from)
{
	const struct core_vip *v = &c->vips[vip];

	if (!t || v->holder == from)
		return 0;
	return t < v->term || (t == v->term && v->holder);
}

/* A hand-over of vip is still unconfirmed in agreed order: the previous
 * holder has not said it removed the address, and the new holder may
 * already have added it on a direct hand-off (core_handoff()), which
 * nobody else knows.  Until then requests may not take it from that
 * holder: the table would forget it, and a node told to add the VIP
 * next would wait for the previous holder only.  A holder lost is
 * fenced by its lease as always. */
static int vip_handing_over(const struct core_vip *v, uint32_t to)
{
	return v->prev && v->holder && v->holder != to && !MUTANT(7);
}

#define HANDOVER_WHY "the last hand-over is not confirmed yet; try again"

/* A node that may be given a VIP now. */
int vip_usable(const struct core *c, uint32_t node)
{
	int i = node_index(c, node);

	return i >= 0 && c->nodes[i].member && !c->nodes[i].lapsed &&
	       !c->nodes[i].gone;
}

/* Node indexes that hold, or must still confirm the removal of, a VIP. */
uint32_t vip_held_mask(const struct core *c)
{
	uint32_t held = 0;

	for (unsigned k = 0; k < c->conf->nvips; k++) {
		int h = node_index(c, c->vips[k].holder);
		int p = node_index(c, c->vips[k].prev);

		held |= (h >= 0 ? 1u << h : 0) | (p >= 0 ? 1u << p : 0);
	}
	return held;
}

/* Change the holder of vip to node (0: none) at term. */
void vip_assign(struct core *c, uint64_t now, unsigned vip,
		       uint32_t node, uint64_t term, const char *why)
{
	struct core_vip *v = &c->vips[vip];
	uint32_t old = v->holder;
	int i = node_index(c, node);

	if (old != node) {
		if (!v->prev && old) {
			v->prev = old;
			v->confirmed = 0;
		}
		v->live = 0;
	}
	if (v->prev == node)
		v->prev = 0;
	v->holder = node;
	v->term = term;
	v->since = now;
	/* A node that held nothing may have been quiet (renew.c): count
	 * from now before accusing it of silence.  Later is always safe. */
	if (i >= 0 && c->nodes[i].lease_until < peer_bound(c, now))
		c->nodes[i].lease_until = peer_bound(c, now);
	v->failed = 0;
	if (v->waiter == node)
		v->waiter = 0;
	if (!node)
		core_emit(c, CORE_EV_RELEASED, (int)vip, 0, old, term, why);
	else if (old && old != node)
		core_emit(c, CORE_EV_MOVED, (int)vip, node, old, term, why);
	else
		core_emit(c, CORE_EV_CLAIMED, (int)vip, node, old, term, why);
}

/* The next holder when the current one goes: a waiting claim first, then
 * the prefer list of the VIP's policy, else none. */
uint32_t vip_successor(const struct core *c, unsigned vip, uint32_t gone)
{
	const struct conf_vip *cv = &c->conf->vips[vip];
	const struct core_vip *v = &c->vips[vip];

	if (vip_frozen(c, vip))
		return 0;
	if (v->waiter && v->waiter != gone && vip_usable(c, v->waiter))
		return v->waiter;
	if (cv->pool)
		return pool_successor(c, vip, gone);
	if (cv->policy != CONF_POLICY_PREFER)
		return 0;
	for (unsigned k = 0; k < cv->nprefer; k++) {
		uint32_t id = c->conf->nodes[cv->prefer[k]].id;

		if (id != gone && vip_usable(c, id) &&
		    vip_eligible(c, vip, id))
			return id;
	}
	return 0;
}

/* node can no longer act on vip (it left, lapsed or stopped).  Unless it
 * confirmed the removal, nobody here adds vip before node's kernel lease
 * has run out; a vipd that died (PROCDOWN) took its owned lease table
 * with it, so a short grace covers the ordering of that teardown. */
void vip_lost(struct core *c, uint64_t now, unsigned vip, uint32_t node,
	      enum core_leave why, int confirmed)
{
	struct core_vip *v = &c->vips[vip];
	int i = node_index(c, node);
	uint64_t fence;

	if (v->holder != node && v->prev != node)
		return;
	if (!confirmed && i >= 0 && !MUTANT(4)) {
		/* A node delivers its own renewal as soon as it is ordered;
		 * cut off from the group right after sending it, it may have
		 * set its gate from a renewal nobody here ever delivered: one
		 * renewal period more than our last delivery shows.  Not for
		 * an EXPIRE: in one view a later renewal of the node is
		 * delivered here too, and voids the EXPIRE if it came first. */
		fence = c->nodes[i].lease_until;
		if (why != CORE_LEAVE_EXPIRED)
			fence += c->peer_lease_us / CORE_RENEWALS;
		if (why == CORE_LEAVE_PROCDOWN &&
		    now + CORE_PROCDOWN_GRACE_US < fence)
			fence = now + CORE_PROCDOWN_GRACE_US;
		if (fence > v->fence)
			v->fence = fence;
	}
	if (v->prev == node) {
		v->prev = 0;
		pend_check(c, vip, now);
	}
	if (v->holder != node)
		return;
	core_emit(c, CORE_EV_LOST, (int)vip, node, 0, v->term,
		  confirmed ? "holder released it" : "holder lost");
	v->holder = 0;
	vip_assign(c, now, vip, vip_successor(c, vip, node), v->term + 1,
		   "holder lost");
	pend_check(c, vip, now);
}

void vip_node_lost(struct core *c, uint64_t now, uint32_t node,
		   enum core_leave why, int confirmed)
{
	for (unsigned k = 0; k < c->conf->nvips; k++) {
		vip_lost(c, now, k, node, why, confirmed);
		vip_reconcile(c, now, k);
	}
}

static void apply_claim(struct core *c, uint64_t now, uint32_t from,
			unsigned vip, const struct core_msg *m)
{
	struct core_vip *v = &c->vips[vip];
	struct core_pending *p = from == c->self ? pend_find(c, m->reqid)
						  : NULL;
	enum core_err err = CORE_OK;
	const char *why = NULL;

	if (!vip_may_change(c))
		err = CORE_E_NO_QUORUM, why = "no quorum";
	else if (vip_frozen(c, vip))
		err = CORE_E_MISMATCH, why = "a member defines this VIP "
					     "otherwise";
	else if (!vip_eligible(c, vip, from))
		err = CORE_E_NOT_ELIGIBLE, why = "node may not hold this VIP";
	else if (!vip_usable(c, from))
		err = CORE_E_LOST, why = "claiming node lost its lease";
	else if (vip_term_stale(c, vip, m->term, from) && !MUTANT(2))
		err = CORE_E_STALE_TERM, why = "term not above the current";
	else if (!m->term && v->holder && v->holder != from &&
		 !(m->flags & CORE_MSG_F_WAIT))
		err = CORE_E_HELD, why = "held by another node";
	else if (m->term && vip_handing_over(v, from))
		err = CORE_E_HANDOVER, why = HANDOVER_WHY;
	else if (!m->term && (m->flags & CORE_MSG_F_QUEUE) && v->holder &&
		 v->holder != from && v->waiter && v->waiter != from)
		err = CORE_E_HELD, why = "another node waits for it already";
	if (err) {
		pend_answer(c, vip, m->reqid, err, v->term, why);
		return;
	}
	if (!m->term && v->holder && v->holder != from) {
		v->waiter = from;
		core_emit(c, CORE_EV_CLAIMED, (int)vip, v->holder, 0, v->term,
			  "claim waiting");
		return;
	}
	if (v->holder != from || m->term > v->term)
		vip_assign(c, now, vip, from,
			   m->term && !vip_term_stale(c, vip, m->term, 0) &&
					   m->term >= v->term
				   ? m->term
				   : v->term + 1,
			   "claimed");
	if (p)
		p->term = v->term;
	vip_reconcile(c, now, vip);
	pend_check(c, vip, now);
}

static void apply_release(struct core *c, uint64_t now, uint32_t from,
			  unsigned vip, const struct core_msg *m)
{
	struct core_vip *v = &c->vips[vip];
	struct core_pending *p = from == c->self ? pend_find(c, m->reqid)
						  : NULL;

	if (!c->quorate) {
		pend_answer(c, vip, m->reqid, CORE_E_NO_QUORUM, v->term,
			    "no quorum");
		return;
	}
	if ((m->flags & CORE_MSG_F_HELD) &&
	    (v->holder != from || v->term != m->term)) {
		pend_answer(c, vip, m->reqid, CORE_E_SUPERSEDED, v->term,
			    "a later change of this VIP came first");
		return;
	}
	if (vip_handing_over(v, 0)) {
		pend_answer(c, vip, m->reqid, CORE_E_HANDOVER, v->term,
			    HANDOVER_WHY);
		return;
	}
	if (v->holder) {
		uint32_t next = vip_successor(c, vip, v->holder);

		vip_assign(c, now, vip, next, v->term + 1, "released");
	}
	if (p)
		p->term = v->term;
	vip_reconcile(c, now, vip);
	pend_check(c, vip, now);
}

static void apply_move(struct core *c, uint64_t now, uint32_t from,
		       unsigned vip, const struct core_msg *m)
{
	struct core_vip *v = &c->vips[vip];
	struct core_pending *p = from == c->self ? pend_find(c, m->reqid)
						  : NULL;
	enum core_err err = CORE_OK;

	if (!vip_may_change(c))
		err = CORE_E_NO_QUORUM;
	else if (vip_frozen(c, vip))
		err = CORE_E_MISMATCH;
	else if (node_index(c, m->node) < 0)
		err = CORE_E_UNKNOWN_NODE;
	else if (!vip_eligible(c, vip, m->node))
		err = CORE_E_NOT_ELIGIBLE;
	else if (!vip_usable(c, m->node))
		err = CORE_E_NOT_MEMBER;
	else if (vip_handing_over(v, m->node))
		err = CORE_E_HANDOVER;
	if (err) {
		pend_answer(c, vip, m->reqid, err, v->term,
			    err == CORE_E_HANDOVER ? HANDOVER_WHY
						   : "refused by the group");
		return;
	}
	if (v->holder != m->node)
		vip_assign(c, now, vip, m->node, v->term + 1, "moved");
	if (p)
		p->term = v->term;
	vip_reconcile(c, now, vip);
	pend_check(c, vip, now);
}

static void apply_released(struct core *c, uint64_t now, uint32_t from,
			   unsigned vip, const struct core_msg *m)
{
	struct core_vip *v = &c->vips[vip];

	if (m->flags & CORE_MSG_F_FAILED) {
		/* Without quorum ownership does not change (DESIGN 3). */
		if (c->quorate && v->holder == from && v->term == m->term) {
			v->holder = 0;
			vip_assign(c, now, vip,
				   vip_successor(c, vip, from), v->term + 1,
				   "holder failed to add the address");
		}
	} else if (v->prev == from && m->term == v->term) {
		/* An older confirmation came from a node still behind in
		 * the agreed order: it may yet add the address at a term
		 * where it holds it.  It confirms again once caught up. */
		v->prev = 0;
	}
	vip_reconcile(c, now, vip);
	pend_check(c, vip, now);
}

static void apply_live(struct core *c, uint64_t now, uint32_t from,
		       unsigned vip, const struct core_msg *m)
{
	struct core_vip *v = &c->vips[vip];

	if (v->holder != from || v->term != m->term || v->live)
		return;
	v->live = 1;
	v->prev = 0;
	core_emit(c, CORE_EV_LIVE, (int)vip, from, 0, v->term, "live");
	pend_check(c, vip, now);
}

static void apply_cancel(struct core *c, uint64_t now, uint32_t from,
			 unsigned vip, const struct core_msg *m)
{
	struct core_vip *v = &c->vips[vip];
	struct core_pending *p = from == c->self ? pend_find(c, m->reqid)
						  : NULL;

	if (v->waiter == from)
		v->waiter = 0;
	if (p && !p->term)
		pend_answer(c, vip, m->reqid, CORE_E_CANCELLED, v->term,
			    "claim withdrawn");
	(void)now;
}

/* One ownership message in agreed order. */
void vip_apply(struct core *c, uint64_t now, uint32_t from,
	       const struct core_msg *m)
{
	int vip = vip_slot_find(c, m->vip);

	if (vip < 0) {
		if (from == c->self)
			pend_answer(c, 0, m->reqid, CORE_E_UNKNOWN_VIP, 0,
				    "unknown VIP");
		return;
	}
	switch (m->type) {
	case CORE_MSG_CLAIM:
		apply_claim(c, now, from, (unsigned)vip, m);
		break;
	case CORE_MSG_RELEASE:
		apply_release(c, now, from, (unsigned)vip, m);
		break;
	case CORE_MSG_MOVE:
		apply_move(c, now, from, (unsigned)vip, m);
		break;
	case CORE_MSG_RELEASED:
		apply_released(c, now, from, (unsigned)vip, m);
		break;
	case CORE_MSG_LIVE:
		apply_live(c, now, from, (unsigned)vip, m);
		break;
	case CORE_MSG_CANCEL:
		apply_cancel(c, now, from, (unsigned)vip, m);
		break;
	case CORE_MSG_RENEW:
	case CORE_MSG_EXPIRE:
	case CORE_MSG_STATE:
	case CORE_MSG_SYNC:
	case CORE_MSG_REBALANCE:
		break;
	}
}

static void vip_down_local(struct core *c, unsigned vip)
{
	struct core_vip *v = &c->vips[vip];

	if (!v->up)
		return;
	/* A failed delete leaves the address to the gate and its kernel
	 * lifetime; the core must not believe it is still serving, but it
	 * hands the VIP over only in agreed order then (vip_handoff()). */
	v->down_failed = c->ops->vip_down(c->ud, vip) < 0;
	v->up = 0;
}

static void vip_up_local(struct core *c, uint64_t now, unsigned vip)
{
	struct core_vip *v = &c->vips[vip];
	struct core_msg m = { .term = v->term };
	int r;

	snprintf(m.vip, sizeof(m.vip), "%s", c->conf->vips[vip].name);
	r = c->ops->vip_up(c->ud, vip);
	if (r < 0) {
		v->failed = 1;
		m.type = CORE_MSG_RELEASED;
		m.flags = CORE_MSG_F_FAILED;
		core_send(c, &m);
		for (unsigned i = 0; i < CORE_MAX_PENDING; i++)
			if (c->pend[i].reqid && c->pend[i].vip == vip &&
			    c->pend[i].kind == CORE_PEND_CLAIM)
				pend_answer(c, vip, c->pend[i].reqid,
					    CORE_E_ACTUATOR, v->term,
					    "the kernel refused the address");
		return;
	}
	v->up = 1;
	v->down_failed = 0;
	pend_check(c, vip, now);
}

/* Tell the group once per term that the address is live here. */
static void vip_live_send(struct core *c, unsigned vip)
{
	struct core_vip *v = &c->vips[vip];
	struct core_msg m = { .type = CORE_MSG_LIVE, .term = v->term };

	if (v->holder != c->self || !v->up || v->live ||
	    v->live_sent == v->term)
		return;
	snprintf(m.vip, sizeof(m.vip), "%s", c->conf->vips[vip].name);
	v->live_sent = v->term;
	core_send(c, &m);
}

/* This node, vip's previous holder, removed it at v->term and sent its
 * RELEASED: tell the agreed new holder directly.  Not after a delete
 * that failed: the gate may be all that keeps the address quiet, and
 * the new holder had better wait for corosync's order then. */
static void vip_handoff(struct core *c, unsigned vip)
{
	struct core_vip *v = &c->vips[vip];

	if (c->ops->handoff && v->holder && v->holder != c->self &&
	    !v->down_failed)
		c->ops->handoff(c->ud, vip, v->term, v->holder);
}

/* The previous holder confirmed its removal at this term directly
 * (core_handoff()); its RELEASED is still on its way. */
static int vip_handed(const struct core_vip *v)
{
	return v->prev && v->hand_from == v->prev &&
	       (v->hand_term == v->term || MUTANT(6));
}

void core_handoff(struct core *c, uint64_t now, uint32_t from, unsigned vip,
		  uint64_t term)
{
	struct core_vip *v;

	/* Terms rise within one learnt table; a sync may start another
	 * (a cluster that restarted whole counts from 1 again), so a
	 * hand-off counts only in the table it arrived in: none while
	 * unsynced, and sync_finish() forgets those that came before. */
	if (vip >= c->conf->nvips || from == c->self || !c->synced ||
	    node_index(c, from) < 0)
		return;
	v = &c->vips[vip];
	v->hand_from = from;
	v->hand_term = term;
	vip_reconcile(c, now, vip);
}

/* Make this node's kernel agree with the table for vip. */
void vip_reconcile(struct core *c, uint64_t now, unsigned vip)
{
	struct core_vip *v = &c->vips[vip];
	/* While a new view's tables are exchanged, a holder keeps what it
	 * holds: nothing changes hands until the merge, which every member
	 * computes the same way. */
	int keep = c->joined && (c->quorate || MUTANT(3)) &&
		   (c->synced || c->ever_synced);
	int serving = keep && c->synced;

	if (v->holder != c->self || !keep)
		vip_down_local(c, vip);
	/* Confirm at every term: a RELEASED names the term it was sent
	 * at, and counts only at that term (apply_released()). */
	if (serving && v->prev == c->self && v->confirmed != v->term) {
		struct core_msg m = { .type = CORE_MSG_RELEASED,
				      .term = v->term };

		snprintf(m.vip, sizeof(m.vip), "%s",
			 c->conf->vips[vip].name);
		v->confirmed = v->term;
		core_send(c, &m);
		vip_handoff(c, vip);
	}
	if (serving) {
		vip_live_send(c, vip);
		reconf_release(c, vip);
	}
	if (!serving || v->holder != c->self || v->up || v->failed)
		return;
	if ((v->prev && !vip_handed(v) && !MUTANT(1)) || now < v->fence ||
	    now >= c->own_lease_until)
		return;
	if (c->ups >= CORE_UP_BATCH) {
		c->ups_deferred = 1;
		return;
	}
	c->ups++;
	vip_up_local(c, now, vip);
	vip_live_send(c, vip);
}

void vip_reconcile_all(struct core *c, uint64_t now)
{
	for (unsigned k = 0; k < c->conf->nvips; k++)
		vip_reconcile(c, now, k);
}
