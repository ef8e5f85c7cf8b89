// SPDX-License-Identifier: MIT
/*
 * follow-group: the smallest application a `follow-group` VIP can follow.
 * It joins CPG group NAME and stays a member until it exits; vipd puts the
 * VIP on the node of the group's member that holds it and moves it when
 * that member leaves or dies.  No vipd API and no privileges beyond
 * corosync's IPC (a uidgid.d entry for its user).
 *
 *   follow-group NAME        join now (the active primary)
 *   follow-group -w NAME     wait outside the group (a standby)
 *
 * SIGUSR1 leaves the group (stand down), SIGUSR2 joins it (become the
 * primary), SIGTERM or SIGINT leaves it and exits.  Prints each change.
 * Build: cc follow-group.c $(pkg-config --cflags --libs libcpg)
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <corosync/cpg.h>

static void on_confchg(cpg_handle_t h, const struct cpg_name *group,
		       const struct cpg_address *members, size_t nmembers,
		       const struct cpg_address *left, size_t nleft,
		       const struct cpg_address *joined, size_t njoined)
{
	printf("group %.*s: %zu members (%zu joined, %zu left)\n",
	       (int)group->length, group->value, nmembers, njoined, nleft);
	fflush(stdout);
}

static void on_deliver(cpg_handle_t h, const struct cpg_name *group,
		       uint32_t nodeid, uint32_t pid, void *msg, size_t len)
{
}

static int set_member(cpg_handle_t h, const struct cpg_name *name, int in)
{
	cs_error_t r;

	do
		r = in ? cpg_join(h, name) : cpg_leave(h, name);
	while (r == CS_ERR_TRY_AGAIN);
	printf("%s group: %s\n", in ? "join" : "leave",
	       r == CS_OK ? "ok" : "failed");
	fflush(stdout);
	return r == CS_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
	cpg_callbacks_t cb = { .cpg_deliver_fn = on_deliver,
			       .cpg_confchg_fn = on_confchg };
	int standby = argc == 3 && !strcmp(argv[1], "-w");
	struct cpg_name name = { 0 };
	struct pollfd p[2] = { { .events = POLLIN }, { .events = POLLIN } };
	struct signalfd_siginfo si;
	cpg_handle_t h;
	sigset_t set;
	int in = 0;

	if (argc != 2 + standby || strlen(argv[argc - 1]) >= CPG_MAX_NAME_LENGTH) {
		fprintf(stderr, "usage: follow-group [-w] NAME\n");
		return 2;
	}
	name.length = (uint32_t)strlen(argv[argc - 1]);
	memcpy(name.value, argv[argc - 1], name.length);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	p[1].fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (cpg_initialize(&h, &cb) != CS_OK || cpg_fd_get(h, &p[0].fd) != CS_OK) {
		fprintf(stderr, "follow-group: corosync is not reachable\n");
		return 1;
	}
	if (!standby && set_member(h, &name, 1) == 0)
		in = 1;
	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return 1;
		if ((p[0].revents & POLLIN) &&
		    cpg_dispatch(h, CS_DISPATCH_ALL) != CS_OK)
			return 1;
		if (!(p[1].revents & POLLIN) ||
		    read(p[1].fd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGUSR1 && in && set_member(h, &name, 0) == 0)
			in = 0;
		else if (si.ssi_signo == SIGUSR2 && !in &&
			 set_member(h, &name, 1) == 0)
			in = 1;
		else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			break;
	}
	if (in)
		set_member(h, &name, 0);
	cpg_finalize(h);
	return 0;
}
