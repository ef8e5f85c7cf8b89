// SPDX-License-Identifier: MIT
/*
 * The group link (group.h): the engine connection and its fds, the
 * bundle of peer records the core sends, the decoding of what is
 * delivered, the clean stop's handshake and the ring identity.  It
 * touches the core only through its inputs and never the kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "group.h"
#include "log.h"
#include "proto/peer.h"

#define DISPATCH_MAX 16            /* callbacks per wakeup */
#define RETRY_US 500000ull         /* reconnect to corosync */
#define SYNC_STALL_US 3000000ull   /* a table sync this long is stuck */
#define FLUSH_RETRY_US 1000ull     /* resend what corosync refused */
#define STOP_WAIT_US 250000ull     /* longest wait for our release */
#define ALIVE_US 1000000ull        /* corosync's liveness checked */

struct group_link {
	struct ev *ev;
	const struct engine_ops *ops;     /* the engine's implementation */
	struct core *core;
	const struct conf *conf;
	const char *conf_path;
	uint32_t self_id;
	const struct group_link_cb *cb;
	void *ud;
	struct engine *engine;            /* owned, NULL while disconnected */
	struct ev_src *cpg_src;           /* owned, with the engine */
	struct ev_src *quorum_src;        /* owned, with the engine */
	struct ev_src *retry_src;         /* owned: reconnect */
	struct ev_src *alive_src;         /* owned: is corosync still there? */
	struct ev_src *stall_src;         /* owned: a table sync is stuck */
	struct ev_src *flush_src;         /* owned: resend what was refused */
	struct ev_src *bundle_src;        /* owned: the end of a loop pass */
	struct ev_src *stop_src;          /* owned: gives up waiting */
	int stalled;                      /* stall_src logged this sync */
	int stopping;                     /* group_link_stop() ran */
	int stop_ordered;                 /* our release-all came back */
	uint8_t *sendbuf;                 /* owned, one encoded record */
	size_t sendbuf_len;
	uint8_t *bundle;                  /* owned, PEER_BUNDLE_MAX bytes */
	size_t bundle_len;                /* records waiting in bundle */
	struct core_state_entry *entries; /* owned, decode buffer */
	unsigned nentries;
	struct group_link_stats st;       /* counters (joined etc. live) */
};

/* A one-shot timer, us from now. */
static void arm(struct ev_src *s, uint64_t us)
{
	ev_src_set_time_relative(s, us);
	ev_src_set_enabled(s, EV_ONESHOT);
}

static void on_view(void *ud, const uint32_t *members, unsigned n,
		    const uint32_t *left, const enum core_leave *why,
		    unsigned nleft)
{
	struct group_link *l = ud;

	if (l->stopping)
		return;
	log_decision(LOG_INFO, LOG_MSG_VIEW, &(struct log_fields){ 0 },
		     "view: %u members, %u left", n, nleft);
	if (l->cb->observe)
		l->cb->observe(l->ud, 0, 0, NULL, members, n);
	core_view(l->core, l->cb->now(l->ud), members, n, left, why, nleft);
	if (l->cb->observe)
		l->cb->observe(l->ud, 1, 0, NULL, members, n);
	l->cb->changed(l->ud);
	if (!core_synced(l->core))
		arm(l->stall_src, SYNC_STALL_US);
}

/* A table sync that has not finished SYNC_STALL_US after its view is
 * waiting for a member whose records this node cannot read (dropped and
 * counted in on_deliver()): a vipd of another peer version, typically in
 * the middle of an upgrade.  Nothing changes hands until it ends, which
 * is safe but must not go unnoticed. */
static int on_stall(struct ev_src *s, uint64_t usec, void *ud)
{
	struct group_link *l = ud;
	uint32_t w = core_sync_waiting(l->core);
	char names[256] = "";
	size_t n = 0;

	if (!w)
		return 0;
	for (unsigned i = 0; i < l->conf->nnodes && n < sizeof(names); i++)
		if ((w >> i) & 1u)
			n += (size_t)snprintf(names + n, sizeof(names) - n,
					      "%s'%s'", n ? ", " : "",
					      l->conf->nodes[i].name);
	log_warn("the table sync has waited %llu s for the table of %s "
		 "(%lu peer records dropped as unreadable so far): no VIP "
		 "changes hands until it comes; a node running another vipd "
		 "version must be upgraded or stopped",
		 SYNC_STALL_US / 1000000ull, names, l->st.bad_peer);
	l->stalled = 1;
	return 0;
}

