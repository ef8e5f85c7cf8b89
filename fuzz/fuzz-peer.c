// SPDX-License-Identifier: MIT
/*
 * Fuzz target: arbitrary bytes as a peer record.  A record that decodes
 * must encode back to the same bytes.
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
	struct core_msg m;
	uint32_t sender;
	int n;

	if (peer_decode(data, size, &sender, &m, e, 512) < 0)
		return 0;
	n = peer_encode(&m, sender, out, sizeof(out));
	assert(n == (int)size);
	assert(memcmp(out, data, size) == 0);
	return 0;
}
