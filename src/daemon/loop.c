// SPDX-License-Identifier: MIT
/*
 * The event loop: corosync fds, the core's timer, reconnection, address
 * refresh, the link watcher and signals.  Only this file and the fd
 * owners touch the loop (src/ev).
 */
#define _GNU_SOURCE /* struct ucred */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine.h"
#include "log.h"
#include "net/link.h"
#include "proto/peer.h"
#include "service.h"
#include "vipd.h"

#define DISPATCH_MAX 16            /* callbacks per wakeup */
#define RETRY_US 500000ull         /* reconnect to corosync */
#define SYNC_STALL_US 3000000ull   /* a table sync this long is stuck */
#define FLUSH_RETRY_US 1000ull     /* resend what corosync refused */
#define REFRESH_US (VIPD_ADDR_LIFETIME_S * 1000000ull / 3)
#define STOP_WAIT_US 250000ull     /* longest wait for our release */
#define ALIVE_US 1000000ull        /* corosync's liveness checked */

unsigned long long vipd_mono_us(void)
{
	return ev_mono_us();
}

uint64_t vipd_now(struct vipd *d)
{
	return ev_now(d->ev);
}

/* Run the core's timers and arm ours for its next deadline. */
void vipd_schedule(struct vipd *d)
{
	uint64_t now = vipd_now(d);
	uint64_t next = core_tick(d->core, now);

	if (next == UINT64_MAX) {
		ev_src_set_enabled(d->tick_src, EV_OFF);
		return;
	}
	/* The core asks for the future; never spin on a past deadline. */
	ev_src_set_time(d->tick_src, next > now ? next : now + 1000);
	ev_src_set_enabled(d->tick_src, EV_ONESHOT);
}

static int on_tick(struct ev_src *s, uint64_t usec, void *ud)
{
	vipd_schedule(ud);
	/* A renewal leaves now, not after the requests queued behind it. */
	vipd_bundle_flush(ud);
	return 0;
}

static void on_view(void *ud, const uint32_t *members, unsigned n,
		    const uint32_t *left, const enum core_leave *why,
		    unsigned nleft)
{
	struct vipd *d = ud;

	if (d->stopping)
		return;
	log_info("view: %u members, %u left", n, nleft);
	core_view(d->core, vipd_now(d), members, n, left, why, nleft);
	service_changed(d);
	if (!core_synced(d->core) && d->stall_src) {
		ev_src_set_time_relative(d->stall_src, SYNC_STALL_US);
		ev_src_set_enabled(d->stall_src, EV_ONESHOT);
	}
}

/* A table sync that has not finished SYNC_STALL_US after its view is
 * waiting for a member whose records this node cannot read (dropped and
 * counted in on_deliver()): a vipd of another peer version, typically in
 * the middle of an upgrade.  Nothing changes hands until it ends, which
 * is safe but must not go unnoticed. */
static int on_stall(struct ev_src *s, uint64_t usec, void *ud)
{
	struct vipd *d = ud;
	uint32_t w = core_sync_waiting(d->core);
	char names[256] = "";
	size_t n = 0;

	if (!w)
		return 0;
	for (unsigned i = 0; i < d->conf.nnodes && n < sizeof(names); i++)
		if ((w >> i) & 1u)
			n += (size_t)snprintf(names + n, sizeof(names) - n,
					      "%s'%s'", n ? ", " : "",
					      d->conf.nodes[i].name);
	log_warn("the table sync has waited %llu s for the table of %s "
		 "(%lu peer records dropped as unreadable so far): no VIP "
		 "changes hands until it comes; a node running another vipd "
		 "version must be upgraded or stopped",
		 SYNC_STALL_US / 1000000ull, names, d->bad_peer);
	d->stalled = 1;
	return 0;
}

