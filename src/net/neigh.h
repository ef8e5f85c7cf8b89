/* SPDX-License-Identifier: MIT */
/*
 * Lookups in the kernel's IPv4 neighbour table (RTM_GETNEIGH), for the
 * unicast announcements to notify peers.  Never logs, never allocates.
 */
#ifndef VIPD_NET_NEIGH_H
#define VIPD_NET_NEIGH_H

#include <stddef.h>
#include <stdint.h>

struct nl;

/*
 * Copies the Ethernet address the kernel holds for ipv4 on ifindex into
 * mac.  Only an entry in a usable state counts (reachable, stale, delay,
 * probe, permanent); an incomplete or failed one does not.  Returns 0,
 * -ENOENT if there is no usable entry, or -errno (-EINVAL for a bad
 * ifindex).
 */
int neigh_lookup(struct nl *nl, int ifindex, const uint8_t ipv4[4],
		 uint8_t mac[6]);

/*
 * Parses one buffer of RTM_NEWNEIGH replies as neigh_lookup() reads
 * them, validating every attribute.  Returns 0 and mac, -ENOENT, or
 * -errno (-EBADMSG for a malformed buffer).  Exposed for the fuzzer.
 */
int neigh_parse(const void *buf, size_t len, uint8_t mac[6]);

#endif
