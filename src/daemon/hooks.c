// SPDX-License-Identifier: MIT
/*
 * Notify hooks.  The child drops every capability, sets no_new_privs,
 * gets a fixed environment and closes every fd but stdio; the daemon
 * reaps it through a pidfd child source and kills it after a timeout.
 */
#define _GNU_SOURCE /* close_range */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cap-ng.h>

#include "hooks.h"
#include "log.h"
#include "vipd.h"

#define HOOK_TIMEOUT_US 10000000ull

struct hook {
	struct ev_src *child; /* owned */
	struct ev_src *timer; /* owned */
	pid_t pid;
};

static void hook_free(struct hook *h)
{
	ev_src_free(h->child);
	ev_src_free(h->timer);
	free(h);
}

static int on_exit_child(struct ev_src *s, const siginfo_t *si, void *ud)
{
	struct hook *h = ud;

	if (si->si_code != CLD_EXITED || si->si_status != 0)
		log_warn("notify hook (pid %d) failed: %s %d, ignoring",
			 (int)h->pid,
			 si->si_code == CLD_EXITED ? "exit status" : "signal",
			 si->si_status);
	hook_free(h);
	return 0;
}

static int on_timeout(struct ev_src *s, uint64_t usec, void *ud)
{
	struct hook *h = ud;

	log_warn("notify hook (pid %d) still runs after 10 s, killing it",
		 (int)h->pid);
	(void)ev_src_kill(h->child, SIGKILL);
	return 0;
}

static void hook_exec(const char *path, const char *event, const char *vip,
		      uint64_t term)
{
	char t[24];
	char *const argv[] = { (char *)(uintptr_t)path,
			       (char *)(uintptr_t)event,
			       (char *)(uintptr_t)vip, t, NULL };
	char *const envp[] = {
		(char *)(uintptr_t)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL
	};

	snprintf(t, sizeof(t), "%llu", (unsigned long long)term);
	hooks_child_prepare();
	execve(path, argv, envp);
	_exit(127);
}

void hooks_child_prepare(void)
{
	struct sched_param normal = { 0 };
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Lowering the class needs no privilege: hooks and checks never
	 * run at vipd's real-time priority. */
	(void)sched_setscheduler(0, SCHED_OTHER, &normal);
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_apply(CAPNG_SELECT_CAPS) != 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		_exit(126);
	close_range(3, ~0u, 0);
}

void hooks_run(struct vipd *d, const char *event, const char *vip,
	       uint64_t term)
{
	struct hook *h;
	pid_t pid;

	if (!d->conf.notify[0])
		return;
	h = calloc(1, sizeof(*h));
	if (!h)
		return;
	pid = fork();
	if (pid == -1) {
		log_errno(-errno, "running notify hook '%s'", d->conf.notify);
		free(h);
		return;
	}
	if (pid == 0)
		hook_exec(d->conf.notify, event, vip, term);
	h->pid = pid;
	if (ev_add_child(d->ev, &h->child, pid, on_exit_child, h) < 0 ||
	    ev_add_time_relative(d->ev, &h->timer, HOOK_TIMEOUT_US, on_timeout,
				 h) < 0) {
		log_warn("cannot watch notify hook (pid %d), killing it",
			 (int)pid);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		hook_free(h);
	}
}
