/* SPDX-License-Identifier: MIT */
/*
 * Group-follow: a VIP held on this node while the application's own CPG
 * group has a member here (follow-group in vipd.conf).
 */
#ifndef VIPD_DAEMON_FOLLOW_H
#define VIPD_DAEMON_FOLLOW_H

struct vipd;
struct json_object;

/* Allocates d->follows and joins the groups of the VIPs that follow one
 * (retrying every second while corosync refuses).  Call after
 * vipd_checks_start().  0 or -ENOMEM. */
int vipd_follow_start(struct vipd *d);
void vipd_follow_free(struct vipd *d);
/* {"group","joined","members_here"} of vip, or NULL. */
struct json_object *vipd_follow_json(struct vipd *d, unsigned vip);

#endif
