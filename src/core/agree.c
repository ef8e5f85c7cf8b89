// SPDX-License-Identifier: MIT
/*
 * Configuration agreement.  Every decision of the core reads the
 * configuration: who may hold a VIP, who takes it over, what quorum is.
 * Nodes that read different files (a rolling change of vipd.conf, or a
 * mistake) would decide differently, and two of them could give one VIP
 * to two nodes.  So each node sends a fingerprint of each VIP's definition
 * in its STATE, and a VIP that a current member defines otherwise, or not
 * at all, is frozen: its holder keeps it, but nobody claims it, moves it
 * or takes it over until every member agrees (or the odd one leaves).
 * The fingerprint covers what decides who answers for which address: the
 * cluster's node ids, two-node mode, the VIP's name, addresses, eligible
 * nodes, policy and pool.  The device, announcements, allow lists and node
 * names are each node's own.
 */
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

static uint32_t fnv(uint32_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static uint32_t fnv32(uint32_t h, uint32_t v)
{
	const unsigned char b[4] = { (unsigned char)(v >> 24),
				     (unsigned char)(v >> 16),
				     (unsigned char)(v >> 8),
				     (unsigned char)v };

	return fnv(h, b, sizeof(b));
}

/* A pool member: the pool's placement rules decide its holder too. */
static uint32_t agree_pool(const struct conf *conf, const struct conf_pool *p,
			   uint32_t h)
{
	h = fnv(h, p->name, strnlen(p->name, sizeof(p->name)));
	h = fnv32(h, p->max_per_node);
	h = fnv32(h, p->nprefer);
	for (unsigned k = 0; k < p->nprefer; k++)
		h = fnv32(h, conf->nodes[p->prefer[k]].id);
	return h;
}

uint32_t agree_fingerprint(const struct conf *conf, unsigned vip)
{
	const struct conf_vip *v = &conf->vips[vip];
	unsigned order[CONF_MAX_NODES], n = conf->nnodes;
	uint32_t h = 2166136261u;

	/* the nodes by id, whatever order the file lists them in */
	for (unsigned i = 0; i < n; i++) {
		unsigned j = i;

		for (; j > 0 && conf->nodes[order[j - 1]].id > conf->nodes[i].id;
		     j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	h = fnv32(h, conf->two_node ? 1u : 0u);
	h = fnv32(h, n);
	for (unsigned i = 0; i < n; i++) {
		h = fnv32(h, conf->nodes[order[i]].id);
		h = fnv32(h, (v->eligible >> order[i]) & 1u);
	}
	h = fnv(h, v->name, strnlen(v->name, sizeof(v->name)));
	h = fnv32(h, v->naddrs);
	for (unsigned k = 0; k < v->naddrs; k++) {
		const struct conf_addr *a = &v->addrs[k];

		h = fnv32(h, (uint32_t)a->family);
		h = fnv(h, a->addr, a->family == AF_INET6 ? 16 : 4);
		h = fnv32(h, a->prefixlen);
	}
	h = fnv32(h, (uint32_t)v->policy);
	h = fnv32(h, v->nprefer);
	for (unsigned k = 0; k < v->nprefer; k++)
		h = fnv32(h, conf->nodes[v->prefer[k]].id);
	return v->pool ? agree_pool(conf, &conf->pools[v->pool - 1], h) : h;
}

uint32_t agree_differ(const struct core *c, unsigned vip)
{
	return c->vips[vip].differ & c->view_mask & ~(1u << c->self_idx);
}

/* Frozen too: a VIP this node does not define (fp 0: removed by a
 * reload) and one whose new definition the members have not heard yet
 * (pending: this node alone refuses, which only ever delays). */
int vip_frozen(const struct core *c, unsigned vip)
{
	const struct core_vip *v = &c->vips[vip];

	return (agree_differ(c, vip) != 0 && !MUTANT(5)) || !v->fp ||
	       (v->pending && !MUTANT(8));
}

void agree_state_begin(struct core *c, unsigned node)
{
	for (unsigned k = 0; k < c->conf->nvips; k++)
		c->vips[k].differ |= 1u << node;
}

void agree_state_entry(struct core *c, unsigned node, unsigned vip,
		       const struct core_state_entry *e)
{
	if (e->fp == c->vips[vip].fp)
		c->vips[vip].differ &= ~(1u << node);
}

/* Once the table is learnt, and at each view after: tell which VIPs
 * froze or thawed. */
void agree_check(struct core *c)
{
	for (unsigned k = 0; k < c->conf->nvips; k++) {
		struct core_vip *v = &c->vips[k];
		uint32_t d = agree_differ(c, k);
		struct core_event ev = {
			.type = CORE_EV_CONFIG, .vip = (int)k,
			.term = v->term, .arg = d != 0,
		};
		unsigned low = 0;

		/* a VIP removed here (fp 0) is forgotten: no news of it */
		if (ev.arg == v->frozen || !v->fp)
			continue;
		v->frozen = ev.arg;
		while (d && !((d >> low) & 1u))
			low++;
		if (d)
			ev.node = c->conf->nodes[low].id;
		ev.why = d ? "this member defines the VIP otherwise or not at "
			     "all: no claims, moves or take-overs until every "
			     "vipd.conf agrees"
			   : "every member defines the VIP the same again";
		c->ops->event(c->ud, &ev);
	}
}