/* One record of a bundle from nodeid, decoded and checked; 0, or < 0
 * when it was dropped (counted and logged, sampled). */
static int decode_one(struct group_link *l, uint32_t nodeid,
		      const uint8_t *p, int n, struct core_msg *m)
{
	uint32_t sender;
	int r;

	/* a peer's table may hold any number of VIPs (reloads add them) */
	r = peer_decode(p, (size_t)n, &sender, m, l->entries, l->nentries);
	if (r == 0 && sender != nodeid)
		r = -EBADMSG;
	if (r < 0) {
		l->st.bad_peer++;
		/* a peer of another version sends one a renewal period:
		 * the first ten, then at each power of two */
		if (log_sampled(l->st.bad_peer))
			log_errno(r, "dropping a peer record of %d bytes from "
				     "node %u (%lu dropped so far)",
				  n, nodeid, l->st.bad_peer);
	}
	return r;
}

/* Stopping: the core is done; only our own release-all matters, which
 * says it was ordered for all (group_link_stop()). */
static void take_record(struct group_link *l, uint32_t nodeid,
			const struct core_msg *m)
{
	if (l->stopping) {
		if (nodeid == l->self_id && m->type == CORE_MSG_RELEASED &&
		    (m->flags & CORE_MSG_F_SHUTDOWN))
			l->stop_ordered = 1;
		return;
	}
	log_debug("deliver %u from node %u '%s' term %llu sent %llu at %llu "
		  "us", m->type, nodeid, m->vip, (unsigned long long)m->term,
		  (unsigned long long)m->sent_us,
		  (unsigned long long)ev_mono_us());
	if (l->cb->observe)
		l->cb->observe(l->ud, 0, nodeid, m, NULL, 0);
	core_deliver(l->core, l->cb->now(l->ud), nodeid, m);
	if (l->cb->observe)
		l->cb->observe(l->ud, 1, nodeid, m, NULL, 0);
}

static void on_deliver(void *ud, uint32_t nodeid, const void *buf,
		       size_t len)
{
	struct group_link *l = ud;
	const uint8_t *p = buf;
	int synced = core_synced(l->core);
	size_t off = 0;

	while (off < len) {
		struct core_msg m;
		int n = p ? peer_next(p + off, len - off) : -EPERM;

		if (n < 0) {
			/* No trustworthy length: the rest cannot be split. */
			l->st.bad_peer++;
			log_errno(n, "dropping the last %zu of %zu bytes of a "
				     "peer message from node %u (%lu dropped "
				     "so far)", len - off, len, nodeid,
				  l->st.bad_peer);
			return;
		}
		if (decode_one(l, nodeid, p + off, n, &m) == 0)
			take_record(l, nodeid, &m);
		off += (size_t)n;
	}
	if (l->stalled && core_synced(l->core)) {
		log_notice("the table sync is done: VIPs change hands again");
		l->stalled = 0;
	}
	if (!synced || !core_synced(l->core))
		l->cb->changed(l->ud);
}

static void on_quorum(void *ud, int quorate)
{
	struct group_link *l = ud;

	log_notice("votequorum: %s", quorate ? "quorate" : "not quorate");
	l->cb->changed(l->ud);
}

static const struct engine_cb engine_cb = {
	.view = on_view, .deliver = on_deliver, .quorum = on_quorum,
};

/* Close the engine and stop watching its fds. */
static void engine_detach(struct group_link *l)
{
	l->cpg_src = ev_src_free(l->cpg_src);
	l->quorum_src = ev_src_free(l->quorum_src);
	ev_src_set_enabled(l->alive_src, EV_OFF);
	l->ops->close(l->engine);
	l->engine = NULL;
}

static void stop_finish(struct group_link *l)
{
	l->stop_src = ev_src_free(l->stop_src);
	engine_detach(l);
	l->cb->stopped(l->ud);
}

static void engine_drop(struct group_link *l, const char *why)
{
	if (l->stopping) {
		stop_finish(l);
		return;
	}
	log_warn("lost corosync (%s): dropping every VIP, reconnecting", why);
	l->bundle_len = 0;
	engine_detach(l);
	core_engine_lost(l->core, l->cb->now(l->ud));
	l->cb->changed(l->ud);
	arm(l->retry_src, RETRY_US);
}

