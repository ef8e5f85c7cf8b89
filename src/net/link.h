/* SPDX-License-Identifier: MIT */
/*
 * Interfaces: a multicast watcher of link events for the caller's event
 * loop, and small lookups (index, up state, hardware address). Owns the
 * watcher's socket; never logs.
 */
#ifndef VIPD_NET_LINK_H
#define VIPD_NET_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nl;
struct link_watch;

/* One link event: ifname is never NULL (possibly ""); gone links are down. */
typedef void (*link_cb_t)(int ifindex, const char *ifname, bool is_up,
			  void *ud);

/*
 * Opens a non-blocking NETLINK_ROUTE socket subscribed to RTNLGRP_LINK.
 * Returns its fd (>= 0) for the caller's poll loop and *ret_lw, or -errno.
 */
int link_watch_open(struct link_watch **ret_lw);

/* Closes the socket and frees lw; NULL is accepted. */
void link_watch_free(struct link_watch *lw);

/*
 * Reads every pending datagram and calls cb for each RTM_NEWLINK and
 * RTM_DELLINK in it. Returns the number of events (>= 0) once the socket
 * is drained, -ENOBUFS if the kernel dropped events (the caller must
 * re-read the state of its links with link_is_up()), or -errno.
 */
int link_watch_read(struct link_watch *lw, link_cb_t cb, void *ud);

/*
 * Parses one buffer of netlink messages as received from RTNLGRP_LINK,
 * validating every attribute, and calls cb for each well-formed link
 * message. buf must be 4-byte aligned. Returns the number of events, or
 * -EBADMSG / -errno for a malformed buffer (events before the fault have
 * been reported). Exposed for the fuzzer.
 */
int link_parse(const void *buf, size_t len, link_cb_t cb, void *ud);

/* Returns the index of ifname (> 0) or -errno (-ENODEV if unknown). */
int link_index(const char *ifname);

/*
 * Asks the kernel for ifindex (RTM_GETLINK). Returns 1 if it is up and
 * running (IFF_UP, IFF_RUNNING, operstate up or unknown), 0 if not, or
 * -errno (-ENODEV if there is no such interface).
 */
int link_is_up(struct nl *nl, int ifindex);

/* Forget the hardware addresses link_hwaddr() remembers (every
 * link_watch_read() does, before its callbacks run). */
void link_hwaddr_forget(void);
/*
 * Copies the 6-byte Ethernet address of ifindex into mac, remembered
 * until the next link event.
 * Returns 0, -EOPNOTSUPP if the link is not Ethernet, or -errno.
 */
int link_hwaddr(int ifindex, uint8_t mac[6]);

#endif
