// SPDX-License-Identifier: MIT
/*
 * Fuzz target: arbitrary bytes as a CPG message, split into records as
 * the daemon does (peer_next()).  A record that decodes must encode back
 * to the same bytes; a split never leaves the buffer.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "proto/peer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct core_state_entry e[512];
	static uint8_t out[65536];
	size_t off = 0;

	while (off < size) {
		struct core_msg m;
		uint32_t sender;
		int len = peer_next(data + off, size - off), n;

		if (len < 0)
			return 0;
		assert((size_t)len <= size - off);
		if (peer_decode(data + off, (size_t)len, &sender, &m, e,
				512) == 0) {
			n = peer_encode(&m, sender, out, sizeof(out));
			assert(n == len);
			assert(memcmp(out, data + off, (size_t)len) == 0);
		}
		off += (size_t)len;
	}
	return 0;
}
