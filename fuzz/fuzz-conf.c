// SPDX-License-Identifier: MIT
/*
 * Fuzz target of the config loader: the input is a whole vipd.conf, read
 * from memory with includes refused and user and group names not looked
 * up (NSS reads files on every call), so no file is ever opened. A loaded
 * config is printed and must load again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/conf_parse.h"
#include "daemon/printconf.h"

#define FLAGS (CONF_LOAD_NO_INCLUDE | CONF_LOAD_NO_NSS)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c, again;
	char *out = NULL;
	size_t n = 0;
	FILE *m;

	if (conf_load_buffer_flags("fuzz.conf", (const char *)data, size, FLAGS,
				   &c, NULL) < 0)
		return 0;
	m = open_memstream(&out, &n);
	if (!m)
		abort();
	conf_print(m, &c);
	fclose(m);
	if (conf_load_buffer_flags("fuzz.conf", out, n, FLAGS, &again, NULL) <
	    0)
		abort(); /* printconf wrote something the parser refuses */
	conf_free(&again);
	conf_free(&c);
	free(out);
	return 0;
}
