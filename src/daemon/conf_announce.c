// SPDX-License-Identifier: MIT
/*
 * A VIP's announcements in vipd.conf:
 *   announce 3 interval 100ms refresh 30s
 *   notify-peers 192.0.2.1 2001:db8::1
 * Fills the conf_vip's announce and notify fields; a notify peer needs a
 * VIP address of its family to speak from, checked at the block's end.
 */
#include <string.h>
#include <sys/socket.h>

#include "conf_priv.h"

#define REFRESH_MIN_MS 1000u
#define REFRESH_MAX_MS 86400000u /* a day */

void conf_item_announce(struct conf_parser *p, struct conf_vip *v)
{
	const struct conf_tok *t = conf_value(p, "an announce count");

	if (!t)
		return;
	conf_take_number(p, t, 0, 100, &v->announce_count);
	conf_next(p);
	if (conf_is_kw(p, CONF_KW_INTERVAL)) {
		conf_next(p);
		t = conf_value(p, "a duration like 100ms");
		if (!t)
			return;
		conf_take_duration(p, t, 10, 10000, &v->announce_interval_ms);
		conf_next(p);
	}
	if (conf_is_kw(p, CONF_KW_REFRESH)) {
		conf_next(p);
		t = conf_value(p, "a duration like 30s");
		if (!t)
			return;
		conf_take_duration(p, t, REFRESH_MIN_MS, REFRESH_MAX_MS,
				   &v->announce_refresh_ms);
		conf_next(p);
	}
	conf_end_stmt(p);
}

static int same_addr(const struct conf_addr *a, const struct conf_addr *b)
{
	size_t n = a->family == AF_INET ? 4 : 16;

	return a->family == b->family && memcmp(a->addr, b->addr, n) == 0;
}

static bool is_unicast(const struct conf_addr *a)
{
	static const uint8_t zero[16];
	size_t n = a->family == AF_INET ? 4 : 16;

	if (!memcmp(a->addr, zero, n))
		return false;
	if (a->family == AF_INET)
		return a->addr[0] < 224; /* not multicast or class E */
	return a->addr[0] != 0xff;	 /* RFC 4291 §2.7: multicast */
}

/* Why a is no notify peer of v, or NULL if it is a good one. */
static const char *peer_refused(const struct conf_vip *v,
				const struct conf_addr *a, int plen_given)
{
	if (plen_given)
		return "has a prefix length, give the router's address alone";
	if (!is_unicast(a))
		return "is not a unicast address, give the router's address";
	for (unsigned i = 0; i < v->naddrs; i++)
		if (same_addr(&v->addrs[i], a))
			return "is an address of the vip itself, remove it";
	for (unsigned i = 0; i < v->nnotify; i++)
		if (same_addr(&v->notify[i], a))
			return "is listed twice, keep one";
	if (v->nnotify == CONF_MAX_NOTIFY)
		return "is one peer too many, list at most 8";
	return NULL;
}

static void take_peer(struct conf_parser *p, const struct conf_tok *t,
		      struct conf_vip *v)
{
	char got[CONF_DESCRIBE_MAX];
	struct conf_addr a;
	const char *why;

	if (conf_parse_addr(t->text, &a) < 0) {
		conf_bad_value(p, t, "a router's IPv4 or IPv6 address");
		return;
	}
	why = peer_refused(v, &a, strchr(t->text, '/') != NULL);
	if (why) {
		conf_perr(p, &t->pos, "notify peer %s of vip '%s' %s",
			  conf_tok_describe(t, got, sizeof(got)), v->name, why);
		return;
	}
	v->notify[v->nnotify++] = a;
}

void conf_item_notify_peers(struct conf_parser *p, struct conf_vip *v)
{
	const struct conf_tok *t = conf_value(p, "a router's address");

	if (!t)
		return;
	p->notify_pos = t->pos;
	while (p->tok.type == CONF_TOK_WORD || p->tok.type == CONF_TOK_STRING) {
		take_peer(p, &p->tok, v);
		conf_next(p);
	}
	conf_end_stmt(p);
}

void conf_announce_check(struct conf_parser *p, const struct conf_vip *v)
{
	for (unsigned i = 0; i < v->nnotify; i++) {
		int family = v->notify[i].family, found = 0;

		for (unsigned k = 0; k < v->naddrs; k++)
			found |= v->addrs[k].family == family;
		if (found || !v->naddrs)
			continue;
		conf_perr(p, &p->notify_pos,
			  "vip '%s' has an %s notify peer but no %s address "
			  "to tell it about, add one or remove the peer",
			  v->name, family == AF_INET ? "IPv4" : "IPv6",
			  family == AF_INET ? "IPv4" : "IPv6");
		return;
	}
}
