// SPDX-License-Identifier: MIT
/*
 * Simulated group engine with virtual-synchrony semantics for tests:
 * every event (message or view) is appended to the inboxes of all
 * members of the sender's partition at once, so each partition has one
 * agreed order.  A node may read its inbox late (lag) but never out of
 * order.  A hung node keeps its inbox and catches up on waking.
 *
 * Each node runs the daemon's own group link (src/daemon/group.c) over
 * this engine (struct engine_ops): its records are encoded and bundled
 * into CPG messages (src/proto/peer.c), split and decoded on delivery,
 * and its clean stop waits for its release-all in agreed order, as
 * vipd's do.  The harness feeds the core only its local inputs
 * (requests, ticks, faults, hand-offs).
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/group.h"
#include "daemon/log.h"
#include "engine/engine.h"
#include "group.h"

struct g_ev {
	int is_view;
	uint64_t ring;            /* view: the ring it starts */
	uint32_t from;
	uint64_t at;              /* time it was ordered */
	uint8_t *buf;             /* message: owned, a bundle of records */
	size_t len;
	uint32_t members[G_MAX_NODES];
	unsigned nmembers;
	uint32_t left[G_MAX_NODES];
	enum core_leave why[G_MAX_NODES];
	unsigned nleft;
};

struct g_inbox {
	struct g_ev *ev;
	unsigned n, cap, head;
	uint32_t view;            /* members mask of the last view sent */
};

static struct g_inbox inbox[G_MAX_NODES];
static struct group *cur;
static uint64_t rings;            /* rings formed so far */

/* Direct hand-offs in flight. */
#define G_MAX_HAND 1024
struct g_hand {
	uint64_t at;              /* due then */
	unsigned to;              /* node index */
	uint32_t from;
	unsigned vip;
	uint64_t term;
	uint64_t ring;            /* sender's ring when it sent */
};
static struct g_hand hands[G_MAX_HAND];
static unsigned nhands;

/* Each node's daemon side: its loop, group link and engine. */
struct engine {
	unsigned i;               /* node index */
	const struct engine_cb *cb;
	void *ud;
};

struct g_link {
	struct ev *ev;            /* owned: the link's timers (never run) */
	struct group_link *link;  /* owned, NULL while not running */
	struct engine *eng;       /* the link's, NULL while disconnected */
	struct conf conf;         /* the node's conf, with its own lease */
	int stopped;              /* the clean stop is over */
};

static struct g_link links[G_MAX_NODES];
static int lag_off;               /* g_leave(): deliver what is queued */

static void ev_free(struct g_ev *e)
{
	if (!e->is_view)
		free(e->buf);
}

/* Make room for one more event, reusing the space already read. */
static void inbox_room(struct g_inbox *b)
{
	if (b->head && b->head == b->n) {
		b->n = b->head = 0;
	} else if (b->head > b->cap / 2) {
		memmove(b->ev, b->ev + b->head,
			(b->n - b->head) * sizeof(*b->ev));
		b->n -= b->head;
		b->head = 0;
	}
	if (b->n < b->cap)
		return;
	b->cap = b->cap ? 2 * b->cap : 64;
	b->ev = realloc(b->ev, b->cap * sizeof(*b->ev));
	assert(b->ev);
}

/* Appends a copy of e (for a message, of buf's len bytes). */
static void inbox_push(unsigned i, const struct g_ev *e, const void *buf)
{
	struct g_inbox *b = &inbox[i];
	struct g_ev *copy;

	inbox_room(b);
	copy = &b->ev[b->n++];
	*copy = *e;
	copy->at = cur->now;
	if (!e->is_view) {
		copy->buf = malloc(e->len);
		assert(copy->buf);
		memcpy(copy->buf, buf, e->len);
	}
}

static void inbox_clear(unsigned i)
{
	struct g_inbox *b = &inbox[i];

	for (unsigned k = b->head; k < b->n; k++)
		ev_free(&b->ev[k]);
	b->n = b->head = 0;
}

static unsigned idx_of(struct group *g, void *ud)
{
	return (unsigned)((struct g_node *)ud - g->nodes);
}

