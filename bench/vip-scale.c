// SPDX-License-Identifier: MIT
/*
 * vip-scale: drives many VIPs through libvip for bench/compare.sh.
 *
 *   vip-scale claim PREFIX COUNT [CONNS]
 *       claims PREFIX1 .. PREFIXCOUNT on this node over CONNS parallel
 *       connections (default 32, one thread each, requests in sequence on
 *       each), and prints "claimed OK FAILED MS" (MS: wall time from the
 *       first request to the last reply). Exit status 1 if any failed.
 *
 *   vip-scale wait-live NODE PREFIX COUNT READY_FILE [TIMEOUT_S]
 *       subscribes to vipd's events, creates READY_FILE, then waits until
 *       every VIP PREFIX1 .. PREFIXCOUNT had a "live" event on NODE and
 *       prints "live SEEN LAST_MS" (LAST_MS: CLOCK_REALTIME ms at which the
 *       last one arrived). If vipd drops the event stream (a watcher that
 *       falls behind gets an overflow), the rest is found by polling the
 *       status of each VIP ("live SEEN LAST_MS polled": LAST_MS is then an
 *       upper bound). Exit status 1 on timeout (default 30 s).
 *
 * The socket is $VIPD_SOCKET or /run/vipd/vipd.sock.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <vip.h>

static const char *prefix;
static unsigned count;
static unsigned next_vip;
static unsigned n_ok, n_fail;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static double now_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void *claimer(void *arg)
{
	struct vip_client *c = NULL;
	char name[VIP_NAME_MAX];
	unsigned i;
	int r;

	(void)arg;
	if (vip_client_new(NULL, &c) < 0)
		return NULL;
	for (;;) {
		pthread_mutex_lock(&lock);
		i = next_vip < count ? ++next_vip : 0;
		pthread_mutex_unlock(&lock);
		if (!i)
			break;
		snprintf(name, sizeof(name), "%s%u", prefix, i);
		r = vip_claim(c, name, 0, 60000, NULL);
		pthread_mutex_lock(&lock);
		if (r == 0)
			n_ok++;
		else {
			n_fail++;
			if (n_fail <= 5)
				fprintf(stderr, "claim %s: %s (%s)\n", name,
					vip_client_last_error(c),
					strerror(-r));
		}
		pthread_mutex_unlock(&lock);
	}
	vip_client_free(c);
	return NULL;
}

static int do_claim(unsigned conns)
{
	pthread_t th[128];
	unsigned k;
	double t0;

	if (conns < 1 || conns > 128)
		conns = 32;
	if (conns > count)
		conns = count;
	t0 = now_ms(CLOCK_MONOTONIC);
	for (k = 0; k < conns; k++)
		if (pthread_create(&th[k], NULL, claimer, NULL) != 0)
			return 2;
	for (k = 0; k < conns; k++)
		pthread_join(th[k], NULL);
	printf("claimed %u %u %.1f\n", n_ok, n_fail,
	       now_ms(CLOCK_MONOTONIC) - t0);
	return n_fail ? 1 : 0;
}

static int do_wait_live(const char *node, const char *ready, double timeout_s)
{
	struct vip_client *c = NULL;
	unsigned char *seen = calloc(count + 1, 1);
	unsigned nseen = 0;
	double end, last = 0;
	struct vip_event e;
	size_t plen = strlen(prefix);
	int r, fd, polled = 0;

	if (!seen || vip_client_new(NULL, &c) < 0)
		return 2;
	r = vip_watch(c);
	if (r < 0) {
		fprintf(stderr, "watch: %s\n", vip_client_last_error(c));
		return 2;
	}
	fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0)
		close(fd);
	end = now_ms(CLOCK_MONOTONIC) + timeout_s * 1e3;
	while (nseen < count) {
		struct pollfd p = { .fd = vip_client_fd(c), .events = POLLIN };
		double left = end - now_ms(CLOCK_MONOTONIC);

		if (left <= 0)
			break;
		if (poll(&p, 1, (int)left + 1) < 0 && errno != EINTR)
			return 2;
		while ((r = vip_next_event(c, &e)) == 0) {
			unsigned long i;
			char *endp;

			if (e.type != VIP_EVENT_LIVE || strcmp(e.node, node) ||
			    strncmp(e.vip, prefix, plen))
				continue;
			i = strtoul(e.vip + plen, &endp, 10);
			if (*endp || i < 1 || i > count || seen[i])
				continue;
			seen[i] = 1;
			nseen++;
			last = now_ms(CLOCK_REALTIME);
		}
		if (r != -EAGAIN && r != -EBADMSG) {
			/* vipd drops a watcher that falls behind (overflow): poll */
			fprintf(stderr, "event stream: %s; polling status\n",
				strerror(-r));
			polled = 1;
			break;
		}
	}
	while (polled && nseen < count && now_ms(CLOCK_MONOTONIC) < end) {
		for (unsigned i = 1; i <= count; i++) {
			struct vip_status *st = NULL;
			char name[VIP_NAME_MAX];

			if (seen[i])
				continue;
			snprintf(name, sizeof(name), "%s%u", prefix, i);
			if (vip_status(c, name, 2000, &st) == 0 &&
			    st->n_vips == 1 &&
			    strcmp(st->vips[0].holder, node) == 0 &&
			    strcmp(st->vips[0].state, "live") == 0) {
				seen[i] = 1;
				nseen++;
				last = now_ms(CLOCK_REALTIME);
			}
			vip_status_free(st);
		}
		if (nseen < count)
			usleep(5000);
	}
	printf("live %u %.1f%s\n", nseen, last, polled ? " polled" : "");
	vip_client_free(c);
	free(seen);
	return nseen == count ? 0 : 1;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 4 && strcmp(argv[1], "claim") == 0) {
		prefix = argv[2];
		count = (unsigned)atoi(argv[3]);
		return do_claim(argc > 4 ? (unsigned)atoi(argv[4]) : 32);
	}
	if (argc >= 6 && strcmp(argv[1], "wait-live") == 0) {
		prefix = argv[3];
		count = (unsigned)atoi(argv[4]);
		return do_wait_live(argv[2], argv[5],
				    argc > 6 ? atof(argv[6]) : 30);
	}
	fprintf(stderr, "usage: vip-scale claim PREFIX COUNT [CONNS]\n"
		"       vip-scale wait-live NODE PREFIX COUNT READY_FILE "
		"[TIMEOUT_S]\n");
	return 2;
}
