// SPDX-License-Identifier: MIT
/*
 * vipctl hold VIP [--term N] [--wait S] [--timeout S] -- COMMAND ARGS...
 * Claims VIP as a session, runs COMMAND with VIPD_VIP and VIPD_TERM set,
 * and releases when COMMAND exits (like flock(1)), exiting with its
 * status.  While COMMAND runs, vipctl sends the session's keep-alives
 * (every third of --timeout) unless COMMAND is stopped, so a stopped
 * service loses the VIP too.  If vipd ends the session (keep-alives
 * missed, VIP moved away), COMMAND gets SIGTERM and vipctl exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/hold.h"
#include "proto/ctl.h"
#include "vip.h"

struct hold {
	char vip[CTL_NAME_MAX];
	struct ctl_req opts; /* term, wait, session timeout */
	char **cmd;	     /* COMMAND ARGS..., NULL-ended */
	pid_t child;
};

static volatile sig_atomic_t forward_to;

static void on_signal(int sig)
{
	if (forward_to > 0)
		kill((pid_t)forward_to, sig);
}

/* Checks the words before "--" with the request codec, as a claim. */
static int parse(struct hold *h, int argc, char **argv)
{
	char line[CTL_LINE_MAX + 1], reason[CTL_REASON_MAX];
	size_t len = 0;
	int i, n;

	for (i = 0; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *w = !strcmp(argv[i], "--timeout") ? "--session"
							       : argv[i];

		n = snprintf(line + len, sizeof(line) - len, "%s%s",
			     i ? " " : "claim ", w);
		if (n < 0 || (size_t)n >= sizeof(line) - len)
			return -EINVAL;
		len += (size_t)n;
	}
	if (i + 1 >= argc) {
		fprintf(stderr, "vipctl: hold: usage: hold VIP [--term N] "
			"[--wait S] [--timeout S] -- COMMAND [ARGS...]\n");
		return -EINVAL;
	}
	if (ctl_req_parse(line, len, &h->opts, reason, sizeof(reason)) < 0) {
		fprintf(stderr, "vipctl: hold: %s\n", reason);
		return -EINVAL;
	}
	snprintf(h->vip, sizeof(h->vip), "%s", h->opts.vip);
	h->cmd = argv + i + 1;
	return 0;
}

/* 1 if pid is stopped (SIGSTOP, or traced), else 0. */
static int stopped(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && (p[2] == 'T' || p[2] == 't');
}

static pid_t spawn(struct hold *h, uint64_t term)
{
	char t[32];
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	snprintf(t, sizeof(t), "%llu", (unsigned long long)term);
	setenv("VIPD_VIP", h->vip, 1);
	setenv("VIPD_TERM", t, 1);
	execvp(h->cmd[0], h->cmd);
	fprintf(stderr, "vipctl: hold: %s: %s\n", h->cmd[0], strerror(errno));
	_exit(127);
}

static int exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* Keeps the session while the child runs; its wait status, or -1 when
 * vipd ended the session. */
static int supervise(struct vip_client *c, struct hold *h, int pidfd)
{
	int every = h->opts.session_ms ? (int)h->opts.session_ms / 3 + 1 : -1;
	struct pollfd p[2] = {
		{.fd = pidfd, .events = POLLIN},
		{.fd = vip_session_fd(c), .events = POLLIN},
	};
	int status;

	for (;;) {
		if (poll(p, 2, every) == -1 && errno != EINTR)
			return -1;
		if (waitpid(h->child, &status, WNOHANG) == h->child)
			return status;
		if ((p[1].revents || (every >= 0 && !stopped(h->child))) &&
		    vip_session_keepalive(c) < 0)
			return -1;
	}
}

int vipctl_hold(const char *socket, int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct vip_client *c = NULL;
	struct hold h = {0};
	uint64_t term = 0;
	int r, pidfd, status;

	if (parse(&h, argc, argv) < 0)
		return 2;
	r = vip_client_new(socket, &c);
	if (r == 0)
		r = vip_session_claim(c, h.vip, h.opts.term,
				      h.opts.session_ms,
				      h.opts.has_wait ? (int)h.opts.wait_ms
						      : -1, &term);
	if (r < 0) {
		fprintf(stderr, "vipctl: hold: %s: %s\n", h.vip,
			c ? vip_client_last_error(c) : strerror(-r));
		vip_client_free(c);
		return r == -ECONNREFUSED || r == -EACCES ? 3 : 1;
	}
	fprintf(stderr, "vipctl: hold: %s held, term %llu\n", h.vip,
		(unsigned long long)term);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	h.child = spawn(&h, term);
	forward_to = h.child;
	pidfd = h.child > 0 ? (int)syscall(SYS_pidfd_open, h.child, 0) : -1;
	status = pidfd >= 0 ? supervise(c, &h, pidfd) : -1;
	if (status < 0) {
		fprintf(stderr, "vipctl: hold: %s: %s; stopping %s\n", h.vip,
			vip_client_last_error(c), h.cmd[0]);
		if (h.child > 0) {
			kill(h.child, SIGTERM);
			kill(h.child, SIGCONT);
			waitpid(h.child, NULL, 0);
		}
		vip_client_free(c);
		return 1;
	}
	r = vip_session_end(c, 30000);
	if (r < 0)
		fprintf(stderr, "vipctl: hold: %s: release: %s\n", h.vip,
			vip_client_last_error(c));
	vip_client_free(c);
	return exit_status(status);
}