/* The core's send goes through the node's group link. */
static int op_send(void *ud, const struct core_msg *m)
{
	struct g_node *n = ud;
	struct group_link *l = links[idx_of(cur, n)].link;

	if (m->type == CORE_MSG_RELEASED &&
	    (m->flags & CORE_MSG_F_SHUTDOWN)) {
		n->stop_sent_gate = n->lease_until;
		n->stop_sent_up = n->up[0];
	}
	n->records++;
	return l ? group_link_send(l, m) : -ENOTCONN;
}

static void hand_queue(const struct g_hand *h)
{
	if (nhands < G_MAX_HAND)
		hands[nhands++] = *h;
}

static void op_handoff(void *ud, unsigned vip, uint64_t term, uint32_t to)
{
	struct g_node *n = ud;
	struct g_hand_fate fate = { .copies = 1 };
	struct g_hand h = { .from = n->id, .vip = vip, .term = term };
	unsigned from = idx_of(cur, n);
	uint32_t ring_node;

	cur->hands_sent++;
	/* as vipd_handoff_send(): bound to the ring, none while out */
	if (to < 1 || to > cur->n ||
	    group_link_ring(links[from].link, &ring_node, &h.ring) < 0)
		return;
	h.to = to - 1;
	if (cur->hand_fate)
		cur->hand_fate(cur, from, h.to, &fate);
	for (unsigned k = 0; k < fate.copies && k < 2; k++) {
		h.at = cur->now + fate.delay_us[k];
		hand_queue(&h);
	}
}

static int op_vip_up(void *ud, unsigned vip)
{
	struct g_node *n = ud;

	if (cur->fail_up && cur->fail_up(cur, idx_of(cur, n), vip))
		return -EIO;
	n->up[vip] = 1;
	if (cur->hooks && cur->hooks->kernel)
		cur->hooks->kernel(cur, idx_of(cur, n));
	return 0;
}

static int op_vip_down(void *ud, unsigned vip)
{
	((struct g_node *)ud)->up[vip] = 0;
	return 0;
}

static void op_lease(void *ud, uint64_t until)
{
	struct g_node *n = ud;
	uint64_t was = n->lease_until;

	n->lease_until = until;
	if (until > was && cur->hooks && cur->hooks->kernel)
		cur->hooks->kernel(cur, idx_of(cur, n));
}

static void op_reply(void *ud, uint64_t reqid, enum core_err err,
		     uint64_t term, const char *reason)
{
	struct g_node *n = ud;

	n->last_reqid = reqid;
	n->last_err = err;
	n->last_term = term;
	n->replies++;
	snprintf(n->last_reason, sizeof(n->last_reason), "%s",
		 reason ? reason : "");
	if (cur->hooks && cur->hooks->reply)
		cur->hooks->reply(cur, idx_of(cur, n), reqid, err, term);
}

static void op_event(void *ud, const struct core_event *ev)
{
	((struct g_node *)ud)->events[ev->type]++;
}

static const struct core_ops g_ops = {
	.send = op_send, .vip_up = op_vip_up, .vip_down = op_vip_down,
	.lease = op_lease, .reply = op_reply, .event = op_event,
};

static const struct core_ops g_ops_direct = {
	.send = op_send, .vip_up = op_vip_up, .vip_down = op_vip_down,
	.lease = op_lease, .reply = op_reply, .event = op_event,
	.handoff = op_handoff,
};

/* The harness's engine: a message goes to every member of the sender's
 * partition in its last view; dispatch hands over one due event. */
static int eng_open(const char *group, uint32_t nodeid,
		    const struct engine_cb *cb, void *ud, struct engine **ret,
		    uint32_t *ret_nodeid)
{
	unsigned i = nodeid - 1;
	struct engine *e;

	*ret_nodeid = nodeid;
	if (i >= cur->n || cur->nodes[i].detached)
		return -ENOTCONN;
	e = calloc(1, sizeof(*e));
	assert(e);
	*e = (struct engine){ .i = i, .cb = cb, .ud = ud };
	links[i].eng = e;
	*ret = e;
	return 0;
}

static void eng_close(struct engine *e)
{
	if (!e)
		return;
	if (links[e->i].eng == e)
		links[e->i].eng = NULL;
	free(e);
}

static int eng_fd(const struct engine *e)
{
	return -1; /* dispatched by g_step() */
}

