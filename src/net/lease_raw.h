/* SPDX-License-Identifier: MIT */
/* The lease refresh as a raw nf_tables batch on the owner's socket. */
#ifndef VIPD_NET_LEASE_RAW_H
#define VIPD_NET_LEASE_RAW_H

#include <stddef.h>
#include <stdint.h>

/* Record which fds below n are netfilter netlink sockets (seen[fd]). */
void lease_raw_mark(uint8_t *seen, size_t n);
/* The one netfilter netlink socket opened since lease_raw_mark():
 * its fd, -ENOENT if none, -EEXIST if more than one. */
int lease_raw_find(const uint8_t *seen, size_t n);
/* Refresh the lease elements of both vipd_lease tables to ms (0: delete
 * them) in one atomic batch on fd.  0 or -errno (-EPERM: fd does not own
 * the tables; -ETIMEDOUT: no answer within a second). */
int lease_raw_refresh(int fd, uint32_t ms, char *reason, size_t len);

struct conf_vip;
/* Add the addresses of v[0..nv) to the held sets of the vipd_lease
 * tables (del: add, then delete them, so that a missing one is no
 * error), as one batch on the owner's socket fd. */
int lease_raw_held(int fd, const struct conf_vip *v, unsigned nv, int del,
		   char *reason, size_t len);
/* Add the addresses of v to the persistent gate's sets (vipd_gate), as
 * one batch on fd.  Adding one already there is no error. */
int lease_raw_gate_add(int fd, const struct conf_vip *v, char *reason,
		       size_t len);

#endif
