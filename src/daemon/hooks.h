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

#endif
