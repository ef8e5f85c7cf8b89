// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the rtnetlink reply parser (src/net/nl.c: acks, errors
 * with ext-ack text, the end of a dump) with the address lookup of
 * src/net/addr.c on top: the first byte picks the address looked for
 * (even: 192.0.2.1/24, odd: 2001:db8::1/64, on ifindex 1), the rest is one
 * datagram of replies. As in fuzz-netlink, the datagram is copied to an
 * aligned buffer whose zeroed tail is poisoned. The reason must be a
 * string inside its buffer.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net/addr.h"

#include "poison.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct conf_addr v4 = {AF_INET, {192, 0, 2, 1}, 24};
static const struct conf_addr v6 = {
	AF_INET6, {0x20, 0x01, 0x0d, 0xb8, [15] = 1}, 64};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char reason[64];
	size_t cap;
	uint8_t *buf;
	int r;

	if (size < 1 || size > 65536)
		return 0;
	cap = (size + 8) & ~(size_t)7;
	buf = calloc(1, cap);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	ASAN_POISON_MEMORY_REGION(buf + size - 1, cap - size + 1);
	memset(reason, 'x', sizeof(reason));
	r = addr_present_parse(buf, size - 1, 1, data[0] & 1 ? &v6 : &v4,
			       reason, sizeof(reason));
	assert(r == 0 || r == 1 || r < 0);
	assert(memchr(reason, '\0', sizeof(reason)));
	ASAN_UNPOISON_MEMORY_REGION(buf + size - 1, cap - size + 1);
	free(buf);
	return 0;
}
