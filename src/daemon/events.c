// SPDX-License-Identifier: MIT
/*
 * The event stream: every ownership event gets the next sequence number
 * of this vipd incarnation and is kept in a bounded history, so a
 * watcher that reconnects with `watch --since INCARNATION:SEQ` gets
 * exactly what it missed, or, when the history no longer reaches back
 * that far (or vipd restarted), a reset and a fresh snapshot.  Every
 * watch starts with the history's replay or a snapshot.
 */
#define _GNU_SOURCE /* struct ucred */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "check.h"
#include "control/server.h"
#include "announce.h"
#include "events.h"
#include "hooks.h"
#include "log.h"
#include "metrics.h"
#include "session.h"
#include "status.h"
#include "vipd.h"

struct vipd_events {
	char incarnation[17];          /* 16 hex digits, new each start */
	uint64_t seq;                  /* of the last event, 0: none yet */
	char *hist[VIPD_EVENT_HISTORY]; /* owned: event seq at seq % size */
};

int vipd_events_new(struct vipd *d)
{
	uint64_t r = 0;

	d->events = calloc(1, sizeof(*d->events));
	if (!d->events)
		return -ENOMEM;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	snprintf(d->events->incarnation, sizeof(d->events->incarnation),
		 "%016" PRIx64, r);
	return 0;
}

void vipd_events_free(struct vipd *d)
{
	if (!d->events)
		return;
	for (unsigned i = 0; i < VIPD_EVENT_HISTORY; i++)
		free(d->events->hist[i]);
	free(d->events);
	d->events = NULL;
}

/* Numbers o, keeps it in the history, sends it to every watcher. */
static void publish(struct vipd *d, struct json_object *o)
{
	struct vipd_events *e = d->events;
	const char *line;
	char **slot;

	json_object_object_add(o, "seq", json_object_new_int64(
		(int64_t)++e->seq));
	json_object_object_add(o, "incarnation",
			       json_object_new_string(e->incarnation));
	line = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	log_debug("event %s", line);
	slot = &e->hist[e->seq % VIPD_EVENT_HISTORY];
	free(*slot);
	*slot = strdup(line); /* NULL: a gap, a later replay resets */
	if (d->ctl)
		ctl_broadcast_seq(d->ctl, line, e->seq);
}

_Static_assert((int)LOG_MSG_CONFIG == (int)CORE_EV_CONFIG &&
		       (int)LOG_MSG_CLAIMED == (int)CORE_EV_CLAIMED,
	       "enum log_msg begins as enum core_event_type");

/* Says ev as a sentence, with its fields (log_decision). */
static void log_event(struct vipd *d, const struct core_event *ev,
		      const char *vip)
{
	static const char *const verb[CORE_EV_MAX + 1] = {
		[CORE_EV_CLAIMED] = "claimed by", [CORE_EV_LIVE] = "live at",
		[CORE_EV_RELEASED] = "released by", [CORE_EV_MOVED] = "moved to",
		[CORE_EV_LOST] = "lost by", [CORE_EV_JOINED] = "joined",
		[CORE_EV_LEFT] = "left", [CORE_EV_QUORUM] = "quorum",
		[CORE_EV_CONFIG] = "config",
	};
	enum log_msg id = (enum log_msg)ev->type; /* log.h follows core.h */
	uint32_t who = ev->type == CORE_EV_QUORUM ? d->self_id
		       : ev->type == CORE_EV_RELEASED ? ev->prev : ev->node;
	const char *prev = ev->type == CORE_EV_MOVED
				   ? core_node_name(d->core, ev->prev) : NULL;
	struct log_fields lf = { vip, core_node_name(d->core, who),
				 ev->term, ev->why ? ev->why : "" };
	const char *word = ev->type != CORE_EV_QUORUM ? verb[ev->type]
			   : ev->arg ? "quorum gained" : "quorum lost";
	/* the core's reason is often the event's own name: said once */
	const char *sep = *lf.reason && strncmp(word, lf.reason,
						 strlen(lf.reason)) != 0 ? ": " : "";
	const char *why = *sep ? lf.reason : "";

	if (ev->type == CORE_EV_QUORUM)
		log_decision(LOG_NOTICE, id, &lf, "%s%s%s", word, sep, why);
	else if (ev->type == CORE_EV_JOINED || ev->type == CORE_EV_LEFT)
		log_decision(LOG_INFO, id, &lf, "node '%s' %s the view%s%s",
			     lf.node, word, sep, why);
	else if (ev->type == CORE_EV_CONFIG && ev->arg)
		log_decision(LOG_WARNING, id, &lf,
			     "VIP '%s' is defined otherwise or not at all in "
			     "the vipd.conf of member '%s': claims, moves and "
			     "take-overs of it are refused until the files "
			     "agree", vip, lf.node);
	else if (ev->type == CORE_EV_CONFIG)
		log_decision(LOG_NOTICE, id, &lf, "VIP '%s': every member "
			     "defines it the same again", vip);
	else
		log_decision(LOG_NOTICE, id, &lf,
			     "VIP '%s' %s '%s'%s%s%s at term %llu%s%s", vip,
			     word, lf.node ? lf.node : "none",
			     prev ? " from '" : "", prev ? prev : "",
			     prev ? "'" : "", (unsigned long long)ev->term,
			     sep, why);
}

