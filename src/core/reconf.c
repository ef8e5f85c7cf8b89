// SPDX-License-Identifier: MIT
/*
 * VIPs added, removed and changed at runtime (a reload).  Slots never
 * move: the daemon maps the new file onto the running one by name, so
 * every other VIP keeps its index, holder, term and lease untouched; an
 * added VIP takes a new slot, a removed one stays as a retired slot whose
 * table is still kept exact in agreed order.  A changed slot is frozen
 * here until this node's new fingerprint went out in a STATE that counted
 * (agree.c), and then until every member defines it the same.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

int vip_slot_find(const struct core *c, const char *name)
{
	for (unsigned i = 0; i < c->conf->nvips; i++)
		if (!strcmp(c->conf->vips[i].name, name))
			return (int)i;
	return -1;
}

int core_reconf(struct core *c, unsigned *ret_changed)
{
	struct core_msg m = { .type = CORE_MSG_SYNC,
			      .flags = CORE_MSG_F_RESYNC };
	unsigned changed = 0;

	for (unsigned k = 0; k < c->conf->nvips; k++) {
		struct core_vip *v = &c->vips[k];
		uint32_t fp = c->conf->vips[k].retired
				      ? 0
				      : agree_fingerprint(c->conf, k);

		if (fp == v->fp)
			continue;
		v->fp = fp;
		v->pending = 1;
		changed++;
	}
	*ret_changed = changed;
	if (!changed || !c->joined || !c->in_view)
		return 0; /* the next sync carries the definitions */
	m.term = c->joined_at;
	m.reqid = ++c->sync_gen;
	m.node = c->view_mask;
	core_send(c, &m);
	return 1;
}

/* A retired VIP this node holds is released, once the members know it is
 * gone from here (not pending: then it is frozen on every member, and
 * nobody takes it over); the address goes when the release is agreed. */
void reconf_release(struct core *c, unsigned vip)
{
	struct core_vip *v = &c->vips[vip];
	struct core_msg m = { .type = CORE_MSG_RELEASE,
			      .flags = CORE_MSG_F_HELD, .term = v->term };

	/* not while a hand-over to us is unconfirmed: it would be refused
	 * (asked again after each sync and when the term moves) */
	if (!c->conf->vips[vip].retired || v->pending ||
	    v->holder != c->self || v->retire_sent == v->term ||
	    !c->quorate || v->prev)
		return;
	v->retire_sent = v->term;
	snprintf(m.vip, sizeof(m.vip), "%s", c->conf->vips[vip].name);
	core_send(c, &m);
}

int core_vip_hidden(const struct core *c, unsigned vip)
{
	const struct core_vip *v = &c->vips[vip];

	return c->conf->vips[vip].retired && v->holder != c->self &&
	       v->prev != c->self && !v->up;
}
