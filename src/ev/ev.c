// SPDX-License-Identifier: MIT
/*
 * The event loop (ev.h).  Sources live in one list; a pass waits in
 * epoll_pwait2() until the earliest enabled timer, marks what is ready as
 * pending, and dispatches the pending source of highest priority (the
 * oldest among equals).  Nothing new is looked for while anything is
 * pending, so a pass costs one system call when idle.  The sources are
 * few (vipd's own, two per control client at most): lists are scanned.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ev/ev.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define EV_BATCH 32 /* epoll events taken per wait */

enum ev_type { EV_IO, EV_TIME, EV_DEFER, EV_SIGNAL, EV_CHILD };

struct ev_src {
	struct ev *ev;
	struct ev_src *prev, *next;
	enum ev_type type;
	int enabled;
	int prio;
	int fd; /* io: the caller's; child: our pidfd */
	uint32_t events, revents;
	uint64_t usec;	  /* time */
	uint64_t pending; /* 0, or the order it became pending in */
	int sig;	  /* signal */
	struct signalfd_siginfo si;
	unsigned dispatching : 1, dead : 1, polled : 1;
	union {
		ev_io_fn io;
		ev_time_fn time;
		ev_defer_fn defer;
		ev_signal_fn sig;
		ev_child_fn child;
	} fn;
	void *ud;
};

struct ev {
	int ref;
	int epfd;
	int sigfd; /* -1 until the first signal source */
	sigset_t sigs;
	struct ev_src *head;
	uint64_t now; /* 0 before the first wait */
	uint64_t seq; /* pending order */
	int exiting, code;
};

/* epoll's data for the signalfd: no source is at this address */
static char sigfd_tag;

uint64_t ev_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int ev_new(struct ev **ret)
{
	struct ev *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	e->ref = 1;
	e->sigfd = -1;
	sigemptyset(&e->sigs);
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (e->epfd < 0) {
		int r = -errno;

		free(e);
		return r;
	}
	*ret = e;
	return 0;
}

struct ev *ev_ref(struct ev *e)
{
	if (e)
		e->ref++;
	return e;
}

static void src_unlink_free(struct ev_src *s);

struct ev *ev_unref(struct ev *e)
{
	if (!e || --e->ref > 0)
		return NULL;
	while (e->head)
		src_unlink_free(e->head);
	if (e->sigfd >= 0)
		close(e->sigfd);
	close(e->epfd);
	free(e);
	return NULL;
}

/* --- epoll membership: an io or child source is polled while enabled --- */

static int poll_sync(struct ev_src *s)
{
	struct epoll_event ee = {.events = s->events, .data.ptr = s};
	int want = s->enabled != EV_OFF && !s->dead;

	if (s->type != EV_IO && s->type != EV_CHILD)
		return 0;
	if (want && !s->polled) {
		if (epoll_ctl(s->ev->epfd, EPOLL_CTL_ADD, s->fd, &ee) < 0)
			return -errno;
		s->polled = 1;
	} else if (!want && s->polled) {
		/* the fd may be closed already: epoll forgot it then */
		(void)epoll_ctl(s->ev->epfd, EPOLL_CTL_DEL, s->fd, NULL);
		s->polled = 0;
	}
	return 0;
}

static int src_new(struct ev *e, enum ev_type type, int enabled, void *ud,
		   struct ev_src **out)
{
	struct ev_src *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->ev = e;
	s->type = type;
	s->enabled = enabled;
	s->fd = -1;
	s->ud = ud;
	s->next = e->head;
	if (e->head)
		e->head->prev = s;
	e->head = s;
	*out = s;
	return 0;
}

