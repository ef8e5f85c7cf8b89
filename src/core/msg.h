/* SPDX-License-Identifier: MIT */
/*
 * Peer messages as the core sees them, decoded.  src/proto/peer.c turns
 * them into versioned, fixed-endian wire records and back; the core never
 * sees bytes.
 */
#ifndef VIPD_CORE_MSG_H
#define VIPD_CORE_MSG_H

#include <stdint.h>

#include "conf.h"

enum core_msg_type {
	CORE_MSG_CLAIM = 1, /* sender wants vip; term 0: no application term */
	CORE_MSG_RELEASE,   /* sender asks that vip be unassigned */
	CORE_MSG_MOVE,      /* sender asks that vip go to node */
	CORE_MSG_RELEASED,  /* sender removed vip at term; flags FAILED */
	CORE_MSG_LIVE,      /* sender has vip live at term */
	CORE_MSG_RENEW,     /* sender is alive; seq its renewal counter */
	CORE_MSG_EXPIRE,    /* node's lease ran out after renewal seq */
	CORE_MSG_STATE,     /* sender's table, answering a SYNC (its nonce) */
	CORE_MSG_CANCEL,    /* sender withdraws its waiting claim reqid */
	CORE_MSG_SYNC,      /* lowest member opens a table sync (term, reqid:
			     * its nonce; every member answers with STATE) */
	CORE_MSG_REBALANCE, /* rebalance the pool named in vip */
	CORE_MSG_TYPE_MAX = CORE_MSG_REBALANCE,
};

#define CORE_MSG_F_WAIT 0x1u     /* CLAIM: queue if held elsewhere */
#define CORE_MSG_F_FAILED 0x2u   /* RELEASED: acquire failed, not a release */
#define CORE_MSG_F_SHUTDOWN 0x4u /* RELEASED: sender removed all, stops */
#define CORE_MSG_F_SYNCED 0x8u   /* STATE: sender's table is knowledge */
#define CORE_MSG_F_QUEUE 0x20u   /* CLAIM with WAIT: refused (HELD) if
				  * another node waits already */
#define CORE_MSG_F_RESYNC 0x40u  /* SYNC: sender's VIP definitions changed
				  * (a reload): every member sends its
				  * table and definitions again */
#define CORE_MSG_F_HELD 0x10u    /* RELEASE: only if the sender still holds
				  * the VIP at term (a session's end) */

struct core_state_entry {
	char vip[CONF_NAME_MAX];
	uint64_t term;   /* ownership term */
	uint32_t holder; /* node id, 0 for none */
	uint32_t prev;   /* node id that must still remove it, 0 for none */
	uint32_t waiter; /* node id with a waiting claim, 0 for none */
	uint8_t live;    /* holder confirmed the address live */
	uint32_t fp;     /* sender's fingerprint of the VIP's definition */
};

struct core_msg {
	enum core_msg_type type;
	char vip[CONF_NAME_MAX]; /* all but RENEW, EXPIRE, STATE;
				  * REBALANCE: the pool */
	uint64_t term;           /* CLAIM (0: none), RELEASED, LIVE,
				  * RELEASE with F_HELD */
	uint32_t node;           /* MOVE: target; EXPIRE: lapsed node */
	uint64_t reqid;          /* CLAIM, RELEASE, MOVE, CANCEL */
	uint64_t seq;            /* RENEW, EXPIRE, STATE: renewal counter */
	uint64_t sent_us;        /* RENEW: sender's monotonic clock */
	uint64_t lease_us;       /* RENEW: sender's lease length */
	uint32_t flags;          /* CORE_MSG_F_* */
	unsigned nentries;       /* STATE */
	struct core_state_entry *entries; /* STATE; owned by the caller */
};

#endif
