// SPDX-License-Identifier: MIT
/*
 * Views, quorum and table sync.  A view that brings in a node starts a
 * sync: every member sends its table first (STATE); once all arrived,
 * each node merges them the same way (highest term wins, ties to the
 * lowest sender) and only then handles the messages it held back.
 * Quorum is a function of the view, so every member computes the same.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static int view_quorum(struct core *c, unsigned count)
{
	unsigned n = c->conf->nnodes;

	if (count == n)
		c->seen_all = 1;
	if (2 * count > n)
		return 1;
	return c->conf->two_node && n == 2 && count >= 1 && c->seen_all;
}

static void view_set_quorum(struct core *c, int q)
{
	if (q == c->quorate)
		return;
	c->quorate = q;
	core_emit(c, CORE_EV_QUORUM, -1, (uint32_t)q, 0, 0,
		  q ? "quorum gained" : "quorum lost");
	if (!q && !MUTANT(3)) {
		c->own_lease_until = 0;
		c->ops->lease(c->ud, 0);
	}
}

static void drop_deferred(struct core *c)
{
	for (unsigned k = 0; k < c->ndeferred; k++) {
		const struct core_msg *m = &c->deferred[k];

		if (c->deferred_from[k] == c->self && m->reqid)
			pend_fail(c, m->reqid, CORE_E_LOST,
				  "membership changed, retry");
	}
	c->ndeferred = 0;
}

static void send_state(struct core *c)
{
	struct core_msg m = { .type = CORE_MSG_STATE, .seq = c->renew_seq };

	for (unsigned k = 0; k < c->conf->nvips; k++) {
		const struct core_vip *v = &c->vips[k];
		struct core_state_entry *e = &c->state_buf[k];

		*e = (struct core_state_entry){ .term = v->term,
						.holder = v->holder,
						.prev = v->prev,
						.waiter = v->waiter,
						.live = (uint8_t)v->live,
						.fp = v->fp };
		memcpy(e->vip, c->conf->vips[k].name, sizeof(e->vip));
	}
	/* It counts only for the SYNC it answers: a STATE a lagging member
	 * sent for an earlier sync may be ordered into this one. */
	m.node = c->sync_mask;
	m.term = c->sync_nonce_a;
	m.reqid = c->sync_nonce_b;
	m.nentries = c->conf->nvips;
	m.entries = c->state_buf;
	if (c->ever_synced)
		m.flags |= CORE_MSG_F_SYNCED;
	core_send(c, &m);
}

static uint32_t view_lowest(const struct core *c)
{
	uint32_t low = 0;

	for (unsigned i = 0; i < c->conf->nnodes; i++)
		if (c->nodes[i].member && (!low || c->nodes[i].id < low))
			low = c->nodes[i].id;
	return low;
}

/* The lowest member opens each sync; a node that finds itself lowest
 * while the sync has no opener yet (the opener left) opens it too.  The
 * first SYNC delivered counts, whoever sent it and for whichever view:
 * every member answers it after this view, so the answers are fresh. */
static void sync_start(struct core *c)
{
	struct core_msg m = { .type = CORE_MSG_SYNC };

	if (view_lowest(c) != c->self)
		return;
	m.term = c->joined_at;
	m.reqid = ++c->sync_gen;
	m.node = c->view_mask;
	core_send(c, &m);
}

/* Nodes absent from the view lose what they held, once we may decide. */
static void sweep_absent(struct core *c, uint64_t now)
{
	unsigned count = 0;

	if (!c->synced || !c->quorate)
		return;
	for (unsigned i = 0; i < c->conf->nnodes; i++)
		count += c->nodes[i].member ? 1u : 0u;
	for (unsigned i = 0; i < c->conf->nnodes; i++) {
		const struct core_node *n = &c->nodes[i];

		if (n->member)
			continue;
		/* Two nodes, one left: a partition looks like a crash, and
		 * without fencing only a process exit is proof. */
		if (c->conf->two_node && count < 2 &&
		    n->left_why == CORE_LEAVE_NODEDOWN && !n->gone)
			continue;
		vip_node_lost(c, now, n->id, n->left_why, n->gone);
	}
	pool_fill(c, now);
}

static void sync_finish(struct core *c, uint64_t now);

