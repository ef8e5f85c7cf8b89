// SPDX-License-Identifier: MIT
/*
 * Announcements of the VIPs held here: gratuitous ARP / unsolicited NA
 * bursts after an acquisition, refreshes while held, re-announcements when
 * a link comes back or a member rejoins, and a unicast word to each notify
 * peer with every round.  Sends only for VIPs live here; each failure is
 * logged here, where it is handled.
 */
#define _GNU_SOURCE /* struct ucred, in vipd.h */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <json-c/json.h>

#include "announce.h"
#include "log.h"
#include "net/garp.h"
#include "net/link.h"
#include "net/ndisc.h"
#include "net/neigh.h"
#include "vipd.h"

#define ANNOUNCE_LINKS 16 /* interfaces whose state is remembered */

struct ann_vip {
	uint64_t count[ANNOUNCE_REASON_MAX + 1]; /* messages sent */
	uint64_t refresh_due; /* next refresh, 0: none armed */
	uint8_t why;	      /* enum announce_reason of the burst */
};

struct ann_link {
	int ifindex; /* 0: free slot */
	bool down;   /* last reported (or asked) state */
};

struct vipd_announce {
	struct ann_vip *vip; /* owned: per VIP */
	struct ann_link link[ANNOUNCE_LINKS];
	unsigned next_slot; /* the slot a new link takes when all are used */
	uint64_t heal_at;   /* loop time of the last re-announcement for a
			     * join: one per pass, however many joined */
};

static const char *const reason_name[] = {
	[ANNOUNCE_ACQUIRE] = "acquire", [ANNOUNCE_REFRESH] = "refresh",
	[ANNOUNCE_LINK] = "link",	[ANNOUNCE_HEAL] = "heal",
	[ANNOUNCE_NOTIFY] = "notify",
};

const char *announce_reason_to_string(enum announce_reason r)
{
	return (unsigned)r <= ANNOUNCE_REASON_MAX ? reason_name[r] : NULL;
}

int vipd_announce_new(struct vipd *d)
{
	struct vipd_announce *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->vip = calloc(d->conf.nvips + 1, sizeof(*a->vip));
	if (!a->vip) {
		free(a);
		return -ENOMEM;
	}
	d->announce = a;
	return 0;
}

void vipd_announce_free(struct vipd *d)
{
	if (!d->announce)
		return;
	free(d->announce->vip);
	free(d->announce);
	d->announce = NULL;
}

uint64_t vipd_announce_count(const struct vipd *d, unsigned vip,
			     enum announce_reason r)
{
	if (!d->announce || vip >= d->conf.nvips ||
	    (unsigned)r > ANNOUNCE_REASON_MAX)
		return 0;
	return d->announce->vip[vip].count[r];
}

struct json_object *vipd_announce_json(const struct vipd *d, unsigned vip)
{
	struct json_object *o = json_object_new_object();

	for (unsigned r = 0; r <= ANNOUNCE_REASON_MAX; r++)
		json_object_object_add(o, reason_name[r],
				       json_object_new_int64((int64_t)
					       vipd_announce_count(d, vip, r)));
	return o;
}

static bool live_here(struct vipd *d, unsigned vip)
{
	struct core_vip_info vi;

	core_vip_get(d->core, vip, &vi);
	return vi.local_up;
}

/* One notify peer: an ARP request aimed at it, unicast to the MAC our
 * neighbour table has for it (or, with none, broadcast), or a
 * unicast NA, from each VIP address of its family. */
static void notify_peer(struct vipd *d, unsigned vip,
			const struct conf_addr *peer)
{
	const struct conf_vip *v = &d->conf.vips[vip];
	int ifindex = d->ifindex[vip], r;
	uint8_t mac[6];
	const uint8_t *known = NULL;
	char reason[256];

	if (peer->family == AF_INET &&
	    neigh_lookup(d->nl, ifindex, peer->addr, mac) == 0)
		known = mac;
	for (unsigned k = 0; k < v->naddrs; k++) {
		const struct conf_addr *a = &v->addrs[k];

		if (a->family != peer->family)
			continue;
		r = a->family == AF_INET
			    ? garp_send_peer(ifindex, a->addr, peer->addr,
					     known, reason, sizeof(reason))
			    : ndisc_send_na_peer(ifindex, a->addr, peer->addr,
						 reason, sizeof(reason));
		if (r < 0)
			log_warn("telling notify peer of VIP '%s' on %s: %s, "
				 "ignoring",
				 v->name, v->dev, reason);
		else
			d->announce->vip[vip].count[ANNOUNCE_NOTIFY]++;
	}
}

