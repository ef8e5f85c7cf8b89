// SPDX-License-Identifier: MIT
/*
 * Renewals, expiry and the timers of the core.  A node extends its own
 * kernel lease only when its renewal comes back in agreed order, and
 * only to (send time + lease).  A peer that delivered that renewal at t
 * knows the node's gate is closed by t + lease + margin; past that, and
 * only if the ring visibly carried newer traffic, it asks the group to
 * expire the node (EXPIRE), which the group accepts only if no renewal
 * of that node came in between.
 *
 * Every renewal keeps corosync's token going round every node, so a node
 * renews only while it needs a lease (renew_needed()); a quiet node's
 * gate is simply closed, which is always safe.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

void renew_send(struct core *c, uint64_t now)
{
	struct core_msg m = { .type = CORE_MSG_RENEW };

	m.seq = ++c->renew_seq;
	m.sent_us = now;
	m.lease_us = c->lease_us;
	c->next_renew = now + c->period_us;
	c->next_standby = now + c->lease_us / CORE_STANDBY_RENEWALS;
	core_send(c, &m);
}

void renew_deliver(struct core *c, uint64_t now, uint32_t from,
		   const struct core_msg *m)
{
	int i = node_index(c, from);
	uint64_t until;

	if (i < 0)
		return;
	core_peer_lease(c, m->lease_us);
	c->nodes[i].renew_seq = m->seq;
	c->nodes[i].lease_until = peer_bound(c, now);
	c->nodes[i].lapsed = 0;
	if (from != c->self) {
		c->peer_renew_at = now;
		return;
	}
	c->own_last_sent = m->sent_us;
	until = m->sent_us + c->lease_us;
	if (!(c->synced || c->ever_synced) || !c->quorate ||
	    until <= now + 1000)
		return;
	c->own_lease_until = until;
	c->ops->lease(c->ud, until);
	for (unsigned k = 0; k < c->conf->nvips; k++)
		if (c->vips[k].holder == c->self && !c->vips[k].up)
			vip_reconcile(c, now, k);
}

static void expire_apply(struct core *c, uint64_t now,
			 const struct core_msg *m)
{
	int i = node_index(c, m->node);
	struct core_node *n;

	if (i < 0)
		return;
	n = &c->nodes[i];
	/* A node that holds nothing may well be quiet: nothing to take. */
	if (!n->member || n->lapsed || n->gone || n->renew_seq != m->seq ||
	    !c->quorate || !((vip_held_mask(c) >> i) & 1u))
		return;
	n->lapsed = 1;
	vip_node_lost(c, now, n->id, CORE_LEAVE_EXPIRED, 0);
}

/* Agreed messages once the table is learnt. */
static void deliver_agreed(struct core *c, uint64_t now, uint32_t from,
			   const struct core_msg *m)
{
	int i = node_index(c, from);

	if (m->type == CORE_MSG_EXPIRE) {
		expire_apply(c, now, m);
	} else if (m->type == CORE_MSG_REBALANCE) {
		pool_apply(c, now, m);
	} else if (m->type == CORE_MSG_RELEASED && !m->vip[0]) {
		if (!(m->flags & CORE_MSG_F_SHUTDOWN))
			return;
		c->nodes[i].gone = 1;
		/* Without quorum, sweep_absent() hands its VIPs on once
		 * quorum is back and it has left. */
		if (c->quorate)
			vip_node_lost(c, now, from, CORE_LEAVE_LEAVE, 1);
	} else {
		vip_apply(c, now, from, m);
	}
}

void core_deliver(struct core *c, uint64_t now, uint32_t from,
		  const struct core_msg *m)
{
	int i = node_index(c, from);

	if (!c->joined || !c->in_view || i < 0 || !c->nodes[i].member)
		return;
	switch (m->type) {
	case CORE_MSG_STATE:
		view_state(c, now, from, m);
		return;
	case CORE_MSG_SYNC:
		view_sync(c, now, from, m);
		return;
	case CORE_MSG_RENEW:
		renew_deliver(c, now, from, m);
		return;
	case CORE_MSG_CLAIM:
	case CORE_MSG_RELEASE:
	case CORE_MSG_MOVE:
	case CORE_MSG_RELEASED:
	case CORE_MSG_LIVE:
	case CORE_MSG_EXPIRE:
	case CORE_MSG_CANCEL:
	case CORE_MSG_REBALANCE:
		break;
	}
	if (!c->synced)
		view_defer(c, from, m);
	else
		deliver_agreed(c, now, from, m);
}