/* A sync of the current view begins: every member's table is awaited. */
static void sync_reset(struct core *c)
{
	c->synced = 0;
	c->sync_wait = c->view_mask;
	c->sync_mask = c->view_mask;
	c->sync_any = 0;
	c->sync_open = 0;
	c->sync_resync = 0;
	memset(c->merge, 0, c->conf->nvips * sizeof(*c->merge));
	memset(c->merge_any, 0, c->conf->nvips * sizeof(*c->merge_any));
}

static uint32_t view_members(struct core *c, uint64_t now,
			     const uint32_t *members, unsigned n,
			     int *ret_joined)
{
	uint32_t mask = 0;

	*ret_joined = 0;
	for (unsigned k = 0; k < n; k++) {
		int i = node_index(c, members[k]);

		if (i < 0)
			continue;
		mask |= 1u << i;
		if (c->nodes[i].member && c->in_view)
			continue;
		*ret_joined = 1;
		c->nodes[i] = (struct core_node){
			.id = c->nodes[i].id, .member = 1,
			.lease_until = peer_bound(c, now),
		};
		core_emit(c, CORE_EV_JOINED, -1, members[k], 0, 0, "joined");
	}
	return mask;
}

void core_view(struct core *c, uint64_t now, const uint32_t *members,
	       unsigned n, const uint32_t *left, const enum core_leave *why,
	       unsigned nleft)
{
	unsigned count = 0;
	uint32_t mask;
	int joined;

	if (!c->joined)
		return;
	mask = view_members(c, now, members, n, &joined);
	for (unsigned k = 0; k < nleft; k++) {
		int i = node_index(c, left[k]);

		if (i < 0 || (mask >> i) & 1u)
			continue;
		c->nodes[i].left_why = why[k];
	}
	for (unsigned i = 0; i < c->conf->nnodes; i++) {
		int in = (int)((mask >> i) & 1u);

		if (c->nodes[i].member && !in)
			core_emit(c, CORE_EV_LEFT, -1, c->nodes[i].id, 0, 0,
				  "left");
		c->nodes[i].member = in;
		count += (unsigned)in;
	}
	c->in_view = (int)((mask >> c->self_idx) & 1u);
	c->view_mask = mask;
	view_set_quorum(c, view_quorum(c, count));
	if (joined) {
		drop_deferred(c);
		sync_reset(c);
		sync_start(c);
		renew_send(c, now);
	} else if (!c->synced && c->sync_wait) {
		/* A member left before its table came: the others' tables,
		 * all delivered here in the same order, are the whole. */
		c->sync_wait &= mask;
		if (!c->sync_open)
			sync_start(c); /* the opener may have been the one */
		else if (!c->sync_wait)
			sync_finish(c, now);
	}
	if (c->synced)
		agree_check(c);
	pool_view(c, now);
	sweep_absent(c, now);
	vip_reconcile_all(c, now);
}

static int entry_better(const struct core_state_entry *e, uint32_t from,
			const struct core_merge *cur)
{
	if (!cur->from)
		return 1;
	if (e->term != cur->best.term)
		return e->term > cur->best.term;
	return from < cur->from;
}

static void sync_merge(struct core *c, unsigned i, uint32_t from,
		       const struct core_msg *m)
{
	int synced = (m->flags & CORE_MSG_F_SYNCED) != 0;

	agree_state_begin(c, i);
	for (unsigned k = 0; k < m->nentries; k++) {
		const struct core_state_entry *e = &m->entries[k];
		/* A sender with the same file lists the VIPs in our order:
		 * no search (4,096 VIPs from 5 members were 40 million
		 * name comparisons a sync). */
		int vip = k < c->conf->nvips &&
				  !strcmp(c->conf->vips[k].name, e->vip)
			? (int)k
			: vip_slot_find(c, e->vip);

		if (vip < 0)
			continue;
		agree_state_entry(c, i, (unsigned)vip, e);
		/* our own definition counts from the STATE that carried it */
		if (from == c->self && e->fp == c->vips[vip].fp)
			c->vips[vip].pending = 0;
		if (entry_better(e, from, &c->merge_any[vip])) {
			c->merge_any[vip].best = *e;
			c->merge_any[vip].from = from;
		}
		if (synced && entry_better(e, from, &c->merge[vip])) {
			c->merge[vip].best = *e;
			c->merge[vip].from = from;
		}
	}
	c->sync_any |= synced;
}

