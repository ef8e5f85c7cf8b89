// SPDX-License-Identifier: MIT
/*
 * The event loop: the core's timer, address refresh, the link watcher
 * and signals; the group link (group.c) brings its own sources.  Only
 * this file and the fd owners touch the loop (src/ev).
 */
#define _GNU_SOURCE /* struct ucred */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "group.h"
#include "log.h"
#include "net/link.h"
#include "service.h"
#include "vipd.h"

#define REFRESH_US (VIPD_ADDR_LIFETIME_S * 1000000ull / 3)

unsigned long long vipd_mono_us(void)
{
	return ev_mono_us();
}

uint64_t vipd_now(struct vipd *d)
{
	return ev_now(d->ev);
}

/* Run the core's timers and arm ours for its next deadline. */
void vipd_schedule(struct vipd *d)
{
	uint64_t now = vipd_now(d);
	uint64_t next = core_tick(d->core, now);

	if (next == UINT64_MAX) {
		ev_src_set_enabled(d->tick_src, EV_OFF);
		return;
	}
	/* The core asks for the future; never spin on a past deadline. */
	ev_src_set_time(d->tick_src, next > now ? next : now + 1000);
	ev_src_set_enabled(d->tick_src, EV_ONESHOT);
}

static int on_tick(struct ev_src *s, uint64_t usec, void *ud)
{
	vipd_schedule(ud);
	/* A renewal leaves now, not after the requests queued behind it. */
	group_link_flush(((struct vipd *)ud)->link);
	return 0;
}

static void link_changed(void *ud)
{
	service_changed(ud);
}

static void link_schedule(void *ud)
{
	vipd_schedule(ud);
}

static void link_stopped(void *ud)
{
	struct vipd *d = ud;

	ev_exit(d->ev, 0);
}

static uint64_t link_now(void *ud)
{
	return vipd_now(ud);
}

static const struct group_link_cb link_cb = {
	.changed = link_changed,
	.schedule = link_schedule,
	.stopped = link_stopped,
	.now = link_now,
};

static int on_refresh(struct ev_src *s, uint64_t usec, void *ud)
{
	vipd_refresh_addrs(ud);
	ev_src_set_time(s, usec + REFRESH_US);
	return 0;
}

static int on_link(struct ev_src *s, int fd, uint32_t revents, void *ud)
{
	struct vipd *d = ud;
	int r = link_watch_read(d->lw, vipd_link_event, d);

	if (r < 0 && r != -EAGAIN)
		log_errno(r, "reading link events, ignoring");
	return 0;
}

static int on_stop(struct ev_src *s, const struct signalfd_siginfo *si,
		   void *ud)
{
	struct vipd *d = ud;

	if (group_link_stopping(d->link)) { /* a second signal: leave now */
		group_link_stop(d->link);
		return 0;
	}
	log_notice("signal %u: releasing every VIP and leaving the group",
		   si->ssi_signo);
	service_stopping(d);
	group_link_stop(d->link);
	/* The release is with corosync: what is left must not keep
	 * corosync, which still has to send it, off this CPU. */
	vipd_sched_normal();
	return 0;
}

static int on_hup(struct ev_src *s, const struct signalfd_siginfo *si, void *ud)
{
	const char *code;
	char msg[512];

	(void)vipd_reload(ud, msg, sizeof(msg), &code);
	return 0;
}

int vipd_loop_setup(struct vipd *d)
{
	sigset_t ss;
	int r;

	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	sigaddset(&ss, SIGCHLD); /* hooks are reaped by child sources */
	sigprocmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
	r = ev_add_signal(d->ev, NULL, SIGTERM, on_stop, d);
	if (r >= 0)
		r = ev_add_signal(d->ev, NULL, SIGINT, on_stop, d);
	if (r >= 0)
		r = ev_add_signal(d->ev, NULL, SIGHUP, on_hup, d);
	if (r >= 0)
		r = ev_add_time(d->ev, &d->tick_src, UINT64_MAX, on_tick, d);
	/* Renewals and expiries first: a burst of requests must not starve
	 * the lease (each CPG wakeup handles at most DISPATCH_MAX). */
	if (r >= 0)
		r = ev_src_set_priority(d->tick_src, EV_PRIO_IMPORTANT);
	if (r >= 0)
		r = group_link_new(d->ev, &engine_corosync, d->core, &d->conf,
				   d->conf_path, d->self_id, &link_cb, d,
				   &d->link);
	if (r >= 0)
		r = ev_add_time_relative(d->ev, &d->refresh_src, REFRESH_US,
					 on_refresh, d);
	if (r >= 0)
		r = ev_src_set_enabled(d->refresh_src, EV_ON);
	if (r >= 0 && d->lw)
		r = ev_add_io(d->ev, &d->link_src, d->link_fd, EPOLLIN, on_link,
			      d);
	return r;
}

void vipd_sched_normal(void)
{
	struct sched_param sp = { .sched_priority = 0 };

	/* Without the flag a process that lacks CAP_SYS_NICE may not leave
	 * the real-time class: the kernel refuses to clear reset-on-fork. */
	if ((sched_getscheduler(0) & ~SCHED_RESET_ON_FORK) != SCHED_OTHER &&
	    sched_setscheduler(0, SCHED_OTHER | SCHED_RESET_ON_FORK, &sp) < 0)
		log_warn("could not leave SCHED_FIFO (%s), ignoring",
			 strerror(errno));
}

static uint64_t cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

/* ev_loop(), with the log lines of each dispatch in one write.
 * vipd runs at corosync's real-time priority (main.c): after every
 * VIPD_YIELD_CPU_US of CPU it lets a runnable corosync go first. */
int vipd_loop_run(struct vipd *d)
{
	uint64_t yielded = cpu_us(), t;
	int r = 0;

	log_hold(1);
	while (!ev_finished(d->ev)) {
		r = ev_run(d->ev, UINT64_MAX);
		service_update(d);
		log_flush();
		if (r < 0)
			break;
		t = cpu_us();
		if (t - yielded >= VIPD_YIELD_CPU_US) {
			sched_yield();
			yielded = t;
		}
	}
	log_hold(0);
	if (r < 0)
		return r;
	return ev_exit_code(d->ev);
}