static void src_unlink_free(struct ev_src *s)
{
	struct ev *e = s->ev;

	s->enabled = EV_OFF;
	(void)poll_sync(s);
	if (s->type == EV_SIGNAL) {
		sigdelset(&e->sigs, s->sig);
		if (e->sigfd >= 0)
			(void)signalfd(e->sigfd, &e->sigs, SFD_CLOEXEC);
	}
	if (s->type == EV_CHILD && s->fd >= 0)
		close(s->fd);
	if (s->prev)
		s->prev->next = s->next;
	else
		e->head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	free(s);
}

static int src_done(struct ev_src **ret, struct ev_src *s, int r)
{
	if (r < 0) {
		src_unlink_free(s);
		return r;
	}
	if (ret)
		*ret = s;
	return 0;
}

int ev_add_io(struct ev *e, struct ev_src **ret, int fd, uint32_t events,
	      ev_io_fn fn, void *ud)
{
	struct ev_src *s;
	int r;

	if (fd < 0 || !fn)
		return -EINVAL;
	r = src_new(e, EV_IO, EV_ON, ud, &s);
	if (r < 0)
		return r;
	s->fd = fd;
	s->events = events;
	s->fn.io = fn;
	return src_done(ret, s, poll_sync(s));
}

int ev_add_time(struct ev *e, struct ev_src **ret, uint64_t usec, ev_time_fn fn,
		void *ud)
{
	struct ev_src *s;
	int r;

	if (!fn)
		return -EINVAL;
	r = src_new(e, EV_TIME, EV_ONESHOT, ud, &s);
	if (r < 0)
		return r;
	s->usec = usec;
	s->fn.time = fn;
	return src_done(ret, s, 0);
}

int ev_add_time_relative(struct ev *e, struct ev_src **ret, uint64_t usec,
			 ev_time_fn fn, void *ud)
{
	uint64_t now = ev_mono_us();

	return ev_add_time(
		e, ret, usec >= EV_NEVER - now ? EV_NEVER : now + usec, fn, ud);
}

int ev_add_defer(struct ev *e, struct ev_src **ret, ev_defer_fn fn, void *ud)
{
	struct ev_src *s;
	int r;

	if (!fn)
		return -EINVAL;
	r = src_new(e, EV_DEFER, EV_ONESHOT, ud, &s);
	if (r < 0)
		return r;
	s->fn.defer = fn;
	return src_done(ret, s, 0);
}

int ev_add_signal(struct ev *e, struct ev_src **ret, int sig, ev_signal_fn fn,
		  void *ud)
{
	struct epoll_event ee = {.events = EPOLLIN, .data.ptr = &sigfd_tag};
	struct ev_src *s;
	sigset_t one;
	int r, fd;

	if (!fn || sig <= 0 || sig >= _NSIG || sigismember(&e->sigs, sig) == 1)
		return -EINVAL;
	sigemptyset(&one);
	sigaddset(&one, sig);
	if (sigprocmask(SIG_BLOCK, &one, NULL) < 0)
		return -errno;
	r = src_new(e, EV_SIGNAL, EV_ON, ud, &s);
	if (r < 0)
		return r;
	s->sig = sig;
	s->fn.sig = fn;
	sigaddset(&e->sigs, sig);
	fd = signalfd(e->sigfd, &e->sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return src_done(ret, s, -errno);
	if (e->sigfd < 0) {
		e->sigfd = fd;
		if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ee) < 0) {
			r = -errno;
			close(fd);
			e->sigfd = -1;
			return src_done(ret, s, r);
		}
	}
	return src_done(ret, s, 0);
}

int ev_add_child(struct ev *e, struct ev_src **ret, pid_t pid, ev_child_fn fn,
		 void *ud)
{
	struct ev_src *s;
	int r;

	if (!fn || pid <= 0)
		return -EINVAL;
	r = src_new(e, EV_CHILD, EV_ONESHOT, ud, &s);
	if (r < 0)
		return r;
	s->fn.child = fn;
	s->events = EPOLLIN;
	s->fd = pidfd_open(pid, 0);
	if (s->fd < 0)
		return src_done(ret, s, -errno);
	return src_done(ret, s, poll_sync(s));
}

