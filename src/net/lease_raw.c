// SPDX-License-Identifier: MIT
/*
 * The lease refresh as one raw nf_tables batch (built here with libmnl,
 * as libnftnl would build it, which vipd then need not load), sent on the
 * netlink socket of the nft_ctx that created the owned tables: only the
 * owner's socket may change them, and libnftables has no call that
 * hands it out, so lease_raw_find() picks it by its protocol.  A refresh
 * costs one send and one receive of one ack (~10 µs) instead of a libnftables
 * run (0.2-4 ms, and 10-150 ms under AddressSanitizer).  Never logs.
 */
#define _GNU_SOURCE /* htobe64 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "core/conf.h"
#include "net/lease_raw.h"

#define RAW_FD_MAX 4096
#define RAW_TIMEOUT_MS 1000
#define RAW_MSG_MAX 2048 /* the smallest batch limit below */

static int is_nf_socket(int fd)
{
	int dom = 0, proto = 0;
	socklen_t l = sizeof(dom);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &l) != 0 ||
	    dom != AF_NETLINK)
		return 0;
	l = sizeof(proto);
	return getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &l) == 0 &&
	       proto == NETLINK_NETFILTER;
}

void lease_raw_mark(uint8_t *seen, size_t n)
{
	for (size_t fd = 0; fd < n && fd < RAW_FD_MAX; fd++)
		seen[fd] = (uint8_t)is_nf_socket((int)fd);
}

int lease_raw_find(const uint8_t *seen, size_t n)
{
	int found = -ENOENT;

	for (size_t fd = 0; fd < n && fd < RAW_FD_MAX; fd++) {
		if (seen[fd] || !is_nf_socket((int)fd))
			continue;
		if (found >= 0)
			return -EEXIST; /* ambiguous: do not guess */
		found = (int)fd;
	}
	return found;
}

/* Elements of one set of a vipd_lease table: n keys of klen bytes, with
 * a timeout (and expiry) of ms, or none if 0. */
struct elems {
	const char *table;
	const char *set;
	const void *const *keys;
	unsigned n, klen;
	uint32_t ms;
};

/* An nfnetlink header: message type (of subsystem subsys), family, and
 * the nfgenmsg that every nf_tables message starts with. */
static struct nlmsghdr *put_hdr(struct mnl_nlmsg_batch *b, uint16_t type,
				uint16_t flags, int family, uint32_t seq,
				uint16_t res_id)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b));
	struct nfgenmsg *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = (uint8_t)family;
	g->version = NFNETLINK_V0;
	g->res_id = htons(res_id);
	return nlh;
}

/* The start or the end of a batch (NFNL_MSG_BATCH_BEGIN or _END). */
static int put_batch(struct mnl_nlmsg_batch *b, uint16_t type, uint32_t seq)
{
	put_hdr(b, type, 0, AF_UNSPEC, seq, NFNL_SUBSYS_NFTABLES);
	return mnl_nlmsg_batch_next(b) ? 0 : -ENOBUFS;
}

/* One set-element message of type for family's vipd_lease table, as
 * nft and libnftnl write it: table, set, then a list of elements, each a
 * key (a data value) with, if ms, a timeout and an expiry. */
static int put_elems(struct mnl_nlmsg_batch *b, uint16_t type, int family,
		     const struct elems *el, uint32_t seq, int ack)
{
	struct nlmsghdr *nlh;
	struct nlattr *list, *elem, *key;
	size_t need = MNL_NLMSG_HDRLEN + 64 + strlen(el->set) +
		      (size_t)el->n *
			      (24u + MNL_ALIGN(el->klen) + (el->ms ? 24u : 0u));

	/* a batch's buffer holds its limit twice, so one message of up to
	 * the smallest limit always fits (libmnl checks only after) */
	if (need > RAW_MSG_MAX)
		return -E2BIG;
	nlh = put_hdr(
		b, (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | type),
		(uint16_t)((ack ? NLM_F_ACK : 0) |
			   (type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0)),
		family, seq, 0);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE,
			  el->table ? el->table : "vipd_lease");
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, el->set);
	list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	for (unsigned k = 0; k < el->n; k++) {
		elem = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
		key = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
		mnl_attr_put(nlh, NFTA_DATA_VALUE, el->klen, el->keys[k]);
		mnl_attr_nest_end(nlh, key);
		if (el->ms) {
			mnl_attr_put_u64(nlh, NFTA_SET_ELEM_TIMEOUT,
					 htobe64(el->ms));
			mnl_attr_put_u64(nlh, NFTA_SET_ELEM_EXPIRATION,
					 htobe64(el->ms));
		}
		mnl_attr_nest_end(nlh, elem);
	}
	mnl_attr_nest_end(nlh, list);
	return mnl_nlmsg_batch_next(b) ? 0 : -ENOBUFS;
}

