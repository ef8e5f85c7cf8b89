/* SPDX-License-Identifier: MIT */
/*
 * The event stream: numbered events, a bounded history, snapshots and
 * resumption (watch --since).
 */
#ifndef VIPD_DAEMON_EVENTS_H
#define VIPD_DAEMON_EVENTS_H

#include <stdint.h>

#include "core/core.h"
#include "proto/ctl.h"

#define VIPD_EVENT_HISTORY 1024 /* events a watcher can resume across */

struct vipd;

/* A new incarnation (a random id) with an empty history.  0 or
 * -ENOMEM. */
int vipd_events_new(struct vipd *d);
void vipd_events_free(struct vipd *d);
/* The watch request of conn: the acknowledgement (incarnation, last seq),
 * then the events after --since from the history, or (a reset and) a
 * snapshot of the status; then every new event. */
void vipd_events_watch(struct vipd *d, uint64_t conn,
		       const struct ctl_req *req);

#endif
