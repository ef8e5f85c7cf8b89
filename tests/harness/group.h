/* SPDX-License-Identifier: MIT */
/*
 * A simulated group engine for tests: many real cores (src/core), one
 * agreed order of messages and views per partition, a model of each
 * node's kernel (address up, gate lease).  Used by the core unit tests
 * and the deterministic simulator; never by the daemon.
 */
#ifndef VIPD_TESTS_GROUP_H
#define VIPD_TESTS_GROUP_H

#include <stdint.h>

#include "core/core.h"

#define G_MAX_NODES 8
#define G_MAX_QUEUE 4096

struct g_msg {
	uint32_t from;
	unsigned part;            /* partition it was sent in */
	struct core_msg m;        /* entries deep-copied */
};

struct g_node {
	struct core *core;
	uint32_t id;
	int alive;                /* process running (core exists) */
	int hung;                 /* process stopped: no input */
	unsigned part;            /* partition number */
	int up[64];               /* kernel has the address (per VIP) */
	uint64_t lease_until;     /* kernel gate open until */
	uint64_t last_reqid;
	enum core_err last_err;
	uint64_t last_term;
	int replies;
	char last_reason[128];
	int events[CORE_EV_MAX + 1];
};

struct group {
	struct conf conf;
	struct conf_vip vips[64];
	unsigned n;
	struct g_node nodes[G_MAX_NODES];
	struct g_msg *queue;      /* pending, in agreed order */
	unsigned nqueue;
	uint64_t now;
	uint64_t reqid;
	int (*fail_up)(struct group *g, unsigned node, unsigned vip);
};

/* n nodes "n1".."nN" with ids 1..n, nvips VIPs "v0".. of policy. */
void g_init(struct group *g, unsigned n, unsigned nvips,
	    enum conf_policy policy);
void g_done(struct group *g);
/* Start (or restart) node i's core and join it; views follow. */
void g_start(struct group *g, unsigned i);
/* Kill node i's process (PROCDOWN for the others). */
void g_kill(struct group *g, unsigned i);
/* Node i vanishes (NODEDOWN): process and kernel state stay. */
void g_partition(struct group *g, const unsigned *part_of);
/* Deliver everything queued, ticking time by step_us between. */
void g_run(struct group *g, uint64_t until_us);
void g_settle(struct group *g);
/* Requests from node i. */
int g_claim(struct group *g, unsigned i, const char *vip, uint64_t term,
	    int wait);
int g_release(struct group *g, unsigned i, const char *vip);
int g_move(struct group *g, unsigned i, const char *vip, const char *node);
/* How many nodes answer for vip now (address up and gate open). */
unsigned g_answering(const struct group *g, unsigned vip);
int g_holder(const struct group *g, unsigned i, unsigned vip,
	     struct core_vip_info *ret);

#endif
