// SPDX-License-Identifier: MIT
/*
 * Group-follow: a VIP with `follow-group NAME` is claimed on this node
 * while the application's CPG group NAME has a member here, and released
 * when the last one leaves or dies.  The application becomes primary by
 * joining its group and stops by leaving it; vipd joins it as a silent
 * observer.  Claims and releases go through check.c's machinery (a member
 * here is a passing check), so a node whose member joins never takes the
 * VIP from a holder: it queues behind it.
 */
#define _GNU_SOURCE /* struct ucred */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include <json-c/json.h>

#include "check.h"
#include "conf_parse.h"
#include "engine/observe.h"
#include "follow.h"
#include "log.h"
#include "vipd.h"

#define FOLLOW_RETRY_US 1000000ull
#define FOLLOW_DISPATCH_MAX 16

struct vipd_follow {
	struct vipd *d;
	unsigned vip;
	struct observer *obs;   /* owned, NULL while corosync is away */
	struct ev_src *io;      /* owned */
	struct ev_src *retry;   /* owned */
	int err;                /* the last open's error, logged once */
};

static void set_health(struct vipd_follow *f, unsigned members)
{
	struct vipd_check *k = &f->d->checks[f->vip];
	enum check_health h = members ? CHECK_PASSING : CHECK_FAILING;

	if (k->health != h)
		log_notice("VIP '%s': %u member%s of group '%s' here: %s",
			   f->d->conf.vips[f->vip].name, members,
			   members == 1 ? "" : "s",
			   f->d->conf.vips[f->vip].follow,
			   members ? "claiming it" : "giving it up");
	k->health = h;
	k->rise = members;
	vipd_check_act(f->d, f->vip);
}

static void on_change(void *ud, struct observer *o)
{
	set_health(ud, observer_local(o));
}

static void drop(struct vipd_follow *f)
{
	f->io = ev_src_free(f->io);
	observer_close(f->obs);
	f->obs = NULL;
}

static int on_io(struct ev_src *s, int fd, uint32_t revents, void *ud)
{
	struct vipd_follow *f = ud;

	if (observer_dispatch(f->obs, FOLLOW_DISPATCH_MAX) == 0)
		return 0;
	log_warn("VIP '%s': lost corosync's group '%s', retrying",
		 f->d->conf.vips[f->vip].name, f->d->conf.vips[f->vip].follow);
	drop(f);
	set_health(f, 0);
	(void)ev_src_set_time_relative(f->retry, FOLLOW_RETRY_US);
	(void)ev_src_set_enabled(f->retry, EV_ONESHOT);
	return 0;
}

static int on_retry(struct ev_src *s, uint64_t usec, void *ud)
{
	struct vipd_follow *f = ud;
	const struct conf_vip *v = &f->d->conf.vips[f->vip];
	int r = observer_open(v->follow, on_change, f, &f->obs);

	if (r == 0)
		r = ev_add_io(f->d->ev, &f->io, observer_fd(f->obs), EPOLLIN,
			      on_io, f);
	if (r == 0) {
		log_info("VIP '%s': following group '%s'", v->name, v->follow);
		f->err = 0;
		return 0;
	}
	if (r != f->err)
		log_errno(r, "VIP '%s': cannot join group '%s'%s, retrying",
			  v->name, v->follow,
			  r == -EACCES ? " (corosync refuses this user: see "
					 "its uidgid.d)"
				       : "");
	f->err = r;
	drop(f);
	(void)ev_src_set_time_relative(s, FOLLOW_RETRY_US);
	(void)ev_src_set_enabled(s, EV_ONESHOT);
	return 0;
}

int vipd_follow_start(struct vipd *d)
{
	int self = conf_self_index(&d->conf);

	/* a slot for each VIP a reload may add (never a group-follow) */
	d->follows = calloc(conf_vip_room(&d->conf) + 1, sizeof(*d->follows));
	if (!d->follows)
		return -ENOMEM;
	for (unsigned i = 0; i < d->conf.nvips; i++) {
		struct vipd_follow *f = &d->follows[i];
		const struct conf_vip *v = &d->conf.vips[i];

		f->d = d;
		f->vip = i;
		if (!v->follow[0] || self < 0 || !((v->eligible >> self) & 1u))
			continue;
		if (ev_add_time_relative(d->ev, &f->retry, 0, on_retry, f) < 0)
			return -ENOMEM;
	}
	return 0;
}

struct json_object *vipd_follow_json(struct vipd *d, unsigned vip)
{
	const struct vipd_follow *f = d->follows ? &d->follows[vip] : NULL;
	struct json_object *o;

	if (!f || !f->retry)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "group", json_object_new_string(
		d->conf.vips[vip].follow));
	json_object_object_add(o, "joined", json_object_new_boolean(
		f->obs != NULL));
	json_object_object_add(o, "members_here", json_object_new_int(
		f->obs ? (int)observer_local(f->obs) : 0));
	return o;
}

void vipd_follow_free(struct vipd *d)
{
	for (unsigned i = 0; d->follows && i < d->conf.nvips; i++) {
		drop(&d->follows[i]);
		ev_src_free(d->follows[i].retry);
	}
	free(d->follows);
	d->follows = NULL;
}