/* One round for vip: every address to all, then every notify peer. */
static void announce_once(struct vipd *d, unsigned vip,
			  enum announce_reason why)
{
	const struct conf_vip *v = &d->conf.vips[vip];
	char reason[256];

	for (unsigned k = 0; k < v->naddrs; k++) {
		const struct conf_addr *a = &v->addrs[k];
		int r = a->family == AF_INET
				? garp_send(d->ifindex[vip], a->addr, reason,
					    sizeof(reason))
				: ndisc_send_na(d->ifindex[vip], a->addr,
						reason, sizeof(reason));

		if (r < 0)
			log_warn("announcing VIP '%s' on %s: %s, ignoring",
				 v->name, v->dev, reason);
		else
			d->announce->vip[vip].count[why]++;
	}
	for (unsigned i = 0; i < v->nnotify; i++)
		notify_peer(d, vip, &v->notify[i]);
}

/* One timer for the repeats and refreshes of every VIP, armed at the
 * earliest: a failover of many VIPs repeats them in a few wake-ups, not
 * one each (a timer per VIP was a tenth of its cost).  A repeat may come
 * up to a tenth of its interval early (a refresh up to 1 s), to share a
 * wake-up. */
static int on_announce(struct ev_src *s, uint64_t usec, void *ud);

static void announce_arm(struct vipd *d, uint64_t due)
{
	uint64_t cur;
	int on;

	if (!d->ann_src &&
	    ev_add_time(d->ev, &d->ann_src, due, on_announce, d) < 0) {
		log_warn("announcement repeats: no timer, skipping them");
		return;
	}
	on = ev_src_get_enabled(d->ann_src);
	cur = ev_src_get_time(d->ann_src);
	if (on && cur <= due)
		return;
	ev_src_set_time(d->ann_src, due);
	ev_src_set_enabled(d->ann_src, EV_ONESHOT);
}

/* While addresses are still being added (a failover of many VIPs adds
 * CORE_UP_BATCH a pass), repeats wait: each costs as much as a first
 * announcement, and every VIP live and announced once comes first.  A
 * repeat waits at most ANNOUNCE_DEFER_MAX_US past its time. */
#define ANNOUNCE_BUSY_US 5000ull
#define ANNOUNCE_DEFER_MAX_US 1000000ull

static int announce_defer(struct vipd *d, uint64_t usec)
{
	uint64_t now = vipd_now(d);

	if (now >= d->last_up_us + ANNOUNCE_BUSY_US ||
	    now >= usec + ANNOUNCE_DEFER_MAX_US)
		return 0;
	announce_arm(d, now + ANNOUNCE_BUSY_US);
	return 1;
}

/* A late one keeps its spacing to the next. */
static uint64_t next_due(uint64_t due, uint64_t usec, uint64_t step)
{
	return due + step > usec + step ? due + step : usec + step;
}

/* The refresh of vip at usec, if due; returns its next time. */
static uint64_t refresh_step(struct vipd *d, unsigned vip, uint64_t usec)
{
	struct ann_vip *a = &d->announce->vip[vip];
	uint64_t step = d->conf.vips[vip].announce_refresh_ms * 1000ull;
	uint64_t slack = step / 10 < 1000000 ? step / 10 : 1000000;

	if (!step) { /* turned off by a reload */
		a->refresh_due = 0;
		return UINT64_MAX;
	}
	if (a->refresh_due <= usec + slack) {
		if (!d->ann_left[vip]) /* a burst under way stands for it */
			announce_once(d, vip, ANNOUNCE_REFRESH);
		a->refresh_due = next_due(a->refresh_due, usec, step);
	}
	return a->refresh_due;
}