void core_joined(struct core *c, uint64_t now)
{
	c->joined = 1;
	c->joined_at = now;
	c->in_view = 0;
	c->synced = 0;
	c->ndeferred = 0;
	c->next_renew = now;
	c->next_standby = now;
	for (unsigned i = 0; i < c->conf->nnodes; i++)
		c->nodes[i].member = 0;
}

/* May we accuse node n of silence?  Only if a renewal of ours, sent well
 * after n's last one arrived, has come back: then the ring works and n's
 * own renewal, due by then, would have been ordered before ours. */
static int expire_due(const struct core *c, const struct core_node *n,
		      uint64_t now)
{
	uint64_t last = n->lease_until - c->peer_lease_us - c->margin_us;

	return now >= n->lease_until && n->expire_sent != n->renew_seq + 1 &&
	       c->own_last_sent >= last + c->peer_lease_us / CORE_RENEWALS +
					   c->margin_us;
}

/* Another member that holds a VIP and may yet be accused of silence.
 * held: from vip_held_mask(). */
static int accusable(const struct core *c, unsigned i, uint32_t held)
{
	const struct core_node *n = &c->nodes[i];

	return ((held >> i) & 1u) && n->member && !n->lapsed && !n->gone &&
	       n->id != c->self;
}

static uint64_t tick_expire(struct core *c, uint64_t now, uint64_t next,
			    uint32_t held)
{
	for (unsigned i = 0; i < c->conf->nnodes; i++) {
		struct core_node *n = &c->nodes[i];
		struct core_msg m = { .type = CORE_MSG_EXPIRE };

		if (!accusable(c, i, held))
			continue;
		if (!expire_due(c, n, now)) {
			if (n->lease_until > now && n->lease_until < next)
				next = n->lease_until;
			continue;
		}
		n->expire_sent = n->renew_seq + 1;
		m.node = n->id;
		m.seq = n->renew_seq;
		core_send(c, &m);
	}
	return next;
}

/* A node needs its lease while it holds a VIP or must still confirm one's
 * removal, was expired, may be given one at once (a request of its own in
 * flight, a waiting claim), or must be able to accuse a holder whose
 * renewal is late (expire_due() wants a renewal of ours sent after the
 * holder's went missing): RENEW_ACTIVE, every period.  The next node of
 * a prefer list only stands by (RENEW_STANDBY, CORE_STANDBY_RENEWALS a
 * lease): it needs a current lease the moment the holder lets go, not
 * one that outlives a ring stall, and it turns active as soon as it
 * holds.  held: from vip_held_mask().  *wake: when a holder's renewal is
 * next due to be late. */
enum { RENEW_NONE, RENEW_STANDBY, RENEW_ACTIVE };
static int renew_needed(const struct core *c, uint64_t now, uint32_t held,
			uint64_t *wake)
{
	uint64_t half;
	int standby = 0;

	*wake = UINT64_MAX;
	/* An expired node renews to be usable again. */
	if (c->nodes[c->self_idx].lapsed || ((held >> c->self_idx) & 1u))
		return RENEW_ACTIVE;
	for (unsigned i = 0; i < CORE_MAX_PENDING; i++)
		if (c->pend[i].reqid)
			return RENEW_ACTIVE;
	for (unsigned k = 0; k < c->conf->nvips; k++) {
		const struct core_vip *v = &c->vips[k];

		if (v->waiter == c->self)
			return RENEW_ACTIVE;
		if (v->holder && vip_successor(c, k, v->holder) == c->self)
			standby = 1;
	}
	/* A renewal delivered at lease_until - lease - margin is late at
	 * half a lease, which leaves a renewal of ours time to come back
	 * before expire_due(). */
	half = c->peer_lease_us / 2 + c->margin_us;
	for (unsigned i = 0; i < c->conf->nnodes; i++) {
		uint64_t until = c->nodes[i].lease_until;
		uint64_t late = until > half ? until - half : 0;

		if (!accusable(c, i, held))
			continue;
		if (now >= late)
			return RENEW_ACTIVE;
		if (late < *wake)
			*wake = late;
	}
	return standby ? RENEW_STANDBY : RENEW_NONE;
}

