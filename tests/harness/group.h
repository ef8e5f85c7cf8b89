/* SPDX-License-Identifier: MIT */
/*
 * A simulated group engine for tests: many real cores (src/core), each
 * behind the daemon's real group link (src/daemon/group.c) over this
 * engine, one agreed order of messages and views per partition, a model
 * of each node's kernel (address up, gate lease).  Used by the core and
 * link unit tests and the deterministic simulator; never by the daemon.
 */
#ifndef VIPD_TESTS_GROUP_H
#define VIPD_TESTS_GROUP_H

#include <stdint.h>

#include "core/core.h"
#include "daemon/group.h"

#define G_MAX_NODES 8
#define G_MAX_VIPS 64
#define G_MAX_QUEUE 4096

struct group;

/* What a node is about to process or just processed, for checkers. */
enum g_obs_kind {
	G_OBS_VIEW = 0, /* core_view */
	G_OBS_MSG,      /* core_deliver */
	G_OBS_TICK,     /* core_tick */
	G_OBS_LOCAL,    /* a local call: request, fault, engine lost */
};

struct g_obs {
	enum g_obs_kind kind;
	uint32_t from;            /* MSG: sender id */
	const struct core_msg *m; /* MSG: the message */
	uint32_t members;         /* VIEW: member ids as a bitmask of 1<<id */
};

/* Optional observers; any may be NULL. */
struct g_hooks {
	void (*before)(struct group *g, unsigned i, const struct g_obs *o);
	void (*after)(struct group *g, unsigned i, const struct g_obs *o);
	/* Node i's kernel may have started answering (address added or
	 * gate lease extended). */
	void (*kernel)(struct group *g, unsigned i);
	void (*reply)(struct group *g, unsigned i, uint64_t reqid,
		      enum core_err err, uint64_t term);
};

struct g_node {
	struct core *core;
	const struct conf *conf; /* its own vipd.conf; NULL: the group's */
	uint32_t id;
	uint32_t lease_ms;       /* this node's own lease; 0: conf's */
	uint64_t stop_sent_gate; /* lease_until when it sent RELEASED-all */
	int stop_sent_up;        /* up[0] then */
	int alive;                /* process running (core exists) */
	int hung;                 /* process stopped: no input */
	int detached;             /* engine lost: in no view */
	uint64_t lag_us;          /* inbox delivered this much late */
	uint64_t ring;            /* ring of the last view it handled */
	unsigned part;            /* partition number */
	int up[G_MAX_VIPS];       /* kernel has the address (per VIP) */
	uint64_t lease_until;     /* kernel gate open until */
	uint64_t last_reqid;
	enum core_err last_err;
	uint64_t last_term;
	int replies;
	char last_reason[128];
	int events[CORE_EV_MAX + 1];
	unsigned long records;    /* peer records its core said */
	unsigned long messages;   /* CPG messages its link sent them in */
};

/* What becomes of one direct hand-off (core_ops.handoff): delivered
 * after delay_us[0] and, if copies is 2, again after delay_us[1] (a
 * duplicate or replay within the ring); copies 0: lost. */
struct g_hand_fate {
	unsigned copies;
	uint64_t delay_us[2];
};

struct group {
	struct conf conf;
	struct conf_vip vips[G_MAX_VIPS];
	unsigned n;
	struct g_node nodes[G_MAX_NODES];
	uint64_t now;
	uint64_t reqid;
	int (*fail_up)(struct group *g, unsigned node, unsigned vip);
	/* Direct hand-offs: cores started while direct is set get
	 * ops->handoff.  A hand-off reaches the new holder whatever the
	 * partitions (it does not go through the group), but only while
	 * that node is still in the ring the sender was in when it sent
	 * (the daemon checks corosync's ring id).  hand_fate NULL: one
	 * copy, delivered at the next step. */
	int direct;
	void (*hand_fate)(struct group *g, unsigned from, unsigned to,
			  struct g_hand_fate *ret);
	unsigned hands_sent;      /* hand-offs the cores sent */
	unsigned hands_taken;     /* copies delivered to core_handoff() */
	const struct g_hooks *hooks;
	void *hook_ud;
};

/* n nodes "n1".."nN" with ids 1..n, nvips VIPs "v0".. of policy. */
void g_init(struct group *g, unsigned n, unsigned nvips,
	    enum conf_policy policy);
void g_done(struct group *g);
/* Start (or restart) node i's core and join it; views follow. */
void g_start(struct group *g, unsigned i);
/* Kill node i's process (PROCDOWN for the others). */
void g_kill(struct group *g, unsigned i);
/* Node i's machine dies: process, corosync and kernel state (NODEDOWN). */
void g_crash(struct group *g, unsigned i);
/* Clean stop of node i: core_shutdown, then it leaves (LEAVE). */
void g_leave(struct group *g, unsigned i);
/* Node i's corosync dies: core_engine_lost, out of every view
 * (NODEDOWN for the others).  g_attach() joins it again. */
void g_detach(struct group *g, unsigned i);
void g_attach(struct group *g, unsigned i);
/* Move node i to partition part_of[i]; views follow. */
void g_partition(struct group *g, const unsigned *part_of);
/* Deliver everything queued, ticking time by step_us between. */
void g_run(struct group *g, uint64_t until_us);
/* One step: every awake node handles what is due and ticks; then the
 * clock advances by one millisecond. */
void g_advance(struct group *g);
void g_settle(struct group *g);
/* Node i has nothing left to deliver. */
int g_drained(const struct group *g, unsigned i);
/* Requests from node i. */
int g_claim(struct group *g, unsigned i, const char *vip, uint64_t term,
	    int wait);
int g_release(struct group *g, unsigned i, const char *vip);
int g_move(struct group *g, unsigned i, const char *vip, const char *node);
/* A session's end: release vip only if node i holds it at term. */
int g_release_held(struct group *g, unsigned i, const char *vip,
		   uint64_t term);
/* Withdraw node i's claim reqid (g->reqid after its g_claim()). */
int g_cancel(struct group *g, unsigned i, const char *vip, uint64_t reqid);
/* Node i's engine sends buf as one CPG message, as if its link had
 * (bytes no vipd would send). */
void g_inject(struct group *g, unsigned i, const void *buf, size_t len);
/* Node i's group link's counters. */
void g_link_stats(const struct group *g, unsigned i,
		  struct group_link_stats *ret);
/* Node i's interface of vip failed. */
void g_fault(struct group *g, unsigned i, unsigned vip);
/* How many nodes answer for vip now (address up and gate open). */
unsigned g_answering(const struct group *g, unsigned vip);
/* Node i answers for vip now. */
int g_answers(const struct group *g, unsigned i, unsigned vip);
int g_holder(const struct group *g, unsigned i, unsigned vip,
	     struct core_vip_info *ret);

#endif
