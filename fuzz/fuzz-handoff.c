// SPDX-License-Identifier: MIT
/*
 * Fuzz target: arbitrary bytes as a hand-off datagram, checked with the
 * key the corpus was made with.  A datagram that authenticates must
 * encode back to the same bytes; decoding never reads past the input.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "proto/handoff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[] = "fuzz-handoff-key-0123456789";
	uint8_t out[HANDOFF_MAX];
	struct handoff h;
	char reason[128];

	if (handoff_decode(data, size, key, sizeof(key) - 1, &h, reason,
			   sizeof(reason)) == 0) {
		int n = handoff_encode(&h, key, sizeof(key) - 1, out,
				       sizeof(out));

		assert(n >= 0 && (size_t)n == size);
		assert(memcmp(out, data, size) == 0);
	} else {
		assert(reason[0]);
	}
	return 0;
}
