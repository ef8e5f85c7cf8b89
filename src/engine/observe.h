/* SPDX-License-Identifier: MIT */
/*
 * Observing an application's own CPG group (group-follow): vipd joins it
 * as a silent member and counts, from its configuration changes, the
 * group's members on this node other than itself.  It never sends.
 */
#ifndef VIPD_ENGINE_OBSERVE_H
#define VIPD_ENGINE_OBSERVE_H

struct observer;

/* Called after each configuration change of the group. */
typedef void (*observer_fn)(void *ud, struct observer *o);

/* Joins group.  0 and *ret, -ENAMETOOLONG, -ENOMEM, -ENOTCONN (corosync
 * not reachable), -EACCES (corosync refuses this user: see its uidgid.d)
 * or another -errno. */
int observer_open(const char *group, observer_fn fn, void *ud,
		  struct observer **ret);
/* Leaves the group and frees o.  NULL-safe. */
void observer_close(struct observer *o);
/* The fd to poll for input. */
int observer_fd(const struct observer *o);
/* Dispatches at most max callbacks.  0, or -ENOTCONN once corosync is
 * gone (close o and open again later). */
int observer_dispatch(struct observer *o, unsigned max);
/* The group's members on this node, vipd itself not counted. */
unsigned observer_local(const struct observer *o);

#endif
