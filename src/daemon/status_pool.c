// SPDX-License-Identifier: MIT
/*
 * The pools as JSON for vipctl status: members, placement per node,
 * pending rebalance.  Read-only, from the core's table like the rest of
 * the status.
 */
#define _GNU_SOURCE /* struct ucred */
#include <stdint.h>
#include <sys/socket.h>

#include <json-c/json.h>

#include "status.h"
#include "status_pool.h"
#include "vipd.h"

/* The pool's members that node id holds (id 0: those nobody holds;
 * POOL_ALL: every member). */
#define POOL_ALL UINT32_MAX

static struct json_object *held_json(struct vipd *d, unsigned pool,
				     uint32_t id)
{
	struct json_object *a = json_object_new_array();

	for (unsigned k = 0; k < d->conf.nvips; k++) {
		struct core_vip_info vi;

		if (d->conf.vips[k].pool != pool + 1)
			continue;
		core_vip_get(d->core, k, &vi);
		if (vi.holder == id || id == POOL_ALL)
			json_object_array_add(a, json_object_new_string(
				d->conf.vips[k].name));
	}
	return a;
}

static struct json_object *pool_json(struct vipd *d, unsigned pool)
{
	const struct conf_pool *p = &d->conf.pools[pool];
	struct json_object *o = json_object_new_object();
	struct json_object *place = json_object_new_object();
	struct core_pool_info pi;
	uint64_t now = vipd_now(d);

	core_pool_get(d->core, pool, &pi);
	for (unsigned i = 0; i < d->conf.nnodes; i++)
		json_object_object_add(place, d->conf.nodes[i].name,
				       held_json(d, pool,
						 d->conf.nodes[i].id));
	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "vips", held_json(d, pool, POOL_ALL));
	json_object_object_add(o, "placement", place);
	json_object_object_add(o, "unassigned", held_json(d, pool, 0));
	json_object_object_add(o, "max_per_node",
			       json_object_new_int64(p->max_per_node));
	json_object_object_add(o, "rebalance_after_ms",
			       json_object_new_int64(p->settle_ms));
	json_object_object_add(o, "rebalance_pending",
			       json_object_new_boolean(pi.due != 0));
	json_object_object_add(o, "rebalance_in_ms",
			       pi.due ? json_object_new_int64(
					(int64_t)(pi.due > now ? pi.due - now
							       : 0) / 1000)
				      : NULL);
	json_object_object_add(o, "rebalances",
			       json_object_new_int64((int64_t)pi.rebalances));
	json_object_object_add(o, "last_moves",
			       json_object_new_int64(pi.last_moves));
	return o;
}

struct json_object *vipd_pools_json(struct vipd *d)
{
	struct json_object *a = json_object_new_array();

	for (unsigned p = 0; p < d->conf.npools; p++)
		json_object_array_add(a, pool_json(d, p));
	return a;
}