uint64_t core_tick(struct core *c, uint64_t now)
{
	uint64_t next = UINT64_MAX, wake;
	uint32_t held;

	if (!c->joined || !c->in_view)
		return next; /* nothing to time before the first view */
	held = vip_held_mask(c);
	switch (renew_needed(c, now, held, &wake)) {
	case RENEW_ACTIVE:
		if (now >= c->next_renew)
			renew_send(c, now);
		next = c->next_renew;
		break;
	case RENEW_STANDBY:
		/* Due, it rides the next pass that delivered another node's
		 * renewal (this one: the core runs its timers after the
		 * deliveries of a pass), so that its send costs no wake-up of
		 * its own; at most one period late if none comes.  Its lease,
		 * renewed within half a lease and a period, stays current. */
		if (now >= c->next_standby + c->period_us ||
		    (now >= c->next_standby && c->peer_renew_at == now))
			renew_send(c, now);
		next = c->next_standby + c->period_us;
		if (wake < next)
			next = wake;
		break;
	default:
		next = wake;
	}
	if (!c->synced || !c->quorate)
		goto out;
	next = tick_expire(c, now, next, held);
	next = pool_tick(c, now, next);
	for (unsigned k = 0; k < c->conf->nvips; k++) {
		struct core_vip *v = &c->vips[k];

		if (v->holder != c->self || v->up)
			continue;
		if (v->fence > now) {
			if (v->fence < next)
				next = v->fence;
			continue;
		}
		vip_reconcile(c, now, k);
	}
out:
	/* More addresses to add: come back after the loop's other work.
	 * The batch counts what the deliveries of this pass brought up as
	 * well, so a pass starts afresh once its tick is done. */
	if (c->ups_deferred && next > now + 1000)
		next = now + 1000;
	c->ups = 0;
	c->ups_deferred = 0;
	return next;
}

static void fail_all_pending(struct core *c, const char *why)
{
	for (unsigned i = 0; i < CORE_MAX_PENDING; i++)
		if (c->pend[i].reqid)
			pend_fail(c, c->pend[i].reqid, CORE_E_LOST, why);
}

void core_engine_lost(struct core *c, uint64_t now)
{
	c->joined = 0;
	c->in_view = 0;
	c->synced = 0;
	c->sync_wait = 0;
	c->ndeferred = 0;
	for (unsigned i = 0; i < c->conf->nnodes; i++)
		c->nodes[i].member = 0;
	if (c->quorate) {
		c->quorate = 0;
		core_emit(c, CORE_EV_QUORUM, -1, 0, 0, 0, "engine lost");
	}
	c->own_lease_until = 0;
	c->ops->lease(c->ud, 0);
	vip_reconcile_all(c, now);
	fail_all_pending(c, "lost contact with corosync");
}

void core_shutdown(struct core *c, uint64_t now)
{
	struct core_msg m = { .type = CORE_MSG_RELEASED,
			      .flags = CORE_MSG_F_SHUTDOWN };
	int was = c->joined;

	c->joined = 0;
	c->own_lease_until = 0;
	/* The gate closes for every VIP at once; from then on this node
	 * answers for none, so the release may leave before the addresses
	 * are deleted (one netlink round trip each, milliseconds when the
	 * node is busy) and the successors take over that much sooner. */
	c->ops->lease(c->ud, 0);
	if (was)
		core_send(c, &m);
	vip_reconcile_all(c, now);
	fail_all_pending(c, "vipd is stopping");
}

void core_local_fault(struct core *c, uint64_t now, unsigned vip,
		      const char *why)
{
	struct core_vip *v = &c->vips[vip];
	struct core_msg m = { .type = CORE_MSG_RELEASED,
			      .flags = CORE_MSG_F_FAILED, .term = v->term };

	if (v->holder != c->self || v->failed)
		return;
	v->failed = 1;
	if (v->up) {
		(void)c->ops->vip_down(c->ud, vip);
		v->up = 0;
	}
	core_emit(c, CORE_EV_LOST, (int)vip, c->self, 0, v->term, why);
	snprintf(m.vip, sizeof(m.vip), "%s", c->conf->vips[vip].name);
	if (c->joined)
		core_send(c, &m);
	(void)now;
}
