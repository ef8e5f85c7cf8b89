/* SPDX-License-Identifier: MIT */
/*
 * The ownership state machine.  Pure: no syscalls, no clock reads, no
 * allocation after core_new().  Inputs are agreed-order events (views and
 * peer messages), local requests and the time `now` (monotonic
 * microseconds) given by the caller; outputs go through struct core_ops.
 * Every node that is fed the same agreed sequence computes the same table.
 */
#ifndef VIPD_CORE_CORE_H
#define VIPD_CORE_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "msg.h"

struct core;

enum core_vip_state {
	CORE_VIP_UNASSIGNED = 0, /* no holder */
	CORE_VIP_ACQUIRING,      /* holder chosen, address not yet live */
	CORE_VIP_LIVE,           /* holder has it live */
	CORE_VIP_RELEASING,      /* no new holder; old one still removing */
};

enum core_err {
	CORE_OK = 0,
	CORE_E_UNKNOWN_VIP,  /* no VIP of that name */
	CORE_E_UNKNOWN_NODE, /* no node of that name */
	CORE_E_NOT_ELIGIBLE, /* node may never hold this VIP */
	CORE_E_NO_QUORUM,    /* this partition has no quorum */
	CORE_E_STALE_TERM,   /* claim term not above the current one */
	CORE_E_HELD,         /* held elsewhere; use --term or move */
	CORE_E_NOT_MEMBER,   /* target node is not in the view */
	CORE_E_NOT_JOINED,   /* not joined, or table not learnt yet */
	CORE_E_ACTUATOR,     /* the kernel refused the address */
	CORE_E_SUPERSEDED,   /* a later request changed the VIP first */
	CORE_E_LOST,         /* engine lost, or quorum lost, meanwhile */
	CORE_E_CANCELLED,    /* waiting claim withdrawn */
	CORE_E_MISMATCH,     /* a member defines the VIP differently */
	CORE_E_HANDOVER,     /* the last hand-over is not confirmed yet */
	CORE_E_MAX = CORE_E_HANDOVER,
};

/* Why a node left the view (mirrors CPG's reasons). */
enum core_leave {
	CORE_LEAVE_LEAVE = 0, /* left the group cleanly */
	CORE_LEAVE_PROCDOWN,  /* its vipd died; its kernel lease died too */
	CORE_LEAVE_NODEDOWN,  /* the node vanished from the membership */
	CORE_LEAVE_EXPIRED,   /* core-internal: its renewals stopped (EXPIRE) */
};

enum core_event_type {
	CORE_EV_CLAIMED = 0, /* vip assigned to holder at term */
	CORE_EV_LIVE,        /* holder has it live */
	CORE_EV_RELEASED,    /* vip unassigned */
	CORE_EV_MOVED,       /* vip reassigned from prev to holder */
	CORE_EV_LOST,        /* holder lost (node gone, lease, quorum) */
	CORE_EV_JOINED,      /* node joined the view */
	CORE_EV_LEFT,        /* node left the view */
	CORE_EV_QUORUM,      /* quorum gained (arg 1) or lost (arg 0) */
	CORE_EV_CONFIG,      /* vip defined differently by member node
			      * (arg 1), or the same by all again (arg 0) */
	CORE_EV_MAX = CORE_EV_CONFIG,
};

struct core_event {
	enum core_event_type type;
	int vip;         /* index into conf.vips[], -1 if none */
	uint32_t node;   /* holder or joined/left node id */
	uint32_t prev;   /* previous holder, 0 for none */
	uint64_t term;
	int arg;         /* QUORUM: 1 gained, 0 lost */
	const char *why; /* static text */
};

struct core_ops {
	/* Broadcast m to the group in agreed order.  0 or -errno. */
	int (*send)(void *ud, const struct core_msg *m);
	/* Add vip's addresses, open the gate, announce.  0 or -errno. */
	int (*vip_up)(void *ud, unsigned vip);
	/* Close the gate and delete vip's addresses.  0 or -errno. */
	int (*vip_down)(void *ud, unsigned vip);
	/* Hold this node's kernel lease until `until` (0: close it now). */
	void (*lease)(void *ud, uint64_t until);
	/* Answer local request reqid: err 0 or CORE_E_*, with a reason. */
	void (*reply)(void *ud, uint64_t reqid, enum core_err err,
		      uint64_t term, const char *reason);
	/* Something changed that watchers want to know. */
	void (*event)(void *ud, const struct core_event *ev);
	/* Optional (NULL: none).  This node, the previous holder, has just
	 * removed vip at term and sent its RELEASED: tell node `to`, the
	 * agreed new holder, directly (an authenticated datagram), so it
	 * need not wait for corosync to order the RELEASED.  Best effort:
	 * the RELEASED still follows in agreed order. */
	void (*handoff)(void *ud, unsigned vip, uint64_t term, uint32_t to);
};

