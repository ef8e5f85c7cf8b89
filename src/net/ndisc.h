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

#endif
