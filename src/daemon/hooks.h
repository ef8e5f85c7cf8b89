/* SPDX-License-Identifier: MIT */
/* Notify hooks: the configured script runs on every acquire and release
 * of a VIP on this node, like keepalived's notify scripts, one at a time
 * per VIP in event order (doc/vipd.conf.5, notify). */
#ifndef VIPD_DAEMON_HOOKS_H
#define VIPD_DAEMON_HOOKS_H

#include <stdint.h>

struct vipd;
struct core_event;

/* What a hook is told besides the VIP (all strings borrowed). */
struct hook_facts {
	const char *event;  /* "acquire" | "release" */
	uint64_t term;      /* the VIP's term */
	const char *self;   /* this node's name */
	const char *holder; /* holder after the change, "" for none */
	const char *reason; /* NULL: the why of the VIP's last core event */
};

/* Queues conf.notify (if set) for conf.vips[vip] as "SCRIPT EVENT VIP
 * TERM" with VIPD_* variables (hooks.c), after the hooks of that VIP
 * already queued; starts it when none of them runs.  No capabilities,
 * a fixed environment, a 10 s timeout.  Never blocks; failures are
 * logged. */
void hooks_run(struct vipd *d, unsigned vip, const struct hook_facts *f);

/* hooks_run() with the facts of the core's table (act.c). */
void hooks_act(struct vipd *d, const char *event, unsigned vip);

/* Remembers the previous holder and the why of a VIP's ownership event
 * for its next hook (events.c). */
void hooks_event(struct vipd *d, const struct core_event *ev);

/* Hooks of vip queued or running. */
unsigned hooks_pending(const struct vipd *d, unsigned vip);

/* At exit: waits for the running hooks and runs the ones still queued,
 * in order, each within its timeout (blocking), then frees all. */
void hooks_free(struct vipd *d);

/* In a child of vipd, before exec: default signal mask, normal
 * scheduling, no capabilities, no_new_privs, only stdio left open.
 * Exits 126 if the capabilities cannot be dropped. */
void hooks_child_prepare(void);

#endif
