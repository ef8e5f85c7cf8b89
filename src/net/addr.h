/* SPDX-License-Identifier: MIT */
/*
 * VIP addresses in the kernel: add (and refresh) with a finite lifetime,
 * delete, and ask whether one is configured. The kernel's address list is
 * the source of truth; nothing is cached here.
 */
#ifndef VIPD_NET_ADDR_H
#define VIPD_NET_ADDR_H

#include <stddef.h>
#include <stdint.h>

#include "core/conf.h"

struct nl;

/*
 * Adds a on ifindex, or refreshes it if present (NLM_F_CREATE |
 * NLM_F_REPLACE), with valid and preferred lifetime valid_s seconds
 * (IFA_CACHEINFO): the kernel deletes the address by itself when vipd
 * stops refreshing it. IPv6 addresses get IFA_F_NODAD, so they are usable
 * at once; the prefix route is kept. One request, one ack.
 * Refuses a bad family or prefix length and valid_s == 0 with -EINVAL.
 * Returns 0 or -errno from the kernel, with its ext-ack text in reason.
 */
int addr_add(struct nl *nl, int ifindex, const struct conf_addr *a,
	     uint32_t valid_s, char *reason, size_t len);

/*
 * Deletes a from ifindex. An address that is not there, or an interface
 * that is gone, counts as deleted: returns 0. Otherwise 0 or -errno
 * (-EINVAL for a bad family), with the kernel's ext-ack text in reason.
 */
int addr_del(struct nl *nl, int ifindex, const struct conf_addr *a,
	     char *reason, size_t len);

/*
 * Dumps the addresses of ifindex and looks for a (address and prefix
 * length). Returns 1 if configured (tentative or not), 0 if not, or
 * -errno (-EINVAL for a bad family).
 */
int addr_present(struct nl *nl, int ifindex, const struct conf_addr *a);

/*
 * Looks for a on ifindex in one buffer of RTM_GETADDR replies, as
 * addr_present() does (see nl_replies_parse()). Returns 1 if found, 0 if
 * not, or -errno. Exposed for the fuzzer.
 */
int addr_present_parse(const void *buf, size_t len, int ifindex,
		       const struct conf_addr *a, char *reason, size_t rlen);

#endif
