/* SPDX-License-Identifier: MIT */
/*
 * Session claims: a VIP that stays on this node only while the client
 * that claimed it (its connection, and its keep-alives when it asked for
 * a timeout) lives.  The sessions live in struct vipd.
 */
#ifndef VIPD_DAEMON_SESSION_H
#define VIPD_DAEMON_SESSION_H

#include <stdint.h>
#include <sys/types.h>

#include "core/core.h"

struct vipd;
struct json_object;

/* Opens a session for the claim reqid of connection conn on vip, with a
 * keep-alive timeout (0: the connection alone).  0, -EBUSY (no free
 * slot) or -ENOMEM. */
int vipd_session_open(struct vipd *d, uint64_t conn, pid_t pid,
		      unsigned vip, uint64_t reqid, uint32_t timeout_ms);
/* The core answered reqid: a session's claim is granted or not.  Call for
 * every answer, before the request's own handling. */
void vipd_session_reply(struct vipd *d, uint64_t reqid, enum core_err err,
			uint64_t term);
/* vip changed: a session whose VIP is no longer here at its term ends
 * (nothing to release), and its client is told. */
void vipd_session_check(struct vipd *d, unsigned vip);
/* Connection conn is gone: its sessions end (release, or withdraw). */
void vipd_session_closed(struct vipd *d, uint64_t conn);
/* conn releases vip itself: its session on vip ends without a second
 * release. */
void vipd_session_drop(struct vipd *d, uint64_t conn, unsigned vip);
/* {"pid":N,"keepalive_ms":N} of vip's held session here, or NULL. */
struct json_object *vipd_session_json(struct vipd *d, unsigned vip);
/* Teardown: frees the timers. */
void vipd_session_free_all(struct vipd *d);

#endif