static int g_due(const struct group *g, unsigned i)
{
	const struct g_inbox *b = &inbox[i];

	return b->head < b->n &&
	       (lag_off || b->ev[b->head].at + g->nodes[i].lag_us <= g->now);
}

static int eng_dispatch(struct engine *e, unsigned max)
{
	struct g_node *n = &cur->nodes[e->i];
	struct g_inbox *b = &inbox[e->i];
	struct g_ev ev;

	if (n->detached)
		return -ENOTCONN;
	if (!g_due(cur, e->i))
		return 0;
	/* a copy: handling it may append to the inbox */
	ev = b->ev[b->head++];
	if (ev.is_view) {
		n->ring = ev.ring; /* corosync's totem change comes first */
		e->cb->view(e->ud, ev.members, ev.nmembers, ev.left, ev.why,
			    ev.nleft);
	} else {
		e->cb->deliver(e->ud, ev.from, ev.buf, ev.len);
	}
	ev_free(&ev);
	return 0;
}

static int eng_quorum_dispatch(struct engine *e)
{
	return 0;
}

static int eng_send(struct engine *e, const void *buf, size_t len)
{
	struct g_node *n = &cur->nodes[e->i];
	struct g_ev ev = { .from = n->id, .len = len };
	uint32_t view = inbox[e->i].view;

	n->messages++;
	for (unsigned i = 0; i < cur->n; i++) {
		const struct g_node *o = &cur->nodes[i];

		if (o->alive && !o->detached && o->part == n->part &&
		    (view >> i) & 1u)
			inbox_push(i, &ev, buf);
	}
	return 1;
}

static int eng_flush(struct engine *e)
{
	return 0;
}

static void eng_ring(const struct engine *e, uint32_t *node, uint64_t *seq)
{
	*node = 0;
	*seq = cur->nodes[e->i].ring;
}

static void eng_timing(const struct engine *e, uint32_t *token_ms,
		       uint32_t *consensus_ms, uint32_t *join_ms)
{
	*token_ms = 30;
	*consensus_ms = 36;
	*join_ms = 10;
}

static int eng_quorate(const struct engine *e)
{
	return 1;
}

static const struct engine_ops g_engine = {
	.open = eng_open, .close = eng_close, .cpg_fd = eng_fd,
	.quorum_fd = eng_fd, .dispatch = eng_dispatch,
	.quorum_dispatch = eng_quorum_dispatch, .send = eng_send,
	.flush = eng_flush, .ring = eng_ring, .timing = eng_timing,
	.quorate = eng_quorate,
};

void g_inject(struct group *g, unsigned i, const void *buf, size_t len)
{
	cur = g;
	assert(links[i].eng);
	eng_send(links[i].eng, buf, len);
}

void g_link_stats(const struct group *g, unsigned i,
		  struct group_link_stats *ret)
{
	group_link_stats(links[i].link, ret);
}

static void link_nop(void *ud)
{
}

static void link_stopped(void *ud)
{
	links[idx_of(cur, ud)].stopped = 1;
}

static uint64_t link_now(void *ud)
{
	return cur->now;
}

/* The checkers see each view and record the core takes. */
static void link_observe(void *ud, int after, uint32_t from,
			 const struct core_msg *m, const uint32_t *members,
			 unsigned nmembers)
{
	struct g_obs o = { .kind = m ? G_OBS_MSG : G_OBS_VIEW, .from = from,
			   .m = m };
	const struct g_hooks *h = cur->hooks;
	unsigned i = idx_of(cur, ud);

	for (unsigned k = 0; k < nmembers; k++)
		o.members |= 1u << members[k];
	if (h && !after && h->before)
		h->before(cur, i, &o);
	else if (h && after && h->after)
		h->after(cur, i, &o);
}

static const struct group_link_cb g_link_cb = {
	.changed = link_nop, .schedule = link_nop, .stopped = link_stopped,
	.now = link_now, .observe = link_observe,
};

/* Node i's vipd joins: its link over the harness's engine, with the
 * node's own lease (the link sets it before the core joins). */
