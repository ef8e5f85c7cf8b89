/* SPDX-License-Identifier: MIT */
/*
 * rtnetlink request/ack over libmnl, after iproute2's lib/mnl_utils.c:
 * sequence-checked replies, the kernel's extended-ack message copied to
 * the caller. Two fixed buffers per socket, no allocation per message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/netlink.h>

#include "net/nl.h"

struct nl {
	struct mnl_socket *sock; /* owned */
	uint32_t portid;	 /* our netlink port id */
	uint32_t seq;		 /* last sequence number used */
	char req[NL_BUF_SIZE];	 /* request being built */
	char rx[NL_BUF_SIZE];	 /* replies */
};

static int set_opt(struct mnl_socket *sock, int opt)
{
	int one = 1;

	if (mnl_socket_setsockopt(sock, opt, &one, sizeof(one)) == -1)
		return -errno;
	return 0;
}

int nl_open(struct nl **ret_nl)
{
	struct nl *nl;
	int r;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock) {
		r = -errno;
		goto out_free;
	}
	r = set_opt(nl->sock, NETLINK_EXT_ACK);
	if (r == 0)
		r = set_opt(nl->sock, NETLINK_CAP_ACK);
	if (r == 0)
		r = set_opt(nl->sock, NETLINK_GET_STRICT_CHK);
	if (r < 0)
		goto out_close;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) == -1) {
		r = -errno;
		goto out_close;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	*ret_nl = nl;
	return 0;

out_close:
	mnl_socket_close(nl->sock);
out_free:
	free(nl);
	return r;
}

void nl_free(struct nl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh;

	nlh = mnl_nlmsg_put_header(nl->req);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

static int ext_ack_attr_cb(const struct nlattr *attr, void *data)
{
	const char **msg = data;

	if (mnl_attr_type_valid(attr, NLMSGERR_ATTR_MAX) < 0)
		return MNL_CB_OK;
	if (mnl_attr_get_type(attr) != NLMSGERR_ATTR_MSG)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_ERROR;
	*msg = mnl_attr_get_str(attr);
	return MNL_CB_OK;
}

/*
 * NLMSG_ERROR with ext-ack (NLM_F_ACK_TLVS), capped (NLM_F_CAPPED):
 *
 *   +----------+-------+-------------+----------------------+
 *   | nlmsghdr | error | orig header | TLVs (NLMSGERR_ATTR) |
 *   +----------+-------+-------------+----------------------+
 *
 * without the cap the original payload sits before the TLVs.
 */
static void copy_ext_ack(const struct nlmsghdr *nlh, const struct nlmsgerr *err,
			 char *reason, size_t len)
{
	const char *msg = NULL;
	size_t off = sizeof(*err); /* of the TLVs in the payload */

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* the original length comes from the wire: in size_t, no wrap
	 * (an unsigned sum wrapped to any offset: found by fuzz-addr) */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (err->msg.nlmsg_len < sizeof(err->msg))
			return;
		off += err->msg.nlmsg_len - sizeof(err->msg);
	}
	if (off >= mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_parse(nlh, (unsigned)off, ext_ack_attr_cb, &msg);
	if (msg && len)
		snprintf(reason, len, "%s", msg);
}

struct call {
	mnl_cb_t cb;	   /* caller's data callback, may be NULL */
	void *data;	   /* its argument */
	char *reason;	   /* caller's buffer for the ext-ack text */
	size_t reason_len; /* its size, 0 if none */
};

/* The kernel's -errno (-4095..-1, MAX_ERRNO) as errno; EPROTO for any
 * other value (negating INT_MIN overflowed: found by fuzz-addr). */
static int kernel_errno(int e)
{
	return e < 0 && e >= -4095 ? -e : EPROTO;
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct call *c = data;
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	copy_ext_ack(nlh, err, c->reason, c->reason_len);
	if (err->error == 0)
		return MNL_CB_STOP;
	errno = kernel_errno(err->error);
	return MNL_CB_ERROR;
}

/* the end of a dump; its payload, if any, is the dump's error */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	const int *err = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(*err) && *err < 0) {
		errno = kernel_errno(*err);
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static int overrun_cb(const struct nlmsghdr *nlh, void *data)
{
	errno = ENOSPC;
	return MNL_CB_ERROR;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct call *c = data;

	return c->cb ? c->cb(nlh, c->data) : MNL_CB_OK;
}

/*
 * libmnl trusts nlmsg_len. 1.0.4 compares it as an int, so a length of
 * 2^31 or more passes mnl_nlmsg_ok() and walks off the buffer; and its
 * attribute walk runs to the aligned end of the message, so an unaligned
 * last message let an attribute be read up to 3 bytes past the datagram.
 * Both found by fuzz-netlink.
 */
bool nl_frames_ok(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	const struct nlmsghdr *nlh;

	if (len > INT32_MAX)
		return false;
	while (len >= sizeof(*nlh)) {
		nlh = (const struct nlmsghdr *)p;
		/* nlmsg_len <= len <= INT32_MAX: its alignment cannot wrap */
		if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len ||
		    NLMSG_ALIGN(nlh->nlmsg_len) > len)
			return false;
		p += NLMSG_ALIGN(nlh->nlmsg_len);
		len -= NLMSG_ALIGN(nlh->nlmsg_len);
	}
	return true;
}

/* One buffer of replies: 1 if more are to come, 0 at the end, or -errno. */
static int parse_replies(const void *buf, size_t len, uint32_t seq,
			 uint32_t portid, struct call *c)
{
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = error_cb,
		[NLMSG_DONE] = done_cb,
		[NLMSG_OVERRUN] = overrun_cb,
	};
	int r;

	if (!nl_frames_ok(buf, len))
		return -EBADMSG;
	errno = 0;
	r = mnl_cb_run2(buf, len, seq, portid, data_cb, c, ctl, NLMSG_MIN_TYPE);
	if (r == MNL_CB_ERROR)
		return errno ? -errno : -EPROTO;
	return r == MNL_CB_OK ? 1 : 0;
}

int nl_replies_parse(const void *buf, size_t len, mnl_cb_t cb, void *data,
		     char *reason, size_t reason_len)
{
	struct call c = {.cb = cb,
			 .data = data,
			 .reason = reason,
			 .reason_len = reason ? reason_len : 0};

	if (c.reason_len)
		reason[0] = '\0';
	return parse_replies(buf, len, 0, 0, &c);
}

static int recv_replies(struct nl *nl, uint32_t seq, struct call *c)
{
	ssize_t n;
	int r;

	do {
		n = mnl_socket_recvfrom(nl->sock, nl->rx, sizeof(nl->rx));
		if (n == -1)
			return -errno;
		r = parse_replies(nl->rx, (size_t)n, seq, nl->portid, c);
	} while (r == 1);
	return r;
}

int nl_call(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
	    char *reason, size_t len)
{
	struct call c = {.cb = cb,
			 .data = data,
			 .reason = reason,
			 .reason_len = reason ? len : 0};

	if (c.reason_len)
		reason[0] = '\0';
	/* a dump ends with NLMSG_DONE, the kernel sends no ack after it */
	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) == -1)
		return -errno;
	return recv_replies(nl, nlh->nlmsg_seq, &c);
}
