// SPDX-License-Identifier: MIT
/*
 * The direct hand-off datagram (src/proto/handoff.c) and the SHA-256 and
 * HMAC-SHA-256 under it (src/proto/hmac.c): the standards' test vectors,
 * a round trip, and every way a datagram is refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proto/handoff.h"

static void hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void assert_sha256(const void *msg, size_t len, const char *want)
{
	struct sha256 s;
	uint8_t out[SHA256_LEN];
	char got[2 * SHA256_LEN + 1];

	sha256_init(&s);
	sha256_update(&s, msg, len);
	sha256_final(&s, out);
	hex(out, sizeof(out), got);
	assert_string_equal(got, want);
}

/* FIPS 180-4 examples (NIST CSRC), and inputs around the padding
 * boundary fed one byte at a time. */
static void sha256_vectors(void **state)
{
	static uint8_t a[1000000];
	struct sha256 s;
	uint8_t one[SHA256_LEN], all[SHA256_LEN];

	assert_sha256("abc", 3, "ba7816bf8f01cfea414140de5dae2223"
				"b00361a396177a9cb410ff61f20015ad");
	assert_sha256("", 0, "e3b0c44298fc1c149afbf4c8996fb924"
			     "27ae41e4649b934ca495991b7852b855");
	assert_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		      56, "248d6a61d20638b8e5c026930c3e6039"
			  "a33ce45964ff2167f6ecedd419db06c1");
	memset(a, 'a', sizeof(a));
	assert_sha256(a, sizeof(a), "cdc76e5c9914fb9281a1c7e284d73e67"
				    "f1809a48a497200e046d39ccc7112cd0");
	for (size_t n = 50; n < 140; n++) {
		sha256_init(&s);
		for (size_t i = 0; i < n; i++)
			sha256_update(&s, a + i, 1);
		sha256_final(&s, one);
		sha256_init(&s);
		sha256_update(&s, a, n);
		sha256_final(&s, all);
		assert_memory_equal(one, all, SHA256_LEN);
	}
}

static void assert_hmac(const uint8_t *key, size_t keylen, const void *msg,
			size_t len, const char *want)
{
	uint8_t out[SHA256_LEN];
	char got[2 * SHA256_LEN + 1];

	hmac_sha256(key, keylen, msg, len, out);
	hex(out, sizeof(out), got);
	assert_string_equal(got, want);
}

/* RFC 4231 test cases 1, 2, 3 and 6 (key longer than a block). */
static void hmac_vectors(void **state)
{
	uint8_t k20[20], kaa[131], d50[50];

	memset(k20, 0x0b, sizeof(k20));
	assert_hmac(k20, 20, "Hi There", 8,
		    "b0344c61d8db38535ca8afceaf0bf12b"
		    "881dc200c9833da726e9376c2e32cff7");
	assert_hmac((const uint8_t *)"Jefe", 4,
		    "what do ya want for nothing?", 28,
		    "5bdcc146bf60754e6a042426089575c7"
		    "5a003f089d2739839dec58b964ec3843");
	memset(k20, 0xaa, sizeof(k20));
	memset(d50, 0xdd, sizeof(d50));
	assert_hmac(k20, 20, d50, 50,
		    "773ea91e36800e46854db8ebd09181a7"
		    "2959098b3ef8c122d9635514ced565fe");
	memset(kaa, 0xaa, sizeof(kaa));
	assert_hmac(kaa, sizeof(kaa),
		    "Test Using Larger Than Block-Size Key - Hash Key First",
		    54,
		    "60e431591ee0b67f0d8a26aacbf5b77f"
		    "8e0bc6213728c5140546040f0ee37f54");
	assert_true(hmac_equal(kaa, kaa + 1, 64));
	assert_false(hmac_equal(kaa, d50, 1));
}

static const uint8_t key[] = "0123456789abcdef0123456789abcdef";

static const struct handoff sample = {
	.ring_node = 1, .ring_seq = 0x123456789aull, .from = 1, .to = 2,
	.term = 42, .vip = "db",
};

