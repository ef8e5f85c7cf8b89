// SPDX-License-Identifier: MIT
/*
 * The event loop (src/ev) on real fds, timers, signals and children: the
 * order of dispatch (priority, then age), one dispatch per pass, ONESHOT
 * and ON, a source freed in its own callback, a failing callback turning
 * its source off, signals one per dispatch, a child reaped with its
 * status and killed through its source, and exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ev/ev.h"

#define LOG_MAX 32

struct log {
	char what[LOG_MAX];
	int n;
	int fail;	     /* callbacks return this */
	struct ev_src *self; /* freed by its own callback */
	siginfo_t child;
	int nsig;
	struct ev *e;
};

static void note(struct log *l, char c)
{
	if (l->n < LOG_MAX - 1)
		l->what[l->n++] = c;
	l->what[l->n] = 0;
}

static int on_time_a(struct ev_src *s, uint64_t usec, void *ud)
{
	note(ud, 'a');
	return ((struct log *)ud)->fail;
}

static int on_time_b(struct ev_src *s, uint64_t usec, void *ud)
{
	note(ud, 'b');
	return 0;
}

static int on_defer(struct ev_src *s, void *ud)
{
	note(ud, 'd');
	return 0;
}

static int on_io(struct ev_src *s, int fd, uint32_t revents, void *ud)
{
	char c;

	note(ud, (revents & EPOLLIN) && read(fd, &c, 1) == 1 ? c : '?');
	return ((struct log *)ud)->fail;
}

static int on_free_self(struct ev_src *s, uint64_t usec, void *ud)
{
	struct log *l = ud;

	note(l, 'f');
	assert_ptr_equal(s, l->self);
	l->self = ev_src_free(s);
	return 0;
}

static int on_sig(struct ev_src *s, const struct signalfd_siginfo *si, void *ud)
{
	struct log *l = ud;

	note(l, si->ssi_signo == SIGUSR1 ? 'u' : 'x');
	l->nsig++;
	return 0;
}

static int on_child(struct ev_src *s, const siginfo_t *si, void *ud)
{
	struct log *l = ud;

	note(l, 'c');
	l->child = *si;
	return 0;
}

/* ev_run() until nothing is dispatched within wait_us */
static void drain(struct ev *e, uint64_t wait_us)
{
	int i;

	for (i = 0; i < 100; i++)
		if (ev_run(e, wait_us) <= 0)
			return;
	fail_msg("the loop kept dispatching");
}

static void timers_fire_in_time_order_once(void **state)
{
	struct ev *e;
	struct ev_src *a, *b;
	struct log l = {0};
	uint64_t t0 = ev_mono_us();

	assert_int_equal(ev_new(&e), 0);
	assert_int_equal(ev_add_time(e, &a, t0 + 20000, on_time_a, &l), 0);
	assert_int_equal(ev_add_time_relative(e, &b, 5000, on_time_b, &l), 0);
	assert_int_equal(ev_run(e, EV_NEVER), 1);
	assert_true(ev_mono_us() - t0 >= 5000);
	assert_int_equal(ev_run(e, EV_NEVER), 1);
	assert_true(ev_mono_us() - t0 >= 20000);
	assert_string_equal(l.what, "ba");
	/* ONESHOT: off now; a wait times out without dispatching */
	assert_false(ev_src_get_enabled(a));
	assert_int_equal(ev_run(e, 1000), 0);
	/* re-armed, it fires again; EV_NEVER never does */
	assert_int_equal(ev_src_set_time_relative(a, 1000), 0);
	assert_int_equal(ev_src_set_enabled(a, EV_ONESHOT), 0);
	assert_int_equal(ev_src_set_time(b, EV_NEVER), 0);
	assert_int_equal(ev_src_set_enabled(b, EV_ONESHOT), 0);
	drain(e, 10000);
	assert_string_equal(l.what, "baa");
	assert_int_equal(ev_src_get_time(b), EV_NEVER);
	ev_src_free(a);
	ev_src_free(b);
	ev_unref(e);
}