void vipd_event(void *ud, const struct core_event *ev)
{
	struct vipd *d = ud;
	struct json_object *o = json_object_new_object();
	const char *vip = ev->vip >= 0 ? d->conf.vips[ev->vip].name : NULL;

	json_object_object_add(o, "event", json_object_new_string(
		core_event_to_string(ev->type)));
	json_object_object_add(o, "vip", vip ? json_object_new_string(vip)
					     : NULL);
	json_object_object_add(o, "node", ev->type == CORE_EV_QUORUM
		? NULL : vipd_node_json(d, ev->node));
	if (ev->type == CORE_EV_QUORUM)
		json_object_object_add(o, "quorate",
				       json_object_new_boolean(ev->arg));
	json_object_object_add(o, "prev", vipd_node_json(d, ev->prev));
	json_object_object_add(o, "term", json_object_new_int64(
		(int64_t)ev->term));
	json_object_object_add(o, "why", json_object_new_string(
		ev->why ? ev->why : ""));
	json_object_object_add(o, "time", json_object_new_int64(
		(int64_t)vipd_wall_ms(d, 0)));
	publish(d, o);
	json_object_put(o);
	log_event(d, ev, vip);
	vipd_metrics_event(d, ev);
	vipd_announce_event(d, ev);
	hooks_event(d, ev);
	if (ev->vip >= 0) {
		vipd_session_check(d, (unsigned)ev->vip);
		vipd_check_act(d, (unsigned)ev->vip);
	}
}

/* Sends conn the events after since, if the history still has them. */
static int replay(struct vipd *d, uint64_t conn, uint64_t since)
{
	struct vipd_events *e = d->events;

	if (since > e->seq || e->seq - since >= VIPD_EVENT_HISTORY)
		return -ERANGE;
	for (uint64_t s = since + 1; s <= e->seq; s++)
		if (!e->hist[s % VIPD_EVENT_HISTORY])
			return -ERANGE;
	for (uint64_t s = since + 1; s <= e->seq; s++)
		(void)ctl_push(d->ctl, conn, e->hist[s % VIPD_EVENT_HISTORY]);
	return 0;
}

static void push_obj(struct vipd *d, uint64_t conn, struct json_object *o)
{
	json_object_object_add(o, "seq", json_object_new_int64(
		(int64_t)d->events->seq));
	json_object_object_add(o, "incarnation", json_object_new_string(
		d->events->incarnation));
	(void)ctl_push(d->ctl, conn, json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

void vipd_events_watch(struct vipd *d, uint64_t conn,
		       const struct ctl_req *req)
{
	struct vipd_events *e = d->events;
	struct json_object *o = json_object_new_object();
	int resume = req->has_since &&
		     !strcmp(req->since_incarnation, e->incarnation);

	ctl_watch(d->ctl, conn);
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "watching", json_object_new_boolean(1));
	json_object_object_add(o, "incarnation",
			       json_object_new_string(e->incarnation));
	json_object_object_add(o, "seq", json_object_new_int64(
		(int64_t)e->seq));
	(void)ctl_send(d->ctl, conn, json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	if (resume && replay(d, conn, req->since_seq) == 0)
		return;
	if (req->has_since) {
		o = json_object_new_object();
		json_object_object_add(o, "event",
				       json_object_new_string("reset"));
		json_object_object_add(o, "why", json_object_new_string(
			resume ? "the history no longer reaches back to that "
				 "event; a snapshot follows"
			       : "vipd restarted (another incarnation); a "
				 "snapshot follows"));
		push_obj(d, conn, o);
	}
	o = json_object_new_object();
	json_object_object_add(o, "event", json_object_new_string("snapshot"));
	json_object_object_add(o, "status", vipd_status_json(d, -1));
	push_obj(d, conn, o);
}
