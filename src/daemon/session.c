// SPDX-License-Identifier: MIT
/*
 * Session claims (claim --session): a VIP held for as long as the client
 * that claimed it keeps its control connection open and, with a timeout,
 * keeps sending keep-alives.  When the session ends this node releases the
 * VIP with a release bound to the session's term (core_release_held), so
 * a session never releases a holder that came after it.  A session whose
 * claim is still in flight withdraws it; should the claim be granted all
 * the same, the grant is released as soon as it is answered.
 */
#define _GNU_SOURCE /* struct ucred */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "control/server.h"
#include "log.h"
#include "session.h"
#include "vipd.h"

static struct vipd_session *find_reqid(struct vipd *d, uint64_t reqid)
{
	for (unsigned i = 0; i < VIPD_MAX_SESSIONS; i++)
		if (reqid && d->sessions[i].reqid == reqid)
			return &d->sessions[i];
	return NULL;
}

static void session_free(struct vipd_session *s)
{
	s->timer = ev_src_free(s->timer);
	memset(s, 0, sizeof(*s));
}

/* Tells a client still there why its session ended, then hangs up. */
static void tell_end(struct vipd *d, const struct vipd_session *s,
		     const char *why)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "event",
			       json_object_new_string("session-ended"));
	json_object_object_add(o, "vip", json_object_new_string(
		d->conf.vips[s->vip].name));
	json_object_object_add(o, "term",
			       json_object_new_int64((int64_t)s->term));
	json_object_object_add(o, "why", json_object_new_string(why));
	(void)ctl_push(d->ctl, s->conn, json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	ctl_hangup(d->ctl, s->conn);
}

/* Ends s: releases what it holds, withdraws what it claims. */
static void session_end(struct vipd *d, struct vipd_session *s,
			const char *why, int tell)
{
	const char *vip = d->conf.vips[s->vip].name;
	char reason[CTL_REASON_MAX];
	int e;

	if (tell && s->conn)
		tell_end(d, s, why);
	s->conn = 0;
	s->timer = ev_src_free(s->timer);
	if (s->reqid) {
		/* Orphaned: vipd_session_reply() settles it. */
		log_notice("VIP '%s': session of pid %d ended (%s) before "
			   "its claim was answered; withdrawing the claim",
			   vip, (int)s->pid, why);
		(void)core_cancel(d->core, vip, s->reqid);
		return;
	}
	log_notice("VIP '%s': session of pid %d ended (%s); releasing it "
		   "at term %" PRIu64, vip, (int)s->pid, why, s->term);
	e = core_release_held(d->core, vip, s->term, ++d->reqid, reason,
			      sizeof(reason));
	if (e)
		log_warn("VIP '%s': release at the session's end refused: %s",
			 vip, reason);
	session_free(s);
	vipd_schedule(d);
}

static int on_keepalive(struct ev_src *src, uint64_t usec, void *ud)
{
	struct vipd_session *s = ud;
	struct vipd *d = s->d;
	uint64_t last = ctl_last_input(d->ctl, s->conn);

	if (last && usec < last + s->timeout_us) {
		(void)ev_src_set_time(src, last + s->timeout_us);
		(void)ev_src_set_enabled(src, EV_ONESHOT);
		return 0;
	}
	session_end(d, s, "no keep-alive within the session timeout", 1);
	return 0;
}

int vipd_session_open(struct vipd *d, uint64_t conn, pid_t pid,
		      unsigned vip, uint64_t reqid, uint32_t timeout_ms)
{
	for (unsigned i = 0; i < VIPD_MAX_SESSIONS; i++) {
		struct vipd_session *s = &d->sessions[i];

		if (s->conn || s->reqid)
			continue;
		*s = (struct vipd_session){ .conn = conn, .pid = pid,
					    .vip = vip, .reqid = reqid,
					    .timeout_us = timeout_ms * 1000ull,
					    .d = d };
		if (timeout_ms &&
		    ev_add_time(d->ev, &s->timer, EV_NEVER, on_keepalive, s) <
			    0) {
			memset(s, 0, sizeof(*s));
			return -ENOMEM;
		}
		return 0;
	}
	return -EBUSY;
}

void vipd_session_reply(struct vipd *d, uint64_t reqid, enum core_err err,
			uint64_t term)
{
	struct vipd_session *s = find_reqid(d, reqid);

	if (!s)
		return;
	s->reqid = 0;
	if (err) {
		session_free(s);
		return;
	}
	s->term = term;
	if (!s->conn) {
		session_end(d, s, "its client left while it was granted", 0);
		return;
	}
	/* Keep-alives count from the grant: a client blocked in its claim
	 * could not send them. */
	if (s->timer) {
		(void)ev_src_set_time(s->timer, vipd_now(d) + s->timeout_us);
		(void)ev_src_set_enabled(s->timer, EV_ONESHOT);
	}
}

void vipd_session_check(struct vipd *d, unsigned vip)
{
	struct core_vip_info vi;
	char why[128];

	core_vip_get(d->core, vip, &vi);
	for (unsigned i = 0; i < VIPD_MAX_SESSIONS; i++) {
		struct vipd_session *s = &d->sessions[i];

		if (!s->conn || s->reqid || s->vip != vip)
			continue;
		if (vi.holder == d->self_id && vi.term == s->term)
			continue;
		snprintf(why, sizeof(why), "the VIP went to %s at term %" PRIu64,
			 vi.holder ? core_node_name(d->core, vi.holder)
				   : "no node",
			 vi.term);
		log_notice("VIP '%s': session of pid %d ended: %s",
			   d->conf.vips[vip].name, (int)s->pid, why);
		tell_end(d, s, why);
		session_free(s);
	}
}

void vipd_session_closed(struct vipd *d, uint64_t conn)
{
	for (unsigned i = 0; i < VIPD_MAX_SESSIONS; i++)
		if (d->sessions[i].conn == conn)
			session_end(d, &d->sessions[i],
				    "its client closed the connection", 0);
}

void vipd_session_drop(struct vipd *d, uint64_t conn, unsigned vip)
{
	for (unsigned i = 0; i < VIPD_MAX_SESSIONS; i++) {
		struct vipd_session *s = &d->sessions[i];

		if (s->conn == conn && s->vip == vip && !s->reqid)
			session_free(s);
	}
}

struct json_object *vipd_session_json(struct vipd *d, unsigned vip)
{
	for (unsigned i = 0; i < VIPD_MAX_SESSIONS; i++) {
		const struct vipd_session *s = &d->sessions[i];
		struct json_object *o;

		if (!s->conn || s->reqid || s->vip != vip)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "pid", json_object_new_int(s->pid));
		json_object_object_add(o, "keepalive_ms", json_object_new_int64(
			(int64_t)(s->timeout_us / 1000)));
		return o;
	}
	return NULL;
}

void vipd_session_free_all(struct vipd *d)
{
	for (unsigned i = 0; i < VIPD_MAX_SESSIONS; i++)
		d->sessions[i].timer = ev_src_free(d->sessions[i].timer);
}