static void priority_then_age_one_per_pass(void **state)
{
	struct ev *e;
	struct ev_src *a, *b, *d, *io;
	struct log l = {0};
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(ev_new(&e), 0);
	assert_int_equal(ev_add_defer(e, &d, on_defer, &l), 0);
	assert_int_equal(ev_src_set_priority(d, EV_PRIO_IDLE), 0);
	assert_int_equal(ev_add_io(e, &io, p[0], EPOLLIN, on_io, &l), 0);
	assert_int_equal(ev_add_time(e, &a, 0, on_time_a, &l), 0);
	assert_int_equal(ev_add_time(e, &b, 0, on_time_b, &l), 0);
	assert_int_equal(ev_src_set_priority(b, EV_PRIO_IMPORTANT), 0);
	assert_int_equal(write(p[1], "1", 1), 1);
	/* b (important), then a and the pipe (normal), the defer last */
	assert_int_equal(ev_run(e, 0), 1);
	assert_string_equal(l.what, "b");
	drain(e, 0);
	assert_int_equal(l.n, 4);
	assert_int_equal(l.what[0], 'b');
	assert_non_null(strchr(l.what, 'a'));
	assert_non_null(strchr(l.what, '1'));
	assert_int_equal(l.what[3], 'd');
	/* the defer was ONESHOT; enabled ON it runs every pass */
	assert_int_equal(ev_src_set_enabled(d, EV_ON), 0);
	assert_int_equal(ev_run(e, 0), 1);
	assert_int_equal(ev_run(e, 0), 1);
	assert_string_equal(l.what + 4, "dd");
	ev_src_free(d);
	ev_src_free(a);
	ev_src_free(b);
	ev_src_free(io);
	ev_unref(e);
	close(p[0]);
	close(p[1]);
}

static void io_off_oneshot_and_failing_callbacks(void **state)
{
	struct ev *e;
	struct ev_src *io, *a;
	struct log l = {0};
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(ev_new(&e), 0);
	assert_int_equal(ev_add_io(e, &io, p[0], EPOLLIN, on_io, &l), 0);
	assert_int_equal(write(p[1], "xy", 2), 2);
	assert_int_equal(ev_src_set_enabled(io, EV_OFF), 0);
	assert_int_equal(ev_run(e, 2000), 0); /* off: not seen */
	assert_int_equal(ev_src_set_enabled(io, EV_ONESHOT), 0);
	drain(e, 2000);
	assert_string_equal(l.what, "x"); /* once, though y waits */
	assert_int_equal(ev_src_set_enabled(io, EV_ON), 0);
	l.fail = -EIO;
	drain(e, 2000);
	assert_string_equal(l.what, "xy");
	assert_false(ev_src_get_enabled(io)); /* the failure turned it off */
	/* a failing timer is turned off too, not re-dispatched */
	assert_int_equal(ev_add_time(e, &a, 0, on_time_a, &l), 0);
	assert_int_equal(ev_src_set_enabled(a, EV_ON), 0);
	drain(e, 1000);
	assert_string_equal(l.what, "xya");
	ev_src_free(a);
	ev_src_free(io);
	ev_unref(e);
	close(p[0]);
	close(p[1]);
}

static void a_source_may_free_itself(void **state)
{
	struct ev *e;
	struct log l = {0};
	struct ev_src *other;

	assert_int_equal(ev_new(&e), 0);
	assert_int_equal(ev_add_time(e, &l.self, 0, on_free_self, &l), 0);
	assert_int_equal(ev_add_time_relative(e, &other, 2000, on_time_b, &l),
			 0);
	drain(e, 5000);
	assert_string_equal(l.what, "fb");
	assert_null(l.self);
	ev_src_free(other);
	/* sources nobody holds go with the loop */
	assert_int_equal(ev_add_time(e, NULL, EV_NEVER, on_time_b, &l), 0);
	ev_unref(e);
}

