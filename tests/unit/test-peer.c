// SPDX-License-Identifier: MIT
/*
 * Peer record codec: every type round-trips; every truncation, bad
 * version, bad type, bad length and bad name is refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto/peer.h"

static struct core_state_entry ents[3] = {
	{ .vip = "db", .term = 7, .holder = 1, .prev = 2, .waiter = 3,
	  .live = 1, .fp = 0xdeadbeef },
	{ .vip = "web-1", .term = 1ull << 40, .fp = 1 },
	{ .vip = "x.y_z", .term = 2, .holder = 3 },
};

static struct core_msg sample(enum core_msg_type t)
{
	struct core_msg m = {
		.type = t, .term = 42, .node = 3, .reqid = 0x1122334455667788,
		.seq = 99, .sent_us = 123456789, .flags = CORE_MSG_F_WAIT,
	};

	strcpy(m.vip, "db");
	if (t == CORE_MSG_RENEW) { /* the reqid slot carries the lease */
		m.reqid = 0;
		m.lease_us = 330000;
	}
	if (t == CORE_MSG_STATE) {
		m.vip[0] = '\0';
		m.nentries = 3;
		m.entries = ents;
	}
	return m;
}

static void every_type_round_trips(void **state)
{
	for (int t = CORE_MSG_CLAIM; t <= CORE_MSG_TYPE_MAX; t++) {
		struct core_msg m = sample((enum core_msg_type)t), out;
		struct core_state_entry e[8];
		uint8_t buf[1024];
		uint32_t sender = 0;
		int n = peer_encode(&m, 5, buf, sizeof(buf));

		assert_int_equal(n, (int)peer_size(&m));
		assert_int_equal(peer_decode(buf, (size_t)n, &sender, &out, e,
					     8), 0);
		assert_int_equal(sender, 5);
		assert_int_equal(out.type, t);
		assert_string_equal(out.vip, m.vip);
		assert_true(out.term == m.term && out.reqid == m.reqid &&
			    out.seq == m.seq && out.sent_us == m.sent_us &&
			    out.node == m.node && out.flags == m.flags &&
			    out.lease_us == m.lease_us);
		assert_int_equal(out.nentries, m.nentries);
		for (unsigned k = 0; k < out.nentries; k++)
			assert_memory_equal(&out.entries[k], &ents[k],
					    sizeof(ents[k]));
	}
}

static void every_truncation_is_refused(void **state)
{
	struct core_msg m = sample(CORE_MSG_STATE), out;
	struct core_state_entry e[8];
	uint8_t buf[1024];
	uint32_t sender;
	int n = peer_encode(&m, 1, buf, sizeof(buf));

	for (int len = 0; len < n; len++) {
		/* keep the length field consistent so deeper checks run */
		buf[2] = (uint8_t)(len >> 8);
		buf[3] = (uint8_t)len;
		assert_true(peer_decode(buf, (size_t)len, &sender, &out, e,
					8) < 0);
	}
}

static void bad_headers_are_refused(void **state)
{
	static const struct {
		const char *what;
		unsigned off;
		uint8_t val;
		int err;
	} cases[] = {
		{ "version 0", 0, 0, -EPROTO },
		{ "version 2", 0, 2, -EPROTO },
		{ "type 0", 1, 0, -EPROTO },
		{ "type past the last", 1, CORE_MSG_TYPE_MAX + 1, -EPROTO },
		{ "length too long", 3, 200, -EBADMSG },
		{ "name with a space", 49, ' ', -EBADMSG },
		{ "name length 64", 48, 64, -EBADMSG },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct core_msg m = sample(CORE_MSG_CLAIM), out;
		uint8_t buf[256];
		uint32_t sender;
		int n = peer_encode(&m, 1, buf, sizeof(buf));

		buf[cases[i].off] = cases[i].val;
		print_message("case: %s\n", cases[i].what);
		assert_int_equal(peer_decode(buf, (size_t)n, &sender, &out,
					     NULL, 0),
				 cases[i].err);
	}
}