struct core_vip_info {
	enum core_vip_state state;
	uint32_t holder;  /* node id, 0 for none */
	uint32_t prev;    /* node still removing it, 0 for none */
	uint32_t waiter;  /* node with a waiting claim, 0 for none */
	uint64_t term;
	uint64_t since;   /* local time of the last change */
	int local_up;     /* this node has it up (as the core believes) */
	uint32_t differ;  /* members (1 << conf.nodes index) that define it
			   * otherwise or not at all: it is frozen */
	int pending;      /* redefined by a reload here, not yet heard by
			   * every member: frozen */
};

struct core_node_info {
	uint32_t id;
	int member;       /* in the current view */
	uint64_t lease_until; /* local bound of its kernel lease */
};

/* Build a core for conf (borrowed; must outlive the core) as node
 * self_id.  Returns 0, -EINVAL if self_id is not in conf, -ENOMEM. */
int core_new(const struct conf *conf, uint32_t self_id,
	     const struct core_ops *ops, void *ud, struct core **ret);
/* NULL-safe. */
void core_free(struct core *c);
/* This node's lease (clamped to CONF_LEASE_MIN_MS..CONF_LEASE_MAX_MS;
 * conf->lease_ms 0 starts at the maximum).  Takes effect only before
 * core_joined() or after core_engine_lost(): the daemon sets it from
 * corosync's timing each time it connects.  Peers learn it from the
 * renewals and fence this node by the longest lease any node announced. */
void core_set_lease(struct core *c, uint32_t lease_ms);
uint32_t core_lease_ms(const struct core *c);
/* Renewals per lease.  A holder's gate must outlive a membership change
 * of the ring (token + consensus + join), during which nothing is
 * delivered: lease >= period + stall.  A shorter period lets a lease
 * closer to the stall do (lost holders are fenced one period past their
 * lease). */
#define CORE_RENEWALS 8
/* Renewals per lease of a node that holds nothing and stands by as the
 * next of a prefer list: its lease only has to be current when the
 * holder lets go (src/core/renew.c, renew_needed()). */
#define CORE_STANDBY_RENEWALS 2
/* Margin for the new ring's first rotation and synchronisation (30 ms
 * covered every stall measured on the bench at token 50 and 100:
 * bench/README.md, 'peer'). */
#define CORE_LEASE_STALL_MARGIN_MS 30
/* `lease auto`: the shortest lease, in 10 ms steps, whose part after one
 * renewal period covers a ring membership change (nothing is delivered
 * for about token + consensus + join + the margin): lease - period >=
 * stall, the safety inequality of the lease.  Clamped to
 * CONF_LEASE_MIN_MS..CONF_LEASE_MAX_MS. */
uint32_t core_lease_auto_ms(uint32_t token, uint32_t consensus,
			    uint32_t join);

/* The engine joined the group: start a fresh incarnation.  The core
 * holds nothing until it has learnt the table of the first view. */
void core_joined(struct core *c, uint64_t now);
/* A new view in agreed order.  members: node ids now in the group;
 * left/reasons: those that left.  n <= CONF_MAX_NODES. */
void core_view(struct core *c, uint64_t now, const uint32_t *members,
	       unsigned n, const uint32_t *left, const enum core_leave *why,
	       unsigned nleft);
/* Message m from node sender, in agreed order. */
void core_deliver(struct core *c, uint64_t now, uint32_t sender,
		  const struct core_msg *m);
/* Timers: renewals, expiries, fenced acquisitions.  Returns the next
 * time core_tick() wants to run. */
uint64_t core_tick(struct core *c, uint64_t now);
/* The local engine failed: drop every VIP at once, forget the view. */
void core_engine_lost(struct core *c, uint64_t now);
/* A direct hand-off (ops->handoff of node from) arrived, authenticated
 * and from the current ring: from removed vip at term.  This node adds
 * vip as soon as its table says it holds vip at that very term with from
 * as the previous holder, without waiting for the RELEASED; any other
 * term or sender changes nothing.  Not an agreed input: it only moves a
 * local add earlier, never changes the table. */
void core_handoff(struct core *c, uint64_t now, uint32_t from, unsigned vip,
		  uint64_t term);
