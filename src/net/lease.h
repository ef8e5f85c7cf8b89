/* SPDX-License-Identifier: MIT */
/*
 * The kernel lease (notes/kernel-lease.md): a persistent nftables gate
 * drops all traffic, ARP and ND of every configured VIP unless the packet
 * carries the lease mark; tables owned by this object's netlink socket
 * set the mark for held VIPs while a timeout element is live. Dead
 * daemon: the owned tables vanish. Hung daemon: the element times out.
 */
#ifndef VIPD_NET_LEASE_H
#define VIPD_NET_LEASE_H

#include <stddef.h>
#include <stdint.h>

#include "core/conf.h"

struct lease;

/*
 * Loads, in one atomic batch, the persistent gate tables "vipd_gate"
 * (inet and arp; an old gate is replaced) for every address of conf, and
 * creates the owned tables "vipd_lease" (flags owner) with empty held
 * sets and no lease: every VIP is gated closed. conf->lease_mark must be
 * a single bit (-EINVAL otherwise). Fails with -EPERM (or another -errno)
 * if another live process owns vipd_lease; nothing changes on failure.
 * Returns 0 and *ret_l, or -errno with a reason.
 */
int lease_open(const struct conf *conf, struct lease **ret_l, char *reason,
	       size_t len);

/*
 * On reload: replaces the gate with conf's addresses and re-creates the
 * marking rules with conf's mark, in one atomic batch. Held sets and the
 * lease are kept; unhold VIPs that leave the configuration first.
 * Returns 0, or -errno with a reason (nothing changed).
 */
int lease_gate_update(struct lease *l, const struct conf *conf, char *reason,
		      size_t len);

/*
 * A VIP added or redefined at runtime: adds v's addresses to the gate,
 * so they are dropped unless held like every other VIP's.  Addresses of
 * removed VIPs stay gated until vipd restarts (harmless: nobody adds
 * them).  Idempotent.  Returns 0, or -errno with a reason.
 */
int lease_gate_add(struct lease *l, const struct conf_vip *v, char *reason,
		   size_t len);

/*
 * Builds the gate tables anew from conf (as lease_open() does; held sets
 * and the lease are not touched), after another process changed or
 * removed them.  Once retired, libnftables is loaded for this batch and
 * unloaded again.  Returns 0, or -errno with a reason.
 */
int lease_gate_restore(struct lease *l, const struct conf *conf, char *reason,
		       size_t len);

/*
 * Adds (lease_hold) or removes (lease_unhold) v's addresses in the held
 * sets; both are idempotent. Called on acquire and release only, never
 * per refresh. Returns 0, or -errno with a reason.
 */
int lease_hold(struct lease *l, const struct conf_vip *v, char *reason,
	       size_t len);
/* As lease_hold() for every VIP of conf, in one batch.  0 or -errno. */
int lease_hold_all(struct lease *l, const struct conf *conf, char *reason,
		   size_t len);
int lease_unhold(struct lease *l, const struct conf_vip *v, char *reason,
		 size_t len);

/*
 * Sets the lease to expire ms milliseconds from now, for all held VIPs
 * at once, in one atomic batch through the owner socket (delete + add,
 * so kernels without element timeout update work too). ms == 0 removes
 * the lease: the gate closes now. Cost is independent of the number of
 * VIPs. Returns 0, or -errno with a reason; on failure the previous
 * expiry stands.
 */
int lease_refresh(struct lease *l, uint32_t ms, char *reason, size_t len);

/*
 * Closes the owner socket, so the kernel deletes the owned tables and the
 * gate closes for every VIP; the gate itself stays. NULL is accepted.
 */
/* 1 if refreshes go as raw nf_tables batches, 0 via libnftables. */
int lease_raw_active(const struct lease *l);

/*
 * Once the tables are built and every VIP held: keep only the owner's
 * socket, free the libnftables context and unload the library.  Holds,
 * unholds and refreshes go as raw batches from then on; changing the
 * gate (lease_gate_update) needs a restart.  0, or -EOPNOTSUPP (with
 * reason) if the refresh is not raw, which leaves everything as it was.
 */
int lease_retire(struct lease *l, char *reason, size_t len);

void lease_free(struct lease *l);

#endif
