/* SPDX-License-Identifier: MIT */
/*
 * vipctl status's pool section (pools.c).
 */
#ifndef VIPD_CLI_POOLS_H
#define VIPD_CLI_POOLS_H

#include "vip.h"

/* Asks vipd for its status once more and prints each pool: members per
 * node, unassigned ones, rebalance settings and any pending rebalance.
 * Prints nothing without pools.  0 or -errno as vip_request(). */
int vipctl_print_pools(struct vip_client *c, int timeout_ms);

#endif
