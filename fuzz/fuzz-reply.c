// SPDX-License-Identifier: MIT
/*
 * Fuzz target for libvip's parsing of vipd's JSON lines: the same input
 * goes through the reply, status and event parsers, which must refuse or
 * accept it without crashing or leaking.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "lib/reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line = (const char *)data;
	struct vip_status *s = NULL;
	struct vip_event e;
	struct reply r;
	size_t i;

	if (reply_parse(line, size, &r) == 0) {
		assert(strlen(r.vip) < sizeof(r.vip));
		assert(reply_errno(r.error) < 0);
	}
	if (reply_parse_status(line, size, &s) == 0) {
		for (i = 0; i < s->n_vips; i++)
			assert(strlen(s->vips[i].name) < VIP_NAME_MAX);
		vip_status_free(s);
	}
	memset(&e, 0, sizeof(e));
	if (reply_parse_event(line, size, &e) == 0)
		assert(e.quorate >= -1 && e.quorate <= 1);
	return 0;
}