/* The "lease" set's elements: ipv4 and ipv6 (inet), htype 1 (arp). */
static int put_lease(struct mnl_nlmsg_batch *b, uint16_t type, int family,
		     uint32_t seq, uint32_t ms, int ack)
{
	static const uint8_t v4 = NFPROTO_IPV4, v6 = NFPROTO_IPV6;
	static const uint8_t arp_eth[2] = { 0, 1 }; /* arp htype 1, BE */
	static const void *const inet_keys[2] = { &v4, &v6 };
	static const void *const arp_keys[1] = { arp_eth };
	struct elems el = { .set = "lease", .keys = inet_keys, .n = 2,
			    .klen = 1, .ms = ms };

	if (family == NFPROTO_ARP) {
		el.keys = arp_keys;
		el.n = 1;
		el.klen = 2;
	}
	return put_elems(b, type, family, &el, seq, ack);
}

/* Add (so that it exists), delete, and add again with the timeout: one
 * atomic batch that also resets the expiry on kernels that keep the old
 * one on a plain re-add.  ms == 0 leaves the elements deleted.  Only the
 * last message asks for an ack: an error in any message is reported
 * anyway (and aborts the batch), so one receive answers the whole. */
static int build(struct mnl_nlmsg_batch *b, uint32_t seq, uint32_t ms)
{
	static const int fam[2] = { NFPROTO_INET, NFPROTO_ARP };
	int r = 0;

	r = put_batch(b, NFNL_MSG_BATCH_BEGIN, seq++);
	for (unsigned i = 0; i < 2 && r == 0; i++) {
		int last = i == 1;

		r = put_lease(b, NFT_MSG_NEWSETELEM, fam[i], seq++, 0, 0);
		if (r == 0)
			r = put_lease(b, NFT_MSG_DELSETELEM, fam[i], seq++, 0,
				      last && !ms);
		if (r == 0 && ms)
			r = put_lease(b, NFT_MSG_NEWSETELEM, fam[i], seq++,
				      ms, last);
	}
	if (r == 0)
		r = put_batch(b, NFNL_MSG_BATCH_END, seq);
	return r;
}

/* Read acks until every message answered; the first error wins. */
static int read_acks(int fd, unsigned want, uint32_t first, uint32_t last)
{
	char buf[8192] __attribute__((aligned(4)));
	int err = 0;

	while (want) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		const struct nlmsghdr *nlh;
		ssize_t n;
		int len;

		/* The kernel runs a batch inside send(): the acks are
		 * usually there already, and a poll first would be a
		 * third syscall per refresh. */
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (poll(&p, 1, RAW_TIMEOUT_MS) != 1)
				return -ETIMEDOUT;
			n = recv(fd, buf, sizeof(buf), 0);
		}
		if (n < 0)
			return -errno;
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)(const void *)buf;
		     mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			/* not ours (unsigned: the range may wrap) */
			if ((uint32_t)(nlh->nlmsg_seq - first) >
			    (uint32_t)(last - first))
				continue;
			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
				continue;
			if (e->error && !err)
				err = e->error;
			want--;
			if (e->error)
				return err; /* the batch was aborted */
		}
	}
	return err;
}

int lease_raw_refresh(int fd, uint32_t ms, char *reason, size_t len)
{
	static uint32_t seq;
	char buf[4096] __attribute__((aligned(4)));
	struct mnl_nlmsg_batch *b;
	uint32_t first;
	int r;

	if (!seq)
		seq = (uint32_t)time(NULL) << 8;
	b = mnl_nlmsg_batch_start(buf, sizeof(buf) / 2); /* libmnl: half */
	if (!b)
		return -ENOMEM;
	first = seq;
	r = build(b, seq, ms);
	seq += 8;
	if (r == 0 &&
	    send(fd, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b), 0) < 0)
		r = -errno;
	mnl_nlmsg_batch_stop(b);
	if (r == 0)
		r = read_acks(fd, 1, first, first + 7);
	if (r < 0 && reason && len)
		snprintf(reason, len, "nf_tables lease batch: %s",
			 strerror(-r));
	return r;
}

