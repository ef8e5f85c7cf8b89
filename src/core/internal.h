/* SPDX-License-Identifier: MIT */
/*
 * The core's private state, shared by core.c (lifecycle, requests),
 * view.c (views, quorum, table sync), vip.c (ownership transitions and
 * local reconciliation) and renew.c (renewals, expiry, timers).
 * Agreed fields change only in agreed order; local fields are marked.
 */
#ifndef VIPD_CORE_INTERNAL_H
#define VIPD_CORE_INTERNAL_H

#include <stdint.h>

#include "core.h"

#define CORE_MAX_PENDING 256  /* local requests awaiting an answer */
#define CORE_MAX_DEFERRED 512 /* messages held back during a table sync */
#define CORE_PROCDOWN_GRACE_US 20000 /* PROCDOWN fence, see vip_lost() */
/* Addresses added per pass of the caller's loop: a failover of a thousand
 * VIPs must not stall renewals for longer than a lease (the node would be
 * expired as hung); the rest follow at the next core_tick(). */
#define CORE_UP_BATCH 32

/* Deliberate bugs for the simulator's mutation tests (tests/sim): a
 * build with -DCORE_MUTATION=N breaks rule N, and the simulator must
 * report it.  1: skip the wait for the previous holder's release;
 * 2: accept a stale term; 3: ignore quorum loss; 4: ignore the lease
 * fence when a holder is lost; 5: ignore members that define a VIP
 * otherwise (agree.c); 6: take a direct hand-off of any term as the
 * previous holder's confirmation; 7: let requests take a VIP from a
 * holder whose hand-over is unconfirmed (vip.c); 8: use a definition a
 * reload changed before the members heard it (agree.c); 9: a pool gives a
 * joining node VIPs at the view; 10: a rebalance evens out towards the
 * lighter nodes, moving VIPs between nodes one apart (pool.c).  Never
 * defined in a real build. */
#ifdef CORE_MUTATION
#define MUTANT(n) (CORE_MUTATION == (n))
#else
#define MUTANT(n) 0
#endif

enum core_pend_kind {
	CORE_PEND_CLAIM = 1, /* answered when this node has it live */
	CORE_PEND_MOVE,      /* answered when the target reports live */
	CORE_PEND_RELEASE,   /* answered when the old holder confirmed */
};

struct core_pending {
	uint64_t reqid;           /* 0: slot free */
	unsigned vip;
	enum core_pend_kind kind;
	uint32_t target;          /* node expected to hold it */
	uint64_t term;            /* term given at acceptance, 0 before */
};

struct core_node {
	uint32_t id;
	int member;               /* agreed: in the current view */
	int lapsed;               /* agreed: EXPIRE accepted, no RENEW since */
	int gone;                 /* agreed: sent RELEASED-all, leaving */
	enum core_leave left_why; /* agreed: why it last left the view */
	uint64_t renew_seq;       /* agreed: last renewal counter */
	uint64_t lease_until;     /* local: its kernel lease ends by then */
	uint64_t expire_sent;     /* local: renew_seq+1 we sent EXPIRE for */
};

struct core_vip {
	/* agreed */
	uint64_t term;
	uint32_t holder;
	uint32_t prev;
	uint32_t waiter;
	int live;
	/* local */
	uint64_t since;
	uint64_t fence;           /* do not add it before this time */
	int up;                   /* vip_up() succeeded, no vip_down() yet */
	uint64_t confirmed;       /* term our last RELEASED as prev named */
	int failed;               /* vip_up() failed at this term */
	uint64_t live_sent;       /* term our last LIVE named */
	int down_failed;          /* the last vip_down() failed */
	uint64_t hand_term;       /* a direct hand-off said that ... */
	uint32_t hand_from;       /* ... this node removed it at hand_term */
	/* Configuration agreement (vip_frozen()) */
	uint32_t fp;              /* this node's fingerprint of it */
	uint32_t differ;          /* agreed: nodes (1 << index) whose last
				   * STATE defined it otherwise or lacked it */
	int frozen;               /* local: vip_frozen() at the last check */
	int pending;              /* local: fp changed by a reload and not
				   * yet sent in a STATE that counted */
	uint64_t retire_sent;     /* local: term our RELEASE of a retired
				   * VIP named */
};

struct core_pool {
	uint64_t due;             /* local: settle timer, 0: none */
	uint64_t rebalances;      /* agreed: REBALANCEs applied */
	unsigned last_moves;      /* agreed: moves of the last one */
};

struct core_merge {
	struct core_state_entry best;
	uint32_t from;            /* sender of best; 0: none yet */
};

struct core {
	const struct conf *conf;  /* borrowed */
	const struct core_ops *ops;
	void *ud;
	uint32_t self;
	unsigned self_idx;
	uint64_t lease_us;        /* this node's lease (core_set_lease) */
	uint64_t period_us;       /* this node's renewal period */
	uint64_t peer_lease_us;   /* max(lease_us, heard_lease_us) */
	uint64_t heard_lease_us;  /* longest lease a renewal announced */
	uint64_t margin_us;       /* clock-rate and scheduling margin */

	struct core_node nodes[CONF_MAX_NODES];
	struct core_vip *vips;    /* owned, core_slots(conf) */