static void state_limits(void **state)
{
	struct core_msg m = sample(CORE_MSG_STATE), out;
	struct core_state_entry e[2];
	uint8_t buf[1024];
	uint32_t sender;
	int n = peer_encode(&m, 1, buf, sizeof(buf));

	assert_int_equal(peer_decode(buf, (size_t)n, &sender, &out, e, 2),
			 -E2BIG);
	assert_int_equal(peer_encode(&m, 1, buf, 10), -EMSGSIZE);
	strcpy(ents[1].vip, "bad name");
	assert_int_equal(peer_encode(&m, 1, buf, sizeof(buf)), -EINVAL);
	strcpy(ents[1].vip, "web-1");
}

/* A renewal announces its sender's lease; one outside the bounds a
 * configuration may set is refused, not clamped. */
static void renew_lease_out_of_bounds_refused(void **state)
{
	static const uint64_t bad[] = {
		0, CONF_LEASE_MIN_MS * 1000ull - 1,
		CONF_LEASE_MAX_MS * 1000ull + 1, UINT64_MAX,
	};
	static const uint64_t good[] = {
		CONF_LEASE_MIN_MS * 1000ull, CONF_LEASE_MAX_MS * 1000ull,
	};
	struct core_msg m = sample(CORE_MSG_RENEW), out;
	uint8_t buf[256];
	uint32_t sender;
	int n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m.lease_us = bad[i];
		n = peer_encode(&m, 5, buf, sizeof(buf));
		assert_true(n > 0);
		assert_int_equal(peer_decode(buf, (size_t)n, &sender, &out,
					     NULL, 0),
				 -EBADMSG);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		m.lease_us = good[i];
		n = peer_encode(&m, 5, buf, sizeof(buf));
		assert_int_equal(peer_decode(buf, (size_t)n, &sender, &out,
					     NULL, 0),
				 0);
		assert_true(out.lease_us == good[i] && out.reqid == 0);
	}
}

/* Records back to back split at their length fields, in order; a
 * length that is too short or runs past the bundle stops the split. */
static void bundles_split_in_order(void **state)
{
	static const enum core_msg_type types[] = {
		CORE_MSG_CLAIM, CORE_MSG_STATE, CORE_MSG_LIVE, CORE_MSG_RENEW,
	};
	uint8_t buf[1024];
	size_t len = 0, off = 0;
	unsigned k = 0;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct core_msg m = sample(types[i]);
		int n = peer_encode(&m, 5, buf + len, sizeof(buf) - len);

		assert_true(n > 0);
		len += (size_t)n;
	}
	while (off < len) {
		struct core_state_entry e[3];
		struct core_msg out;
		uint32_t sender;
		int n = peer_next(buf + off, len - off);

		assert_true(n > 0);
		assert_int_equal(peer_decode(buf + off, (size_t)n, &sender, &out,
					     e, 3), 0);
		assert_int_equal(out.type, types[k]);
		assert_int_equal(sender, 5);
		off += (size_t)n;
		k++;
	}
	assert_int_equal(k, 4);
	assert_int_equal(off, len);

	/* Too few bytes for a length, a length under a header, a length
	 * past the end. */
	assert_int_equal(peer_next(buf, 3), -EBADMSG);
	buf[2] = 0;
	buf[3] = PEER_HDR_SIZE;
	assert_int_equal(peer_next(buf, len), -EBADMSG);
	buf[3] = PEER_HDR_SIZE + 1;
	assert_int_equal(peer_next(buf, len), PEER_HDR_SIZE + 1);
	assert_int_equal(peer_next(buf, PEER_HDR_SIZE), -EBADMSG);
	buf[2] = 0xff;
	assert_int_equal(peer_next(buf, len), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_type_round_trips),
		cmocka_unit_test(every_truncation_is_refused),
		cmocka_unit_test(bad_headers_are_refused),
		cmocka_unit_test(state_limits),
		cmocka_unit_test(bundles_split_in_order),
		cmocka_unit_test(renew_lease_out_of_bounds_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