/* The repeats and refresh of vip due at usec; returns its next time. */
static uint64_t vip_step(struct vipd *d, unsigned vip, uint64_t usec)
{
	struct ann_vip *a = &d->announce->vip[vip];
	uint64_t step = d->conf.vips[vip].announce_interval_ms * 1000ull;
	uint64_t next = UINT64_MAX, r;

	if (!d->ann_left[vip] && !a->refresh_due)
		return next;
	if (!live_here(d, vip)) {
		d->ann_left[vip] = 0;
		a->refresh_due = 0;
		return next;
	}
	if (d->ann_left[vip] && d->ann_due[vip] <= usec + step / 10) {
		announce_once(d, vip, a->why);
		d->ann_due[vip] = next_due(d->ann_due[vip], usec, step);
		d->ann_left[vip]--;
	}
	if (d->ann_left[vip])
		next = d->ann_due[vip];
	if (a->refresh_due) {
		r = refresh_step(d, vip, usec);
		next = r < next ? r : next;
	}
	return next;
}

static int on_announce(struct ev_src *s, uint64_t usec, void *ud)
{
	struct vipd *d = ud;
	uint64_t next = UINT64_MAX, now = vipd_now(d), due;

	if (!d->ann_first)
		d->ann_first = usec;
	if (announce_defer(d, d->ann_first))
		return 0;
	d->ann_first = 0;
	if (now > usec) /* late (deferred): what is due by now */
		usec = now;
	for (unsigned i = 0; i < d->conf.nvips; i++) {
		due = vip_step(d, i, usec);
		if (due < next)
			next = due;
	}
	if (next != UINT64_MAX)
		announce_arm(d, next);
	return 0;
}

/* The remembered state of ifindex, asking the kernel the first time;
 * NULL if it cannot be known. */
static struct ann_link *link_slot(struct vipd *d, int ifindex, bool ask)
{
	struct vipd_announce *an = d->announce;
	struct ann_link *l;
	int up;

	for (unsigned i = 0; i < ANNOUNCE_LINKS; i++)
		if (an->link[i].ifindex == ifindex)
			return &an->link[i];
	if (!ask || (up = link_is_up(d->nl, ifindex)) < 0)
		return NULL;
	l = &an->link[an->next_slot++ % ANNOUNCE_LINKS];
	l->ifindex = ifindex;
	l->down = !up;
	return l;
}

void vipd_announce_start(struct vipd *d, unsigned vip,
			 enum announce_reason why)
{
	const struct conf_vip *v = &d->conf.vips[vip];
	struct ann_vip *a = &d->announce->vip[vip];
	uint64_t now = vipd_now(d);

	(void)link_slot(d, d->ifindex[vip], true);
	a->why = (uint8_t)why;
	announce_once(d, vip, why);
	d->ann_left[vip] = (uint8_t)(v->announce_count > 1
					     ? v->announce_count - 1
					     : 0);
	a->refresh_due = v->announce_refresh_ms
				 ? now + v->announce_refresh_ms * 1000ull
				 : 0;
	if (d->ann_left[vip]) {
		d->ann_due[vip] = now + v->announce_interval_ms * 1000ull;
		announce_arm(d, d->ann_due[vip]);
	}
	if (a->refresh_due)
		announce_arm(d, a->refresh_due);
}

/* Re-announces every VIP live here on ifindex, for why. */
static void announce_again(struct vipd *d, int ifindex,
			   enum announce_reason why, const char *what)
{
	unsigned n = 0;

	for (unsigned i = 0; i < d->conf.nvips; i++) {
		if ((ifindex && d->ifindex[i] != ifindex) || !live_here(d, i))
			continue;
		log_debug("VIP '%s': %s, announcing it again",
			  d->conf.vips[i].name, what);
		vipd_announce_start(d, i, why);
		n++;
	}
	if (n)
		log_info("%s: announcing the %u VIP%s held here again", what,
			 n, n == 1 ? "" : "s");
}

void vipd_announce_link(struct vipd *d, int ifindex, bool up)
{
	struct ann_link *l = link_slot(d, ifindex, false);
	bool was_down;

	if (!l)
		return;
	was_down = l->down;
	l->down = !up;
	if (was_down && up)
		announce_again(d, ifindex, ANNOUNCE_LINK,
			       "its link is up again");
}

void vipd_announce_event(struct vipd *d, const struct core_event *ev)
{
	uint64_t now = vipd_now(d);

	if (ev->type != CORE_EV_JOINED || ev->node == d->self_id ||
	    d->announce->heal_at == now)
		return;
	d->announce->heal_at = now;
	announce_again(d, 0, ANNOUNCE_HEAL, "a member joined");
}
