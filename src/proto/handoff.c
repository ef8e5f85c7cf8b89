// SPDX-License-Identifier: MIT
/*
 * Direct hand-off datagram codec (handoff.h).  Big-endian:
 *
 *  0       1       2       3
 * +-------+-------+-------+-------+
 * |  'V'  |  'I'  |  'P'  |  'H'  |
 * +-------+-------+-------+-------+
 * |version|namelen|   reserved 0  |
 * +-------+-------+-------+-------+
 * |           ring node           |  corosync ring id of the sender
 * |        ring seq (64 bits)     |
 * +-------------------------------+
 * |             from              |  node ids
 * |              to               |
 * |          term (64 bits)       |
 * +-------------------------------+
 * | VIP name, 1..63 printable     |
 * +-------------------------------+
 * | HMAC-SHA-256 of all the above |  32 bytes
 * +-------------------------------+
 *
 * The MAC is checked before any field is believed, in constant time.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "handoff.h"
#include "peer.h"

static const uint8_t magic[4] = { 'V', 'I', 'P', 'H' };

static void put(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

static uint64_t get(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v = (v << 8) | p[i];
	return v;
}

int handoff_encode(const struct handoff *h, const uint8_t *key,
		   size_t keylen, uint8_t *buf, size_t len)
{
	size_t n = strnlen(h->vip, CONF_NAME_MAX), total;

	if (!peer_name_ok(h->vip, n))
		return -EINVAL;
	total = HANDOFF_HDR + n + SHA256_LEN;
	if (len < total)
		return -EMSGSIZE;
	memcpy(buf, magic, 4);
	buf[4] = HANDOFF_VERSION;
	buf[5] = (uint8_t)n;
	put(buf + 6, 0, 2);
	put(buf + 8, h->ring_node, 4);
	put(buf + 12, h->ring_seq, 8);
	put(buf + 20, h->from, 4);
	put(buf + 24, h->to, 4);
	put(buf + 28, h->term, 8);
	memcpy(buf + HANDOFF_HDR, h->vip, n);
	hmac_sha256(key, keylen, buf, HANDOFF_HDR + n,
		    buf + HANDOFF_HDR + n);
	return (int)total;
}

static int fail(int err, char *reason, size_t rlen, const char *what)
{
	if (rlen)
		snprintf(reason, rlen, "%s", what);
	return err;
}

int handoff_decode(const uint8_t *buf, size_t len, const uint8_t *key,
		   size_t keylen, struct handoff *ret, char *reason,
		   size_t rlen)
{
	uint8_t mac[SHA256_LEN];
	size_t n;

	if (rlen)
		reason[0] = '\0';
	if (len < HANDOFF_HDR + 1 + SHA256_LEN)
		return fail(-EBADMSG, reason, rlen, "datagram too short");
	if (memcmp(buf, magic, 4) != 0)
		return fail(-EBADMSG, reason, rlen, "not a vipd hand-off");
	if (buf[4] != HANDOFF_VERSION) {
		if (rlen)
			snprintf(reason, rlen, "hand-off version %u, this "
				 "vipd speaks %u", (unsigned)buf[4],
				 HANDOFF_VERSION);
		return -EPROTO;
	}
	n = buf[5];
	if (n == 0 || n >= CONF_NAME_MAX ||
	    len != HANDOFF_HDR + n + SHA256_LEN)
		return fail(-EBADMSG, reason, rlen,
			    "length does not match the VIP name's");
	hmac_sha256(key, keylen, buf, HANDOFF_HDR + n, mac);
	if (!hmac_equal(mac, buf + HANDOFF_HDR + n, SHA256_LEN))
		return fail(-EACCES, reason, rlen,
			    "MAC does not match: another handoff-key, or "
			    "altered on the way");
	if (get(buf + 6, 2) != 0)
		return fail(-EBADMSG, reason, rlen, "reserved bits set");
	if (!peer_name_ok((const char *)buf + HANDOFF_HDR, n))
		return fail(-EBADMSG, reason, rlen, "bad VIP name");
	memset(ret, 0, sizeof(*ret));
	ret->ring_node = (uint32_t)get(buf + 8, 4);
	ret->ring_seq = get(buf + 12, 8);
	ret->from = (uint32_t)get(buf + 20, 4);
	ret->to = (uint32_t)get(buf + 24, 4);
	ret->term = get(buf + 28, 8);
	memcpy(ret->vip, buf + HANDOFF_HDR, n);
	return 0;
}