static void on_deliver(void *ud, uint32_t nodeid, const void *buf,
		       size_t len)
{
	struct vipd *d = ud;
	const uint8_t *p = buf;
	int synced = core_synced(d->core);
	size_t off = 0;

	while (off < len) {
		struct core_msg m;
		uint32_t sender;
		int n = peer_next(p + off, len - off), r;

		if (n < 0) {
			/* No trustworthy length: the rest cannot be split. */
			d->bad_peer++;
			log_errno(n, "dropping the last %zu of %zu bytes of a "
				     "peer message from node %u (%lu dropped "
				     "so far)", len - off, len, nodeid,
				  d->bad_peer);
			return;
		}
		r = peer_decode(p + off, (size_t)n, &sender, &m, d->entries,
				d->conf.nvips + 1);
		if (r == 0 && sender != nodeid)
			r = -EBADMSG;
		off += (size_t)n;
		if (r < 0) {
			d->bad_peer++;
			/* a peer of another version sends one a renewal
			 * period: the first ten, then at each power of two */
			if (log_sampled(d->bad_peer))
				log_errno(r, "dropping a peer record of %d "
					     "bytes from node %u (%lu dropped "
					     "so far)", n, nodeid, d->bad_peer);
			continue;
		}
		/* Stopping: the core is done; only our own release-all
		 * matters, which says it was ordered for all (on_stop()). */
		if (d->stopping) {
			if (nodeid == d->self_id &&
			    m.type == CORE_MSG_RELEASED &&
			    (m.flags & CORE_MSG_F_SHUTDOWN))
				d->stop_ordered = 1;
			continue;
		}
		log_debug("deliver %u from node %u '%s' term %llu sent %llu "
			  "at %llu us", m.type, nodeid, m.vip,
			  (unsigned long long)m.term,
			  (unsigned long long)m.sent_us, vipd_mono_us());
		core_deliver(d->core, vipd_now(d), nodeid, &m);
	}
	if (d->stalled && core_synced(d->core)) {
		log_notice("the table sync is done: VIPs change hands again");
		d->stalled = 0;
	}
	if (!synced || !core_synced(d->core))
		service_changed(d);
}

static void on_quorum(void *ud, int quorate)
{
	log_notice("votequorum: %s", quorate ? "quorate" : "not quorate");
	service_changed(ud);
}

static const struct engine_cb engine_cb = {
	.view = on_view, .deliver = on_deliver, .quorum = on_quorum,
};

static void stop_finish(struct vipd *d);

/* Close the engine and stop watching its fds. */
static void engine_detach(struct vipd *d)
{
	d->cpg_src = ev_src_free(d->cpg_src);
	d->quorum_src = ev_src_free(d->quorum_src);
	ev_src_set_enabled(d->alive_src, EV_OFF);
	engine_close(d->engine);
	d->engine = NULL;
}

static void engine_drop(struct vipd *d, const char *why)
{
	if (d->stopping) {
		stop_finish(d);
		return;
	}
	log_warn("lost corosync (%s): dropping every VIP, reconnecting", why);
	d->bundle_len = 0;
	engine_detach(d);
	core_engine_lost(d->core, vipd_now(d));
	service_changed(d);
	ev_src_set_time_relative(d->retry_src, RETRY_US);
	ev_src_set_enabled(d->retry_src, EV_ONESHOT);
}

static void stop_finish(struct vipd *d)
{
	d->stop_src = ev_src_free(d->stop_src);
	engine_detach(d);
	ev_exit(d->ev, 0);
}

static int on_stop_wait(struct ev_src *s, uint64_t usec, void *ud)
{
	log_warn("leaving the group without seeing the release ordered "
		 "within %llu ms", STOP_WAIT_US / 1000);
	stop_finish(ud);
	return 0;
}

