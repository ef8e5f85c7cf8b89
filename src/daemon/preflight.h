/* SPDX-License-Identifier: MIT */
/*
 * The checks of a start that need the file system and the network
 * namespace, not just the configuration's text.
 */
#ifndef VIPD_DAEMON_PREFLIGHT_H
#define VIPD_DAEMON_PREFLIGHT_H

#include <stdio.h>

#include "core/conf.h"

/* As this process's user: the handoff-key is a readable regular file of
 * HANDOFF_KEY_MIN..HANDOFF_KEY_MAX bytes, the notify hook an executable
 * regular file (errors), and each VIP's interface exists (a warning: it
 * may appear later).  Writes one "vipd: ..." line per finding to f,
 * naming the file and the errno text.  0, or the first error's -errno. */
int preflight_check(const struct conf *c, FILE *f);

#endif
