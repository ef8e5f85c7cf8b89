/* SPDX-License-Identifier: MIT */
/*
 * The direct hand-off datagram: the previous holder of a VIP tells the
 * new holder, over UDP, that it removed the VIP at a term, so that the
 * new holder need not wait for corosync to order the RELEASED that says
 * the same (core_handoff()).  Authenticated with HMAC-SHA-256 under a
 * key every node shares (handoff-key in vipd.conf) and bound to the
 * corosync ring it was sent in, so a datagram recorded in an earlier
 * life of the cluster cannot be replayed.  Never logs.
 */
#ifndef VIPD_PROTO_HANDOFF_H
#define VIPD_PROTO_HANDOFF_H

#include <stddef.h>
#include <stdint.h>

#include "core/conf.h"
#include "hmac.h"

#define HANDOFF_VERSION 1u
#define HANDOFF_HDR 36
#define HANDOFF_MAX (HANDOFF_HDR + CONF_NAME_MAX - 1 + SHA256_LEN)
#define HANDOFF_KEY_MIN 16  /* bytes of key file content */
#define HANDOFF_KEY_MAX 1024

struct handoff {
	uint32_t ring_node;   /* corosync ring id of the sender: node ... */
	uint64_t ring_seq;    /* ... and sequence */
	uint32_t from;        /* previous holder (sender) */
	uint32_t to;          /* new holder */
	uint64_t term;        /* term at which from removed vip */
	char vip[CONF_NAME_MAX];
};

/* Encode h, MACed with key, into buf.  Returns the length, -EINVAL for
 * a VIP name that is empty, too long or not printable, -EMSGSIZE if buf
 * is too small. */
int handoff_encode(const struct handoff *h, const uint8_t *key,
		   size_t keylen, uint8_t *buf, size_t len);
/* Decode and authenticate buf.  Returns 0; -EBADMSG for a malformed
 * datagram, -EPROTO for another version, -EACCES when the MAC does not
 * match (another key, or altered); the reason is written to reason. */
int handoff_decode(const uint8_t *buf, size_t len, const uint8_t *key,
		   size_t keylen, struct handoff *ret, char *reason,
		   size_t rlen);

#endif
