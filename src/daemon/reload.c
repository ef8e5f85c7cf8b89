// SPDX-License-Identifier: MIT
/*
 * Reload: parse into a fresh struct conf, validate all of it, then take
 * it.  The running struct conf is not swapped for the new one but
 * updated in place from it: the core, the actuator and the control server
 * hold pointers into it and index its VIP array.  VIPs are matched by
 * name, never by position: a VIP keeps its slot, an added one takes a
 * new slot at the end (conf_make_room() reserved them), a removed one
 * stays as a retired slot, so no other VIP's index ever moves.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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
	return 0;
}

static int vip_refuse(char *why, size_t len, const char *name,
		      const char *what)
{
	snprintf(why, len, "vip '%s': %s" RESTART, name, what);
	return -EINVAL;
}

/* The slot of name in c, retired ones included; -1 if none.  The same
 * index first: a file read again lists its VIPs in the same order. */
static int slot_find(const struct conf *c, const char *name, unsigned hint)
{
	if (hint < c->nvips && !strcmp(c->vips[hint].name, name))
		return (int)hint;
	for (unsigned i = 0; i < c->nvips; i++)
		if (!strcmp(c->vips[i].name, name))
			return (int)i;
	return -1;
}

/* What decides who answers for which address: a change freezes the VIP
 * until every member reads the same (src/core/agree.c). */
static bool def_differs(const struct conf_vip *a, const struct conf_vip *b)
{
	return a->naddrs != b->naddrs ||
	       memcmp(a->addrs, b->addrs,
		      a->naddrs * sizeof(a->addrs[0])) != 0 ||
	       strcmp(a->dev, b->dev) != 0 || a->eligible != b->eligible ||
	       a->policy != b->policy || a->nprefer != b->nprefer ||
	       memcmp(a->prefer, b->prefer, a->nprefer) != 0;
}

/* A check or a group-follow runs from start to stop of vipd. */
static bool driven(const struct conf_vip *v)
{
	return v->check[0] || v->follow[0];
}

static int check_vip(const struct conf_vip *a, const struct conf_vip *b,
		     bool up, char *why, size_t len)
{
	if (up && (a->naddrs != b->naddrs ||
		   memcmp(a->addrs, b->addrs,
			  a->naddrs * sizeof(a->addrs[0])) != 0 ||
		   strcmp(a->dev, b->dev) != 0)) {
		snprintf(why, len, "vip '%s': address or dev changed while "
			 "the VIP is live on this node; move or release it "
			 "(vipctl release %s), then reload", a->name, a->name);
		return -EINVAL;
	}
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

static bool notify_differs(const struct conf_vip *a, const struct conf_vip *b)
{
	if (a->nnotify != b->nnotify)
		return true;
	for (unsigned i = 0; i < a->nnotify; i++)
		if (!same_addr(&a->notify[i], &b->notify[i]))
			return true;
	return false;
}

/* The VIPs of next against the running slots: *ret_added new slots. */
static int check_vips(const struct conf *cur, const struct conf *next,
		      const uint8_t *up, unsigned *changed,
		      unsigned *ret_added, char *why, size_t len)
{
	*ret_added = 0;
	for (unsigned k = 0; k < next->nvips; k++) {
		const struct conf_vip *b = &next->vips[k];
		int i = slot_find(cur, b->name, k);
		const struct conf_vip *a = i < 0 ? NULL : &cur->vips[i];
		int r;

		if (!a || a->retired) {
			if (driven(b))
				return vip_refuse(why, len, b->name,
						  "added with a check or "
						  "follow-group; restart vipd "
						  "to add it");
			*ret_added += a ? 0u : 1u;
			*changed |= CONF_CHANGED_VIPS;
			continue;
		}
		r = check_vip(a, b, up && up[i], why, len);
		if (r < 0)
			return r;
		if (def_differs(a, b))
			*changed |= CONF_CHANGED_VIPS;
		if (allow_differs(a, b))
			*changed |= CONF_CHANGED_ALLOW;
		if (a->announce_count != b->announce_count ||
		    a->announce_interval_ms != b->announce_interval_ms ||
		    a->announce_refresh_ms != b->announce_refresh_ms ||
		    notify_differs(a, b))
			*changed |= CONF_CHANGED_ANNOUNCE;
	}
	return 0;
}

int conf_reload_check(const struct conf *cur, const struct conf *next,
		      const uint8_t *up, unsigned *changed, char *why,
		      size_t len)
{
	unsigned added = 0;
	int r;

	*changed = 0;
	r = check_top(cur, next, why, len);
	if (r == 0 && conf_pools_differ(cur, next))
		r = refuse(why, len, "pools changed");
	if (r == 0)
		r = check_vips(cur, next, up, changed, &added, why, len);
	for (unsigned k = 0; r == 0 && k < cur->nvips; k++) {
		const struct conf_vip *a = &cur->vips[k];

		if (a->retired || slot_find(next, a->name, k) >= 0)
			continue;
		if (driven(a))
			r = vip_refuse(why, len, a->name,
				       "removed, with a check or follow-group; "
				       "restart vipd to remove it");
		*changed |= CONF_CHANGED_VIPS;
	}
	if (r == 0 && cur->nvips + added > conf_vip_room(cur)) {
		snprintf(why, len, "%u VIPs added, room for %u more (removed "
			 "VIPs keep their slot until vipd restarts); restart "
			 "vipd to add them", added, conf_vip_room(cur) - cur->nvips);
		r = -EINVAL;
	}
	if (r < 0) {
		*changed = 0;
		return r;
	}
	if (strcmp(cur->notify, next->notify) != 0)
		*changed |= CONF_CHANGED_NOTIFY;
	return 0;
}

void conf_reload_apply(struct conf *cur, const struct conf *next)
{
	memcpy(cur->notify, next->notify, sizeof(cur->notify));
	for (unsigned k = 0; k < cur->nvips; k++)
		if (slot_find(next, cur->vips[k].name, k) < 0)
			cur->vips[k].retired = true;
	for (unsigned k = 0; k < next->nvips; k++) {
		int i = slot_find(cur, next->vips[k].name, k);

		if (i < 0 && cur->nvips < conf_vip_room(cur))
			i = (int)cur->nvips++;
		if (i >= 0)
			cur->vips[i] = next->vips[k];
	}
}

int conf_make_room(struct conf *c, unsigned cap)
{
	struct conf_vip *v;

	if (cap <= conf_vip_room(c))
		return 0;
	/* calloc, not realloc: untouched slots cost no memory */
	v = calloc(cap, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (c->nvips)
		memcpy(v, c->vips, c->nvips * sizeof(*v));
	free(c->vips);
	c->vips = v;
	c->vips_cap = cap;
	return 0;
}

int conf_reload(struct conf *cur, const char *path, FILE *errs,
		const uint8_t *up, unsigned *changed, char *why, size_t len)
{
	struct conf next;
	int r;

	*changed = 0;
	if (len)
		why[0] = '\0';
	r = conf_load(path, &next, errs);
	if (r != 0) /* 0, -EINVAL or -errno */
		return r;
	r = conf_reload_check(cur, &next, up, changed, why, len);
	if (r == 0)
		conf_reload_apply(cur, &next);
	conf_free(&next);
	return r;
}