static void round_trip(void **state)
{
	uint8_t buf[HANDOFF_MAX];
	struct handoff h = sample, got;
	char reason[128];
	int n;

	n = handoff_encode(&h, key, 32, buf, sizeof(buf));
	assert_int_equal(n, HANDOFF_HDR + 2 + SHA256_LEN);
	assert_memory_equal(buf, "VIPH\x01\x02\0\0", 8);
	assert_int_equal(handoff_decode(buf, (size_t)n, key, 32, &got,
					reason, sizeof(reason)), 0);
	assert_int_equal(got.ring_node, 1);
	assert_true(got.ring_seq == 0x123456789aull);
	assert_int_equal(got.from, 1);
	assert_int_equal(got.to, 2);
	assert_int_equal(got.term, 42);
	assert_string_equal(got.vip, "db");
	/* the longest name fills HANDOFF_MAX exactly */
	memset(h.vip, 'v', CONF_NAME_MAX - 1);
	h.vip[CONF_NAME_MAX - 1] = '\0';
	assert_int_equal(handoff_encode(&h, key, 32, buf, sizeof(buf)),
			 HANDOFF_MAX);
	assert_int_equal(handoff_decode(buf, HANDOFF_MAX, key, 32, &got,
					reason, sizeof(reason)), 0);
	assert_string_equal(got.vip, h.vip);
	assert_int_equal(handoff_encode(&h, key, 32, buf, HANDOFF_MAX - 1),
			 -EMSGSIZE);
}

static void bad_names_are_not_encoded(void **state)
{
	uint8_t buf[HANDOFF_MAX];
	struct handoff h = sample;

	h.vip[0] = '\0';
	assert_int_equal(handoff_encode(&h, key, 32, buf, sizeof(buf)),
			 -EINVAL);
	snprintf(h.vip, sizeof(h.vip), "a b");
	assert_int_equal(handoff_encode(&h, key, 32, buf, sizeof(buf)),
			 -EINVAL);
}

/* Every bit of a datagram is covered: flipping any one is refused. */
static void any_altered_bit_is_refused(void **state)
{
	uint8_t buf[HANDOFF_MAX];
	struct handoff got;
	char reason[128];
	int n = handoff_encode(&sample, key, 32, buf, sizeof(buf));

	for (int i = 0; i < n * 8; i++) {
		buf[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_true(handoff_decode(buf, (size_t)n, key, 32, &got,
					   reason, sizeof(reason)) < 0);
		assert_true(reason[0] != '\0');
		buf[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	assert_int_equal(handoff_decode(buf, (size_t)n, key, 32, &got,
					reason, sizeof(reason)), 0);
}

static void refusals_name_the_cause(void **state)
{
	uint8_t buf[HANDOFF_MAX];
	struct handoff got;
	char reason[128];
	int n = handoff_encode(&sample, key, 32, buf, sizeof(buf));

	assert_int_equal(handoff_decode(buf, (size_t)n, key, 31, &got,
					reason, sizeof(reason)), -EACCES);
	assert_non_null(strstr(reason, "handoff-key"));
	assert_int_equal(handoff_decode(buf, (size_t)n - 1, key, 32, &got,
					reason, sizeof(reason)), -EBADMSG);
	assert_non_null(strstr(reason, "length"));
	assert_int_equal(handoff_decode(buf, 10, key, 32, &got, reason,
					sizeof(reason)), -EBADMSG);
	assert_non_null(strstr(reason, "short"));
	buf[4] = 2;
	assert_int_equal(handoff_decode(buf, (size_t)n, key, 32, &got,
					reason, sizeof(reason)), -EPROTO);
	assert_non_null(strstr(reason, "version 2"));
	buf[4] = 1;
	buf[0] = 'X';
	assert_int_equal(handoff_decode(buf, (size_t)n, key, 32, &got,
					reason, sizeof(reason)), -EBADMSG);
	assert_non_null(strstr(reason, "not a vipd"));
	buf[0] = 'V';
	/* a name with a space, MACed with the right key, is still bad */
	buf[HANDOFF_HDR] = ' ';
	hmac_sha256(key, 32, buf, HANDOFF_HDR + 2, buf + HANDOFF_HDR + 2);
	assert_int_equal(handoff_decode(buf, (size_t)n, key, 32, &got,
					reason, sizeof(reason)), -EBADMSG);
	assert_non_null(strstr(reason, "name"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sha256_vectors),
		cmocka_unit_test(hmac_vectors),
		cmocka_unit_test(round_trip),
		cmocka_unit_test(bad_names_are_not_encoded),
		cmocka_unit_test(any_altered_bit_is_refused),
		cmocka_unit_test(refusals_name_the_cause),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
