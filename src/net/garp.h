/* SPDX-License-Identifier: MIT */
/*
 * Gratuitous ARP for an IPv4 VIP, so neighbours move their cache to this
 * node. Stateless: a packet socket per call; never logs.
 */
#ifndef VIPD_NET_GARP_H
#define VIPD_NET_GARP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Broadcasts one gratuitous ARP request (RFC 5227 §3: sender IP = target
 * IP = ipv4, target MAC zero) on ifindex, from the interface's MAC, over
 * AF_PACKET (needs CAP_NET_RAW). It bypasses the lease gate: send only
 * while holding. Returns 0, -EOPNOTSUPP for a non-Ethernet link, or
 * -errno, with a short reason.
 */
int garp_send(int ifindex, const uint8_t ipv4[4], char *reason, size_t len);

#endif
