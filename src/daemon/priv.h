/* SPDX-License-Identifier: MIT */
/* Privileges: keep CAP_NET_ADMIN and CAP_NET_RAW, nothing more. */
#ifndef VIPD_DAEMON_PRIV_H
#define VIPD_DAEMON_PRIV_H

/* Drop to user (NULL or "": stay uid 0) keeping only the two
 * capabilities, clear the bounding set, verify.  0 or -errno. */
int priv_drop(const char *user);

#endif
