/* SPDX-License-Identifier: MIT */
/*
 * Authorisation of state-changing control requests from the peer
 * credentials (SO_PEERCRED) against a VIP's allow list.
 */
#ifndef VIPD_CONTROL_AUTHZ_H
#define VIPD_CONTROL_AUTHZ_H

#include <sys/socket.h>

#include "core/conf.h"

struct ucred; /* <sys/socket.h> with _GNU_SOURCE */

/*
 * Returns 1 if the peer described by cred may claim, release or move v:
 * root (uid 0) always; otherwise a uid listed as an allowed user, or a
 * primary gid or supplementary group (of the uid's passwd entry, via
 * getgrouplist) listed as an allowed group. Returns 0 otherwise, also when
 * v or cred is NULL or a lookup fails: failures deny.
 */
int authz_allowed(const struct conf_vip *v, const struct ucred *cred);

#endif
