/* SPDX-License-Identifier: MIT */
/*
 * Announcements of the VIPs this node holds: the burst after each
 * acquisition, the periodic refresh, the re-announcement when a link comes
 * back or a member rejoins, and the unicast word to each notify peer; and
 * their counters, per VIP and reason.
 */
#ifndef VIPD_DAEMON_ANNOUNCE_H
#define VIPD_DAEMON_ANNOUNCE_H

#include <stdbool.h>
#include <stdint.h>

struct vipd;
struct core_event;
struct json_object;

/* Why a message was sent; the first four are gratuitous (broadcast ARP,
 * multicast NA), NOTIFY is the unicast one to a notify peer. */
enum announce_reason {
	ANNOUNCE_ACQUIRE = 0, /* the burst after an acquisition */
	ANNOUNCE_REFRESH,     /* periodic while held ('refresh D') */
	ANNOUNCE_LINK,	      /* the VIP's link came back up */
	ANNOUNCE_HEAL,	      /* a member joined: a partition healed */
	ANNOUNCE_NOTIFY,      /* unicast to a notify peer, any occasion */
	ANNOUNCE_REASON_MAX = ANNOUNCE_NOTIFY,
};

/* "acquire", "refresh", "link", "heal", "notify"; NULL out of range. */
const char *announce_reason_to_string(enum announce_reason r);

/* Allocates the per-VIP state; 0 or -ENOMEM.  _free is NULL-safe. */
int vipd_announce_new(struct vipd *d);
void vipd_announce_free(struct vipd *d);

/*
 * Announces vip now (every address, then the notify peers) and arms the
 * rest of its burst (announce COUNT INTERVAL) and its refresh.  For a VIP
 * that is live here; why is ANNOUNCE_ACQUIRE, _LINK or _HEAL.  A burst
 * already under way is restarted.
 */
void vipd_announce_start(struct vipd *d, unsigned vip,
			 enum announce_reason why);

/* The link watcher's word for ifindex: a link reported up after being
 * reported down re-announces every VIP live on it. */
void vipd_announce_link(struct vipd *d, int ifindex, bool up);

/* A core event: another member joining while this node holds VIPs (a
 * partition healed) re-announces them. */
void vipd_announce_event(struct vipd *d, const struct core_event *ev);

/* Messages sent for vip for reason r since start. */
uint64_t vipd_announce_count(const struct vipd *d, unsigned vip,
			     enum announce_reason r);

/* {"acquire": N, "refresh": N, "link": N, "heal": N, "notify": N}: the
 * messages sent for vip, for status; a new reference. */
struct json_object *vipd_announce_json(const struct vipd *d, unsigned vip);

#endif