	int joined;               /* engine joined the group */
	int in_view;              /* a view with us in it was delivered */
	int synced;               /* table learnt */
	int ever_synced;          /* our table holds real knowledge */
	int quorate;
	int seen_all;             /* every configured node seen once */
	uint32_t view_mask;       /* node indexes in the current view */
	uint32_t sync_mask;       /* view_mask of the view that began sync */
	int sync_open;            /* a SYNC was delivered in this sync */
	int sync_resync;          /* this sync brought nobody in (F_RESYNC):
				   * fences and leases stand */
	uint64_t sync_nonce_a;    /* its nonce: opener's join time ... */
	uint64_t sync_nonce_b;    /* ... and opener's sync counter */
	uint64_t joined_at;       /* local: when this incarnation joined */
	uint64_t sync_gen;        /* local: SYNCs this node opened */
	uint32_t sync_wait;       /* node indexes whose STATE is awaited */
	int sync_any;             /* a synced STATE arrived */
	struct core_merge *merge;     /* owned: from synced senders */
	struct core_merge *merge_any; /* owned: from any sender */

	struct core_msg *deferred;   /* owned ring, CORE_MAX_DEFERRED */
	uint32_t *deferred_from;
	unsigned ndeferred;

	uint64_t renew_seq;       /* our renewal counter */
	uint64_t next_renew;      /* next renewal while active ... */
	uint64_t next_standby;    /* ... and while standing by */
	uint64_t own_last_sent;   /* sent_us of our last delivered RENEW */
	uint64_t peer_renew_at;   /* when another node's RENEW came last */
	uint64_t own_lease_until; /* our kernel lease, as last set */
	unsigned ups;             /* vip_up() calls since core_tick() ended */
	int ups_deferred;         /* one was put off by CORE_UP_BATCH */

	struct core_pending pend[CORE_MAX_PENDING];
	struct core_state_entry *state_buf; /* owned, for STATE */
	struct core_pool pools[CONF_MAX_POOLS];
};

/* core.c */
/* Slots the per-VIP arrays have room for. */
static inline unsigned core_slots(const struct conf *conf)
{
	unsigned n = conf_vip_room(conf);

	return n ? n : 1;
}
/* The slot of VIP name, retired ones included (agreed messages keep
 * their table exact); -1 if none. */
int vip_slot_find(const struct core *c, const char *name);
/* A node announced lease_us: fence every peer by the longest seen. */
void core_peer_lease(struct core *c, uint64_t lease_us);
int node_index(const struct core *c, uint32_t id);
/* When a node whose renewal (or equivalent sign) is delivered now has
 * certainly let its gate close, whatever its own lease setting. */
static inline uint64_t peer_bound(const struct core *c, uint64_t now)
{
	return now + c->peer_lease_us + c->margin_us;
}
void core_emit(struct core *c, enum core_event_type t, int vip,
	       uint32_t node, uint32_t prev, uint64_t term, const char *why);
void pend_answer(struct core *c, unsigned vip, uint64_t reqid,
		 enum core_err err, uint64_t term, const char *why);
struct core_pending *pend_find(struct core *c, uint64_t reqid);
void pend_fail(struct core *c, uint64_t reqid, enum core_err err,
	       const char *why);
void pend_check(struct core *c, unsigned vip, uint64_t now);
void core_send(struct core *c, struct core_msg *m);

/* vip.c */
void vip_apply(struct core *c, uint64_t now, uint32_t from,
	       const struct core_msg *m);
void vip_lost(struct core *c, uint64_t now, unsigned vip, uint32_t node,
	      enum core_leave why, int confirmed);
void vip_node_lost(struct core *c, uint64_t now, uint32_t node,
		   enum core_leave why, int confirmed);
void vip_reconcile(struct core *c, uint64_t now, unsigned vip);
void vip_reconcile_all(struct core *c, uint64_t now);
int vip_eligible(const struct core *c, unsigned vip, uint32_t node);
int vip_usable(const struct core *c, uint32_t node);
int vip_may_change(const struct core *c);
uint32_t vip_successor(const struct core *c, unsigned vip, uint32_t gone);
void vip_assign(struct core *c, uint64_t now, unsigned vip, uint32_t node,
		uint64_t term, const char *why);
/* pool.c: VIPs spread over the live nodes */
uint32_t pool_successor(const struct core *c, unsigned vip, uint32_t gone);
void pool_fill(struct core *c, uint64_t now);
void pool_view(struct core *c, uint64_t now);
void pool_apply(struct core *c, uint64_t now, const struct core_msg *m);
uint64_t pool_tick(struct core *c, uint64_t now, uint64_t next);
/* agree.c: configuration agreement among the members */
uint32_t agree_fingerprint(const struct conf *conf, unsigned vip);
uint32_t agree_differ(const struct core *c, unsigned vip);
int vip_frozen(const struct core *c, unsigned vip);
void agree_state_begin(struct core *c, unsigned node);
void agree_state_entry(struct core *c, unsigned node, unsigned vip,
		       const struct core_state_entry *e);
void agree_check(struct core *c);
uint32_t vip_held_mask(const struct core *c);
int vip_term_stale(const struct core *c, unsigned vip, uint64_t t,
		   uint32_t from);

/* reconf.c: VIPs added, removed and changed by a reload */
void reconf_release(struct core *c, unsigned vip);

/* view.c */
void view_defer(struct core *c, uint32_t from, const struct core_msg *m);
void view_state(struct core *c, uint64_t now, uint32_t from,
		const struct core_msg *m);
void view_sync(struct core *c, uint64_t now, uint32_t from,
	       const struct core_msg *m);

/* renew.c */
void renew_deliver(struct core *c, uint64_t now, uint32_t from,
		   const struct core_msg *m);
void renew_send(struct core *c, uint64_t now);

#endif
