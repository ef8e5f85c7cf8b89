// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the link-event parser (src/net/link.c): arbitrary bytes
 * as one datagram from RTNLGRP_LINK. The input is copied to an aligned
 * buffer, as the kernel's datagrams are; every reported name must be a
 * string of at most IFNAMSIZ - 1 bytes.
 */
#include <assert.h>
#include <net/if.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/link.h"

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
	size_t events = 0;
	void *buf;
	int r;

	if (size > 65536)
		return 0;
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	r = link_parse(buf, size, event_cb, &events);
	assert(r < 0 || (size_t)r == events);
	free(buf);
	return 0;
}
