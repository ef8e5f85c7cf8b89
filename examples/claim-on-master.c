// SPDX-License-Identifier: MIT
/*
 * claim-on-master: how an application drives a VIP with libvip. It stands
 * in for a database that runs its own election: SIGUSR1 means "this node
 * became primary" and claims the VIP with the election's term, SIGUSR2
 * means "stepped down" and releases it. Meanwhile it watches vipd's events
 * by polling the libvip event fd next to its own signal fd.
 *
 *   claim-on-master VIP [FIRST-TERM]
 *   kill -USR1 <pid>    # promoted: claim VIP --term N (N increases)
 *   kill -USR2 <pid>    # demoted: release VIP
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <vip.h>

static void on_signal(struct vip_client *c, const char *vip, int sig,
		      uint64_t *election_term)
{
	uint64_t term = 0;
	int r;

	if (sig == SIGUSR1) {
		/* A real application passes the term its election agreed. */
		r = vip_claim(c, vip, (*election_term)++, 5000, &term);
		if (r == 0)
			printf("primary: %s is ours, fencing token %llu\n", vip,
			       (unsigned long long)term);
	} else {
		r = vip_release(c, vip, 5000);
		if (r == 0)
			printf("standby: %s released\n", vip);
	}
	if (r < 0)
		fprintf(stderr, "%s %s: %s (%s)\n",
			sig == SIGUSR1 ? "claim" : "release", vip,
			vip_client_last_error(c), strerror(-r));
}

static void drain_events(struct vip_client *c, const char *vip)
{
	struct vip_event e;
	int r;

	while ((r = vip_next_event(c, &e)) == 0)
		if (e.vip[0] == '\0' || strcmp(e.vip, vip) == 0)
			printf("event %s vip=%s node=%s term=%llu\n",
			       e.type_name, e.vip, e.node,
			       (unsigned long long)e.term);
	if (r != -EAGAIN && r != -EBADMSG) {
		fprintf(stderr, "event stream ended: %s\n", strerror(-r));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	uint64_t election_term = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
	struct signalfd_siginfo si;
	struct vip_client *c;
	struct pollfd p[2];
	sigset_t mask;
	int r;

	if (argc < 2) {
		fprintf(stderr, "usage: %s VIP [FIRST-TERM]\n", argv[0]);
		return 2;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	r = vip_client_new(NULL, &c);
	if (r == 0)
		r = vip_watch(c);
	if (r < 0) {
		fprintf(stderr, "vipd: %s\n", strerror(-r));
		return 1;
	}
	p[0] = (struct pollfd){.fd = signalfd(-1, &mask, SFD_CLOEXEC),
			       .events = POLLIN};
	p[1] = (struct pollfd){.fd = vip_client_fd(c), .events = POLLIN};
	printf("pid %d: SIGUSR1 claims %s, SIGUSR2 releases it\n",
	       (int)getpid(), argv[1]);
	fflush(stdout);
	while (poll(p, 2, -1) >= 0 || errno == EINTR) {
		if ((p[0].revents & POLLIN) &&
		    read(p[0].fd, &si, sizeof(si)) == sizeof(si))
			on_signal(c, argv[1], (int)si.ssi_signo,
				  &election_term);
		if (p[1].revents)
			drain_events(c, argv[1]);
		fflush(stdout);
	}
	vip_client_free(c);
	return 1;
}