/* The held sets: which table family, which addresses. */
struct set_ref {
	int family, af;
	const char *set;
};

static const struct set_ref held_sets[3] = {
	{ NFPROTO_INET, AF_INET, "held4" },
	{ NFPROTO_ARP, AF_INET, "held4" },
	{ NFPROTO_INET, AF_INET6, "held6" },
};

/* The addresses of family af in v[0..nv) into keys[0..max); their count,
 * or -E2BIG (holds go one VIP at a time). */
static int held_keys(const struct conf_vip *v, unsigned nv, int af,
		     const void **keys, unsigned max)
{
	unsigned n = 0;

	for (unsigned j = 0; j < nv; j++)
		for (unsigned k = 0; k < v[j].naddrs; k++) {
			if (v[j].addrs[k].family != af)
				continue;
			if (n == max)
				return -E2BIG;
			keys[n++] = v[j].addrs[k].addr;
		}
	return (int)n;
}

/* The messages of a hold (del: add, then delete) after the batch begin;
 * *seq advances, *msgs counts those that ask for an ack. */
static int held_build(struct mnl_nlmsg_batch *b, const struct set_ref *sets,
		      const struct conf_vip *v, unsigned nv, int del,
		      uint32_t *seq, unsigned *msgs)
{
	const void *keys[CONF_MAX_ADDRS * 4];
	struct elems el = { .keys = keys,
			    .table = sets == held_sets ? NULL : "vipd_gate" };
	int r = 0;

	for (unsigned i = 0; i < 3 && r == 0; i++) {
		int n = held_keys(v, nv, sets[i].af, keys,
				  sizeof(keys) / sizeof(keys[0]));

		if (n <= 0) {
			r = n;
			continue;
		}
		el.set = sets[i].set;
		el.n = (unsigned)n;
		el.klen = sets[i].af == AF_INET ? 4 : 16;
		for (int op = 0; op <= del && r == 0; op++) {
			r = put_elems(b, op ? NFT_MSG_DELSETELEM
					    : NFT_MSG_NEWSETELEM,
				      sets[i].family, &el, (*seq)++, 1);
			(*msgs)++;
		}
	}
	return r;
}

/* The persistent gate's sets (vipd_gate, not owned). */
static const struct set_ref gate_sets[3] = {
	{ NFPROTO_INET, AF_INET, "vip4" },
	{ NFPROTO_ARP, AF_INET, "vip4" },
	{ NFPROTO_INET, AF_INET6, "vip6" },
};

static int elems_batch(int fd, const struct set_ref *sets,
		       const struct conf_vip *v, unsigned nv, int del,
		       char *reason, size_t len);

int lease_raw_held(int fd, const struct conf_vip *v, unsigned nv, int del,
		   char *reason, size_t len)
{
	return elems_batch(fd, held_sets, v, nv, del, reason, len);
}

int lease_raw_gate_add(int fd, const struct conf_vip *v, char *reason,
		       size_t len)
{
	return elems_batch(fd, gate_sets, v, 1, 0, reason, len);
}

static int elems_batch(int fd, const struct set_ref *sets,
		       const struct conf_vip *v, unsigned nv, int del,
		       char *reason, size_t len)
{
	static uint32_t seq;
	char buf[8192] __attribute__((aligned(4)));
	struct mnl_nlmsg_batch *b;
	uint32_t first;
	unsigned msgs = 0;
	int r;

	if (!seq)
		seq = ((uint32_t)time(NULL) << 8) ^ 0x80000000u;
	b = mnl_nlmsg_batch_start(buf, sizeof(buf) / 2); /* libmnl: half */
	if (!b)
		return -ENOMEM;
	first = seq;
	r = put_batch(b, NFNL_MSG_BATCH_BEGIN, seq++);
	if (r == 0)
		r = held_build(b, sets, v, nv, del, &seq, &msgs);
	if (r == 0)
		r = put_batch(b, NFNL_MSG_BATCH_END, seq++);
	if (r == 0 && msgs &&
	    send(fd, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b), 0) < 0)
		r = -errno;
	mnl_nlmsg_batch_stop(b);
	if (r == 0 && msgs)
		r = read_acks(fd, msgs, first, seq - 1);
	if (r < 0 && reason && len)
		snprintf(reason, len, "nf_tables %s batch: %s",
			 sets == held_sets ? "held-set" : "gate-set",
			 strerror(-r));
	return r;
}
