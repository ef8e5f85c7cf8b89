/* SPDX-License-Identifier: MIT */
/*
 * The pools in vipctl status (status_pool.c).
 */
#ifndef VIPD_DAEMON_STATUS_POOL_H
#define VIPD_DAEMON_STATUS_POOL_H

#include <json-c/json.h>

struct vipd;

/* The "pools" array: per pool its settings, its members, the members
 * each node holds ("placement", every configured node listed), the
 * unassigned ones, whether a rebalance is pending and in how many ms,
 * and the agreed rebalances so far with the moves of the last. */
struct json_object *vipd_pools_json(struct vipd *d);

#endif
