// SPDX-License-Identifier: MIT
/*
 * Watches nf_tables for changes to the lease gate.  Every nf_tables
 * message that concerns a table (table, chain, rule, set, element,
 * object, flowtable) carries the table's name as attribute 1, so one
 * check covers them all; NFT_MSG_NEWGEN, which ends each batch, is
 * skipped, and so are new elements.  The lease refreshes of vipd_lease
 * are filtered out in the kernel (filter_ours()).  Never logs.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <linux/filter.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "net/gate_watch.h"
#include "net/nl.h"

#define GATE_TABLE "vipd_gate"
#define TABLE_ATTR                                                             \
	1 /* NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE …            \
	   */

struct gate_watch {
	struct mnl_socket *sock; /* owned */
	char rx[NL_BUF_SIZE] __attribute__((aligned(4)));
};

static int attr_cb(const struct nlattr *a, void *data)
{
	int *hit = data;

	if (mnl_attr_get_type(a) != TABLE_ATTR)
		return MNL_CB_OK;
	if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_OK; /* NEWGEN's id, or not a name */
	if (!strcmp(mnl_attr_get_str(a), GATE_TABLE))
		*hit = 1;
	return MNL_CB_OK;
}

/* A new element of the gate only gates one more address (a reload that
 * adds a VIP does that): never a loss of the gate. */
static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
	    NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWGEN ||
	    NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWSETELEM)
		return MNL_CB_OK;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct nfgenmsg)))
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), attr_cb, data);
	return MNL_CB_OK;
}

int gate_watch_parse(const void *buf, size_t len)
{
	int hit = 0;

	if (!nl_frames_ok(buf, len))
		return -EBADMSG;
	if (mnl_cb_run(buf, len, 0, 0, msg_cb, &hit) == MNL_CB_ERROR)
		return hit ? 1 : -EBADMSG;
	return hit;
}

/*
 * The lease refresh is a batch of set elements of vipd_lease several
 * times a second, and every batch ends with a NEWGEN datagram: a socket
 * filter drops both in the kernel, so they do not wake vipd.  A datagram
 * whose first message is an element of vipd_lease is one of ours (no
 * other socket may change the owned table).  The loads are big-endian:
 * host-order fields are compared with ntohs() of their value.
 */
#define NFT_TYPE(t) (NFNL_SUBSYS_NFTABLES << 8 | (t))
static int filter_ours(int fd)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 4), /* nlmsg_type */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			 ntohs(NFT_TYPE(NFT_MSG_NEWGEN)), 11, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			 ntohs(NFT_TYPE(NFT_MSG_NEWSETELEM)), 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			 ntohs(NFT_TYPE(NFT_MSG_DELSETELEM)), 0, 8),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 22), /* first attr type */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohs(TABLE_ATTR), 0, 6),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 24), /* "vipd_lease\0" */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x76697064, 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 28),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x5f6c6561, 0, 2),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 32),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x73650000, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff), /* keep */
		BPF_STMT(BPF_RET | BPF_K, 0),	       /* drop */
	};
	struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
			  sizeof(prog)) == 0
		       ? 0
		       : -errno;
}

int gate_watch_open(struct gate_watch **ret_gw)
{
	struct gate_watch *gw;
	int r;

	gw = calloc(1, sizeof(*gw));
	if (!gw)
		return -ENOMEM;
	gw->sock = mnl_socket_open2(NETLINK_NETFILTER,
				    SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!gw->sock) {
		r = -errno;
		goto out_free;
	}
	r = filter_ours(mnl_socket_get_fd(gw->sock));
	if (r < 0)
		goto out_close;
	if (mnl_socket_bind(gw->sock, 1U << (NFNLGRP_NFTABLES - 1),
			    MNL_SOCKET_AUTOPID) == -1) {
		r = -errno;
		goto out_close;
	}
	*ret_gw = gw;
	return mnl_socket_get_fd(gw->sock);

out_close:
	mnl_socket_close(gw->sock);
out_free:
	free(gw);
	return r;
}

void gate_watch_free(struct gate_watch *gw)
{
	if (!gw)
		return;
	mnl_socket_close(gw->sock);
	free(gw);
}

int gate_watch_read(struct gate_watch *gw)
{
	int hit = 0;
	ssize_t n;

	for (;;) {
		n = mnl_socket_recvfrom(gw->sock, gw->rx, sizeof(gw->rx));
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return hit;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) { /* lost: one may have been */
				hit = 1;
				continue;
			}
			return -errno;
		}
		if (gate_watch_parse(gw->rx, (size_t)n) != 0)
			hit = 1;
	}
}

/* 1 if family's table "vipd_gate" exists, 0 if not, or -errno. */
static int table_present(struct mnl_socket *s, int family, uint32_t seq)
{
	char buf[NL_BUF_SIZE] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *g;
	uint32_t portid = mnl_socket_get_portid(s);
	ssize_t n;
	int r;

	nlh->nlmsg_type = NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETTABLE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = (uint8_t)family;
	g->version = NFNETLINK_V0;
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, GATE_TABLE);
	if (mnl_socket_sendto(s, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(s, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		if (!nl_frames_ok(buf, (size_t)n))
			return -EBADMSG;
		r = mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL);
	} while (r == MNL_CB_OK);
	if (r == MNL_CB_STOP)
		return 1;
	return errno == ENOENT ? 0 : -errno;
}

int gate_present(void)
{
	static const int fam[2] = {NFPROTO_INET, NFPROTO_ARP};
	uint32_t seq = (uint32_t)time(NULL);
	struct mnl_socket *s;
	int r = 1;

	s = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!s)
		return -errno;
	if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) == -1)
		r = -errno;
	for (int i = 0; i < 2 && r == 1; i++)
		r = table_present(s, fam[i], seq + (uint32_t)i);
	mnl_socket_close(s);
	return r;
}