static int on_cpg(struct ev_src *s, int fd, uint32_t revents, void *ud)
{
	struct vipd *d = ud;
	int r = engine_dispatch(d->engine, DISPATCH_MAX);

	if (d->stopping) {
		if (r < 0 || d->stop_ordered ||
		    (revents & (EPOLLHUP | EPOLLERR)))
			stop_finish(d);
		return 0;
	}
	if (r < 0 || (revents & (EPOLLHUP | EPOLLERR)))
		engine_drop(d, "CPG connection closed");
	vipd_schedule(d);
	/* What the deliveries made us say leaves now: a hand-over waits for
	 * the old holder's RELEASED, which should not wait behind the log
	 * write and the other sources of this pass (after engine_drop()
	 * the bundle is empty and this does nothing). */
	vipd_bundle_flush(d);
	return 0;
}

static int on_quorum_fd(struct ev_src *s, int fd, uint32_t revents, void *ud)
{
	struct vipd *d = ud;

	if (engine_quorum_dispatch(d->engine) < 0 ||
	    (revents & (EPOLLHUP | EPOLLERR))) {
		engine_drop(d, "quorum connection closed");
		return 0;
	}
	if (!engine_quorate(d->engine) && core_quorate(d->core))
		log_warn("votequorum says this node is not quorate; the "
			 "view will follow");
	return 0;
}

/* Once per connection, before the core joins: corosync's timing may
 * have changed since the last one. */
static void set_lease(struct vipd *d)
{
	uint32_t token, consensus, join, want, ms;

	engine_timing(d->engine, &token, &consensus, &join);
	want = core_lease_auto_ms(token, consensus, join);
	ms = d->conf.lease_ms ? d->conf.lease_ms : want;
	if (d->conf.lease_ms && ms < want)
		log_warn("lease %u ms (%s) is shorter than corosync's "
			 "membership change allows for (token %u ms + "
			 "consensus %u ms + join %u ms): whenever another "
			 "node fails or joins, this node's VIPs go dark for a "
			 "while; set 'lease auto' or at least %u ms",
			 ms, d->conf_path, token, consensus, join, want);
	if (ms != core_lease_ms(d->core))
		log_info("lease %u ms%s (corosync token %u ms, consensus "
			 "%u ms, join %u ms)", ms,
			 d->conf.lease_ms ? "" : " (auto)", token, consensus,
			 join);
	core_set_lease(d->core, ms);
	d->lease_known = 1;
}

void vipd_engine_connect(struct vipd *d)
{
	uint32_t id = 0;
	int r = engine_open(d->conf.group, d->self_id, &engine_cb, d,
			    &d->engine, &id);

	/* the same failure again is not logged again */
	if (r == -EADDRNOTAVAIL && r != d->connect_err)
		log_err("corosync runs this node as id %u, but %s gives '%s' "
			"id %u: not joining the group, where another node's "
			"id would make its messages look like this node's and "
			"its VIPs like ours; fix the cluster block or "
			"corosync.conf (retrying)",
			id, d->conf_path, d->conf.node, d->self_id);
	else if (r < 0 && r != d->connect_err)
		log_errno(r, "connecting to corosync (group '%s'), retrying",
			  d->conf.group);
	d->connect_err = r;
	service_changed(d);
	if (r < 0) {
		ev_src_set_time_relative(d->retry_src, RETRY_US);
		ev_src_set_enabled(d->retry_src, EV_ONESHOT);
		return;
	}
	ev_add_io(d->ev, &d->cpg_src, engine_cpg_fd(d->engine), EPOLLIN, on_cpg,
		  d);
	ev_add_io(d->ev, &d->quorum_src, engine_quorum_fd(d->engine), EPOLLIN,
		  on_quorum_fd, d);
	ev_src_set_priority(d->cpg_src, EV_PRIO_NORMAL);
	ev_src_set_time_relative(d->alive_src, ALIVE_US);
	ev_src_set_enabled(d->alive_src, EV_ONESHOT);
	log_info("joined group '%s' as node %u", d->conf.group, d->self_id);
	set_lease(d);
	core_joined(d->core, vipd_now(d));
	vipd_schedule(d);
}