static void signals_one_dispatch_each(void **state)
{
	struct ev *e;
	struct ev_src *s;
	struct log l = {0};

	assert_int_equal(ev_new(&e), 0);
	assert_int_equal(ev_add_signal(e, &s, SIGUSR1, on_sig, &l), 0);
	assert_int_equal(ev_add_signal(e, NULL, SIGUSR1, on_sig, &l), -EINVAL);
	assert_int_equal(kill(getpid(), SIGUSR1), 0); /* blocked: queued */
	drain(e, 2000);
	assert_string_equal(l.what, "u");
	/* standard signals do not queue twice; two in turn come twice */
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	assert_int_equal(ev_run(e, 2000), 1);
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	assert_int_equal(ev_run(e, 2000), 1);
	assert_int_equal(l.nsig, 3);
	ev_src_free(s);
	ev_unref(e);
}

static void children_are_reaped_and_killed(void **state)
{
	struct ev *e;
	struct ev_src *c1, *c2;
	struct log l = {0};
	pid_t p1, p2;
	int i;

	assert_int_equal(ev_new(&e), 0);
	p1 = fork();
	assert_true(p1 >= 0);
	if (p1 == 0)
		_exit(3);
	p2 = fork();
	assert_true(p2 >= 0);
	if (p2 == 0) {
		pause();
		_exit(0);
	}
	assert_int_equal(ev_add_child(e, &c1, p1, on_child, &l), 0);
	assert_int_equal(ev_add_child(e, &c2, p2, on_child, &l), 0);
	for (i = 0; i < 100 && l.n < 1; i++)
		(void)ev_run(e, 100000);
	assert_string_equal(l.what, "c");
	assert_int_equal(l.child.si_pid, p1);
	assert_int_equal(l.child.si_code, CLD_EXITED);
	assert_int_equal(l.child.si_status, 3);
	assert_int_equal(waitpid(p1, NULL, WNOHANG), -1); /* reaped */
	assert_int_equal(ev_src_kill(c1, SIGKILL), -ESRCH);
	assert_int_equal(ev_src_kill(c2, SIGKILL), 0);
	for (i = 0; i < 100 && l.n < 2; i++)
		(void)ev_run(e, 100000);
	assert_string_equal(l.what, "cc");
	assert_int_equal(l.child.si_pid, p2);
	assert_int_equal(l.child.si_code, CLD_KILLED);
	assert_int_equal(l.child.si_status, SIGKILL);
	assert_false(ev_src_get_enabled(c2));
	ev_src_free(c1);
	ev_src_free(c2);
	ev_unref(e);
}

static int on_exit_now(struct ev_src *s, uint64_t usec, void *ud)
{
	struct log *l = ud;

	note(l, 'e');
	return ev_exit(l->e, 7);
}

static void exit_stops_dispatching(void **state)
{
	struct ev *e;
	struct ev_src *a, *b;
	struct log l = {0};

	assert_int_equal(ev_new(&e), 0);
	l.e = e;
	assert_int_equal(ev_add_time(e, &a, 0, on_exit_now, &l), 0);
	assert_int_equal(ev_src_set_priority(a, EV_PRIO_IMPORTANT), 0);
	assert_int_equal(ev_add_time(e, &b, 0, on_time_b, &l), 0);
	assert_int_equal(ev_loop(e), 7);
	assert_true(ev_finished(e));
	assert_int_equal(ev_run(e, 0), 0);
	assert_string_equal(l.what, "e"); /* b was due, but not run */
	ev_src_free(a);
	ev_src_free(b);
	ev_unref(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timers_fire_in_time_order_once),
		cmocka_unit_test(priority_then_age_one_per_pass),
		cmocka_unit_test(io_off_oneshot_and_failing_callbacks),
		cmocka_unit_test(a_source_may_free_itself),
		cmocka_unit_test(signals_one_dispatch_each),
		cmocka_unit_test(children_are_reaped_and_killed),
		cmocka_unit_test(exit_stops_dispatching),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
