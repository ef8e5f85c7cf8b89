// SPDX-License-Identifier: MIT
/*
 * The status as JSON: this node (members, quorum, engine, lease, hand-off
 * counters) and each VIP (holder, term, state, since, live here, and how
 * the application drives it: session, check, follow).  Read-only: it
 * never changes the table.
 */
#define _GNU_SOURCE /* struct ucred */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "announce.h"
#include "check.h"
#include "group.h"
#include "follow.h"
#include "net/addr.h"
#include "session.h"
#include "status.h"
#include "status_pool.h"
#include "vipd.h"

struct json_object *vipd_node_json(struct vipd *d, uint32_t id)
{
	const char *n = id ? core_node_name(d->core, id) : NULL;

	return n ? json_object_new_string(n) : NULL;
}

uint64_t vipd_wall_ms(struct vipd *d, uint64_t mono_us)
{
	struct timespec ts;
	uint64_t now = vipd_now(d), rt;

	clock_gettime(CLOCK_REALTIME, &ts);
	rt = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	return mono_us && mono_us <= now ? rt - (now - mono_us) / 1000 : rt;
}

static struct json_object *addr_json(const struct conf_addr *a)
{
	char buf[INET6_ADDRSTRLEN + 8];
	size_t n;

	inet_ntop(a->family, a->addr, buf, sizeof(buf));
	n = strlen(buf);
	snprintf(buf + n, sizeof(buf) - n, "/%u", a->prefixlen);
	return json_object_new_string(buf);
}

/* The names of the nodes in mask (1 << conf.nodes index). */
static struct json_object *names_json(struct vipd *d, uint32_t mask)
{
	struct json_object *a = json_object_new_array();

	for (unsigned k = 0; k < d->conf.nnodes; k++)
		if ((mask >> k) & 1u)
			json_object_array_add(a, json_object_new_string(
				d->conf.nodes[k].name));
	return a;
}

static struct json_object *vip_json(struct vipd *d, unsigned i)
{
	const struct conf_vip *v = &d->conf.vips[i];
	struct json_object *o = json_object_new_object();
	struct json_object *addrs = json_object_new_array();
	struct core_vip_info vi;
	int here = d->ifindex[i] > 0;

	core_vip_get(d->core, i, &vi);
	for (unsigned k = 0; k < v->naddrs; k++) {
		json_object_array_add(addrs, addr_json(&v->addrs[k]));
		if (here && addr_present(d->nl, d->ifindex[i],
					 &v->addrs[k]) != 1)
			here = 0;
	}
	json_object_object_add(o, "name", json_object_new_string(v->name));
	json_object_object_add(o, "state", json_object_new_string(
		core_vip_state_to_string(vi.state)));
	json_object_object_add(o, "holder", vipd_node_json(d, vi.holder));
	json_object_object_add(o, "term", json_object_new_int64(
		(int64_t)vi.term));
	json_object_object_add(o, "since", json_object_new_int64(
		(int64_t)vipd_wall_ms(d, vi.since)));
	json_object_object_add(o, "prev", vipd_node_json(d, vi.prev));
	json_object_object_add(o, "waiter", vipd_node_json(d, vi.waiter));
	json_object_object_add(o, "live_here", json_object_new_boolean(here));
	json_object_object_add(o, "addresses", addrs);
	json_object_object_add(o, "dev", json_object_new_string(v->dev));
	json_object_object_add(o, "config_differs",
			       names_json(d, vi.differ));
	json_object_object_add(o, "session", vipd_session_json(d, i));
	json_object_object_add(o, "check", vipd_check_json(d, i));
	json_object_object_add(o, "follow", vipd_follow_json(d, i));
	json_object_object_add(o, "announcements", vipd_announce_json(d, i));
	json_object_object_add(o, "pool", v->pool ? json_object_new_string(
		d->conf.pools[v->pool - 1].name) : NULL);
	return o;
}

/* Direct hand-offs (handoff-key): datagrams sent, taken (authentic, for
 * this node, from the current ring: handed to the core, which adds a VIP
 * early only if its table agrees) and dropped (see the log). */
static struct json_object *handoffs_json(struct vipd *d)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "enabled",
			       json_object_new_boolean(d->hand_fd >= 0));
	json_object_object_add(o, "sent",
			       json_object_new_int64((int64_t)d->hand_sent));
	json_object_object_add(o, "taken",
			       json_object_new_int64((int64_t)d->hand_taken));
	json_object_object_add(o, "dropped",
			       json_object_new_int64((int64_t)d->hand_bad));
	return o;
}

static struct json_object *node_json(struct vipd *d)
{
	struct json_object *o = json_object_new_object();
	struct json_object *m = json_object_new_array();
	uint32_t ids[CONF_MAX_NODES];
	unsigned n = core_members(d->core, ids, CONF_MAX_NODES);
	struct group_link_stats st;

	group_link_stats(d->link, &st);
	for (unsigned k = 0; k < n; k++)
		json_object_array_add(m, vipd_node_json(d, ids[k]));
	json_object_object_add(o, "name", json_object_new_string(d->conf.node));
	json_object_object_add(o, "id", json_object_new_int64(d->self_id));
	json_object_object_add(o, "quorate", json_object_new_boolean(
		core_quorate(d->core)));
	json_object_object_add(o, "votequorum", json_object_new_boolean(
		st.quorate));
	json_object_object_add(o, "engine", json_object_new_string(
		st.joined ? "joined" : "connecting"));
	json_object_object_add(o, "synced", json_object_new_boolean(
		core_synced(d->core)));
	/* lease auto is known once corosync was first reached; until then
	 * the core's placeholder (the longest lease) means nothing. */
	json_object_object_add(o, "lease_ms", json_object_new_int64(
		d->conf.lease_ms || st.lease_known ? core_lease_ms(d->core)
						   : 0));
	json_object_object_add(o, "lease_auto", json_object_new_boolean(
		!d->conf.lease_ms));
	json_object_object_add(o, "members", m);
	json_object_object_add(o, "dropped_peer_records", json_object_new_int64(
		(int64_t)st.bad_peer));
	json_object_object_add(o, "handoffs", handoffs_json(d));
	json_object_object_add(o, "sync_waiting_for",
			       names_json(d, core_sync_waiting(d->core)));
	return o;
}

struct json_object *vipd_status_json(struct vipd *d, int only)
{
	struct json_object *o = json_object_new_object();
	struct json_object *vips = json_object_new_array();

	for (unsigned i = 0; i < d->conf.nvips; i++)
		if ((only < 0 || (unsigned)only == i) &&
		    !core_vip_hidden(d->core, i))
			json_object_array_add(vips, vip_json(d, i));
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "node", node_json(d));
	json_object_object_add(o, "vips", vips);
	json_object_object_add(o, "pools", vipd_pools_json(d));
	return o;
}
