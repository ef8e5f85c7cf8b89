// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the gate watcher's parser (src/net/gate_watch.c):
 * arbitrary bytes as one datagram from NFNLGRP_NFTABLES, copied to an
 * aligned buffer, as the kernel's datagrams are; the answer is 1, 0 or
 * -EBADMSG.  The buffer's tail up to the next 8 bytes is zeroed and
 * poisoned: libmnl (not instrumented) reads zeros there and carries on,
 * and the first instrumented read of it is caught.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/gate_watch.h"

#include "poison.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap = (size + 8) & ~(size_t)7;
	uint8_t *buf;
	int r;

	if (size > 65536)
		return 0;
	buf = calloc(1, cap);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	ASAN_POISON_MEMORY_REGION(buf + size, cap - size);
	r = gate_watch_parse(buf, size);
	assert(r == 0 || r == 1 || r == -EBADMSG);
	ASAN_UNPOISON_MEMORY_REGION(buf + size, cap - size);
	free(buf);
	return 0;
}
