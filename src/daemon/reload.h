/* SPDX-License-Identifier: MIT */
/*
 * Reload (SIGHUP): read the file again into a fresh struct conf, validate
 * all of it, compare it with the running one, and take it only if every
 * difference is one a running vipd can apply: the per-VIP allow lists
 * and announcements, the notify hook, and VIPs added, removed or
 * redefined (addresses, dev, nodes, policy), which the core freezes until
 * every member defines them alike.  The rest is refused, naming the first
 * such change: the lease, the socket and the user need a restart of this
 * node's vipd; this node's name, the group, the gate's mark and the
 * cluster's nodes must be the same on every node; a VIP's check and
 * follow-group, and the address of a VIP live here, stay while vipd runs.
 * Either all of the new file is taken or none of it.
 */
#ifndef VIPD_DAEMON_RELOAD_H
#define VIPD_DAEMON_RELOAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/conf.h"

/* Bits of conf_reload_check()'s *changed. */
#define CONF_CHANGED_ALLOW 0x1
#define CONF_CHANGED_ANNOUNCE 0x2
#define CONF_CHANGED_NOTIFY 0x4
#define CONF_CHANGED_VIPS 0x8 /* VIPs added, removed or redefined: the core
			       * must core_reconf(), the gate follow */

/*
 * 0 if next differs from cur only in what reload applies, with those
 * differences in *changed (0: none); -EINVAL if not, with why[] naming
 * the first other difference and the way to apply it.
 */
int conf_reload_check(const struct conf *cur, const struct conf *next,
		      const uint8_t *up, unsigned *changed, char *why,
		      size_t len);

/* Copies into cur what conf_reload_check() allowed to change, mapping
 * VIPs by name: changed ones in place, added ones appended, removed ones
 * marked retired.  No slot moves. */
void conf_reload_apply(struct conf *cur, const struct conf *next);

/* Gives c's VIP array room for cap slots (a reload appends up to it),
 * keeping its VIPs.  0, or -ENOMEM with c unchanged. */
int conf_make_room(struct conf *c, unsigned cap);

/*
 * Loads path, checks it against *cur and applies it; up[] (per slot, or
 * NULL) tells the VIPs whose address is live on this node.  Returns 0 with
 * *changed set; -EINVAL with the file's errors written to errs or the
 * refused change in why[]; or -errno if the file could not be read or
 * memory ran out.  On any failure *cur is left exactly as it was.
 */
int conf_reload(struct conf *cur, const char *path, FILE *errs,
		const uint8_t *up, unsigned *changed, char *why, size_t len);

#endif