static void link_start(struct group *g, unsigned i)
{
	struct g_link *l = &links[i];
	struct g_node *n = &g->nodes[i];
	int r;

	if (!l->ev) {
		r = ev_new(&l->ev);
		assert(r == 0);
	}
	l->conf = *(n->conf ? n->conf : &g->conf);
	if (n->lease_ms)
		l->conf.lease_ms = n->lease_ms;
	l->stopped = 0;
	r = group_link_new(l->ev, &g_engine, n->core, &l->conf, "harness",
			   n->id, &g_link_cb, n, &l->link);
	assert(r == 0);
	group_link_connect(l->link);
	assert(l->eng);
}

static void link_stop(unsigned i)
{
	group_link_free(links[i].link);
	links[i].link = NULL;
}

static void conf_vips(struct group *g, unsigned n, unsigned nvips,
		      enum conf_policy policy)
{
	for (unsigned k = 0; k < nvips; k++) {
		struct conf_vip *v = &g->vips[k];

		snprintf(v->name, CONF_NAME_MAX, "v%u", k);
		v->naddrs = 1;
		v->eligible = (1u << n) - 1;
		v->policy = policy;
		for (unsigned i = 0; i < n; i++)
			v->prefer[i] = (uint8_t)i;
		v->nprefer = n;
	}
	g->conf.vips = g->vips;
	g->conf.nvips = nvips;
}

void g_init(struct group *g, unsigned n, unsigned nvips,
	    enum conf_policy policy)
{
	assert(n <= G_MAX_NODES && nvips <= G_MAX_VIPS);
	memset(g, 0, sizeof(*g));
	cur = g;
	nhands = 0;
	log_init(-1); /* the links' errors only */
	g->n = n;
	g->now = 1000000;
	g->conf.lease_ms = 150;
	g->conf.nnodes = n;
	for (unsigned i = 0; i < n; i++) {
		snprintf(g->conf.nodes[i].name, CONF_NAME_MAX, "n%u", i + 1);
		g->conf.nodes[i].id = i + 1;
		g->nodes[i].id = i + 1;
		inbox_clear(i);
		inbox[i].view = 0;
	}
	conf_vips(g, n, nvips, policy);
}

void g_done(struct group *g)
{
	cur = g;
	for (unsigned i = 0; i < g->n; i++) {
		link_stop(i);
		links[i].ev = ev_unref(links[i].ev);
		core_free(g->nodes[i].core);
		g->nodes[i].core = NULL;
		inbox_clear(i);
		free(inbox[i].ev);
		inbox[i].ev = NULL;
		inbox[i].cap = 0;
	}
}

static int g_in_group(const struct g_node *n, unsigned p)
{
	return n->alive && !n->detached && n->part == p;
}

/* Send every member of partition p the view of its members; node
 * `gone` (if any) left for reason `why`, the others are NODEDOWN. */
static void g_views(struct group *g, unsigned p, unsigned gone,
		    enum core_leave why)
{
	uint32_t mask = 0;
	struct g_ev e = { .is_view = 1 };

	for (unsigned i = 0; i < g->n; i++)
		if (g_in_group(&g->nodes[i], p)) {
			mask |= 1u << i;
			e.members[e.nmembers++] = g->nodes[i].id;
		}
	for (unsigned i = 0; i < g->n; i++) {
		if (!((mask >> i) & 1u) || inbox[i].view == mask)
			continue;
		if (!e.ring)
			e.ring = ++rings;
		e.nleft = 0;
		for (unsigned k = 0; k < g->n; k++) {
			if (!((inbox[i].view >> k) & 1u) || (mask >> k) & 1u)
				continue;
			e.left[e.nleft] = g->nodes[k].id;
			e.why[e.nleft++] = k == gone ? why
						     : CORE_LEAVE_NODEDOWN;
		}
		inbox[i].view = mask;
		inbox_push(i, &e, NULL);
	}
}

void g_start(struct group *g, unsigned i)
{
	struct g_node *n = &g->nodes[i];
	int r;

	cur = g;
	link_stop(i);
	core_free(n->core);
	memset(n->up, 0, sizeof(n->up));
	n->lease_until = 0;
	r = core_new(n->conf ? n->conf : &g->conf, n->id,
		     g->direct ? &g_ops_direct : &g_ops, n, &n->core);
	assert(r == 0);
	if (n->lease_ms)
		core_set_lease(n->core, n->lease_ms);
	inbox_clear(i);
	inbox[i].view = 0;
	n->alive = 1;
	n->hung = 0;
	n->detached = 0;
	link_start(g, i); /* the core joins */
	g_views(g, n->part, ~0u, CORE_LEAVE_NODEDOWN);
}

