// SPDX-License-Identifier: MIT
/*
 * Reload: parse into a fresh struct conf, validate all of it, then take
 * it.  The running struct conf is not swapped for the new one but
 * updated in place from it: the core, the actuator and the control server
 * hold pointers into it and its VIP array, and reload changes neither
 * which VIPs there are nor their order, so an in-place copy of the fields
 * that may change is the same as a swap, without moving anything they
 * point at.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/conf_parse.h"
#include "daemon/conf_pool.h"
#include "daemon/reload.h"

#define RESTART "; this must be the same on every node: change it " \
		"everywhere and restart vipd on each node"

static bool same_addr(const struct conf_addr *a, const struct conf_addr *b)
{
	return a->family == b->family && a->prefixlen == b->prefixlen &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

static int refuse(char *why, size_t len, const char *what)
{
	snprintf(why, len, "%s" RESTART, what);
	return -EINVAL;
}

static int check_top(const struct conf *a, const struct conf *b, char *why,
		     size_t len)
{
	if (strcmp(a->node, b->node) != 0)
		return refuse(why, len, "node-name changed");
	if (strcmp(a->group, b->group) != 0)
		return refuse(why, len, "group changed");
	if (strcmp(a->socket, b->socket) != 0) {
		snprintf(why, len, "socket changed; restart vipd to move "
			 "its control socket");
		return -EINVAL;
	}
	if (strcmp(a->user, b->user) != 0) {
		snprintf(why, len, "user changed; restart vipd to run as "
			 "another user");
		return -EINVAL;
	}
	if (a->lease_ms != b->lease_ms) {
		snprintf(why, len, "lease changed; the lease is fixed while "
			 "vipd is in the group: restart vipd to apply it");
		return -EINVAL;
	}
	if (a->lease_mark != b->lease_mark)
		return refuse(why, len, "lease-mark changed");
	if (a->two_node != b->two_node)
		return refuse(why, len, "two-node changed");
	if (strcmp(a->handoff_key, b->handoff_key) != 0 ||
	    a->handoff_port != b->handoff_port)
		return refuse(why, len, "handoff-key or handoff-port changed");
	if (a->metrics_port != b->metrics_port ||
	    (a->metrics_port && !same_addr(&a->metrics_addr, &b->metrics_addr))) {
		snprintf(why, len, "metrics-listen changed; restart vipd to "
			 "apply it");
		return -EINVAL;
	}
	if (a->nnodes != b->nnodes)
		return refuse(why, len, "the cluster's nodes changed");
	for (unsigned i = 0; i < a->nnodes; i++)
		if (strcmp(a->nodes[i].name, b->nodes[i].name) != 0 ||
		    a->nodes[i].id != b->nodes[i].id ||
		    !same_addr(&a->nodes[i].addr, &b->nodes[i].addr))
			return refuse(why, len, "the cluster's nodes changed");
	if (a->nvips != b->nvips)
		return refuse(why, len, "VIPs were added or removed");
	return 0;
}

static int vip_refuse(char *why, size_t len, const char *name,
		      const char *what)
{
	snprintf(why, len, "vip '%s': %s" RESTART, name, what);
	return -EINVAL;
}

static int check_vip(const struct conf_vip *a, const struct conf_vip *b,
		     char *why, size_t len)
{
	if (strcmp(a->name, b->name) != 0) {
		snprintf(why, len, "vip '%s' is now '%s' (VIPs renamed or "
			 "reordered)" RESTART, a->name, b->name);
		return -EINVAL;
	}
	if (a->naddrs != b->naddrs ||
	    memcmp(a->addrs, b->addrs, a->naddrs * sizeof(a->addrs[0])) != 0)
		return vip_refuse(why, len, a->name, "address changed");
	if (strcmp(a->dev, b->dev) != 0)
		return vip_refuse(why, len, a->name, "dev changed");
	if (a->eligible != b->eligible)
		return vip_refuse(why, len, a->name, "nodes changed");
	if (a->policy != b->policy || a->nprefer != b->nprefer ||
	    memcmp(a->prefer, b->prefer, a->nprefer) != 0)
		return vip_refuse(why, len, a->name, "policy changed");
	if (strcmp(a->check, b->check) != 0 ||
	    a->check_interval_ms != b->check_interval_ms ||
	    a->check_timeout_ms != b->check_timeout_ms ||
	    a->check_rise != b->check_rise || a->check_fall != b->check_fall)
		return vip_refuse(why, len, a->name, "check changed");
	if (strcmp(a->follow, b->follow) != 0)
		return vip_refuse(why, len, a->name, "follow-group changed");
	return 0;
}

static int allow_differs(const struct conf_vip *a, const struct conf_vip *b)
{
	if (a->nallow != b->nallow)
		return 1;
	for (unsigned i = 0; i < a->nallow; i++)
		if (a->allow[i].is_group != b->allow[i].is_group ||
		    a->allow[i].id != b->allow[i].id ||
		    strcmp(a->allow[i].name, b->allow[i].name) != 0)
			return 1;
	return 0;
}

int conf_reload_check(const struct conf *cur, const struct conf *next,
		      unsigned *changed, char *why, size_t len)
{
	int r;

	*changed = 0;
	r = check_top(cur, next, why, len);
	if (r < 0)
		return r;
	if (conf_pools_differ(cur, next))
		return refuse(why, len, "pools changed");
	for (unsigned k = 0; k < cur->nvips; k++) {
		const struct conf_vip *a = &cur->vips[k], *b = &next->vips[k];

		r = check_vip(a, b, why, len);
		if (r < 0)
			return r;
		if (allow_differs(a, b))
			*changed |= CONF_CHANGED_ALLOW;
		if (a->announce_count != b->announce_count ||
		    a->announce_interval_ms != b->announce_interval_ms)
			*changed |= CONF_CHANGED_ANNOUNCE;
	}
	if (strcmp(cur->notify, next->notify) != 0)
		*changed |= CONF_CHANGED_NOTIFY;
	return 0;
}

void conf_reload_apply(struct conf *cur, const struct conf *next)
{
	memcpy(cur->notify, next->notify, sizeof(cur->notify));
	for (unsigned k = 0; k < cur->nvips && k < next->nvips; k++) {
		struct conf_vip *a = &cur->vips[k];
		const struct conf_vip *b = &next->vips[k];

		memcpy(a->allow, b->allow, sizeof(a->allow));
		a->nallow = b->nallow;
		a->announce_count = b->announce_count;
		a->announce_interval_ms = b->announce_interval_ms;
	}
}

int conf_reload(struct conf *cur, const char *path, FILE *errs,
		unsigned *changed, char *why, size_t len)
{
	struct conf next;
	int r;

	*changed = 0;
	if (len)
		why[0] = '\0';
	r = conf_load(path, &next, errs);
	if (r != 0) /* 0, -EINVAL or -errno */
		return r;
	r = conf_reload_check(cur, &next, changed, why, len);
	if (r == 0)
		conf_reload_apply(cur, &next);
	conf_free(&next);
	return r;
}
