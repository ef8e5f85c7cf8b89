/* SPDX-License-Identifier: MIT */
/*
 * libvip internals: parsing vipd's JSON reply and event lines. Hidden from
 * the shared library's ABI; linked directly by test-reply and fuzz-reply.
 */
#ifndef VIPD_LIB_REPLY_H
#define VIPD_LIB_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "vip.h"

#define VIP_PUBLIC __attribute__((visibility("default")))

#define REPLY_LINE_MAX 16777216 /* longest line libvip reads (16 MiB) */

struct reply {
	int ok;			   /* "ok" was true */
	char error[32];		   /* error code when !ok, else "" */
	char reason[256];	   /* reason when !ok (maybe truncated) */
	char vip[VIP_NAME_MAX];	   /* "" when absent or null */
	char holder[VIP_NAME_MAX]; /* "" when absent or null */
	uint64_t term;		   /* 0 when absent */
	int has_term;
	int watching; /* "watching" was true */
};

/*
 * Parses a reply line of len bytes (a trailing '\n' allowed): a JSON
 * object with a boolean "ok"; when false, "error" must be a string. Other
 * members are read when present and of the right type. Returns 0 or
 * -EBADMSG (not JSON, not an object, NUL bytes, wrong member types, a name
 * of VIP_NAME_MAX bytes or more).
 */
int reply_parse(const char *line, size_t len, struct reply *ret);

/*
 * Parses a successful status reply into a new struct vip_status, freed
 * with vip_status_free(). Returns 0, -EBADMSG (malformed, or "ok" not
 * true) or -ENOMEM.
 */
int reply_parse_status(const char *line, size_t len, struct vip_status **ret);

/*
 * Parses an event line ({"event":...}) into *ret; ret->json is left
 * untouched. Unknown event names give VIP_EVENT_UNKNOWN. Returns 0 or
 * -EBADMSG.
 */
int reply_parse_event(const char *line, size_t len, struct vip_event *ret);

/*
 * Reads an event line's "seq" and "incarnation" (16 hex digits) into
 * *seq and inc (len >= 17).  0, or -ENOENT when the line carries none
 * (it then changes nothing), -EBADMSG when it is not JSON.
 */
int reply_event_position(const char *line, size_t len, uint64_t *seq,
			 char *inc, size_t ilen);

/* The string member key of a reply line, as a new string in *ret.  0,
 * -EBADMSG (absent, not a string, NUL inside) or -ENOMEM. */
int reply_parse_text(const char *line, size_t len, const char *key,
		     char **ret);

/* Returns the -errno for a vipd error code (see vip.h); -EPROTO if unknown. */
int reply_errno(const char *code);

#endif
