// SPDX-License-Identifier: MIT
/*
 * Test driver for src/net against the real kernel: one subcommand per
 * call, run inside the server namespace by actuator.sh, which checks the
 * effects from outside. Exit 0 on success, 1 on failure, 2 on bad usage.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>

#include "net/addr.h"
#include "net/garp.h"
#include "net/lease.h"
#include "net/link.h"
#include "net/ndisc.h"
#include "net/nl.h"

static volatile sig_atomic_t got_usr1, got_term;

static int parse_addr(const char *s, struct conf_addr *a)
{
	char buf[64];
	char *slash;
	long plen = -1;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		plen = strtol(slash + 1, NULL, 10);
	}
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, buf, a->addr) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, a->addr) == 1)
		a->family = AF_INET6;
	else
		return -EINVAL;
	if (plen < 0)
		plen = a->family == AF_INET ? 32 : 128;
	a->prefixlen = (uint8_t)plen;
	return 0;
}

static int fail(const char *what, int r, const char *reason)
{
	fprintf(stderr, "%s: %s (%s)\n", what, strerror(-r), reason);
	return 1;
}

static int cmd_addr(struct nl *nl, int argc, char **argv)
{
	char reason[256] = "";
	struct conf_addr a;
	int idx, r;

	if (argc < 3 || parse_addr(argv[2], &a) < 0)
		return 2;
	idx = link_index(argv[1]);
	if (idx < 0)
		return fail("link_index", idx, "");
	if (strcmp(argv[0], "add") == 0 && argc == 4)
		r = addr_add(nl, idx, &a, (uint32_t)atol(argv[3]), reason,
			     sizeof(reason));
	else if (strcmp(argv[0], "del") == 0)
		r = addr_del(nl, idx, &a, reason, sizeof(reason));
	else if (strcmp(argv[0], "present") == 0)
		r = addr_present(nl, idx, &a);
	else
		return 2;
	if (r < 0)
		return fail(argv[0], r, reason);
	if (strcmp(argv[0], "present") == 0)
		printf("%d\n", r);
	return 0;
}

/* a request the kernel refuses with an ext-ack message */
static int cmd_extack(struct nl *nl, int argc, char **argv)
{
	char reason[256] = "";
	struct conf_addr a;
	int r;

	parse_addr("203.0.113.99/24", &a);
	r = addr_add(nl, 0x7ffffff0, &a, 10, reason, sizeof(reason));
	printf("%d %s\n", r, reason);
	return r == -ENODEV && reason[0] ? 0 : 1;
}

static int cmd_announce(int argc, char **argv)
{
	char reason[256] = "";
	struct conf_addr a;
	int idx, r;

	if (argc != 3 || parse_addr(argv[2], &a) < 0)
		return 2;
	idx = link_index(argv[1]);
	if (idx < 0)
		return fail("link_index", idx, "");
	if (a.family == AF_INET)
		r = garp_send(idx, a.addr, reason, sizeof(reason));
	else
		r = ndisc_send_na(idx, a.addr, reason, sizeof(reason));
	return r < 0 ? fail(argv[0], r, reason) : 0;
}

static void any_cb(int ifindex, const char *ifname, bool is_up, void *ud)
{
	(void)ifindex;
	(void)ifname;
	(void)is_up;
	(void)ud;
}

/* newmac DEV ADDR MAC: GARP (the MAC is remembered), change the MAC with
 * ip(8), read the link event as vipd does, GARP again (three times): those
 * must carry the new MAC.  A stale MAC in the ARP payload differs from
 * the frame's source, which the client probe does not count. */
static int cmd_newmac(int argc, char **argv)
{
	char reason[256] = "", cmd[256];
	struct link_watch *lw;
	struct conf_addr a;
	struct pollfd pfd = { .events = POLLIN };
	int idx, r;

	if (argc != 4 || parse_addr(argv[2], &a) < 0 || a.family != AF_INET)
		return 2;
	idx = link_index(argv[1]);
	if (idx < 0)
		return fail("link_index", idx, "");
	pfd.fd = link_watch_open(&lw);
	if (pfd.fd < 0)
		return fail("link_watch_open", pfd.fd, "");
	r = garp_send(idx, a.addr, reason, sizeof(reason));
	if (r < 0)
		return fail("garp before", r, reason);
	snprintf(cmd, sizeof(cmd), "ip link set dev %s address %s", argv[1],
		 argv[3]);
	if (system(cmd) != 0)
		return fail("ip link set address", -EIO, cmd);
	if (poll(&pfd, 1, 2000) != 1)
		return fail("no link event after the MAC change", -ETIMEDOUT,
			    "");
	r = link_watch_read(lw, any_cb, NULL);
	if (r < 0 && r != -ENOBUFS)
		return fail("link_watch_read", r, "");
	link_watch_free(lw);
	/* three, as vipd does: under load the listener may miss one */
	for (int i = 0; i < 3; i++) {
		struct timespec ts = { .tv_nsec = 100000000L };

		r = garp_send(idx, a.addr, reason, sizeof(reason));
		if (r < 0)
			return fail("garp after", r, reason);
		nanosleep(&ts, NULL);
	}
	return 0;
}

static int cmd_link(struct nl *nl, int argc, char **argv)
{
	int idx, r;

	if (argc != 2)
		return 2;
	idx = link_index(argv[1]);
	if (idx < 0)
		return fail("link_index", idx, "");
	r = link_is_up(nl, idx);
	if (r < 0)
		return fail("link_is_up", r, "");
	printf("%d\n", r);
	return 0;
}

struct watch {
	const char *ifname; /* waited for */
	int want_up;	    /* state waited for */
	int seen;	    /* 1 once it came */
};

