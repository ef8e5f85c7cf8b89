/* SPDX-License-Identifier: MIT */
/*
 * Peer records carried over CPG: versioned, big-endian, length-checked.
 * Shared by the daemon and the fuzzers; never logs.
 */
#ifndef VIPD_PROTO_PEER_H
#define VIPD_PROTO_PEER_H

#include <stddef.h>
#include <stdint.h>

#include "core/msg.h"

#ifndef PEER_VERSION /* tests build a vipd of another version */
#define PEER_VERSION 1
#endif
#define PEER_HDR_SIZE 48
#define PEER_ENTRY_MAX_SIZE (1 + CONF_NAME_MAX + 25)
/* A CPG message is a bundle: one or more records back to back, each
 * with its own length.  A sender packs what it has to say in one event
 * loop pass into one message of at most this many bytes (a record that
 * alone is larger travels alone). */
#define PEER_BUNDLE_MAX 16384

/* A VIP name on the wire: 1..63 bytes, printable, no space. */
int peer_name_ok(const char *s, size_t n);
/* Bytes needed to encode m. */
size_t peer_size(const struct core_msg *m);
/* Encode m from sender into buf.  Returns the length, or -EMSGSIZE if
 * buf is too small, -EINVAL for a name that is empty or too long. */
int peer_encode(const struct core_msg *m, uint32_t sender, uint8_t *buf,
		size_t len);
/* Length of the first record of the bundle buf (len > 0 bytes left):
 * the record's own length field, or -EBADMSG if that is shorter than a
 * header or runs past len.  peer_decode() checks the rest. */
int peer_next(const uint8_t *buf, size_t len);
/* Decode buf.  STATE entries go to entries (room for max); ret->entries
 * points there.  Returns 0, -EPROTO for an unknown version or type,
 * -EBADMSG for a malformed record (lengths, names, counts), -E2BIG if
 * more than max entries. */
int peer_decode(const uint8_t *buf, size_t len, uint32_t *ret_sender,
		struct core_msg *ret, struct core_state_entry *entries,
		size_t max);

#endif
