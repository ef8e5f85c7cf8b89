// SPDX-License-Identifier: MIT
/*
 * Core lifecycle, local requests and the answers to them.  Requests are
 * checked here against the local copy of the agreed table for a quick
 * refusal, then sent to the group; the agreed copy decides (vip.c).
 * Never calls the system: everything goes through struct core_ops.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const vip_state_name[] = {
	[CORE_VIP_UNASSIGNED] = "unassigned",
	[CORE_VIP_ACQUIRING] = "acquiring",
	[CORE_VIP_LIVE] = "live",
	[CORE_VIP_RELEASING] = "releasing",
};

static const char *const err_name[] = {
	[CORE_OK] = "ok",
	[CORE_E_UNKNOWN_VIP] = "unknown-vip",
	[CORE_E_UNKNOWN_NODE] = "unknown-node",
	[CORE_E_NOT_ELIGIBLE] = "not-eligible",
	[CORE_E_NO_QUORUM] = "no-quorum",
	[CORE_E_STALE_TERM] = "stale-term",
	[CORE_E_HELD] = "held",
	[CORE_E_NOT_MEMBER] = "not-member",
	[CORE_E_NOT_JOINED] = "not-joined",
	[CORE_E_ACTUATOR] = "actuator",
	[CORE_E_SUPERSEDED] = "superseded",
	[CORE_E_LOST] = "lost",
	[CORE_E_CANCELLED] = "cancelled",
	[CORE_E_MISMATCH] = "config-mismatch",
	[CORE_E_HANDOVER] = "handing-over",
};

static const char *const event_name[] = {
	[CORE_EV_CLAIMED] = "claimed", [CORE_EV_LIVE] = "live",
	[CORE_EV_RELEASED] = "released", [CORE_EV_MOVED] = "moved",
	[CORE_EV_LOST] = "lost", [CORE_EV_JOINED] = "joined",
	[CORE_EV_LEFT] = "left", [CORE_EV_QUORUM] = "quorum",
	[CORE_EV_CONFIG] = "config",
};

const char *core_vip_state_to_string(enum core_vip_state s)
{
	return (unsigned)s <= CORE_VIP_RELEASING ? vip_state_name[s] : "?";
}

const char *core_err_to_string(enum core_err e)
{
	return (unsigned)e <= CORE_E_MAX ? err_name[e] : "?";
}

const char *core_event_to_string(enum core_event_type t)
{
	return (unsigned)t <= CORE_EV_MAX ? event_name[t] : "?";
}

int node_index(const struct core *c, uint32_t id)
{
	for (unsigned i = 0; i < c->conf->nnodes; i++)
		if (c->nodes[i].id == id)
			return (int)i;
	return -1;
}

const char *core_node_name(const struct core *c, uint32_t id)
{
	int i = node_index(c, id);

	return i < 0 ? NULL : c->conf->nodes[i].name;
}

int core_new(const struct conf *conf, uint32_t self_id,
	     const struct core_ops *ops, void *ud, struct core **ret)
{
	struct core *c;
	size_t nv = core_slots(conf);

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->conf = conf;
	c->ops = ops;
	c->ud = ud;
	c->self = self_id;
	for (unsigned i = 0; i < conf->nnodes; i++) {
		c->nodes[i].id = conf->nodes[i].id;
		c->nodes[i].left_why = CORE_LEAVE_NODEDOWN;
	}
	if (node_index(c, self_id) < 0) {
		free(c);
		return -EINVAL;
	}
	c->self_idx = (unsigned)node_index(c, self_id);
	core_set_lease(c, conf->lease_ms ? conf->lease_ms
					 : CONF_LEASE_MAX_MS);
	c->vips = calloc(nv, sizeof(*c->vips));
	c->merge = calloc(nv, sizeof(*c->merge));
	c->merge_any = calloc(nv, sizeof(*c->merge_any));
	c->state_buf = calloc(nv, sizeof(*c->state_buf));
	c->deferred = calloc(CORE_MAX_DEFERRED, sizeof(*c->deferred));
	c->deferred_from = calloc(CORE_MAX_DEFERRED, sizeof(uint32_t));
	if (!c->vips || !c->merge || !c->merge_any || !c->state_buf ||
	    !c->deferred || !c->deferred_from) {
		core_free(c);
		return -ENOMEM;
	}
	for (unsigned k = 0; k < conf->nvips; k++)
		c->vips[k].fp = conf->vips[k].retired
					? 0
					: agree_fingerprint(conf, k);
	*ret = c;
	return 0;
}

/* The lease peers are fenced by, and the margin that goes with it. */
static void fence_lease(struct core *c, uint64_t lease_us)
{
	c->peer_lease_us = lease_us;
	c->margin_us = lease_us / 20 > 5000 ? lease_us / 20 : 5000;
}

