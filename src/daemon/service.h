/* SPDX-License-Identifier: MIT */
/*
 * vipd's side of the service manager's notification protocol
 * (sd_notify(3)).  Every call is a no-op outside systemd (NOTIFY_SOCKET
 * unset).
 */
#ifndef VIPD_DAEMON_SERVICE_H
#define VIPD_DAEMON_SERVICE_H

struct vipd;

/* After vipd_loop_setup(): notice NOTIFY_SOCKET and, when WATCHDOG_USEC
 * asks for it, add a loop timer sending WATCHDOG=1 twice per interval.
 * 0 or -errno (from the loop). */
int service_init(struct vipd *d);
/* Something STATUS= reports may have changed (corosync, view, quorum,
 * sync, a VIP here): service_update() looks at it after this pass. */
void service_changed(struct vipd *d);
/* After a loop pass: if something changed, send STATUS= (what vipd waits
 * for, or "3 members, quorate, holding db; 2 VIPs") when its text did,
 * and READY=1 the first time the table is learnt. */
void service_update(struct vipd *d);
/* Around a reload: RELOADING=1, then READY=1 (once ready). */
void service_reloading(struct vipd *d);
void service_reloaded(struct vipd *d);
/* The clean stop began: STOPPING=1. */
void service_stopping(struct vipd *d);

#endif
