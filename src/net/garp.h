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

/*
 * Tells one neighbour, peer, that ipv4 is at this interface's MAC, for a
 * cache that ignores gratuitous ARP: an ARP request for peer from ipv4,
 * sent to peer_mac (6 bytes: the peer's entry in our neighbour table) or,
 * with peer_mac NULL, broadcast.  The peer answers and, by RFC 826's merge
 * rule, enters ipv4 in its cache; unlike a reply, Linux takes it even
 * within its lock time (an entry used in the last second).  Bypasses the lease gate like
 * garp_send().  Returns 0, -EOPNOTSUPP for a non-Ethernet link, or
 * -errno, with a short reason.
 */
int garp_send_peer(int ifindex, const uint8_t ipv4[4], const uint8_t peer[4],
		   const uint8_t *peer_mac, char *reason, size_t len);

#endif
