/* SPDX-License-Identifier: MIT */
/*
 * The group link: this node's one connection to its CPG group, the way
 * the core's messages go out (bundled peer records) and come in (split,
 * decoded, handed to the core in agreed order).  It owns the engine and
 * everything about it: reconnection, liveness, sync stalls, the clean
 * stop's handshake, corosync's ring identity, and its counters.
 */
#ifndef VIPD_DAEMON_GROUP_H
#define VIPD_DAEMON_GROUP_H

#include <stdint.h>

#include "core/conf.h"
#include "core/core.h"
#include "engine/engine.h"
#include "ev/ev.h"

struct group_link;

/* What the link tells its owner; ud is group_link_new()'s. */
struct group_link_cb {
	/* Something status shows changed: engine, sync, quorum. */
	void (*changed)(void *ud);
	/* The core took input: run its timers, arm for its deadline. */
	void (*schedule)(void *ud);
	/* The clean stop is over: the group is left, the link idle. */
	void (*stopped)(void *ud);
	/* The time for the core's inputs (the daemon's: ev_now()). */
	uint64_t (*now)(void *ud);
	/* Optional (the simulator's checkers): called before (after 0)
	 * and after (after 1) each input the core takes: a record m from
	 * node from, or a view of members (m NULL). */
	void (*observe)(void *ud, int after, uint32_t from,
			const struct core_msg *m, const uint32_t *members,
			unsigned nmembers);
};

struct group_link_stats {
	int joined;              /* connected and in the group */
	int quorate;             /* votequorum's verdict, 0 unless joined */
	int connect_err;         /* the last connection attempt, or 0 */
	int lease_known;         /* corosync's timing read at least once */
	unsigned long bad_peer;  /* peer records dropped as unreadable */
	unsigned long bad_send;  /* sends corosync refused */
};

/* A link for node self_id of conf's group over the engine ops (the
 * daemon's: engine_corosync), feeding core, its timers and fds on ev;
 * it does not connect yet.  conf (and conf_path, for messages) must
 * outlive it; conf may change between calls (a reload, which keeps the
 * number of VIPs).  0 and *ret, -ENOMEM, or an ev_add_*() error. */
int group_link_new(struct ev *ev, const struct engine_ops *ops,
		   struct core *core, const struct conf *conf,
		   const char *conf_path, uint32_t self_id,
		   const struct group_link_cb *cb, void *ud,
		   struct group_link **ret);
/* Leaves the group (if in it) and frees l.  NULL-safe. */
void group_link_free(struct group_link *l);
/* Connects and joins, or logs why not and retries on its own; then
 * sets the lease from corosync's timing and tells the core it joined. */
void group_link_connect(struct group_link *l);
/* The core's send (core_ops.send): m joins this pass's bundle.  0,
 * -ENOTCONN while not joined, or a peer_encode() error. */
int group_link_send(struct group_link *l, const struct core_msg *m);
/* Dispatches what the engine has, as a wakeup of its fd does (an engine
 * without fds, a test's, is dispatched this way): the core takes it, its
 * timers run (cb->schedule), and what it said is sent. */
void group_link_dispatch(struct group_link *l);
/* Sends the bundle now (what the core said must not wait for the end of
 * the loop pass).  0, or the send's -errno (logged and counted). */
int group_link_flush(struct group_link *l);
/* The clean stop: the core releases every VIP (core_shutdown()), its
 * release-all goes out, and the link leaves once that comes back in
 * agreed order, or after a bounded wait; then cb->stopped.  A second
 * call leaves at once.  From here on the core gets no more input. */
void group_link_stop(struct group_link *l);
/* group_link_stop() ran (0 for NULL). */
int group_link_stopping(const struct group_link *l);
/* Corosync's ring as of the last callback (what a direct hand-off is
 * bound to).  0, or -ENOTCONN while not joined (*node, *seq are 0). */
int group_link_ring(const struct group_link *l, uint32_t *node,
		    uint64_t *seq);
/* Counters and state; all 0 for NULL (before the loop is set up). */
/* 1 when joined and in ring node/seq: a direct hand-off from another
 * ring is ignored.  0 otherwise (NULL too). */
int group_link_in_ring(const struct group_link *l, uint32_t node,
		       uint64_t seq);
void group_link_stats(const struct group_link *l,
		      struct group_link_stats *ret);

#endif
