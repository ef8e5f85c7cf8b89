/* SPDX-License-Identifier: MIT */
/*
 * A watcher of nf_tables changes for the caller's event loop: it tells
 * when anything in the lease gate's tables ("vipd_gate", inet and arp)
 * changed, as `nft flush ruleset` does.  The gate is not owned by vipd's
 * socket (it must outlive vipd), so another process may delete it; the
 * owned "vipd_lease" tables it cannot.  Owns its socket; never logs.
 */
#ifndef VIPD_NET_GATE_WATCH_H
#define VIPD_NET_GATE_WATCH_H

#include <stddef.h>

struct gate_watch;

/*
 * Opens a non-blocking NETLINK_NETFILTER socket subscribed to
 * NFNLGRP_NFTABLES.  Returns its fd (>= 0) for the caller's poll loop and
 * *ret_gw, or -errno.
 */
int gate_watch_open(struct gate_watch **ret_gw);

/* Closes the socket and frees gw; NULL is accepted. */
void gate_watch_free(struct gate_watch *gw);

/*
 * Reads every pending datagram.  Returns 1 if a change named a table
 * "vipd_gate", or if the kernel dropped events (ENOBUFS: one may have),
 * or if a datagram was malformed; 0 if none did; -errno on a read error.
 */
int gate_watch_read(struct gate_watch *gw);

/*
 * Parses one buffer of nf_tables notifications (4-byte aligned).
 * Returns 1 if a message names the table "vipd_gate", 0 if none does,
 * -EBADMSG if the buffer is malformed.  Exposed for the tests.
 */
int gate_watch_parse(const void *buf, size_t len);

/*
 * Asks the kernel whether both gate tables (inet and arp "vipd_gate")
 * exist: 1 if so, 0 if one is missing, or -errno.
 */
int gate_present(void);

#endif
