// SPDX-License-Identifier: MIT
/*
 * Notify hooks (src/daemon/hooks.c) driven by the real src/ev loop and a
 * real shell script: one VIP's hooks run one at a time in event order,
 * another VIP's run beside them, the VIPD_* environment is complete, a
 * hook still running after 10 s is killed and the next one starts, and
 * the hooks still queued at exit run before hooks_free() returns.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/hooks.h"
#include "daemon/vipd.h"

struct fixture {
	char dir[64];
	char log[96];
	struct vipd *d;
};

/* The hook: logs its start with the environment, sleeps 1 s on acquire
 * of db, execs a 30 s sleep for reason "hang", logs its end. */
static const char script[] =
	"#!/bin/sh\n"
	"t() { date +%s.%N; }\n"
	"echo \"$(t) start $1 $2 $3 ev=$VIPD_EVENT vip=$VIPD_VIP "
	"term=$VIPD_TERM node=$VIPD_NODE prev=$VIPD_PREV "
	"holder=$VIPD_HOLDER reason=$VIPD_REASON addrs=$VIPD_ADDRESSES\" "
	">>\"$(dirname \"$0\")/log\"\n"
	"[ \"$VIPD_REASON\" = hang ] && exec sleep 30\n"
	"[ \"$1 $2\" = \"acquire db\" ] && sleep 1\n"
	"echo \"$(t) end $1 $2\" >>\"$(dirname \"$0\")/log\"\n";

static void add_vip(struct conf *c, const char *name, const char *a4,
		    const char *a6)
{
	struct conf_vip *v = &c->vips[c->nvips++];

	snprintf(v->name, sizeof(v->name), "%s", name);
	v->addrs[0].family = AF_INET;
	inet_pton(AF_INET, a4, v->addrs[0].addr);
	v->addrs[0].prefixlen = 24;
	v->naddrs = 1;
	if (a6) {
		v->addrs[1].family = AF_INET6;
		inet_pton(AF_INET6, a6, v->addrs[1].addr);
		v->addrs[1].prefixlen = 64;
		v->naddrs = 2;
	}
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[128];
	FILE *s;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test-hooks.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->log, sizeof(f->log), "%s/log", f->dir);
	snprintf(path, sizeof(path), "%s/hook.sh", f->dir);
	s = fopen(path, "w");
	assert_non_null(s);
	fputs(script, s);
	fclose(s);
	assert_int_equal(chmod(path, 0755), 0);
	f->d = calloc(1, sizeof(*f->d));
	assert_non_null(f->d);
	assert_int_equal(ev_new(&f->d->ev), 0);
	snprintf(f->d->conf.notify, sizeof(f->d->conf.notify), "%s", path);
	snprintf(f->d->conf.node, sizeof(f->d->conf.node), "n1");
	f->d->conf.vips = calloc(2, sizeof(*f->d->conf.vips));
	assert_non_null(f->d->conf.vips);
	add_vip(&f->d->conf, "db", "192.0.2.10", "2001:db8::10");
	add_vip(&f->d->conf, "web", "198.51.100.7", NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	hooks_free(f->d);
	ev_unref(f->d->ev);
	free(f->d->conf.vips);
	free(f->d);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void run(struct vipd *d, unsigned vip, const char *event, uint64_t term,
		const char *holder, const char *reason)
{
	struct hook_facts hf = {.event = event,
				.term = term,
				.self = "n1",
				.holder = holder,
				.reason = reason};

	hooks_run(d, vip, &hf);
}

/* Runs the loop until no hook is queued, at most limit_s seconds. */
static void drain(struct vipd *d, double limit_s)
{
	uint64_t end = ev_mono_us() + (uint64_t)(limit_s * 1e6);

	while (hooks_pending(d, 0) + hooks_pending(d, 1) > 0) {
		assert_true(ev_mono_us() < end);
		assert_true(ev_run(d->ev, 100000) >= 0);
	}
}

/* The time stamp of the first log line containing what, or -1. */
static double when(const struct fixture *f, const char *what)
{
	char line[512];
	double t = -1;
	FILE *s = fopen(f->log, "r");

	assert_non_null(s);
	while (t < 0 && fgets(line, sizeof(line), s))
		if (strstr(line, what))
			t = strtod(line, NULL);
	fclose(s);
	return t;
}

static void hooks_of_one_vip_run_in_order_others_beside(void **state)
{
	struct fixture *f = *state;

	run(f->d, 0, "acquire", 5, "n1", "claimed");
	run(f->d, 0, "release", 6, "n2", "moved to n2");
	run(f->d, 1, "acquire", 3, "n1", "claimed");
	assert_int_equal(hooks_pending(f->d, 0), 2);
	drain(f->d, 8);
	print_message("acquire db %.3f..%.3f, release db %.3f, web %.3f\n",
		      when(f, "start acquire db"), when(f, "end acquire db"),
		      when(f, "start release db"),
		      when(f, "start acquire web"));
	assert_true(when(f, "end acquire db") > 0);
	/* the release waits for the acquire before it ... */
	assert_true(when(f, "start release db") >= when(f, "end acquire db"));
	/* ... while web's hook does not wait for db's */
	assert_true(when(f, "start acquire web") < when(f, "end acquire db"));
	assert_true(when(f, "start acquire db 5 ev=acquire vip=db term=5 "
			    "node=n1 prev= holder=n1 reason=claimed "
			    "addrs=192.0.2.10/24 2001:db8::10/64") > 0);
	assert_true(when(f, "start release db 6 ev=release vip=db term=6 "
			    "node=n1 prev=n1 holder=n2 reason=moved to n2 "
			    "addrs=192.0.2.10/24 2001:db8::10/64") > 0);
	assert_true(when(f, "addrs=198.51.100.7/24") > 0);
}

static void a_hook_past_its_timeout_is_killed_and_the_next_runs(void **state)
{
	struct fixture *f = *state;
	double started, next;

	run(f->d, 0, "acquire", 7, "n1", "hang");
	run(f->d, 0, "release", 8, "", "released");
	drain(f->d, 14);
	started = when(f, "start acquire db 7");
	next = when(f, "start release db 8");
	print_message("hung hook started %.3f, next hook %.3f s later\n",
		      started, next - started);
	assert_true(started > 0 && next > 0);
	assert_true(next - started >= 9.9 && next - started < 12);
	assert_true(when(f, "end acquire db") < 0); /* killed, never ended */
	assert_true(when(f, "end release db") > 0);
}

static void hooks_queued_at_exit_run_before_free_returns(void **state)
{
	struct fixture *f = *state;

	run(f->d, 0, "acquire", 9, "n1", "claimed");
	run(f->d, 0, "release", 10, "", "vipd stopping");
	hooks_free(f->d);
	assert_true(when(f, "end acquire db") > 0);
	assert_true(when(f, "start release db 10") >=
		    when(f, "end acquire db"));
}

static void no_notify_runs_nothing(void **state)
{
	struct fixture *f = *state;

	f->d->conf.notify[0] = '\0';
	run(f->d, 0, "acquire", 1, "n1", "claimed");
	assert_int_equal(hooks_pending(f->d, 0), 0);
	assert_null(f->d->hooks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			hooks_of_one_vip_run_in_order_others_beside, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			a_hook_past_its_timeout_is_killed_and_the_next_runs,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			hooks_queued_at_exit_run_before_free_returns, setup,
			teardown),
		cmocka_unit_test_setup_teardown(no_notify_runs_nothing, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
