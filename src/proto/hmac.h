/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104), for the direct
 * hand-off datagrams (handoff.h).  Pure; no allocation.
 */
#ifndef VIPD_PROTO_HMAC_H
#define VIPD_PROTO_HMAC_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32
#define SHA256_BLOCK 64

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;              /* fed so far */
	uint8_t buf[SHA256_BLOCK];
	size_t n;                    /* bytes waiting in buf */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[SHA256_LEN]);

void hmac_sha256(const uint8_t *key, size_t keylen, const void *msg,
		 size_t len, uint8_t out[SHA256_LEN]);
/* 1 if a and b (n bytes) are equal, in time independent of where they
 * differ. */
int hmac_equal(const uint8_t *a, const uint8_t *b, size_t n);

#endif