static int on_stop_wait(struct ev_src *s, uint64_t usec, void *ud)
{
	log_warn("leaving the group without seeing the release ordered "
		 "within %llu ms", STOP_WAIT_US / 1000);
	stop_finish(ud);
	return 0;
}

static void dispatch(struct group_link *l, int hangup)
{
	int r = l->ops->dispatch(l->engine, DISPATCH_MAX);

	if (l->stopping) {
		if (r < 0 || l->stop_ordered || hangup)
			stop_finish(l);
		return;
	}
	if (r < 0 || hangup)
		engine_drop(l, "CPG connection closed");
	l->cb->schedule(l->ud);
	/* What the deliveries made us say leaves now: a hand-over waits for
	 * the old holder's RELEASED, which should not wait behind the log
	 * write and the other sources of this pass (after engine_drop()
	 * the bundle is empty and this does nothing). */
	group_link_flush(l);
}

static int on_cpg(struct ev_src *s, int fd, uint32_t revents, void *ud)
{
	dispatch(ud, (revents & (EPOLLHUP | EPOLLERR)) != 0);
	return 0;
}

void group_link_dispatch(struct group_link *l)
{
	if (l->engine)
		dispatch(l, 0);
}

static int on_quorum_fd(struct ev_src *s, int fd, uint32_t revents, void *ud)
{
	struct group_link *l = ud;

	if (l->ops->quorum_dispatch(l->engine) < 0 ||
	    (revents & (EPOLLHUP | EPOLLERR))) {
		engine_drop(l, "quorum connection closed");
		return 0;
	}
	if (!l->ops->quorate(l->engine) && core_quorate(l->core))
		log_warn("votequorum says this node is not quorate; the "
			 "view will follow");
	return 0;
}

/* Once per connection, before the core joins: corosync's timing may
 * have changed since the last one. */
static void set_lease(struct group_link *l)
{
	uint32_t token, consensus, join, want, ms, conf_ms;

	l->ops->timing(l->engine, &token, &consensus, &join);
	want = core_lease_auto_ms(token, consensus, join);
	conf_ms = l->conf->lease_ms;
	ms = conf_ms ? conf_ms : want;
	if (conf_ms && ms < want)
		log_warn("lease %u ms (%s) is shorter than corosync's "
			 "membership change allows for (token %u ms + "
			 "consensus %u ms + join %u ms): whenever another "
			 "node fails or joins, this node's VIPs go dark for a "
			 "while; set 'lease auto' or at least %u ms",
			 ms, l->conf_path, token, consensus, join, want);
	if (ms != core_lease_ms(l->core))
		log_info("lease %u ms%s (corosync token %u ms, consensus "
			 "%u ms, join %u ms)", ms, conf_ms ? "" : " (auto)",
			 token, consensus, join);
	core_set_lease(l->core, ms);
	l->st.lease_known = 1;
}

static void connect_failed(struct group_link *l, int r, uint32_t id)
{
	/* the same failure again is not logged again */
	if (r == -EADDRNOTAVAIL && r != l->st.connect_err)
		log_err("corosync runs this node as id %u, but %s gives '%s' "
			"id %u: not joining the group, where another node's "
			"id would make its messages look like this node's and "
			"its VIPs like ours; fix the cluster block or "
			"corosync.conf (retrying)",
			id, l->conf_path, l->conf->node, l->self_id);
	else if (r != l->st.connect_err)
		log_errno(r, "connecting to corosync (group '%s'), retrying",
			  l->conf->group);
	l->st.connect_err = r;
	l->cb->changed(l->ud);
	arm(l->retry_src, RETRY_US);
}

/* An engine without fds (a test's) is dispatched by its owner. */
static void add_fds(struct group_link *l)
{
	int fd = l->ops->cpg_fd(l->engine);

	if (fd >= 0)
		ev_add_io(l->ev, &l->cpg_src, fd, EPOLLIN, on_cpg, l);
	fd = l->ops->quorum_fd(l->engine);
	if (fd >= 0)
		ev_add_io(l->ev, &l->quorum_src, fd, EPOLLIN, on_quorum_fd,
			  l);
	ev_src_set_priority(l->cpg_src, EV_PRIO_NORMAL);
}