static void g_stop(struct group *g, unsigned i, enum core_leave why)
{
	struct g_node *n = &g->nodes[i];

	cur = g;
	link_stop(i);
	core_free(n->core);
	n->core = NULL;
	n->alive = 0;
	n->hung = 0;
	n->lease_until = 0; /* the owned table dies with the process */
	inbox_clear(i);
	inbox[i].view = 0;
	if (!n->detached)
		g_views(g, n->part, i, why);
	n->detached = 0;
}

void g_kill(struct group *g, unsigned i)
{
	g_stop(g, i, CORE_LEAVE_PROCDOWN);
}

void g_crash(struct group *g, unsigned i)
{
	memset(g->nodes[i].up, 0, sizeof(g->nodes[i].up));
	g_stop(g, i, CORE_LEAVE_NODEDOWN);
}

static void g_local(struct group *g, unsigned i, int after)
{
	const struct g_obs o = { .kind = G_OBS_LOCAL };

	if (!g->hooks)
		return;
	if (!after && g->hooks->before)
		g->hooks->before(g, i, &o);
	else if (after && g->hooks->after)
		g->hooks->after(g, i, &o);
}

/* As vipd's clean stop: the link leaves once the release-all is back in
 * agreed order; what is queued before it goes through the link, which
 * gives the core none of it. */
void g_leave(struct group *g, unsigned i)
{
	struct g_link *l = &links[i];

	cur = g;
	g_local(g, i, 0);
	group_link_stop(l->link);
	g_local(g, i, 1);
	lag_off = 1;
	while (!l->stopped && l->eng && !g_drained(g, i))
		group_link_dispatch(l->link);
	lag_off = 0;
	if (!l->stopped) /* it never came: leave now */
		group_link_stop(l->link);
	g_stop(g, i, CORE_LEAVE_LEAVE);
}

void g_detach(struct group *g, unsigned i)
{
	struct g_node *n = &g->nodes[i];

	cur = g;
	g_local(g, i, 0);
	n->detached = 1;
	/* the link's dispatch finds it gone: core_engine_lost() */
	group_link_dispatch(links[i].link);
	g_local(g, i, 1);
	inbox_clear(i);
	inbox[i].view = 0;
	g_views(g, n->part, ~0u, CORE_LEAVE_NODEDOWN);
}

void g_attach(struct group *g, unsigned i)
{
	struct g_node *n = &g->nodes[i];

	cur = g;
	n->detached = 0;
	group_link_connect(links[i].link); /* the core joins */
	g_views(g, n->part, ~0u, CORE_LEAVE_NODEDOWN);
}

void g_partition(struct group *g, const unsigned *part_of)
{
	cur = g;
	for (unsigned i = 0; i < g->n; i++)
		g->nodes[i].part = part_of[i];
	for (unsigned p = 0; p < g->n; p++)
		g_views(g, p, ~0u, CORE_LEAVE_NODEDOWN);
}

int g_drained(const struct group *g, unsigned i)
{
	return inbox[i].head == inbox[i].n;
}

static void g_tick(struct group *g, unsigned i)
{
	const struct g_obs o = { .kind = G_OBS_TICK };
	const struct g_hooks *h = g->hooks;

	if (h && h->before)
		h->before(g, i, &o);
	core_tick(g->nodes[i].core, g->now);
	if (h && h->after)
		h->after(g, i, &o);
	/* the end of the loop pass: the bundle leaves */
	group_link_flush(links[i].link);
}

/* Hand-offs due at node i; those sent in another ring than the one it
 * is in now are dropped, as the daemon drops them. */
static void g_hands(struct group *g, unsigned i)
{
	struct g_node *n = &g->nodes[i];
	unsigned k = 0;

	while (k < nhands) {
		struct g_hand h = hands[k];

		if (h.to != i || h.at > g->now) {
			k++;
			continue;
		}
		hands[k] = hands[--nhands];
		if (!group_link_in_ring(links[i].link, 0, h.ring))
			continue;
		g->hands_taken++;
		g_local(g, i, 0);
		core_handoff(n->core, g->now, h.from, h.vip, h.term);
		g_local(g, i, 1);
		if (!n->alive)
			return;
	}
}