int ev_src_set_enabled(struct ev_src *s, int enabled)
{
	int old, r;

	if (!s || s->dead)
		return -EINVAL;
	if (enabled != EV_ON && enabled != EV_OFF && enabled != EV_ONESHOT)
		return -EINVAL;
	if (s->type == EV_CHILD && s->fd < 0 && enabled != EV_OFF)
		return -ESRCH; /* reaped */
	old = s->enabled;
	s->enabled = enabled;
	if (enabled == EV_OFF)
		s->pending = 0;
	r = poll_sync(s);
	if (r < 0)
		s->enabled = old;
	return r;
}

int ev_src_get_enabled(const struct ev_src *s)
{
	return s && s->enabled != EV_OFF;
}

int ev_src_set_priority(struct ev_src *s, int prio)
{
	if (!s)
		return -EINVAL;
	s->prio = prio;
	return 0;
}

int ev_src_set_io_events(struct ev_src *s, uint32_t events)
{
	struct epoll_event ee = {.events = events, .data.ptr = s};

	if (!s || s->type != EV_IO)
		return -EINVAL;
	if (s->polled && s->events != events &&
	    epoll_ctl(s->ev->epfd, EPOLL_CTL_MOD, s->fd, &ee) < 0)
		return -errno;
	s->events = events;
	return 0;
}

int ev_src_set_time(struct ev_src *s, uint64_t usec)
{
	if (!s || s->type != EV_TIME)
		return -EINVAL;
	s->usec = usec;
	s->pending = 0;
	return 0;
}

int ev_src_set_time_relative(struct ev_src *s, uint64_t usec)
{
	uint64_t now = ev_mono_us();

	return ev_src_set_time(s,
			       usec >= EV_NEVER - now ? EV_NEVER : now + usec);
}

uint64_t ev_src_get_time(const struct ev_src *s)
{
	return s && s->type == EV_TIME ? s->usec : EV_NEVER;
}

int ev_src_kill(struct ev_src *s, int sig)
{
	if (!s || s->type != EV_CHILD)
		return -EINVAL;
	if (s->fd < 0)
		return -ESRCH;
	return pidfd_send_signal(s->fd, sig, NULL, 0) < 0 ? -errno : 0;
}

struct ev_src *ev_src_free(struct ev_src *s)
{
	if (!s)
		return NULL;
	if (s->dispatching) {
		s->dead = 1;
		s->enabled = EV_OFF;
		s->pending = 0;
		(void)poll_sync(s);
		return NULL;
	}
	src_unlink_free(s);
	return NULL;
}

/* --- a pass ------------------------------------------------------------- */

static void mark(struct ev_src *s)
{
	if (!s->pending && s->enabled != EV_OFF && !s->dead)
		s->pending = ++s->ev->seq;
}

static struct ev_src *next_pending(struct ev *e)
{
	struct ev_src *s, *best = NULL;

	for (s = e->head; s; s = s->next)
		if (s->pending &&
		    (!best || s->prio < best->prio ||
		     (s->prio == best->prio && s->pending < best->pending)))
			best = s;
	return best;
}