void group_link_connect(struct group_link *l)
{
	uint32_t id = 0;
	int r = l->ops->open(l->conf->group, l->self_id, &engine_cb, l,
			    &l->engine, &id);

	if (r < 0) {
		connect_failed(l, r, id);
		return;
	}
	l->st.connect_err = 0;
	l->cb->changed(l->ud);
	add_fds(l);
	arm(l->alive_src, ALIVE_US);
	log_info("joined group '%s' as node %u", l->conf->group, l->self_id);
	set_lease(l);
	core_joined(l->core, l->cb->now(l->ud));
	l->cb->schedule(l->ud);
}

/* Over corosync's socket IPC (qb_ipc_type: socket) the CPG fd is a
 * datagram socket, which says nothing when corosync dies: libqb sees it
 * on its stream socket, which it only polls when asked for an event.
 * So ask every ALIVE_US, and at once after a send found the connection
 * gone; a dead corosync then fails the dispatch and is dropped.  (Over
 * shared-memory rings the CPG fd is that stream socket: it hangs up.) */
static int on_alive(struct ev_src *s, uint64_t usec, void *ud)
{
	struct group_link *l = ud;

	if (!l->engine)
		return 0;
	dispatch(l, 0);
	if (l->engine)
		arm(s, ALIVE_US);
	return 0;
}

static int on_retry(struct ev_src *s, uint64_t usec, void *ud)
{
	group_link_connect(ud);
	return 0;
}

/* Corosync refuses messages for the whole of a membership change
 * (CS_ERR_TRY_AGAIN): retry every FLUSH_RETRY_US, never in a tight loop,
 * which at SCHED_FIFO would take a CPU from corosync and draw the change
 * out (seen: two vipds spinning ~1 s while a node rejoined). */
static void flush_later(struct group_link *l)
{
	if (!ev_src_get_enabled(l->flush_src))
		arm(l->flush_src, FLUSH_RETRY_US);
}

static int on_flush(struct ev_src *s, uint64_t usec, void *ud)
{
	struct group_link *l = ud;

	if (l->engine && l->ops->flush(l->engine) > 0)
		flush_later(l);
	return 0;
}

static int on_bundle(struct ev_src *s, void *ud)
{
	group_link_flush(ud);
	return 0;
}

static int send_one(struct group_link *l, const uint8_t *buf, size_t len)
{
	int r;

	log_debug("sending %zu bytes at %llu us", len,
		  (unsigned long long)ev_mono_us());
	r = l->engine ? l->ops->send(l->engine, buf, len) : -ENOTCONN;
	if (r < 0) {
		l->st.bad_send++;
		if (r == -ENOTCONN && l->engine) /* check it in the next pass */
			arm(l->alive_src, 0);
		return log_errno(r, "sending to the group");
	}
	if (r == 0) /* queued: corosync refused it for now */
		flush_later(l);
	return 0;
}

/* What the core sends in one pass of the loop travels as one CPG message
 * (a bundle of records, src/proto/peer.h): a burst of requests, or a
 * failover of many VIPs, costs corosync a few messages instead of one or
 * two per VIP.  The loop flushes when nothing else is pending, after a
 * timer pass, after a CPG dispatch, and before leaving the group. */
int group_link_flush(struct group_link *l)
{
	size_t len = l->bundle_len;

	if (!len)
		return 0;
	l->bundle_len = 0;
	/* flushed here: no empty loop pass for the deferred flush */
	ev_src_set_enabled(l->bundle_src, EV_OFF);
	return send_one(l, l->bundle, len);
}

int group_link_send(struct group_link *l, const struct core_msg *m)
{
	int n;

	if (!l->engine)
		return -ENOTCONN;
	n = peer_encode(m, l->self_id, l->sendbuf, l->sendbuf_len);
	if (n < 0)
		return log_errno(n, "encoding a peer record");
	if (l->bundle_len + (size_t)n > PEER_BUNDLE_MAX)
		group_link_flush(l);
	if ((size_t)n > PEER_BUNDLE_MAX)
		return send_one(l, l->sendbuf, (size_t)n);
	memcpy(l->bundle + l->bundle_len, l->sendbuf, (size_t)n);
	l->bundle_len += (size_t)n;
	if (l->stopping) /* the last words leave before the clean-up */
		return group_link_flush(l);
	ev_src_set_enabled(l->bundle_src, EV_ONESHOT);
	return 0;
}