static void sync_finish(struct core *c, uint64_t now)
{
	const struct core_merge *src = c->sync_any ? c->merge : c->merge_any;

	for (unsigned k = 0; k < c->conf->nvips; k++) {
		struct core_vip *v = &c->vips[k];
		const struct core_state_entry *e = &src[k].best;

		v->hand_from = 0; /* core_handoff() */
		v->hand_term = 0;
		if (!src[k].from)
			continue;
		if (e->holder != v->holder || e->term != v->term)
			v->since = now;
		v->term = e->term;
		v->holder = e->holder;
		v->prev = e->prev;
		v->waiter = e->waiter;
		v->live = e->live;
		v->confirmed = 0;
		v->failed = 0;
		v->retire_sent = 0; /* reconf_release() asks again */
		/* Fences are local: a node that was not there when a
		 * holder was lost never set one.  Whoever was lost before
		 * this view renewed last before it began, so one lease from
		 * now covers every such holder, here and on every member.
		 * A resync brought nobody in: every fence is set already. */
		if (!c->sync_resync && !v->up && v->fence < peer_bound(c, now))
			v->fence = peer_bound(c, now);
	}
	c->synced = 1;
	c->ever_synced = 1;
	agree_check(c);
	for (unsigned k = 0; k < c->ndeferred; k++)
		core_deliver(c, now, c->deferred_from[k], &c->deferred[k]);
	c->ndeferred = 0;
	/* What we learnt may name absent nodes whose renewals we never
	 * saw: assume each renewed just now. */
	for (unsigned i = 0; i < c->conf->nnodes; i++) {
		struct core_node *n = &c->nodes[i];

		if (!c->sync_resync && !n->member &&
		    n->lease_until < peer_bound(c, now))
			n->lease_until = peer_bound(c, now);
	}
	sweep_absent(c, now);
	for (unsigned k = 0; k < c->conf->nvips; k++) {
		c->vips[k].live_sent = 0;
		vip_reconcile(c, now, k);
	}
}

/* A member's table, sent first in a view that brought someone in. */
void view_state(struct core *c, uint64_t now, uint32_t from,
		const struct core_msg *m)
{
	int i = node_index(c, from);

	if (i < 0)
		return;
	c->nodes[i].renew_seq = m->seq;
	c->nodes[i].lease_until = peer_bound(c, now);
	/* Alive in agreed order, like a RENEW: every member clears it,
	 * so a member that joined with fresh node records agrees. */
	c->nodes[i].lapsed = 0;
	/* A STATE its sender sent for an earlier view may be ordered into
	 * this one (it sent before it saw the change): only the one sent
	 * for this membership counts. */
	if (c->synced || !c->sync_open || !((c->sync_wait >> i) & 1u) ||
	    m->term != c->sync_nonce_a || m->reqid != c->sync_nonce_b)
		return;
	sync_merge(c, (unsigned)i, from, m);
	c->sync_wait &= ~(1u << i);
	if (!c->sync_wait)
		sync_finish(c, now);
}

/* The first SYNC of this sync: remember its nonce, answer with STATE.
 * A SYNC with F_RESYNC (a member reloaded its VIP definitions) starts
 * a sync of this view at once, even in the middle of one: every member
 * sends its table and fingerprints again, and a VIP only this node knew
 * learns its table from the others.  Messages held back stay held. */
void view_sync(struct core *c, uint64_t now, uint32_t from,
	       const struct core_msg *m)
{
	(void)now;
	(void)from;
	if ((m->flags & CORE_MSG_F_RESYNC) && c->in_view) {
		/* unless it cuts short a sync that brought someone in */
		int resync = c->synced || c->sync_resync;

		sync_reset(c);
		c->sync_resync = resync;
	}
	if (c->synced || c->sync_open)
		return;
	c->sync_open = 1;
	c->sync_nonce_a = m->term;
	c->sync_nonce_b = m->reqid;
	send_state(c);
}

/* Hold back an agreed message until the table is learnt. */
void view_defer(struct core *c, uint32_t from, const struct core_msg *m)
{
	if (c->ndeferred >= CORE_MAX_DEFERRED) {
		/* Every member defers the same messages, so every member
		 * drops the same ones: the tables stay equal. */
		if (from == c->self && m->reqid)
			pend_fail(c, m->reqid, CORE_E_LOST,
				  "too many requests during sync, retry");
		return;
	}
	c->deferred[c->ndeferred] = *m;
	c->deferred[c->ndeferred].entries = NULL;
	c->deferred[c->ndeferred].nentries = 0;
	c->deferred_from[c->ndeferred++] = from;
}