/* Over corosync's socket IPC (qb_ipc_type: socket) the CPG fd is a
 * datagram socket, which says nothing when corosync dies: libqb sees it
 * on its stream socket, which it only polls when asked for an event.
 * So ask every ALIVE_US, and at once after a send found the connection
 * gone; a dead corosync then fails the dispatch and is dropped.  (Over
 * shared-memory rings the CPG fd is that stream socket: it hangs up.) */
static int on_alive(struct ev_src *s, uint64_t usec, void *ud)
{
	struct vipd *d = ud;

	if (!d->engine)
		return 0;
	on_cpg(d->cpg_src, engine_cpg_fd(d->engine), 0, d);
	if (d->engine) {
		ev_src_set_time_relative(s, ALIVE_US);
		ev_src_set_enabled(s, EV_ONESHOT);
	}
	return 0;
}

void vipd_engine_check_soon(struct vipd *d)
{
	if (!d->engine || !d->alive_src)
		return;
	ev_src_set_time_relative(d->alive_src, 0);
	ev_src_set_enabled(d->alive_src, EV_ONESHOT);
}

static int on_retry(struct ev_src *s, uint64_t usec, void *ud)
{
	vipd_engine_connect(ud);
	return 0;
}

static int on_refresh(struct ev_src *s, uint64_t usec, void *ud)
{
	vipd_refresh_addrs(ud);
	ev_src_set_time(s, usec + REFRESH_US);
	return 0;
}

/* Corosync refuses messages for the whole of a membership change
 * (CS_ERR_TRY_AGAIN): retry every FLUSH_RETRY_US, never in a tight loop,
 * which at SCHED_FIFO would take a CPU from corosync and draw the change
 * out (seen: two vipds spinning ~1 s while a node rejoined). */
void vipd_flush_later(struct vipd *d)
{
	if (!d->flush_src || ev_src_get_enabled(d->flush_src))
		return;
	ev_src_set_time_relative(d->flush_src, FLUSH_RETRY_US);
	ev_src_set_enabled(d->flush_src, EV_ONESHOT);
}

static int on_flush(struct ev_src *s, uint64_t usec, void *ud)
{
	struct vipd *d = ud;

	if (d->engine && engine_flush(d->engine) > 0)
		vipd_flush_later(d);
	return 0;
}

static int on_bundle(struct ev_src *s, void *ud)
{
	vipd_bundle_flush(ud);
	return 0;
}

static int on_link(struct ev_src *s, int fd, uint32_t revents, void *ud)
{
	struct vipd *d = ud;
	int r = link_watch_read(d->lw, vipd_link_event, d);

	if (r < 0 && r != -EAGAIN)
		log_errno(r, "reading link events, ignoring");
	return 0;
}

static int on_stop(struct ev_src *s, const struct signalfd_siginfo *si,
		   void *ud)
{
	struct vipd *d = ud;

	if (d->stopping) { /* a second signal: leave now */
		stop_finish(d);
		return 0;
	}
	log_notice("signal %u: releasing every VIP and leaving the group",
		   si->ssi_signo);
	d->stopping = 1;
	service_stopping(d);
	core_shutdown(d->core, vipd_now(d));
	vipd_bundle_flush(d);
	if (d->engine)
		engine_flush(d->engine);
	/* The release is with corosync: what is left must not keep
	 * corosync, which still has to send it, off this CPU. */
	vipd_sched_normal();
	/* Leave only once it has been ordered: a leave right behind it
	 * held its delivery back 4.5-8.6 ms (bench/README.md, 'term'), and
	 * the successors wait for it with the VIPs dark. */
	if (!d->engine ||
	    ev_add_time_relative(d->ev, &d->stop_src, STOP_WAIT_US,
				 on_stop_wait, d) < 0)
		stop_finish(d);
	return 0;
}