void group_link_stop(struct group_link *l)
{
	if (l->stopping) { /* a second signal: leave now */
		stop_finish(l);
		return;
	}
	/* set first: each record of the release-all leaves as it is said */
	l->stopping = 1;
	core_shutdown(l->core, l->cb->now(l->ud));
	group_link_flush(l);
	if (l->engine)
		l->ops->flush(l->engine);
	/* Leave only once it has been ordered: a leave right behind it
	 * held its delivery back 4.5-8.6 ms (bench/README.md, 'term'), and
	 * the successors wait for it with the VIPs dark. */
	if (!l->engine || ev_add_time_relative(l->ev, &l->stop_src,
					       STOP_WAIT_US, on_stop_wait,
					       l) < 0)
		stop_finish(l);
}

int group_link_stopping(const struct group_link *l)
{
	return l && l->stopping;
}

int group_link_in_ring(const struct group_link *l, uint32_t node,
		       uint64_t seq)
{
	uint32_t n;
	uint64_t s;

	return group_link_ring(l, &n, &s) == 0 && n == node && s == seq;
}

int group_link_ring(const struct group_link *l, uint32_t *node,
		    uint64_t *seq)
{
	*node = 0;
	*seq = 0;
	if (!l || !l->engine)
		return -ENOTCONN;
	l->ops->ring(l->engine, node, seq);
	return 0;
}

void group_link_stats(const struct group_link *l,
		      struct group_link_stats *ret)
{
	if (!l) {
		*ret = (struct group_link_stats){ 0 };
		return;
	}
	*ret = l->st;
	ret->joined = l->engine != NULL;
	ret->quorate = l->engine && l->ops->quorate(l->engine);
}

static int add_sources(struct group_link *l)
{
	int r = ev_add_time(l->ev, &l->retry_src, UINT64_MAX, on_retry, l);

	if (r >= 0)
		r = ev_add_time(l->ev, &l->alive_src, UINT64_MAX, on_alive, l);
	if (r >= 0)
		r = ev_add_time(l->ev, &l->stall_src, UINT64_MAX, on_stall, l);
	if (r >= 0)
		r = ev_add_time(l->ev, &l->flush_src, UINT64_MAX, on_flush, l);
	if (r >= 0)
		r = ev_src_set_enabled(l->flush_src, EV_OFF);
	/* Lowest priority: everything pending in this pass adds to the
	 * bundle before it leaves. */
	if (r >= 0)
		r = ev_add_defer(l->ev, &l->bundle_src, on_bundle, l);
	if (r >= 0)
		r = ev_src_set_priority(l->bundle_src, EV_PRIO_IDLE);
	if (r >= 0)
		r = ev_src_set_enabled(l->bundle_src, EV_OFF);
	return r;
}

int group_link_new(struct ev *ev, const struct engine_ops *ops,
		   struct core *core, const struct conf *conf,
		   const char *conf_path, uint32_t self_id,
		   const struct group_link_cb *cb, void *ud,
		   struct group_link **ret)
{
	struct group_link *l = calloc(1, sizeof(*l));
	int r;

	if (!l)
		return -ENOMEM;
	*l = (struct group_link){ .ev = ev, .ops = ops, .core = core,
				  .conf = conf,
				  .conf_path = conf_path, .self_id = self_id,
				  .cb = cb, .ud = ud };
	l->nentries = CONF_MAX_VIPS + 1;
	l->entries = calloc(l->nentries, sizeof(*l->entries));
	l->sendbuf_len = PEER_HDR_SIZE + 64 + 4 +
			 (size_t)l->nentries * PEER_ENTRY_MAX_SIZE;
	l->sendbuf = malloc(l->sendbuf_len);
	l->bundle = malloc(PEER_BUNDLE_MAX);
	r = l->entries && l->sendbuf && l->bundle ? add_sources(l) : -ENOMEM;
	if (r < 0) {
		group_link_free(l);
		return r;
	}
	*ret = l;
	return 0;
}

void group_link_free(struct group_link *l)
{
	if (!l)
		return;
	l->ops->close(l->engine);
	ev_src_free(l->cpg_src);
	ev_src_free(l->quorum_src);
	ev_src_free(l->retry_src);
	ev_src_free(l->alive_src);
	ev_src_free(l->stall_src);
	ev_src_free(l->flush_src);
	ev_src_free(l->bundle_src);
	ev_src_free(l->stop_src);
	free(l->entries);
	free(l->sendbuf);
	free(l->bundle);
	free(l);
}
