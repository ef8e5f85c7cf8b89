// SPDX-License-Identifier: MIT
/*
 * The gate watcher's parser (src/net/gate_watch.c): any nf_tables change
 * that names the table vipd_gate is seen, in any place of a batch; the
 * lease refreshes of vipd_lease, NEWGEN and other subsystems are not;
 * a malformed buffer is refused.  And in a network namespace of its own,
 * the kernel's own notifications: a flush is seen, a refresh never
 * reaches the socket (its filter).
 */
#define _GNU_SOURCE /* unshare */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "net/gate_watch.h"

struct msg {
	int subsys, type;
	const char *table; /* attribute 1; NULL: a u32 there (NEWGEN) */
};

/* The messages m[0..n) back to back into buf; their length. */
static size_t build(char *buf, size_t size, const struct msg *m, int n)
{
	size_t off = 0;

	for (int i = 0; i < n; i++) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + off);
		struct nfgenmsg *g;

		nlh->nlmsg_type = (uint16_t)(m[i].subsys << 8 | m[i].type);
		g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
		g->nfgen_family = NFPROTO_INET;
		if (m[i].table)
			mnl_attr_put_strz(nlh, 1, m[i].table);
		else
			mnl_attr_put_u32(nlh, NFTA_GEN_ID, 7);
		mnl_attr_put_u32(nlh, 2, 1); /* another attribute */
		off += MNL_ALIGN(nlh->nlmsg_len);
		assert_true(off < size);
	}
	return off;
}

static void changes_to_the_gate_are_seen(void **state)
{
	static const struct {
		const char *what;
		struct msg m[3];
		int n, want;
	} cases[] = {
		{"a deleted gate table",
		 {{NFNL_SUBSYS_NFTABLES, NFT_MSG_DELTABLE, "vipd_gate"}},
		 1,
		 1},
		{"a deleted gate rule",
		 {{NFNL_SUBSYS_NFTABLES, NFT_MSG_DELRULE, "vipd_gate"}},
		 1,
		 1},
		{"a new rule in the gate",
		 {{NFNL_SUBSYS_NFTABLES, NFT_MSG_NEWRULE, "vipd_gate"}},
		 1,
		 1},
		{"an element removed from the gate",
		 {{NFNL_SUBSYS_NFTABLES, NFT_MSG_DELSETELEM, "vipd_gate"}},
		 1,
		 1},
		{"an address added to the gate (a reload's new VIP)",
		 {{NFNL_SUBSYS_NFTABLES, NFT_MSG_NEWSETELEM, "vipd_gate"},
		  {NFNL_SUBSYS_NFTABLES, NFT_MSG_NEWGEN, NULL}},
		 2,
		 0},
		{"a lease refresh",
		 {{NFNL_SUBSYS_NFTABLES, NFT_MSG_NEWSETELEM, "vipd_lease"},
		  {NFNL_SUBSYS_NFTABLES, NFT_MSG_DELSETELEM, "vipd_lease"},
		  {NFNL_SUBSYS_NFTABLES, NFT_MSG_NEWGEN, NULL}},
		 3,
		 0},
		{"a flush among other changes",
		 {{NFNL_SUBSYS_NFTABLES, NFT_MSG_DELTABLE, "filter"},
		  {NFNL_SUBSYS_NFTABLES, NFT_MSG_DELCHAIN, "vipd_gate"},
		  {NFNL_SUBSYS_NFTABLES, NFT_MSG_NEWGEN, NULL}},
		 3,
		 1},
		{"a longer name",
		 {{NFNL_SUBSYS_NFTABLES, NFT_MSG_DELTABLE, "vipd_gate2"}},
		 1,
		 0},
		{"another subsystem",
		 {{NFNL_SUBSYS_CTNETLINK, 1, "vipd_gate"}},
		 1,
		 0},
	};
	char buf[1024] __attribute__((aligned(4)));

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = build(buf, sizeof(buf), cases[i].m, cases[i].n);

		if (gate_watch_parse(buf, len) != cases[i].want)
			fail_msg("%s: %d, want %d", cases[i].what,
				 gate_watch_parse(buf, len), cases[i].want);
	}
}

static void malformed_buffers_are_refused(void **state)
{
	const struct msg m = {NFNL_SUBSYS_NFTABLES, NFT_MSG_DELTABLE,
			      "vipd_gate"};
	char buf[256] __attribute__((aligned(4)));
	size_t len = build(buf, sizeof(buf), &m, 1);
	struct nlmsghdr *nlh = (struct nlmsghdr *)(void *)buf;

	/* a message longer than the datagram */
	assert_int_equal(gate_watch_parse(buf, len - 4), -EBADMSG);
	/* a length shorter than a header */
	nlh->nlmsg_len = 8;
	assert_int_equal(gate_watch_parse(buf, len), -EBADMSG);
	/* a name without its NUL is no name */
	nlh->nlmsg_len = (uint32_t)len;
	buf[sizeof(*nlh) + sizeof(struct nfgenmsg) + 4 + 9] = 'x';
	assert_int_equal(gate_watch_parse(buf, len), 0);
}

/* nft -f - with text, in this process's network namespace */
static int nft(const char *text)
{
	FILE *p = popen("nft -f -", "w");

	if (!p)
		return -1;
	fputs(text, p);
	return pclose(p);
}

/* The socket in a network namespace of its own, against the real
 * kernel: a lease refresh is filtered out, a flush is seen. */
static void the_kernel_reports_a_flush_but_not_a_refresh(void **state)
{
	struct gate_watch *gw;
	int fd;

	if (unshare(CLONE_NEWNET) != 0 || system("nft -v >/dev/null") != 0)
		skip(); /* not root, or no nft */
	assert_int_equal(nft("table inet vipd_lease { set lease { type "
			     "nf_proto; flags timeout; }; }\n"
			     "table inet vipd_gate { set vip4 { type "
			     "ipv4_addr; }; }\n"),
			 0);
	fd = gate_watch_open(&gw);
	assert_true(fd >= 0);
	assert_int_equal(nft("add element inet vipd_lease lease { ipv4 "
			     "timeout 150ms }\n"
			     "delete element inet vipd_lease lease { ipv4 }\n"),
			 0);
	assert_int_equal(recv(fd, (char[64]){0}, 64, MSG_DONTWAIT), -1);
	assert_int_equal(gate_watch_read(gw), 0);
	assert_int_equal(nft("flush ruleset\n"), 0);
	assert_int_equal(gate_watch_read(gw), 1);
	assert_int_equal(gate_present(), 0);
	gate_watch_free(gw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(changes_to_the_gate_are_seen),
		cmocka_unit_test(malformed_buffers_are_refused),
		cmocka_unit_test(the_kernel_reports_a_flush_but_not_a_refresh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
