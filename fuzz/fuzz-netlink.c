// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the link-event parser (src/net/link.c): arbitrary bytes
 * as one datagram from RTNLGRP_LINK. The input is copied to an aligned
 * buffer, as the kernel's datagrams are; every reported name must be a
 * string of at most IFNAMSIZ - 1 bytes. The buffer's tail up to the next
 * 8 bytes is zeroed and poisoned: libmnl (not instrumented) reads zeros
 * there and carries on, and the first instrumented read of it is caught.
 * The same bytes then go to the neighbour reply parser (src/net/neigh.c).
 */
#include <assert.h>
#include <net/if.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/link.h"
#include "net/neigh.h"

#include "poison.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void event_cb(int ifindex, const char *ifname, bool is_up, void *ud)
{
	size_t *events = ud;

	assert(ifindex > 0);
	assert(strlen(ifname) < IFNAMSIZ);
	(*events)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t events = 0, cap = (size + 8) & ~(size_t)7;
	uint8_t *buf, mac[6];
	int r;

	if (size > 65536)
		return 0;
	buf = calloc(1, cap);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	ASAN_POISON_MEMORY_REGION(buf + size, cap - size);
	r = link_parse(buf, size, event_cb, &events);
	assert(r < 0 || (size_t)r == events);
	r = neigh_parse(buf, size, mac);
	assert(r == 0 || r < 0);
	ASAN_UNPOISON_MEMORY_REGION(buf + size, cap - size);
	free(buf);
	return 0;
}
