/* SPDX-License-Identifier: MIT */
/*
 * Unsolicited neighbour advertisement for an IPv6 VIP, the IPv6 twin of
 * garp.h. Stateless: a raw ICMPv6 socket per call; never logs.
 */
#ifndef VIPD_NET_NDISC_H
#define VIPD_NET_NDISC_H

#include <stddef.h>
#include <stdint.h>

/*
 * Sends one unsolicited NA (RFC 4861 §7.2.6: override flag, target
 * link-layer address option, hop limit 255) for ipv6 to ff02::1 on
 * ifindex, sourced from ipv6 itself, as the kernel does. The address must
 * be configured and not tentative; the packet passes the lease gate like
 * any other (needs CAP_NET_RAW). Returns 0, -EOPNOTSUPP for a
 * non-Ethernet link, or -errno, with a short reason.
 */
int ndisc_send_na(int ifindex, const uint8_t ipv6[16], char *reason,
		  size_t len);

/*
 * Sends one unsolicited NA for ipv6 by unicast to peer (a router whose
 * cache ignores multicast advertisements), as ndisc_send_na() does
 * otherwise: override flag set, solicited flag clear (RFC 4861 §4.4: an
 * unsolicited unicast advertisement must not set it; the receiver enters
 * the address STALE and confirms it when next used, §7.2.5).  The kernel
 * resolves peer's link-layer address itself.  Returns as ndisc_send_na().
 */
int ndisc_send_na_peer(int ifindex, const uint8_t ipv6[16],
		       const uint8_t peer[16], char *reason, size_t len);

#endif
