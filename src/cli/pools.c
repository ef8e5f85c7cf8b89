// SPDX-License-Identifier: MIT
/*
 * vipctl status's pool section, read from vipd's JSON ("pools", see
 * src/daemon/status_pool.c): one line per pool, one per node with the
 * pool's VIPs it holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli/pools.h"

static int64_t num(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v)
						     : 0;
}

/* "  LABEL  N  VIP VIP ..." for a non-empty array (or always). */
static void print_row(const char *label, struct json_object *a, int always)
{
	size_t n = a ? json_object_array_length(a) : 0;

	if (!n && !always)
		return;
	printf("  %-12s %3zu ", label, n);
	for (size_t i = 0; i < n; i++)
		printf(" %s", json_object_get_string(
				      json_object_array_get_idx(a, i)));
	putchar('\n');
}

static void print_pool(struct json_object *p)
{
	struct json_object *v, *place;
	int64_t after = num(p, "rebalance_after_ms");

	json_object_object_get_ex(p, "vips", &v);
	printf("\npool %s: %zu VIPs, rebalance ",
	       json_object_get_string(json_object_object_get(p, "name")),
	       v ? json_object_array_length(v) : 0);
	if (after)
		printf("after %.1f s", (double)after / 1000);
	else
		printf("off");
	if (num(p, "max_per_node"))
		printf(", max %lld per node", (long long)num(p, "max_per_node"));
	printf("; %lld rebalance(s), the last moved %lld",
	       (long long)num(p, "rebalances"), (long long)num(p, "last_moves"));
	if (json_object_get_boolean(json_object_object_get(
		    p, "rebalance_pending")))
		printf("; rebalance pending, in %.1f s",
		       (double)num(p, "rebalance_in_ms") / 1000);
	putchar('\n');
	if (json_object_object_get_ex(p, "placement", &place)) {
		struct json_object_iterator it = json_object_iter_begin(place);
		struct json_object_iterator end = json_object_iter_end(place);

		for (; !json_object_iter_equal(&it, &end);
		     json_object_iter_next(&it))
			print_row(json_object_iter_peek_name(&it),
				  json_object_iter_peek_value(&it), 1);
	}
	print_row("unassigned", json_object_object_get(p, "unassigned"), 0);
}

int vipctl_print_pools(struct vip_client *c, int timeout_ms)
{
	struct json_object *o, *pools;
	char *reply = NULL;
	int r = vip_request(c, "status", timeout_ms, &reply);

	if (r < 0) {
		free(reply);
		return r;
	}
	o = reply ? json_tokener_parse(reply) : NULL;
	free(reply);
	if (o && json_object_object_get_ex(o, "pools", &pools))
		for (size_t i = 0; i < json_object_array_length(pools); i++)
			print_pool(json_object_array_get_idx(pools, i));
	json_object_put(o);
	return 0;
}