/* Clean stop: release every VIP held here with a confirmed release. */
void core_shutdown(struct core *c, uint64_t now);
/* The interface of vip failed on this node: give it up, saying why. */
void core_local_fault(struct core *c, uint64_t now, unsigned vip,
		      const char *why);

/* The daemon changed conf in place (a reload): slots [0, conf->nvips)
 * keep their index and name, new ones were appended (up to
 * conf->vips_cap, given before core_new()), removed ones are marked
 * retired.  Slots whose definition changed are frozen here until every
 * member has heard it: a sync of the view is asked for (F_RESYNC).  A
 * retired VIP held here is then released, and hidden once gone from
 * here (core_vip_hidden()).  *ret_changed counts the changed slots.
 * Returns 1 if the sync was asked for, 0 if none was needed or possible
 * now (the next view's sync carries the definitions). */
int core_reconf(struct core *c, unsigned *ret_changed);
/* Slot vip is retired and nothing of it is left here: status and
 * requests forget it. */
int core_vip_hidden(const struct core *c, unsigned vip);

/* Local requests.  Return 0 when sent (the answer comes through
 * ops->reply with reqid) or a CORE_E_* code, with the reason written to
 * reason (always NUL-terminated). */
/* wait: 0 (refused if held elsewhere without a term), CORE_CLAIM_WAIT
 * (queue as the VIP's waiting claim, replacing another node's) or
 * CORE_CLAIM_QUEUE (queue only if no other node waits: the first in
 * agreed order keeps the slot). */
#define CORE_CLAIM_WAIT 1
#define CORE_CLAIM_QUEUE 2
int core_claim(struct core *c, const char *vip, uint64_t term, int wait,
	       uint64_t reqid, char *reason, size_t len);
int core_release(struct core *c, const char *vip, uint64_t reqid,
		 char *reason, size_t len);
int core_move(struct core *c, const char *vip, const char *node,
	      uint64_t reqid, char *reason, size_t len);
/* Releases vip only if this node still holds it at term when the
 * request comes back in agreed order (a session's end must never release
 * a later holder's VIP).  CORE_E_SUPERSEDED if it does not hold it now. */
int core_release_held(struct core *c, const char *vip, uint64_t term,
		      uint64_t reqid, char *reason, size_t len);
/* Withdraws claim reqid.  A claim not granted when the withdrawal comes
 * back in agreed order is answered CORE_E_CANCELLED and its waiting slot
 * freed (unless another local claim still waits for the VIP); one granted
 * before stands and is answered as usual.  0, or -ENOENT if reqid is not
 * a claim in flight. */
int core_cancel(struct core *c, const char *vip, uint64_t reqid);

/* Pools (src/core/pool.c).  Asks the group to rebalance pool: the
 * fewest moves that leave every live eligible node within one VIP of
 * its share (and its max-per-node), each break-before-make, none of a
 * VIP twice.  0 when sent (no answer follows; status shows the result),
 * or CORE_E_UNKNOWN_VIP (no such pool), CORE_E_NOT_JOINED or
 * CORE_E_NO_QUORUM, with the reason written. */
int core_rebalance(struct core *c, const char *pool, char *reason,
		   size_t len);

struct core_pool_info {
	uint64_t due;        /* local time of the pending rebalance, 0:
			      * none pending */
	uint64_t rebalances; /* agreed rebalances applied */
	unsigned last_moves; /* VIPs the last one moved */
};

int core_pool_find(const struct core *c, const char *name);
void core_pool_get(const struct core *c, unsigned pool,
		   struct core_pool_info *ret);

/* Reading the table. */
int core_vip_find(const struct core *c, const char *name);
void core_vip_get(const struct core *c, unsigned vip,
		  struct core_vip_info *ret);
void core_node_get(const struct core *c, unsigned idx,
		   struct core_node_info *ret);
int core_quorate(const struct core *c);
int core_synced(const struct core *c);
/* While a table sync runs: the members (1 << conf.nodes index) whose
 * table it still waits for; 0 when synced or not joined. */
uint32_t core_sync_waiting(const struct core *c);
/* This incarnation learnt a table once (it may be re-syncing now). */
int core_learnt(const struct core *c);
unsigned core_members(const struct core *c, uint32_t *ret, unsigned max);
const char *core_node_name(const struct core *c, uint32_t id);
const char *core_vip_state_to_string(enum core_vip_state s);
const char *core_err_to_string(enum core_err e);
const char *core_event_to_string(enum core_event_type t);

#endif