static void g_step(struct group *g)
{
	for (unsigned i = 0; i < g->n; i++) {
		struct g_node *n = &g->nodes[i];
		struct g_inbox *b = &inbox[i];

		if (!n->alive || n->hung)
			continue;
		g_hands(g, i);
		/* Events appended while handling go to the end: FIFO. */
		while (n->alive && links[i].eng && g_due(g, i))
			group_link_dispatch(links[i].link);
		if (b->head == b->n)
			b->n = b->head = 0;
		if (n->alive)
			g_tick(g, i);
	}
}

void g_advance(struct group *g)
{
	cur = g;
	g_step(g);
	g->now += 1000;
}

void g_run(struct group *g, uint64_t until_us)
{
	cur = g;
	while (g->now < until_us) {
		g_step(g);
		g->now += 1000;
	}
	g_step(g);
}

void g_settle(struct group *g)
{
	g_run(g, g->now + 400000);
}

/* As the daemon does after every request (vipd_schedule()): a request
 * of its own makes a quiet node renew, in the same bundle. */
static int g_reason_ret(struct group *g, unsigned i, int r,
			const char *reason)
{
	g_tick(g, i);
	if (r) {
		g->nodes[i].last_err = (enum core_err)r;
		snprintf(g->nodes[i].last_reason,
			 sizeof(g->nodes[i].last_reason), "%s", reason);
	}
	g_local(g, i, 1);
	return r;
}

int g_claim(struct group *g, unsigned i, const char *vip, uint64_t term,
	    int wait)
{
	char reason[128] = "";
	int r;

	cur = g;
	g_local(g, i, 0);
	r = core_claim(g->nodes[i].core, vip, term, wait, ++g->reqid, reason,
		       sizeof(reason));
	return g_reason_ret(g, i, r, reason);
}

int g_release(struct group *g, unsigned i, const char *vip)
{
	char reason[128] = "";
	int r;

	cur = g;
	g_local(g, i, 0);
	r = core_release(g->nodes[i].core, vip, ++g->reqid, reason,
			 sizeof(reason));
	return g_reason_ret(g, i, r, reason);
}

int g_release_held(struct group *g, unsigned i, const char *vip,
		   uint64_t term)
{
	char reason[128] = "";
	int r;

	cur = g;
	g_local(g, i, 0);
	r = core_release_held(g->nodes[i].core, vip, term, ++g->reqid, reason,
			      sizeof(reason));
	return g_reason_ret(g, i, r, reason);
}

int g_cancel(struct group *g, unsigned i, const char *vip, uint64_t reqid)
{
	cur = g;
	g_local(g, i, 0);
	return core_cancel(g->nodes[i].core, vip, reqid);
}

int g_move(struct group *g, unsigned i, const char *vip, const char *node)
{
	char reason[128] = "";
	int r;

	cur = g;
	g_local(g, i, 0);
	r = core_move(g->nodes[i].core, vip, node, ++g->reqid, reason,
		      sizeof(reason));
	return g_reason_ret(g, i, r, reason);
}

void g_fault(struct group *g, unsigned i, unsigned vip)
{
	cur = g;
	g_local(g, i, 0);
	core_local_fault(g->nodes[i].core, g->now, vip, "link down");
	g_local(g, i, 1);
}

int g_answers(const struct group *g, unsigned i, unsigned vip)
{
	return g->nodes[i].up[vip] && g->nodes[i].lease_until > g->now;
}

unsigned g_answering(const struct group *g, unsigned vip)
{
	unsigned n = 0;

	for (unsigned i = 0; i < g->n; i++)
		n += g_answers(g, i, vip) ? 1u : 0u;
	return n;
}

int g_holder(const struct group *g, unsigned i, unsigned vip,
	     struct core_vip_info *ret)
{
	if (!g->nodes[i].core)
		return -1;
	core_vip_get(g->nodes[i].core, vip, ret);
	return (int)ret->holder;
}