static int on_hup(struct ev_src *s, const struct signalfd_siginfo *si, void *ud)
{
	const char *code;
	char msg[512];

	(void)vipd_reload(ud, msg, sizeof(msg), &code);
	return 0;
}

int vipd_loop_setup(struct vipd *d)
{
	sigset_t ss;
	int r;

	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	sigaddset(&ss, SIGCHLD); /* hooks are reaped by child sources */
	sigprocmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
	r = ev_add_signal(d->ev, NULL, SIGTERM, on_stop, d);
	if (r >= 0)
		r = ev_add_signal(d->ev, NULL, SIGINT, on_stop, d);
	if (r >= 0)
		r = ev_add_signal(d->ev, NULL, SIGHUP, on_hup, d);
	if (r >= 0)
		r = ev_add_time(d->ev, &d->tick_src, UINT64_MAX, on_tick, d);
	/* Renewals and expiries first: a burst of requests must not starve
	 * the lease (each CPG wakeup handles at most DISPATCH_MAX). */
	if (r >= 0)
		r = ev_src_set_priority(d->tick_src, EV_PRIO_IMPORTANT);
	if (r >= 0)
		r = ev_add_time(d->ev, &d->retry_src, UINT64_MAX, on_retry, d);
	if (r >= 0)
		r = ev_add_time(d->ev, &d->alive_src, UINT64_MAX, on_alive, d);
	if (r >= 0)
		r = ev_add_time(d->ev, &d->stall_src, UINT64_MAX, on_stall, d);
	if (r >= 0)
		r = ev_add_time_relative(d->ev, &d->refresh_src, REFRESH_US,
					 on_refresh, d);
	if (r >= 0)
		r = ev_src_set_enabled(d->refresh_src, EV_ON);
	if (r >= 0)
		r = ev_add_time(d->ev, &d->flush_src, UINT64_MAX, on_flush, d);
	if (r >= 0)
		r = ev_src_set_enabled(d->flush_src, EV_OFF);
	/* Lowest priority: everything pending in this pass adds to the
	 * bundle before it leaves. */
	if (r >= 0)
		r = ev_add_defer(d->ev, &d->bundle_src, on_bundle, d);
	if (r >= 0)
		r = ev_src_set_priority(d->bundle_src, EV_PRIO_IDLE);
	if (r >= 0)
		r = ev_src_set_enabled(d->bundle_src, EV_OFF);
	if (r >= 0 && d->lw)
		r = ev_add_io(d->ev, &d->link_src, d->link_fd, EPOLLIN, on_link,
			      d);
	return r;
}

void vipd_sched_normal(void)
{
	struct sched_param sp = { .sched_priority = 0 };

	/* Without the flag a process that lacks CAP_SYS_NICE may not leave
	 * the real-time class: the kernel refuses to clear reset-on-fork. */
	if ((sched_getscheduler(0) & ~SCHED_RESET_ON_FORK) != SCHED_OTHER &&
	    sched_setscheduler(0, SCHED_OTHER | SCHED_RESET_ON_FORK, &sp) < 0)
		log_warn("could not leave SCHED_FIFO (%s), ignoring",
			 strerror(errno));
}

static uint64_t cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

/* ev_loop(), with the log lines of each dispatch in one write.
 * vipd runs at corosync's real-time priority (main.c): after every
 * VIPD_YIELD_CPU_US of CPU it lets a runnable corosync go first. */
int vipd_loop_run(struct vipd *d)
{
	uint64_t yielded = cpu_us(), t;
	int r = 0;

	log_hold(1);
	while (!ev_finished(d->ev)) {
		r = ev_run(d->ev, UINT64_MAX);
		service_update(d);
		log_flush();
		if (r < 0)
			break;
		t = cpu_us();
		if (t - yielded >= VIPD_YIELD_CPU_US) {
			sched_yield();
			yielded = t;
		}
	}
	log_hold(0);
	if (r < 0)
		return r;
	return ev_exit_code(d->ev);
}
