/* SPDX-License-Identifier: MIT */
/*
 * Printing a struct conf back as vipd.conf text, for vipd --check-config
 * and the round-trip tests. Reads the config, never changes it.
 */
#ifndef VIPD_DAEMON_PRINTCONF_H
#define VIPD_DAEMON_PRINTCONF_H

#include <stdio.h>

#include "core/conf.h"

/*
 * Writes c to f in normalised form: every setting spelled out, defaults
 * included, one statement a line, strings quoted only when they must be.
 * Parsing the output gives back a config equal to c. c must come from
 * conf_load() (valid node indexes); write errors are left in f's state.
 */
void conf_print(FILE *f, const struct conf *c);

#endif
