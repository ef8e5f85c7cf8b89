/* SPDX-License-Identifier: MIT */
/*
 * The deterministic simulator: many real cores on the simulated group
 * (tests/harness), a seeded random schedule of requests and faults, and
 * the invariants of DESIGN.md checked after every event and every
 * simulated millisecond.  One seed, one schedule: replayable.
 */
#ifndef VIPD_TESTS_SIM_H
#define VIPD_TESTS_SIM_H

#include <stdint.h>

#include "../harness/group.h"

#define SIM_TRACE 40   /* schedule actions kept for the report */
#define SIM_LINE 120

struct sim {
	struct group g;
	uint64_t seed;            /* this schedule's seed */
	uint64_t rng;
	uint64_t steps;           /* simulated milliseconds, all schedules */
	uint64_t hands_sent;      /* direct hand-offs, all schedules ... */
	uint64_t hands_taken;     /* ... and copies that reached a core */
	int upfail;               /* actuator refuses 1 in 4 vip_up */
	int two_node_split;       /* partition two_node clusters too */
	int skew;                 /* one node may read another vipd.conf */
	int pools;                /* every VIP in one pool (--pools) */
	int skew_node;            /* that node this schedule, -1: none */
	int reload;               /* nodes reload files of their own */
	struct conf skew_conf;    /* its file: other policies for some VIPs */
	struct conf_vip skew_vips[G_MAX_VIPS];
	int verbose;              /* print every event every node handles */
	int quiet;                /* one line per violation */
	uint64_t idle_until;      /* no new action before then */
	uint32_t lease_max;       /* longest lease of any node, ms */
	uint64_t wake_at[G_MAX_NODES];   /* hung until */
	uint64_t attach_at[G_MAX_NODES]; /* engine lost until */
	uint64_t start_at[G_MAX_NODES];  /* dead until; 0: until heal */
	uint64_t claim_id[G_MAX_NODES];  /* its last claim, to withdraw */
	unsigned claim_vip[G_MAX_NODES];

	/* checker state */
	uint64_t last_term[G_MAX_NODES][G_MAX_VIPS];
	uint32_t pre_holder[G_MAX_VIPS];
	uint64_t pre_term[G_MAX_VIPS];
	int pre_synced;
	int sync_since_ms[G_MAX_NODES]; /* ms a drained member is unsynced */

	/* liveness probe */
	uint64_t probe_reqid;
	int probe_replied;
	enum core_err probe_err;

	/* report */
	char trace[SIM_TRACE][SIM_LINE];
	unsigned ntrace;
	int violated;
	char what[256];
};

extern struct sim S;

/* actions.c */
uint64_t sim_rand(void);
unsigned sim_rnd(unsigned n);
__attribute__((format(printf, 1, 2))) void sim_log(const char *fmt, ...);
void sim_timers(void);
void sim_action(void);
void sim_heal(void);

/* check.c */
extern const struct g_hooks sim_hooks;
__attribute__((format(printf, 2, 3))) void sim_fail(int inv,
						     const char *fmt, ...);
void sim_check_ms(void);
void sim_node_started(unsigned i);
uint64_t sim_max_term(unsigned vip);
void sim_report(void);

/* reload.c (--reload) */
void sim_reload_setup(void);
void sim_reload_action(unsigned i);
void sim_reload_heal(void);
/* pool.c */
void sim_pool_setup(void);
void sim_pool_action(unsigned i);
void sim_pool_check(unsigned i, const struct g_obs *o);

#endif