/* The signal read, given to its source (one signal per dispatch). */
static void take_signal(struct ev *e)
{
	struct signalfd_siginfo si;
	struct ev_src *s;

	if (read(e->sigfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return;
	for (s = e->head; s; s = s->next)
		if (s->type == EV_SIGNAL && s->sig == (int)si.ssi_signo &&
		    !s->pending && s->enabled != EV_OFF) {
			s->si = si;
			mark(s);
			return;
		}
}

static int wait_events(struct ev *e, uint64_t timeout)
{
	struct epoll_event ev[EV_BATCH];
	struct timespec ts, *tp = NULL;
	uint64_t now = ev_mono_us(), first = EV_NEVER;
	struct ev_src *s;
	int n, i;

	for (s = e->head; s; s = s->next)
		if (s->type == EV_TIME && s->enabled != EV_OFF &&
		    s->usec < first)
			first = s->usec;
	if (first != EV_NEVER) {
		uint64_t dt = first > now ? first - now : 0;

		if (dt < timeout)
			timeout = dt;
	}
	if (timeout != EV_NEVER) {
		ts.tv_sec = (time_t)(timeout / 1000000u);
		ts.tv_nsec = (long)(timeout % 1000000u) * 1000;
		tp = &ts;
	}
	n = epoll_pwait2(e->epfd, ev, EV_BATCH, tp, NULL);
	if (n < 0 && errno == ENOSYS) /* before Linux 5.11: whole ms */
		n = epoll_wait(e->epfd, ev, EV_BATCH,
			       !tp ? -1 : (int)((timeout + 999) / 1000));
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	e->now = ev_mono_us();
	for (i = 0; i < n; i++) {
		if (ev[i].data.ptr == &sigfd_tag) {
			take_signal(e);
			continue;
		}
		s = ev[i].data.ptr;
		s->revents = ev[i].events;
		mark(s);
	}
	for (s = e->head; s; s = s->next)
		if (s->type == EV_TIME && s->usec <= e->now)
			mark(s);
	return 0;
}

static int dispatch(struct ev_src *s)
{
	siginfo_t si;
	int r = 0;

	s->pending = 0;
	if (s->enabled == EV_ONESHOT)
		s->enabled = EV_OFF;
	if (s->type == EV_CHILD) {
		memset(&si, 0, sizeof(si));
		if (waitid((idtype_t)P_PIDFD, (id_t)s->fd, &si,
			   WEXITED | WNOHANG) < 0 ||
		    si.si_pid == 0) {
			s->enabled = EV_ONESHOT; /* not yet: wait on */
			return 0;
		}
		close(s->fd);
		s->fd = -1;
		s->polled = 0; /* closing the pidfd took it out of epoll */
		s->enabled = EV_OFF;
	}
	(void)poll_sync(s);
	s->dispatching = 1;
	switch (s->type) {
	case EV_IO:
		r = s->fn.io(s, s->fd, s->revents, s->ud);
		break;
	case EV_TIME:
		r = s->fn.time(s, s->usec, s->ud);
		break;
	case EV_DEFER:
		r = s->fn.defer(s, s->ud);
		break;
	case EV_SIGNAL:
		r = s->fn.sig(s, &s->si, s->ud);
		break;
	case EV_CHILD:
		r = s->fn.child(s, &si, s->ud);
		break;
	}
	s->dispatching = 0;
	if (s->dead)
		src_unlink_free(s);
	else if (r < 0)
		(void)ev_src_set_enabled(s, EV_OFF);
	return 1;
}

int ev_run(struct ev *e, uint64_t timeout_us)
{
	struct ev_src *s;
	int r;

	if (e->exiting)
		return 0;
	for (s = e->head; s; s = s->next)
		if (s->type == EV_DEFER)
			mark(s);
	/* with something pending, only look: do not wait */
	r = wait_events(e, next_pending(e) ? 0 : timeout_us);
	if (r < 0)
		return r;
	s = next_pending(e);
	return s ? dispatch(s) : 0;
}

int ev_loop(struct ev *e)
{
	int r;

	while (!e->exiting)
		if ((r = ev_run(e, EV_NEVER)) < 0)
			return r;
	return e->code;
}

int ev_exit(struct ev *e, int code)
{
	if (!e->exiting) {
		e->exiting = 1;
		e->code = code;
	}
	return 0;
}

int ev_finished(const struct ev *e)
{
	return e->exiting;
}

int ev_exit_code(const struct ev *e)
{
	return e->code;
}

uint64_t ev_now(const struct ev *e)
{
	return e->now ? e->now : ev_mono_us();
}
