/* SPDX-License-Identifier: MIT */
/* vipctl top: a live view of members, quorum and VIPs, drawn on events. */
#ifndef VIPD_CLI_TOP_H
#define VIPD_CLI_TOP_H

/* argv: the words after "top" ([--plain]).  Draws a frame after each
 * batch of events of vipd's stream until it ends; in place on a terminal,
 * one after another (--plain, or stdout not a terminal) elsewhere.
 * Returns vipctl's codes: 2 usage, 3 vipd unreachable or gone. */
int vipctl_top(const char *socket, int argc, char **argv);

#endif
