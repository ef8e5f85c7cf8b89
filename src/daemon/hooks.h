/* SPDX-License-Identifier: MIT */
/* Notify hooks: the configured script runs on every acquire and release
 * of a VIP on this node, like keepalived's notify scripts. */
#ifndef VIPD_DAEMON_HOOKS_H
#define VIPD_DAEMON_HOOKS_H

#include <stdint.h>

struct vipd;

/* Run conf.notify (if set) as "SCRIPT EVENT VIP TERM" with no
 * capabilities, a fixed environment and a 10 s timeout.  Never blocks;
 * failures are logged. */
void hooks_run(struct vipd *d, const char *event, const char *vip,
	       uint64_t term);

/* In a child of vipd, before exec: default signal mask, normal
 * scheduling, no capabilities, no_new_privs, only stdio left open.
 * Exits 126 if the capabilities cannot be dropped. */
void hooks_child_prepare(void);

#endif
