// SPDX-License-Identifier: MIT
/*
 * Cost of one lease refresh (src/net/lease.c): loads a gate for N VIPs
 * (default 16), holds them all, then times 2,000 refreshes and prints the
 * median in microseconds. Run as root in a scratch network namespace:
 *   ip netns add b && ip netns exec b ./lease-refresh [N]
 * Pass -t to keep glibc's default heap trimming: libnftables frees and
 * re-grows >128 KiB per run, and on this VM the brk/page-fault cycle
 * costs ~10 ms a refresh with few VIPs. The daemon should do the same
 * mallopt() as here (or refresh with a raw libnftnl batch).
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/socket.h>

#include "net/lease.h"

#define RUNS 2000

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	static double t[RUNS];
	int trim = argc > 1 && strcmp(argv[1], "-t") == 0;
	unsigned i, n = argc > 1 + trim ? (unsigned)atoi(argv[1 + trim]) : 16;
	struct conf conf = {.lease_mark = 0x00100000, .lease_ms = 150};
	char reason[256] = "";
	struct lease *l;
	int r;

	if (n == 0 || n > 4096)
		return 2;
	if (!trim) {
		mallopt(M_TRIM_THRESHOLD, 64 << 20);
		mallopt(M_MMAP_THRESHOLD, 64 << 20);
	}
	conf.vips = calloc(n, sizeof(*conf.vips));
	if (!conf.vips)
		return 1;
	conf.nvips = n;
	for (i = 0; i < n; i++) {
		struct conf_addr *a = &conf.vips[i].addrs[0];

		conf.vips[i].naddrs = 1;
		a->family = AF_INET;
		a->prefixlen = 24;
		memcpy(a->addr, (uint8_t[]){198, 51, 100, (uint8_t)i}, 4);
	}
	r = lease_open(&conf, &l, reason, sizeof(reason));
	for (i = 0; r == 0 && i < n; i++)
		r = lease_hold(l, &conf.vips[i], reason, sizeof(reason));
	for (i = 0; r == 0 && i < RUNS; i++) {
		double t0 = now_us();

		r = lease_refresh(l, 150, reason, sizeof(reason));
		t[i] = now_us() - t0;
	}
	if (r < 0) {
		fprintf(stderr, "lease: %d %s\n", r, reason);
		return 1;
	}
	qsort(t, RUNS, sizeof(t[0]), cmp_double);
	printf("%u VIPs: lease_refresh median %.1f us (min %.1f, p99 %.1f)\n",
	       n, t[RUNS / 2], t[0], t[RUNS * 99 / 100]);
	lease_free(l);
	free(conf.vips);
	return 0;
}
