// SPDX-License-Identifier: MIT
/*
 * rogue: a process that is not vipd joins vipd's CPG group on a member
 * node (under that node's id, as corosync gives it) and sends what it is
 * told, in order:
 *
 *   rogue GROUP ACTION...
 *     capture NODE      wait (up to 5 s) for a record from node NODE and
 *                       keep it (a genuine record, for replay)
 *     replay            send the kept record again, as it was
 *     garbage N         N random bytes
 *     truncated         a RENEW record cut in half
 *     version V         a RENEW record of peer version V
 *     released VIP TERM a forged RELEASED of VIP at TERM
 *     live VIP TERM     a forged LIVE of VIP at TERM
 *     claim VIP TERM    a forged CLAIM of VIP at TERM
 *     move VIP NODE     a forged MOVE of VIP to node id NODE
 *     expire NODE       a forged EXPIRE of node id NODE
 *     stay MS           stay in the group MS milliseconds
 *
 * Forged records carry this node's id as their sender, as vipd's own
 * would.  Prints one line per record sent; exits 0, or 1 with a reason.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#include <corosync/cpg.h>

#include "proto/peer.h"

static uint8_t kept[PEER_BUNDLE_MAX];
static size_t kept_len;
static uint32_t want_from; /* capture: 0 none */

static void on_deliver(cpg_handle_t h, const struct cpg_name *g,
		       uint32_t nodeid, uint32_t pid, void *msg, size_t len)
{
	(void)h;
	(void)g;
	(void)pid;
	if (!want_from || nodeid != want_from || len > sizeof(kept))
		return;
	memcpy(kept, msg, len);
	kept_len = len;
	want_from = 0;
}

static void on_confchg(cpg_handle_t h, const struct cpg_name *g,
		       const struct cpg_address *m, size_t nm,
		       const struct cpg_address *l, size_t nl,
		       const struct cpg_address *j, size_t nj)
{
	(void)h, (void)g, (void)m, (void)nm, (void)l, (void)nl, (void)j;
	(void)nj;
}

static cpg_callbacks_t cbs = {.cpg_deliver_fn = on_deliver,
			      .cpg_confchg_fn = on_confchg};

__attribute__((noreturn)) static void die(const char *what)
{
	fprintf(stderr, "rogue: %s\n", what);
	exit(1);
}

static void send_buf(cpg_handle_t h, const void *buf, size_t len,
		     const char *what)
{
	struct iovec iov = {.iov_base = (void *)(uintptr_t)buf, .iov_len = len};
	cs_error_t r;

	do
		r = cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1);
	while (r == CS_ERR_TRY_AGAIN);
	if (r != CS_OK)
		die("cpg_mcast_joined failed");
	printf("sent %s (%zu bytes)\n", what, len);
}

static void dispatch_for(cpg_handle_t h, int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int capturing = want_from != 0;

	for (; ms > 0; ms -= 10) {
		if (poll(&p, 1, 10) > 0)
			cpg_dispatch(h, CS_DISPATCH_ALL);
		if (capturing && !want_from)
			return;
	}
}

/* Encode m from self and send it; version: patched peer version. */
static void send_msg(cpg_handle_t h, const struct core_msg *m, uint32_t self,
		     int version, size_t cut, const char *what)
{
	uint8_t buf[512];
	int n = peer_encode(m, self, buf, sizeof(buf));

	if (n < 0)
		die("peer_encode failed");
	if (version >= 0)
		buf[0] = (uint8_t)version;
	send_buf(h, buf, cut ? cut : (size_t)n, what);
}

/* One ACTION at argv[0]; returns the number of words it took. */
static int action(cpg_handle_t h, int fd, uint32_t self, char **argv, int argc)
{
	struct core_msg m = {.type = CORE_MSG_RENEW, .lease_us = 1000000};
	const char *a = argv[0];
	uint8_t junk[256];

	if (!strcmp(a, "replay")) {
		if (!kept_len)
			die("replay: nothing captured");
		send_buf(h, kept, kept_len, "replay");
		return 1;
	}
	if (!strcmp(a, "truncated")) {
		send_msg(h, &m, self, -1, PEER_HDR_SIZE / 2, a);
		return 1;
	}
	if (argc < 2)
		die("an action lacks its argument");
	if (!strcmp(a, "capture")) {
		want_from = (uint32_t)strtoul(argv[1], NULL, 0);
		kept_len = 0;
		dispatch_for(h, fd, 5000);
		if (!kept_len)
			die("capture: no record from that node in 5 s");
		printf("captured %zu bytes from node %s\n", kept_len, argv[1]);
		return 2;
	}
	if (!strcmp(a, "stay")) {
		dispatch_for(h, fd, atoi(argv[1]));
		return 2;
	}
	if (!strcmp(a, "garbage")) {
		size_t n = strtoul(argv[1], NULL, 0) % sizeof(junk);

		for (size_t i = 0; i < n; i++)
			junk[i] = (uint8_t)rand();
		send_buf(h, junk, n, a);
		return 2;
	}
	if (!strcmp(a, "version")) {
		send_msg(h, &m, self, atoi(argv[1]), 0, "future version");
		return 2;
	}
	if (!strcmp(a, "expire")) {
		m.type = CORE_MSG_EXPIRE;
		m.node = (uint32_t)strtoul(argv[1], NULL, 0);
		m.seq = 1u << 30;
		send_msg(h, &m, self, -1, 0, "forged EXPIRE");
		return 2;
	}
	if (argc < 3)
		die("an action lacks its arguments");
	memset(&m, 0, sizeof(m));
	snprintf(m.vip, sizeof(m.vip), "%s", argv[1]);
	m.term = strtoull(argv[2], NULL, 0);
	m.reqid = 0x7e57;
	if (!strcmp(a, "released"))
		m.type = CORE_MSG_RELEASED;
	else if (!strcmp(a, "live"))
		m.type = CORE_MSG_LIVE;
	else if (!strcmp(a, "claim"))
		m.type = CORE_MSG_CLAIM;
	else if (!strcmp(a, "move")) {
		m.type = CORE_MSG_MOVE;
		m.node = (uint32_t)m.term;
		m.term = 0;
	} else
		die("unknown action");
	send_msg(h, &m, self, -1, 0, a);
	return 3;
}

int main(int argc, char **argv)
{
	struct cpg_name name = {0};
	cpg_handle_t h;
	uint32_t self;
	int fd;

	if (argc < 3 || strlen(argv[1]) >= CPG_MAX_NAME_LENGTH)
		die("usage: rogue GROUP ACTION...");
	srand((unsigned)time(NULL));
	name.length = (uint32_t)strlen(argv[1]);
	memcpy(name.value, argv[1], name.length);
	if (cpg_initialize(&h, &cbs) != CS_OK)
		die("cannot reach corosync (cpg_initialize)");
	if (cpg_local_get(h, &self) != CS_OK || cpg_join(h, &name) != CS_OK ||
	    cpg_fd_get(h, &fd) != CS_OK)
		die("cannot join the group");
	printf("joined '%s' as node %u\n", argv[1], self);
	dispatch_for(h, fd, 300);
	for (int i = 2; i < argc;)
		i += action(h, fd, self, argv + i, argc - i);
	dispatch_for(h, fd, 300);
	cpg_leave(h, &name);
	cpg_finalize(h);
	return 0;
}