void core_set_lease(struct core *c, uint32_t lease_ms)
{
	if (c->joined)
		return;
	if (lease_ms < CONF_LEASE_MIN_MS)
		lease_ms = CONF_LEASE_MIN_MS;
	if (lease_ms > CONF_LEASE_MAX_MS)
		lease_ms = CONF_LEASE_MAX_MS;
	c->lease_us = (uint64_t)lease_ms * 1000;
	c->period_us = c->lease_us / CORE_RENEWALS;
	/* a placeholder set before must not linger in the peers' fence */
	fence_lease(c, c->lease_us > c->heard_lease_us ? c->lease_us
						      : c->heard_lease_us);
}

void core_peer_lease(struct core *c, uint64_t lease_us)
{
	if (lease_us > (uint64_t)CONF_LEASE_MAX_MS * 1000)
		lease_us = (uint64_t)CONF_LEASE_MAX_MS * 1000;
	if (lease_us > c->heard_lease_us)
		c->heard_lease_us = lease_us;
	if (lease_us > c->peer_lease_us)
		fence_lease(c, lease_us);
}

uint32_t core_lease_ms(const struct core *c)
{
	return (uint32_t)(c->lease_us / 1000);
}

void core_free(struct core *c)
{
	if (!c)
		return;
	free(c->vips);
	free(c->merge);
	free(c->merge_any);
	free(c->state_buf);
	free(c->deferred);
	free(c->deferred_from);
	free(c);
}

void core_emit(struct core *c, enum core_event_type t, int vip,
	       uint32_t node, uint32_t prev, uint64_t term, const char *why)
{
	struct core_event ev = {
		.type = t, .vip = vip, .node = node, .prev = prev,
		.term = term, .why = why,
	};

	if (t == CORE_EV_QUORUM)
		ev.arg = (int)node;
	c->ops->event(c->ud, &ev);
}

void core_send(struct core *c, struct core_msg *m)
{
	/* A failed send is the engine's to report (it will drop us from
	 * the group); the table does not change until delivery anyway. */
	(void)c->ops->send(c->ud, m);
}

struct core_pending *pend_find(struct core *c, uint64_t reqid)
{
	for (unsigned i = 0; i < CORE_MAX_PENDING; i++)
		if (c->pend[i].reqid == reqid && reqid)
			return &c->pend[i];
	return NULL;
}

void pend_answer(struct core *c, unsigned vip, uint64_t reqid,
		 enum core_err err, uint64_t term, const char *why)
{
	struct core_pending *p = pend_find(c, reqid);

	if (!p || p->vip != vip)
		return;
	p->reqid = 0;
	c->ops->reply(c->ud, reqid, err, term, why);
}

void pend_fail(struct core *c, uint64_t reqid, enum core_err err,
	       const char *why)
{
	struct core_pending *p = pend_find(c, reqid);

	if (!p)
		return;
	p->reqid = 0;
	c->ops->reply(c->ud, reqid, err, 0, why);
}

/* Answer the pending requests on vip that the table now settles. */
void pend_check(struct core *c, unsigned vip, uint64_t now)
{
	const struct core_vip *v = &c->vips[vip];

	for (unsigned i = 0; i < CORE_MAX_PENDING; i++) {
		struct core_pending *p = &c->pend[i];
		uint64_t id = p->reqid;

		if (!id || p->vip != vip)
			continue;
		if (!p->term && p->kind == CORE_PEND_CLAIM &&
		    v->holder == c->self)
			p->term = v->term;
		if (!p->term)
			continue;
		if (p->term != v->term) {
			pend_answer(c, vip, id, CORE_E_SUPERSEDED, v->term,
				    "a later change of this VIP came first");
		} else if (p->kind == CORE_PEND_RELEASE) {
			if (!v->prev)
				pend_answer(c, vip, id, CORE_OK, v->term, NULL);
		} else if (p->kind == CORE_PEND_CLAIM) {
			if (v->holder == c->self && v->up)
				pend_answer(c, vip, id, CORE_OK, v->term, NULL);
		} else if (v->live && v->holder == p->target) {
			pend_answer(c, vip, id, CORE_OK, v->term, NULL);
		}
	}
	(void)now;
}

static int pend_add(struct core *c, uint64_t reqid, unsigned vip,
		    enum core_pend_kind kind, uint32_t target)
{
	for (unsigned i = 0; i < CORE_MAX_PENDING; i++) {
		struct core_pending *p = &c->pend[i];

		if (p->reqid)
			continue;
		*p = (struct core_pending){ .reqid = reqid, .vip = vip,
					    .kind = kind, .target = target };
		return 0;
	}
	return -EBUSY;
}

__attribute__((format(printf, 4, 5))) static int
refuse(char *reason, size_t len, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, len, fmt, ap);
	va_end(ap);
	return err;
}

