/* SPDX-License-Identifier: MIT */
/*
 * The event loop of vipd and its control server: epoll with io, monotonic
 * timer, deferred, signal and child (pidfd) sources.  The semantics are
 * sd-event's, the subset vipd used of it: one source dispatched per
 * ev_run(), highest priority first, after a look for new events (a wait
 * only when nothing is pending); an enabled defer source is always pending; a
 * ONESHOT source turns itself off when dispatched; a callback returning a
 * negative errno turns its source off.  Errors are -errno.
 *
 * It replaces sd-event to keep libsystemd's code out of the daemon's
 * resident set (bench/README.md, `rss_kb`), and it waits with
 * epoll_pwait2(), so a timer costs no timerfd system calls.
 */
#ifndef VIPD_EV_H
#define VIPD_EV_H

#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h> /* EPOLLIN and the rest, for io sources */
#include <sys/signalfd.h>
#include <sys/types.h>

struct ev;
struct ev_src;

enum { EV_OFF = 0, EV_ON = 1, EV_ONESHOT = -1 };

#define EV_PRIO_IMPORTANT (-100)
#define EV_PRIO_NORMAL 0
#define EV_PRIO_IDLE 100
#define EV_NEVER UINT64_MAX /* a timer that is armed for nothing */

typedef int (*ev_io_fn)(struct ev_src *s, int fd, uint32_t revents, void *ud);
typedef int (*ev_time_fn)(struct ev_src *s, uint64_t usec, void *ud);
typedef int (*ev_defer_fn)(struct ev_src *s, void *ud);
typedef int (*ev_signal_fn)(struct ev_src *s, const struct signalfd_siginfo *si,
			    void *ud);
typedef int (*ev_child_fn)(struct ev_src *s, const siginfo_t *si, void *ud);

/* CLOCK_MONOTONIC in microseconds */
uint64_t ev_mono_us(void);

int ev_new(struct ev **ret);
struct ev *ev_ref(struct ev *e);
/* The last unref frees the loop and the sources nobody holds (added with
 * ret NULL); a held source must be freed by its holder first. */
struct ev *ev_unref(struct ev *e);

/*
 * Each add returns the new source in *ret, or, with ret NULL, a source
 * the loop owns until it is freed.  New io, signal and child sources are
 * ON, time sources ONESHOT, defer sources ONESHOT.  An io source does not
 * own its fd; a child source owns its pidfd.
 */
int ev_add_io(struct ev *e, struct ev_src **ret, int fd, uint32_t events,
	      ev_io_fn fn, void *ud);
/* at usec (CLOCK_MONOTONIC, µs); EV_NEVER waits for ev_src_set_time() */
int ev_add_time(struct ev *e, struct ev_src **ret, uint64_t usec, ev_time_fn fn,
		void *ud);
int ev_add_time_relative(struct ev *e, struct ev_src **ret, uint64_t usec,
			 ev_time_fn fn, void *ud);
int ev_add_defer(struct ev *e, struct ev_src **ret, ev_defer_fn fn, void *ud);
/* blocks sig in this thread; one dispatch per signal read */
int ev_add_signal(struct ev *e, struct ev_src **ret, int sig, ev_signal_fn fn,
		  void *ud);
/* fn once, when pid (a child of ours) has exited; it is reaped then */
int ev_add_child(struct ev *e, struct ev_src **ret, pid_t pid, ev_child_fn fn,
		 void *ud);

int ev_src_set_enabled(struct ev_src *s, int enabled);
int ev_src_get_enabled(const struct ev_src *s); /* 1 if ON or ONESHOT */
int ev_src_set_priority(struct ev_src *s, int prio);
int ev_src_set_io_events(struct ev_src *s, uint32_t events);
int ev_src_set_time(struct ev_src *s, uint64_t usec);
int ev_src_set_time_relative(struct ev_src *s, uint64_t usec);
uint64_t ev_src_get_time(const struct ev_src *s);
/* signal a child source's process (until it is reaped) */
int ev_src_kill(struct ev_src *s, int sig);
/* turns s off and frees it (later, if it is being dispatched); NULL */
struct ev_src *ev_src_free(struct ev_src *s);

/*
 * Waits at most timeout_us (EV_NEVER: for ever) unless something is
 * pending, then dispatches one source.  1 if one was dispatched, 0 if
 * none (timeout, or the loop finished), <0 on error.
 */
int ev_run(struct ev *e, uint64_t timeout_us);
int ev_loop(struct ev *e);	     /* ev_run() until ev_exit(); its code */
int ev_exit(struct ev *e, int code); /* no dispatch after this */
int ev_finished(const struct ev *e);
int ev_exit_code(const struct ev *e);
/* the time of the last wake-up (before the first: the time now) */
uint64_t ev_now(const struct ev *e);

#endif
