/* SPDX-License-Identifier: MIT */
/* vipctl hold: run a command while holding a VIP as a session. */
#ifndef VIPD_CLI_HOLD_H
#define VIPD_CLI_HOLD_H

/* argv: the words after "hold" (VIP [OPTIONS] -- COMMAND ARGS...).
 * Returns COMMAND's exit status (128 + signal when killed), or vipctl's
 * codes: 1 refused or the session ended by vipd, 2 usage, 3 vipd
 * unreachable. */
int vipctl_hold(const char *socket, int argc, char **argv);

#endif