/* Checks common to every change request; returns the VIP index or a
 * negative CORE_E_* code with the reason written. */
static int request_check(struct core *c, const char *vip, char *reason,
			 size_t len)
{
	int i = core_vip_find(c, vip);

	if (i < 0)
		return -refuse(reason, len, CORE_E_UNKNOWN_VIP,
			       "no VIP named '%s' in the configuration",
			       vip);
	if (!c->joined || !c->synced)
		return -refuse(reason, len, CORE_E_NOT_JOINED,
			       "not joined to the group yet, retry");
	if (!c->quorate)
		return -refuse(reason, len, CORE_E_NO_QUORUM,
			       "this node's partition has no quorum");
	if (!vip_may_change(c))
		return -refuse(reason, len, CORE_E_NO_QUORUM,
			       "two-node cluster without its peer, which may "
			       "still be alive (no fencing); changes wait for "
			       "it to return");
	return i;
}

static int send_request(struct core *c, enum core_msg_type t, unsigned vip,
			uint64_t reqid, enum core_pend_kind kind,
			uint32_t target, struct core_msg *m, char *reason,
			size_t len)
{
	if (pend_add(c, reqid, vip, kind, target) < 0)
		return refuse(reason, len, CORE_E_LOST,
			      "too many requests in flight, retry");
	m->type = t;
	snprintf(m->vip, sizeof(m->vip), "%s", c->conf->vips[vip].name);
	m->reqid = reqid;
	core_send(c, m);
	return 0;
}

/* Names the members whose vipd.conf defines vip otherwise. */
static int mismatch(const struct core *c, unsigned vip, char *reason,
		    size_t len)
{
	uint32_t d = agree_differ(c, vip);
	size_t n;

	if (c->vips[vip].pending)
		return refuse(reason, len, CORE_E_MISMATCH,
			      "VIP '%s' was just changed by a reload here; it "
			      "is usable once every member has read the new "
			      "definition, retry",
			      c->conf->vips[vip].name);
	n = (size_t)snprintf(reason, len, "VIP '%s' is defined otherwise "
			     "(nodes, addresses, policy) or not at all in the "
			     "vipd.conf of",
			     c->conf->vips[vip].name);
	for (unsigned i = 0; i < c->conf->nnodes && n < len; i++)
		if ((d >> i) & 1u)
			n += (size_t)snprintf(reason + n, len - n, " '%s'",
					      c->conf->nodes[i].name);
	if (n < len)
		snprintf(reason + n, len - n, "; make the files agree and "
			 "restart vipd there");
	return CORE_E_MISMATCH;
}

int core_claim(struct core *c, const char *vip, uint64_t term, int wait,
	       uint64_t reqid, char *reason, size_t len)
{
	struct core_msg m = { .term = term };
	const struct core_vip *v;
	int i = request_check(c, vip, reason, len);

	if (i < 0)
		return -i;
	v = &c->vips[i];
	if (vip_frozen(c, (unsigned)i))
		return mismatch(c, (unsigned)i, reason, len);
	if (!vip_eligible(c, (unsigned)i, c->self))
		return refuse(reason, len, CORE_E_NOT_ELIGIBLE,
			      "node '%s' may not hold this VIP (see its "
			      "'nodes' line)",
			      c->conf->nodes[c->self_idx].name);
	if (vip_term_stale(c, (unsigned)i, term, c->self) && !MUTANT(2)) {
		snprintf(reason, len,
			 "term %llu is below the current term %llu, or equal "
			 "to it while '%s' holds the VIP",
			 (unsigned long long)term, (unsigned long long)v->term,
			 v->holder ? core_node_name(c, v->holder) : "none");
		return CORE_E_STALE_TERM;
	}
	if (!term && !wait && v->holder && v->holder != c->self)
		return refuse(reason, len, CORE_E_HELD,
			      "held by '%s' at term %llu; claim with a higher "
			      "--term, --wait, or move it",
			      core_node_name(c, v->holder),
			      (unsigned long long)v->term);
	if (wait)
		m.flags |= CORE_MSG_F_WAIT;
	if (wait == CORE_CLAIM_QUEUE)
		m.flags |= CORE_MSG_F_QUEUE;
	return send_request(c, CORE_MSG_CLAIM, (unsigned)i, reqid,
			    CORE_PEND_CLAIM, c->self, &m, reason, len);
}

int core_release(struct core *c, const char *vip, uint64_t reqid,
		 char *reason, size_t len)
{
	struct core_msg m = { 0 };
	int i = request_check(c, vip, reason, len);

	if (i < 0)
		return -i;
	return send_request(c, CORE_MSG_RELEASE, (unsigned)i, reqid,
			    CORE_PEND_RELEASE, 0, &m, reason, len);
}

