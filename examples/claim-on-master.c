// SPDX-License-Identifier: MIT
/*
 * claim-on-master: how an application drives a VIP with libvip.  It stands
 * in for a database that runs its own election: SIGUSR1 means "this node
 * became primary", SIGUSR2 "stepped down".  The election's term is kept
 * in TERM-FILE: each promotion takes the next term and writes it to disk
 * (write, fsync, rename) before claiming with it, so a restarted process
 * never reuses a term and a deposed primary cannot take the VIP back.  A
 * real database passes the term its own election agreed instead.
 *
 * One poll loop serves the signals and vipd's event stream.  Every libvip
 * call in it is bounded (a claim waits at most CLAIM_WAIT_MS); what did
 * not happen yet is retried from poll's timeout, never by sleeping.  When
 * vipd goes away (restart, upgrade) the stream ends: the example drops the
 * client, reconnects every RETRY_MS, resumes the stream where it stopped
 * (vip_watch_since) and claims again if it is still primary.
 *
 *   claim-on-master [--socket PATH] VIP TERM-FILE
 *   kill -USR1 <pid>    # promoted: claim VIP --term (TERM-FILE + 1)
 *   kill -USR2 <pid>    # demoted: release VIP
 *   kill -TERM <pid>    # leave (a primary releases first)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <vip.h>

#define CLAIM_WAIT_MS 1000 /* longest a claim or release may take */
#define RETRY_MS 1000	   /* reconnect / retry period */

