// SPDX-License-Identifier: MIT
/*
 * Fuzz target for control request lines: any input either parses, and
 * then formats to a line that parses back to the same request, or is
 * refused with a NUL-terminated reason.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "proto/ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char reason[CTL_REASON_MAX], buf[CTL_LINE_MAX + 1];
	struct ctl_req r, again;
	int n;

	memset(reason, 0, sizeof(reason));
	if (ctl_req_parse((const char *)data, size, &r, reason,
			  sizeof(reason)) < 0) {
		assert(reason[0] != '\0');
		assert(memchr(reason, 0, sizeof(reason)) != NULL);
		return 0;
	}
	n = ctl_req_format(&r, buf, sizeof(buf));
	assert(n > 0 && (size_t)n <= CTL_LINE_MAX);
	assert(ctl_req_parse(buf, (size_t)n, &again, NULL, 0) == 0);
	assert(memcmp(&r, &again, sizeof(r)) == 0);
	return 0;
}