int core_release_held(struct core *c, const char *vip, uint64_t term,
		      uint64_t reqid, char *reason, size_t len)
{
	struct core_msg m = { .term = term, .flags = CORE_MSG_F_HELD };
	int i = request_check(c, vip, reason, len);

	if (i < 0)
		return -i;
	if (c->vips[i].holder != c->self || c->vips[i].term != term)
		return refuse(reason, len, CORE_E_SUPERSEDED,
			      "this node no longer holds '%s' at term %llu",
			      vip, (unsigned long long)term);
	return send_request(c, CORE_MSG_RELEASE, (unsigned)i, reqid,
			    CORE_PEND_RELEASE, 0, &m, reason, len);
}

int core_move(struct core *c, const char *vip, const char *node,
	      uint64_t reqid, char *reason, size_t len)
{
	struct core_msg m = { 0 };
	int i = request_check(c, vip, reason, len);
	int n = -1;

	if (i < 0)
		return -i;
	if (vip_frozen(c, (unsigned)i))
		return mismatch(c, (unsigned)i, reason, len);
	for (unsigned k = 0; k < c->conf->nnodes; k++)
		if (!strcmp(c->conf->nodes[k].name, node))
			n = (int)k;
	if (n < 0)
		return refuse(reason, len, CORE_E_UNKNOWN_NODE,
			      "no node named '%s' in the cluster block",
			      node);
	if (!vip_eligible(c, (unsigned)i, c->nodes[n].id))
		return refuse(reason, len, CORE_E_NOT_ELIGIBLE,
			      "node '%s' may not hold this VIP (see its "
			      "'nodes' line)",
			      node);
	if (!vip_usable(c, c->nodes[n].id))
		return refuse(reason, len, CORE_E_NOT_MEMBER,
			      "node '%s' is not a live member of the "
			      "group",
			      node);
	m.node = c->nodes[n].id;
	return send_request(c, CORE_MSG_MOVE, (unsigned)i, reqid,
			    CORE_PEND_MOVE, m.node, &m, reason, len);
}

int core_cancel(struct core *c, const char *vip, uint64_t reqid)
{
	struct core_msg m = { .type = CORE_MSG_CANCEL, .reqid = reqid };
	struct core_pending *p = pend_find(c, reqid);
	int i = core_vip_find(c, vip);

	if (!p || i < 0 || p->kind != CORE_PEND_CLAIM)
		return -ENOENT;
	snprintf(m.vip, sizeof(m.vip), "%s", vip);
	/* The node's waiting claim is one slot: another local claim still
	 * waiting for the VIP keeps it. */
	for (unsigned k = 0; k < CORE_MAX_PENDING; k++)
		if (c->pend[k].reqid && c->pend[k].reqid != reqid &&
		    c->pend[k].vip == (unsigned)i &&
		    c->pend[k].kind == CORE_PEND_CLAIM && !c->pend[k].term) {
			p->reqid = 0;
			return 0;
		}
	if (!c->joined) {
		p->reqid = 0;
		return 0;
	}
	core_send(c, &m);
	return 0;
}

int core_vip_find(const struct core *c, const char *name)
{
	int i = vip_slot_find(c, name);

	return i >= 0 && !c->conf->vips[i].retired ? i : -1;
}

void core_vip_get(const struct core *c, unsigned vip,
		  struct core_vip_info *ret)
{
	const struct core_vip *v = &c->vips[vip];

	*ret = (struct core_vip_info){
		.holder = v->holder, .prev = v->prev, .waiter = v->waiter,
		.term = v->term, .since = v->since, .local_up = v->up,
		.differ = agree_differ(c, vip), .pending = v->pending,
	};
	if (v->holder && v->live)
		ret->state = CORE_VIP_LIVE;
	else if (v->holder)
		ret->state = CORE_VIP_ACQUIRING;
	else if (v->prev)
		ret->state = CORE_VIP_RELEASING;
	else
		ret->state = CORE_VIP_UNASSIGNED;
}

void core_node_get(const struct core *c, unsigned idx,
		   struct core_node_info *ret)
{
	*ret = (struct core_node_info){
		.id = c->nodes[idx].id,
		.member = c->nodes[idx].member,
		.lease_until = c->nodes[idx].lease_until,
	};
}

int core_quorate(const struct core *c)
{
	return c->quorate;
}

uint32_t core_sync_waiting(const struct core *c)
{
	if (!c->joined || !c->in_view || c->synced)
		return 0;
	return c->sync_wait ? c->sync_wait : c->view_mask;
}

int core_synced(const struct core *c)
{
	return c->synced;
}

int core_learnt(const struct core *c)
{
	return c->ever_synced;
}

unsigned core_members(const struct core *c, uint32_t *ret, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < c->conf->nnodes; i++)
		if (c->nodes[i].member && n < max)
			ret[n++] = c->nodes[i].id;
	return n;
}