struct app {
	const char *socket; /* NULL: libvip's default */
	const char *vip;
	const char *term_path; /* the election's term, on disk */
	struct vip_client *c;  /* NULL while vipd is not reached */
	int primary;	       /* what the election says */
	int done;	       /* vipd does what primary says (or refused
				* for good); 1 until the first signal */
	uint64_t term;	       /* this process's current election term */
	char inc[17];	       /* stream position to resume from */
	uint64_t seq;
	int64_t retry_at; /* monotonic ms of the next try, 0: none */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The next term: TERM-FILE's (0 if absent) plus one, made durable before
 * it is used.  0 and *ret, or -errno. */
static int term_next(const char *path, uint64_t *ret)
{
	char tmp[4096], buf[32];
	uint64_t t = 0;
	FILE *f = fopen(path, "r");
	int fd, n;

	if (f) {
		if (fscanf(f, "%" SCNu64, &t) != 1)
			t = 0;
		fclose(f);
	} else if (errno != ENOENT) {
		return -errno;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	n = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", t + 1);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1)
		return -errno;
	if (write(fd, buf, (size_t)n) != n || fsync(fd) == -1 ||
	    close(fd) == -1 || rename(tmp, path) == -1)
		return errno ? -errno : -EIO;
	*ret = t + 1;
	return 0;
}

static void disconnect(struct app *a, const char *why)
{
	if (a->c)
		fprintf(stderr, "vipd lost (%s): reconnecting every %d ms\n",
			why, RETRY_MS);
	vip_client_free(a->c);
	a->c = NULL;
	if (a->primary)
		a->done = 0; /* claim again once back */
	a->retry_at = now_ms() + RETRY_MS;
}

/* Connects and resumes the event stream.  0, or -errno (retry later). */
static int connect_vipd(struct app *a)
{
	int r = vip_client_new(a->socket, &a->c);

	if (r < 0)
		return r;
	r = a->inc[0] ? vip_watch_since(a->c, a->inc, a->seq) : vip_watch(a->c);
	if (r < 0) {
		fprintf(stderr, "vipd: %s\n", vip_client_last_error(a->c));
		vip_client_free(a->c);
		a->c = NULL;
		return r;
	}
	printf("connected to vipd\n");
	return 0;
}

/* Makes vipd do what the election says: one bounded call. */
static void apply(struct app *a)
{
	uint64_t token = 0;
	int r;

	if (a->primary)
		r = vip_claim(a->c, a->vip, a->term, CLAIM_WAIT_MS, &token);
	else
		r = vip_release(a->c, a->vip, CLAIM_WAIT_MS);
	if (r == 0 && a->primary)
		printf("primary: %s is ours at term %" PRIu64 " (fencing "
		       "token)\n",
		       a->vip, token);
	else if (r == 0)
		printf("standby: %s released\n", a->vip);
	/* Final: a newer term holds it, not ours to take or to release (held
	 * elsewhere), or unknown; anything else is tried again. */
	if (r == 0 || r == -ESTALE || r == -EPERM || r == -ENOENT ||
	    r == -EADDRNOTAVAIL || (r == -EBUSY && !a->primary)) {
		if (r < 0)
			printf("%s %s refused for good: %s\n",
			       a->primary ? "claim" : "release", a->vip,
			       vip_client_last_error(a->c));
		a->done = 1;
		a->retry_at = 0;
		return;
	}
	fprintf(stderr, "%s %s: %s (code '%s'), retrying\n",
		a->primary ? "claim" : "release", a->vip,
		vip_client_last_error(a->c), vip_client_last_code(a->c));
	if (r == -ECONNREFUSED || r == -ECONNRESET || r == -EPIPE)
		disconnect(a, strerror(-r));
	else
		a->retry_at = now_ms() + RETRY_MS;
}

static void drain_events(struct app *a)
{
	struct vip_event e;
	int r;

	while ((r = vip_next_event(a->c, &e)) == 0 || r == -EBADMSG) {
		if (r < 0)
			continue;
		(void)vip_event_position(a->c, &a->seq, a->inc, sizeof(a->inc));
		if (e.vip[0] == '\0' || strcmp(e.vip, a->vip) == 0)
			printf("event %s vip=%s node=%s term=%" PRIu64 "\n",
			       e.type_name, e.vip, e.node, e.term);
	}
	if (r != -EAGAIN)
		disconnect(a, strerror(-r));
}

/* A signal: 1 to leave, else 0. */
static int on_signal(struct app *a, int sig)
{
	int r;

	if (sig == SIGTERM || sig == SIGINT)
		return 1;
	a->primary = sig == SIGUSR1;
	a->done = 0;
	if (a->primary) {
		r = term_next(a->term_path, &a->term);
		if (r < 0) { /* never claim with a term not on disk */
			fprintf(stderr, "%s: %s: staying standby\n",
				a->term_path, strerror(-r));
			a->primary = 0;
		}
	}
	if (a->c)
		a->retry_at = 0; /* due() applies it at once */
	return 0;
}

/* Work due at poll's timeout; returns the next timeout (-1: none). */
static int due(struct app *a)
{
	int64_t left;

	if (!a->c && a->retry_at && now_ms() >= a->retry_at) {
		a->retry_at = 0;
		if (connect_vipd(a) < 0)
			a->retry_at = now_ms() + RETRY_MS;
	}
	if (a->c && !a->done && (!a->retry_at || now_ms() >= a->retry_at)) {
		a->retry_at = 0;
		apply(a);
	}
	if (!a->retry_at)
		return -1;
	left = a->retry_at - now_ms();
	return left < 0 ? 0 : (int)left;
}

static int loop(struct app *a, int sfd)
{
	struct signalfd_siginfo si;
	struct pollfd p[2];
	int n, timeout;

	for (;;) {
		timeout = due(a); /* first: it may connect */
		p[0] = (struct pollfd){.fd = sfd, .events = POLLIN};
		p[1] = (struct pollfd){.fd = a->c ? vip_client_fd(a->c) : -1,
				       .events = POLLIN};
		fflush(stdout);
		n = poll(p, 2, timeout);
		if (n == -1 && errno != EINTR)
			return 1;
		if (n > 0 && (p[0].revents & POLLIN) &&
		    read(sfd, &si, sizeof(si)) == sizeof(si) &&
		    on_signal(a, (int)si.ssi_signo))
			return 0;
		if (n > 0 && a->c && p[1].revents)
			drain_events(a);
	}
}

int main(int argc, char **argv)
{
	struct app a = {.done = 1};
	sigset_t mask;
	int sfd, r;

	if (argc > 2 && strcmp(argv[1], "--socket") == 0) {
		a.socket = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: claim-on-master [--socket PATH] VIP "
				"TERM-FILE\n");
		return 2;
	}
	a.vip = argv[1];
	a.term_path = argv[2];
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd == -1)
		return 1;
	if (connect_vipd(&a) < 0)
		disconnect(&a, "not reached at start");
	printf("pid %d: SIGUSR1 claims %s, SIGUSR2 releases it; terms in "
	       "%s\n",
	       (int)getpid(), a.vip, a.term_path);
	r = loop(&a, sfd);
	if (a.c && a.primary) {
		a.primary = 0;
		apply(&a);
	}
	vip_client_free(a.c);
	return r;
}
