/* SPDX-License-Identifier: MIT */
/* The status as JSON, for the status request, watch snapshots and
 * events. */
#ifndef VIPD_DAEMON_STATUS_H
#define VIPD_DAEMON_STATUS_H

#include <stdint.h>

struct vipd;
struct json_object;

/* {"ok":true,"node":{...},"vips":[...]} of every VIP, or of VIP index
 * only (>= 0).  The caller owns it. */
struct json_object *vipd_status_json(struct vipd *d, int only);
/* The name of node id as a JSON string, or NULL (JSON null) for 0 or an
 * unknown id. */
struct json_object *vipd_node_json(struct vipd *d, uint32_t id);
/* Unix epoch ms of loop time mono_us (0: now). */
uint64_t vipd_wall_ms(struct vipd *d, uint64_t mono_us);

#endif