static void watch_cb(int ifindex, const char *ifname, bool is_up, void *ud)
{
	struct watch *w = ud;

	if (strcmp(ifname, w->ifname) == 0 && is_up == w->want_up)
		w->seen = 1;
}

static int cmd_watch(int argc, char **argv)
{
	struct watch w = {0};
	struct link_watch *lw;
	struct pollfd pfd;
	int r;

	if (argc != 4)
		return 2;
	w.ifname = argv[1];
	w.want_up = strcmp(argv[2], "up") == 0;
	pfd.fd = link_watch_open(&lw);
	if (pfd.fd < 0)
		return fail("link_watch_open", pfd.fd, "");
	pfd.events = POLLIN;
	printf("ready\n");
	fflush(stdout);
	while (!w.seen && poll(&pfd, 1, atoi(argv[3])) == 1) {
		r = link_watch_read(lw, watch_cb, &w);
		if (r < 0 && r != -ENOBUFS) {
			link_watch_free(lw);
			return fail("link_watch_read", r, "");
		}
	}
	link_watch_free(lw);
	return w.seen ? 0 : 1;
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_term = 1;
}

static int setup_hold(struct nl *nl, struct conf *conf, int idx,
		      struct lease **ret_l)
{
	char reason[256] = "";
	unsigned i;
	int r;

	r = lease_open(conf, ret_l, reason, sizeof(reason));
	if (r < 0)
		return fail("lease_open", r, reason);
	r = lease_refresh(*ret_l, 0, reason, sizeof(reason));
	if (r < 0)
		return fail("lease_refresh 0", r, reason);
	/* As vipd does once every VIP is held: from here on holds,
	 * unholds and refreshes go as raw batches on the kept socket,
	 * libnftables unloaded (the steps below check each). */
	r = lease_retire(*ret_l, reason, sizeof(reason));
	if (r < 0)
		return fail("lease_retire", r, reason);
	for (i = 0; i < conf->vips[0].naddrs; i++) {
		r = addr_add(nl, idx, &conf->vips[0].addrs[i], 60, reason,
			     sizeof(reason));
		if (r < 0)
			return fail("addr_add", r, reason);
	}
	r = lease_hold(*ret_l, &conf->vips[0], reason, sizeof(reason));
	if (r == 0)
		r = lease_hold(*ret_l, &conf->vips[0], reason, sizeof(reason));
	return r < 0 ? fail("lease_hold", r, reason) : 0;
}

/* refreshes every period until SIGTERM; SIGUSR1 unholds the VIP */
static int hold_loop(struct lease *l, struct conf *conf, uint32_t lease_ms,
		     long period_ms)
{
	struct timespec ts = {.tv_sec = period_ms / 1000,
			      .tv_nsec = (period_ms % 1000) * 1000000L};
	char reason[256] = "";
	int r, first = 1;

	while (!got_term) {
		if (got_usr1) {
			got_usr1 = 0;
			r = lease_unhold(l, &conf->vips[0], reason,
					 sizeof(reason));
			if (r < 0)
				return fail("lease_unhold", r, reason);
			printf("unheld\n");
			fflush(stdout);
		}
		r = lease_refresh(l, lease_ms, reason, sizeof(reason));
		if (r < 0)
			return fail("lease_refresh", r, reason);
		if (first) {
			printf("ready\n");
			fflush(stdout);
			first = 0;
		}
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* hold DEV LEASE_MS PERIOD_MS MARK ADDR/PLEN... */
static int cmd_hold(struct nl *nl, int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct conf conf = {0};
	struct conf_vip vip = {.name = "test"};
	struct lease *l = NULL;
	int i, idx, r;

	if (argc < 6 || argc - 5 > CONF_MAX_ADDRS)
		return 2;
	idx = link_index(argv[1]);
	if (idx < 0)
		return fail("link_index", idx, "");
	for (i = 5; i < argc; i++)
		if (parse_addr(argv[i], &vip.addrs[vip.naddrs++]) < 0)
			return 2;
	snprintf(vip.dev, sizeof(vip.dev), "%s", argv[1]);
	conf.lease_ms = (uint32_t)atol(argv[2]);
	conf.lease_mark = (uint32_t)strtoul(argv[4], NULL, 0);
	conf.vips = &vip;
	conf.nvips = 1;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	r = setup_hold(nl, &conf, idx, &l);
	if (r == 0)
		r = hold_loop(l, &conf, conf.lease_ms, atol(argv[3]));
	lease_free(l);
	return r;
}

int main(int argc, char **argv)
{
	struct nl *nl;
	int r;

	if (argc < 2) {
		fprintf(stderr,
			"usage: %s add|del|present|extack|garp|na|"
			"link|watch|newmac|hold ...\n",
			argv[0]);
		return 2;
	}
	argc--;
	argv++;
	if (strcmp(argv[0], "garp") == 0 || strcmp(argv[0], "na") == 0)
		return cmd_announce(argc, argv);
	if (strcmp(argv[0], "watch") == 0)
		return cmd_watch(argc, argv);
	if (strcmp(argv[0], "newmac") == 0)
		return cmd_newmac(argc, argv);
	r = nl_open(&nl);
	if (r < 0)
		return fail("nl_open", r, "");
	if (strcmp(argv[0], "link") == 0)
		r = cmd_link(nl, argc, argv);
	else if (strcmp(argv[0], "extack") == 0)
		r = cmd_extack(nl, argc, argv);
	else if (strcmp(argv[0], "hold") == 0)
		r = cmd_hold(nl, argc, argv);
	else
		r = cmd_addr(nl, argc, argv);
	nl_free(nl);
	return r;
}
