/* SPDX-License-Identifier: MIT */
/*
 * Health-check claims: vipd runs a VIP's `check` command and claims the
 * VIP on this node while it passes, releases it when it fails.
 */
#ifndef VIPD_DAEMON_CHECK_H
#define VIPD_DAEMON_CHECK_H

#include <stdint.h>
#include <sys/types.h>

#include "core/core.h"

struct vipd;
struct json_object;
struct ev_src;

enum check_health {
	CHECK_UNKNOWN = 0, /* fewer than rise passes or fall failures yet */
	CHECK_PASSING,
	CHECK_FAILING,
};

struct vipd_check {
	struct vipd *d;          /* back-pointer for the sources */
	unsigned vip;
	struct ev_src *timer;    /* owned: the next run */
	struct ev_src *child;    /* owned: the run in progress, or NULL */
	struct ev_src *deadline; /* owned: its timeout, or NULL */
	int timed_out;           /* the run in progress was killed */
	enum check_health health;
	unsigned rise, fall;     /* passes, failures in a row */
	uint64_t runs;
	uint64_t reqid;          /* our claim in flight, 0 none */
	char last[64];           /* the last run's outcome */
};

/* Allocates d->checks and starts the checks of every VIP that has one.
 * 0 or -ENOMEM. */
int vipd_checks_start(struct vipd *d);
void vipd_checks_free(struct vipd *d);
/* vip changed, or its check: claim, withdraw or release as its health
 * wants (nothing for a VIP without a check). */
void vipd_check_act(struct vipd *d, unsigned vip);
/* The core answered reqid: a check's claim is settled. */
void vipd_check_reply(struct vipd *d, uint64_t reqid, enum core_err err,
		      uint64_t term);
/* {"state","passes","failures","runs","last"} of vip's check, or NULL. */
struct json_object *vipd_check_json(struct vipd *d, unsigned vip);

#endif
