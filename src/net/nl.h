/* SPDX-License-Identifier: MIT */
/*
 * The rtnetlink request socket: one per daemon, strictly request/ack.
 * Owns the socket and its two message buffers; never subscribes to
 * multicast groups (link.c has its own socket for that) and never logs.
 */
#ifndef VIPD_NET_NL_H
#define VIPD_NET_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

/* >= MNL_SOCKET_BUFFER_SIZE (which is min(page size, 8192)) */
#define NL_BUF_SIZE 8192

struct nl;

/*
 * Opens a NETLINK_ROUTE socket with NETLINK_EXT_ACK, NETLINK_CAP_ACK and
 * NETLINK_GET_STRICT_CHK set, bound to an automatic port id.
 * Returns 0 and *ret_nl, or -errno (-ENOMEM, or the socket call's error).
 */
int nl_open(struct nl **ret_nl);

/* Closes the socket and frees nl; NULL is accepted. */
void nl_free(struct nl *nl);

/*
 * Starts a request of the given type in nl's request buffer: zeroed
 * header, NLM_F_REQUEST | flags, a fresh sequence number. The returned
 * message stays valid until the next nl_msg() call; never NULL.
 */
struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags);

/*
 * Sends nlh (built by nl_msg()) and reads replies until the ack, the
 * end of a dump or an error. Each reply of nlh's sequence number is
 * passed to cb (may be NULL) with data. NLM_F_ACK is always added (a
 * dump ends with NLMSG_DONE instead).
 * Returns 0, or -errno: the kernel's error (its ext-ack text copied to
 * reason, "" if there was none), -EPROTO/-ESRCH for a reply that is not
 * ours, or what cb reported. reason may be NULL when len is 0.
 */
int nl_call(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
	    char *reason, size_t len);

/*
 * Parses one buffer of replies as nl_call() does, any sequence number
 * and port id: data messages go to cb, an ack or error (its ext-ack text
 * copied to reason) or the end of a dump ends the call. Returns 1 if more
 * replies are to come, 0 at the end, or -errno. Exposed for the fuzzer.
 */
int nl_replies_parse(const void *buf, size_t len, mnl_cb_t cb, void *data,
		     char *reason, size_t reason_len);

/*
 * Checks the framing of a received buffer before libmnl walks it: every
 * message at least a header long and its aligned size (the kernel
 * reserves NLMSG_ALIGN(nlmsg_len) bytes per message) inside the buffer.
 * Returns true if so; a shorter tail than a header is ignored, as libmnl
 * does.
 */
bool nl_frames_ok(const void *buf, size_t len);

#endif
