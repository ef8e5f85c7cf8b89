// SPDX-License-Identifier: MIT
/*
 * The control server on a real event loop and a real Unix socket in a
 * temporary directory: ordering of pipelined requests, refusals it makes
 * itself, vanishing and slow clients, watchers, limits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "control/server.h"
#include "fault/fault.h"

#define MAX_SEEN 64

struct seen {
	uint64_t conn_id;
	struct ctl_req req;
	uid_t uid;
};

struct fx {
	struct ev *e;
	struct ctl_server *s;
	char dir[64];
	char path[96];
	int auto_reply; /* answer each request at once */
	struct seen seen[MAX_SEEN];
	unsigned nseen;
	uint64_t closed[MAX_SEEN]; /* conn ids the close callback named */
	unsigned nclosed;
};

struct client {
	int fd;
	char *buf; /* 1 MiB */
	size_t len;
	int eof;
};

static void on_request(void *ud, uint64_t conn_id, const struct ucred *cred,
		       const struct ctl_req *req)
{
	struct fx *fx = ud;
	char line[128];
	int r;

	if (fx->auto_reply == 2) /* many requests: keep no record */
		fx->nseen = 0;
	assert_true(fx->nseen < MAX_SEEN);
	fx->seen[fx->nseen].conn_id = conn_id;
	fx->seen[fx->nseen].req = *req;
	fx->seen[fx->nseen++].uid = cred->uid;
	if (req->cmd == CTL_WATCH) {
		assert_int_equal(ctl_watch(fx->s, conn_id), 0);
		assert_int_equal(ctl_send(fx->s, conn_id,
					  "{\"ok\":true,\"watching\":true}"),
				 0);
		return;
	}
	if (!fx->auto_reply)
		return;
	snprintf(line, sizeof(line), "{\"ok\":true,\"vip\":\"%s\"}", req->vip);
	r = ctl_send(fx->s, conn_id, line);
	/* 2: faults are injected; a failed reply closes the connection */
	if (fx->auto_reply != 2 || r != -ENOMEM)
		assert_int_equal(r, 0);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test-server.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/run/vipd.sock", fx->dir);
	assert_int_equal(ev_new(&fx->e), 0);
	assert_int_equal(
		ctl_server_new(fx->e, fx->path, 0, on_request, fx, &fx->s), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	char sub[96];

	ctl_server_free(fx->s);
	ev_unref(fx->e);
	snprintf(sub, sizeof(sub), "%s/run", fx->dir);
	rmdir(sub);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static void pump(struct fx *fx)
{
	assert_true(ev_run(fx->e, 2000) >= 0);
}

static struct client *client_new(struct fx *fx)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct client *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->buf = malloc(1 << 20);
	assert_non_null(c->buf);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fx->path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c->fd >= 0);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return c;
}

static void client_free(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c);
}

static void client_write(struct client *c, const char *s, size_t n)
{
	assert_int_equal(send(c->fd, s, n, MSG_NOSIGNAL), (ssize_t)n);
}

static void client_drain(struct client *c)
{
	ssize_t n;

	while (!c->eof && c->len < (1 << 20)) {
		n = recv(c->fd, c->buf + c->len, (1 << 20) - c->len,
			 MSG_DONTWAIT);
		if (n <= 0) {
			c->eof = n == 0;
			return;
		}
		c->len += (size_t)n;
	}
}

/* Runs the loop until c has a full line (or 3 s pass); returns it. */
static char *client_line(struct fx *fx, struct client *c)
{
	static char line[4096];
	char *nl;
	int i;

	for (i = 0; i < 1500; i++) {
		client_drain(c);
		nl = memchr(c->buf, '\n', c->len);
		if (nl) {
			size_t n = (size_t)(nl - c->buf);

			assert_true(n < sizeof(line));
			memcpy(line, c->buf, n);
			line[n] = '\0';
			c->len -= n + 1;
			memmove(c->buf, nl + 1, c->len);
			return line;
		}
		if (c->eof)
			return NULL;
		pump(fx);
	}
	return NULL;
}

static void run_for(struct fx *fx, int rounds)
{
	while (rounds-- > 0)
		pump(fx);
}

static void socket_is_world_accessible_in_a_new_directory(void **state)
{
	struct fx *fx = *state;
	struct stat st;

	assert_int_equal(stat(fx->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0666);
}

static void pipelined_requests_are_answered_in_order(void **state)
{
	static const char req[] = "status a\nbogus\nclaim c --term 3\n";
	struct fx *fx = *state;
	struct client *c = client_new(fx);

	client_write(c, req, sizeof(req) - 1);
	run_for(fx, 10);
	assert_int_equal(fx->nseen, 1); /* the rest waits for the reply */
	assert_string_equal(fx->seen[0].req.vip, "a");
	assert_int_equal(fx->seen[0].uid, getuid());
	assert_int_equal(ctl_send(fx->s, fx->seen[0].conn_id, "{\"r\":\"a\"}"),
			 0);
	assert_string_equal(client_line(fx, c), "{\"r\":\"a\"}");
	assert_string_equal(client_line(fx, c),
			    "{\"ok\":false,\"error\":\"bad-request\","
			    "\"reason\":\"unknown command 'bogus'; expected "
			    "status, claim, release, move, watch, reload, "
			    "rebalance, ping or metrics\"}");
	run_for(fx, 5);
	assert_int_equal(fx->nseen, 2);
	assert_int_equal(fx->seen[1].req.cmd, CTL_CLAIM);
	assert_int_equal(fx->seen[1].req.term, 3);
	assert_int_equal(ctl_send(fx->s, fx->seen[1].conn_id, "{\"r\":\"c\"}"),
			 0);
	assert_string_equal(client_line(fx, c), "{\"r\":\"c\"}");
	assert_int_equal(ctl_send(fx->s, fx->seen[1].conn_id, "two\nlines"),
			 -EINVAL);
	client_free(c);
}

static void on_close(void *ud, uint64_t conn_id)
{
	struct fx *fx = ud;

	assert_true(fx->nclosed < MAX_SEEN);
	fx->closed[fx->nclosed++] = conn_id;
}

static void pings_pass_a_request_in_flight_and_are_never_answered(void **s)
{
	static const char req[] = "claim a --session 1\nping\nping\nstatus\n";
	struct fx *fx = *s;
	struct client *c = client_new(fx);
	uint64_t before;

	ctl_server_on_close(fx->s, on_close);
	run_for(fx, 2);
	before = ev_now(fx->e);
	usleep(2000);
	client_write(c, req, sizeof(req) - 1);
	run_for(fx, 10);
	assert_int_equal(fx->nseen, 1);
	assert_true(ctl_last_input(fx->s, fx->seen[0].conn_id) > before);
	assert_int_equal(ctl_send(fx->s, fx->seen[0].conn_id, "{\"r\":1}"), 0);
	assert_string_equal(client_line(fx, c), "{\"r\":1}");
	run_for(fx, 5);
	/* The pings were taken while the claim was in flight: the next
	 * request is the status, and nothing answered the pings. */
	assert_int_equal(fx->nseen, 2);
	assert_int_equal(fx->seen[1].req.cmd, CTL_STATUS);
	assert_int_equal(ctl_push(fx->s, fx->seen[1].conn_id, "{\"p\":1}"), 0);
	assert_string_equal(client_line(fx, c), "{\"p\":1}");
	assert_int_equal(ctl_send(fx->s, fx->seen[1].conn_id, "{\"r\":2}"), 0);
	assert_string_equal(client_line(fx, c), "{\"r\":2}");
	assert_int_equal(fx->nclosed, 0);
	client_free(c);
	run_for(fx, 5);
	assert_int_equal(fx->nclosed, 1);
	assert_int_equal(fx->closed[0], fx->seen[0].conn_id);
	assert_int_equal(ctl_last_input(fx->s, fx->seen[0].conn_id), 0);
}

static void hangup_flushes_then_closes_and_tells(void **state)
{
	struct fx *fx = *state;
	struct client *c = client_new(fx);

	ctl_server_on_close(fx->s, on_close);
	client_write(c, "status\n", 7);
	run_for(fx, 5);
	assert_int_equal(fx->nseen, 1);
	assert_int_equal(ctl_push(fx->s, fx->seen[0].conn_id, "{\"bye\":1}"),
			 0);
	ctl_hangup(fx->s, fx->seen[0].conn_id);
	assert_string_equal(client_line(fx, c), "{\"bye\":1}");
	run_for(fx, 5);
	assert_int_equal(fx->nclosed, 1);
	assert_int_equal(ctl_push(fx->s, fx->seen[0].conn_id, "{}"), -ENOENT);
	client_free(c);
}

static void oversize_line_is_refused_and_the_rest_discarded(void **state)
{
	static const char oversize[] =
		"{\"ok\":false,\"error\":\"bad-request\",\"reason\":\"request "
		"longer than 512 bytes\"}";
	struct fx *fx = *state;
	struct client *c = client_new(fx);
	char big[2000];

	fx->auto_reply = 1;
	memset(big, 'x', sizeof(big));
	client_write(c, big, sizeof(big));
	client_write(c, "\nstatus ok\n", 11);
	assert_string_equal(client_line(fx, c), oversize);
	assert_string_equal(client_line(fx, c), "{\"ok\":true,\"vip\":\"ok\"}");
	assert_int_equal(fx->nseen, 1);
	/* exactly 512 bytes with the newline still fit */
	memset(big, ' ', CTL_LINE_MAX);
	memcpy(big, "status y", 8);
	big[CTL_LINE_MAX - 1] = '\n';
	client_write(c, big, CTL_LINE_MAX);
	assert_string_equal(client_line(fx, c), "{\"ok\":true,\"vip\":\"y\"}");
	/* 513 do not */
	big[CTL_LINE_MAX - 1] = ' ';
	big[CTL_LINE_MAX] = '\n';
	client_write(c, big, CTL_LINE_MAX + 1);
	client_write(c, "status z\n", 9);
	assert_string_equal(client_line(fx, c), oversize);
	assert_string_equal(client_line(fx, c), "{\"ok\":true,\"vip\":\"z\"}");
	assert_int_equal(fx->nseen, 3);
	client_free(c);
}

static void malformed_request_reason_is_escaped_json(void **state)
{
	struct fx *fx = *state;
	struct client *c = client_new(fx);

	client_write(c, "claim d\"b\\x\n", 12);
	assert_string_equal(client_line(fx, c),
			    "{\"ok\":false,\"error\":\"bad-request\","
			    "\"reason\":\"claim: VIP name must be 1 to 63 of "
			    "A-Z a-z 0-9 _ . -, got 'd\\\"b\\\\x'\"}");
	assert_int_equal(fx->nseen, 0);
	client_free(c);
}

static void client_vanishing_mid_request_harms_nothing(void **state)
{
	struct fx *fx = *state;
	struct client *c = client_new(fx), *d;

	client_write(c, "claim db\nstatus\n", 16);
	run_for(fx, 5);
	assert_int_equal(fx->nseen, 1);
	client_free(c);
	run_for(fx, 5);
	assert_int_equal(ctl_server_clients(fx->s), 0);
	assert_int_equal(ctl_send(fx->s, fx->seen[0].conn_id, "{}"), -ENOENT);
	assert_int_equal(ctl_watch(fx->s, fx->seen[0].conn_id), -ENOENT);
	assert_int_equal(fx->nseen, 1);
	fx->auto_reply = 1;
	d = client_new(fx);
	client_write(d, "status db\n", 10);
	assert_string_equal(client_line(fx, d), "{\"ok\":true,\"vip\":\"db\"}");
	assert_true(fx->seen[1].conn_id != fx->seen[0].conn_id);
	client_free(d);
}

static void half_closed_client_still_gets_its_replies(void **state)
{
	struct fx *fx = *state;
	struct client *c = client_new(fx);

	fx->auto_reply = 1;
	client_write(c, "status a\nstatus b\n", 18);
	shutdown(c->fd, SHUT_WR);
	assert_string_equal(client_line(fx, c), "{\"ok\":true,\"vip\":\"a\"}");
	assert_string_equal(client_line(fx, c), "{\"ok\":true,\"vip\":\"b\"}");
	assert_null(client_line(fx, c));
	assert_true(c->eof);
	assert_int_equal(ctl_server_clients(fx->s), 0);
	client_free(c);
}

static void broadcast_reaches_watchers_only(void **state)
{
	struct fx *fx = *state;
	struct client *w = client_new(fx), *o = client_new(fx);

	fx->auto_reply = 1;
	client_write(w, "watch\n", 6);
	assert_string_equal(client_line(fx, w),
			    "{\"ok\":true,\"watching\":true}");
	client_write(o, "status\n", 7);
	assert_string_equal(client_line(fx, o), "{\"ok\":true,\"vip\":\"\"}");
	ctl_broadcast(fx->s, "{\"event\":\"claimed\",\"vip\":\"db\"}");
	ctl_broadcast(fx->s, "bad\nline"); /* refused: would split */
	ctl_broadcast(fx->s, "{\"event\":\"live\",\"vip\":\"db\"}");
	assert_string_equal(client_line(fx, w),
			    "{\"event\":\"claimed\",\"vip\":\"db\"}");
	assert_string_equal(client_line(fx, w),
			    "{\"event\":\"live\",\"vip\":\"db\"}");
	run_for(fx, 5);
	client_drain(o);
	assert_int_equal(o->len, 0);
	client_free(w);
	client_free(o);
}

static void slow_watcher_overflows_and_is_closed(void **state)
{
	struct fx *fx = *state;
	struct client *slow = client_new(fx), *fast = client_new(fx);
	char ev[256], *line, last[4096] = "";
	unsigned i, got = 0, events = 0;

	client_write(slow, "watch\n", 6);
	client_write(fast, "watch\n", 6);
	run_for(fx, 10);
	assert_int_equal(fx->nseen, 2);
	memset(ev, 'e', sizeof(ev));
	memcpy(ev, "{\"event\":\"x\",\"why\":\"", 20);
	memcpy(ev + sizeof(ev) - 3, "\"}", 3);
	for (i = 0; i < 4000; i++) {
		ctl_broadcast_seq(fx->s, ev, i + 1);
		if (i % 32 == 0) {
			run_for(fx, 3);
			client_drain(fast);
			fast->len = 0; /* keep up; lines are counted below */
		}
	}
	assert_int_equal(ctl_server_clients(fx->s), 2); /* lingering */
	while ((line = client_line(fx, slow)) != NULL) {
		snprintf(last, sizeof(last), "%s", line);
		got++;
		events += strstr(line, "\"event\":\"x\"") != NULL;
	}
	assert_true(slow->eof);
	assert_true(got < 4000);
	assert_non_null(strstr(last, "{\"event\":\"overflow\""));
	/* It names the last event it was sent, to resume from. */
	snprintf(ev, sizeof(ev), "\"last_seq\":%u,", events);
	assert_non_null(strstr(last, ev));
	assert_int_equal(ctl_server_clients(fx->s), 1); /* fast stays */
	client_free(slow);
	client_free(fast);
}

/* A burst far past the default queue (a failover of many VIPs, all in one
 * pass of the loop) reaches a watcher whole once the queue is raised. */
static void raised_event_queue_takes_a_burst(void **state)
{
	struct fx *fx = *state;
	struct client *w = client_new(fx);
	char ev[256], *line;
	unsigned i, got = 0;

	ctl_server_set_event_queue(fx->s, 1024 * 1024);
	client_write(w, "watch\n", 6);
	run_for(fx, 10);
	memset(ev, 'e', sizeof(ev));
	memcpy(ev, "{\"event\":\"x\",\"why\":\"", 20);
	memcpy(ev + sizeof(ev) - 3, "\"}", 3);
	for (i = 0; i < 2000; i++) /* 512 KiB, 8 times the default */
		ctl_broadcast(fx->s, ev);
	while (got < 2000 && (line = client_line(fx, w)) != NULL) {
		assert_null(strstr(line, "overflow"));
		got++;
	}
	assert_int_equal(got, 2000);
	assert_int_equal(ctl_server_clients(fx->s), 1);
	client_free(w);
}

static void client_beyond_the_limit_is_told_busy(void **state)
{
	struct fx *fx = *state;
	struct client *c[CTL_MAX_CLIENTS + 1];
	unsigned i;

	for (i = 0; i <= CTL_MAX_CLIENTS; i++) {
		c[i] = client_new(fx);
		run_for(fx, 2);
	}
	assert_int_equal(ctl_server_clients(fx->s), CTL_MAX_CLIENTS);
	assert_non_null(strstr(client_line(fx, c[CTL_MAX_CLIENTS]),
			       "\"error\":\"busy\""));
	assert_null(client_line(fx, c[CTL_MAX_CLIENTS]));
	for (i = 0; i <= CTL_MAX_CLIENTS; i++)
		client_free(c[i]);
	for (i = 0; i < 1000 && ctl_server_clients(fx->s) > 0; i++)
		pump(fx); /* one source per round */
	assert_int_equal(ctl_server_clients(fx->s), 0);
}

static void out_of_fds_pauses_accept_then_resumes(void **state)
{
	struct fx *fx = *state;
	struct client *c[3];
	struct rlimit old, low;
	int probe, i;

	for (i = 0; i < 3; i++)
		c[i] = client_new(fx);
	probe = dup(0);
	assert_true(probe >= 0);
	close(probe);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = (rlim_t)probe; /* the next fd would be too many */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	run_for(fx, 20);
	assert_int_equal(ctl_server_clients(fx->s), 0);
	assert_int_equal(ev_run(fx->e, 0), 0); /* paused, not spinning */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	for (i = 0; i < 700 && ctl_server_clients(fx->s) < 3; i++)
		pump(fx);
	assert_int_equal(ctl_server_clients(fx->s), 3);
	for (i = 0; i < 3; i++)
		client_free(c[i]);
}

static void live_socket_is_not_replaced_but_stale_one_is(void **state)
{
	struct fx *fx = *state;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct ctl_server *s2;
	int fd;

	assert_int_equal(
		ctl_server_new(fx->e, fx->path, 0, on_request, fx, &s2),
		-EADDRINUSE);
	ctl_server_free(fx->s);
	fx->s = NULL;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fx->path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd); /* leaves a stale socket behind */
	assert_int_equal(
		ctl_server_new(fx->e, fx->path, 0600, on_request, fx, &fx->s),
		0);
	ctl_server_free(fx->s);
	fx->s = NULL;
	fd = open(fx->path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	close(fd);
	assert_int_equal(
		ctl_server_new(fx->e, fx->path, 0, on_request, fx, &fx->s),
		-EEXIST);
	unlink(fx->path);
	assert_int_equal(ctl_server_new(fx->e, "", 0, on_request, fx, &s2),
			 -EINVAL);
}

/* STYLE.md's countdown over the server's calls (accept, the peer's
 * credentials, the connection's allocation, recv, the output queue,
 * send): whichever fails, the client it hit gets its reply or a closed
 * connection, never a hang, and the next client is served as if nothing
 * had happened. */
static void every_failing_call_spares_the_next_client(void **state)
{
	struct fx *fx = *state;
	unsigned long k, failed = 0;
	int fired;

	fx->auto_reply = 2;
	for (k = 1;; k++) {
		struct client *a, *b;
		char *line;

		fault_arm(k);
		a = client_new(fx);
		client_write(a, "status db\n", 10);
		line = client_line(fx, a);
		fired = fault_fired();
		fault_arm(0);
		if (line)
			assert_string_equal(line, "{\"ok\":true,\"vip\":\"db\"}");
		else if (!fired || !a->eof)
			fail_msg("call %lu failing: no reply and no close", k);
		client_free(a);
		b = client_new(fx);
		client_write(b, "status web\n", 11);
		line = client_line(fx, b);
		if (!line)
			fail_msg("call %lu failed: the next client got nothing", k);
		assert_string_equal(line, "{\"ok\":true,\"vip\":\"web\"}");
		client_free(b);
		if (!fired)
			break;
		failed++;
	}
	print_message("%lu calls failed in turn, each harmless\n", failed);
	/* accept, getsockopt, calloc, recv, realloc, send at least */
	assert_true(failed >= 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(socket_is_world_accessible_in_a_new_directory),
		T(pipelined_requests_are_answered_in_order),
		T(pings_pass_a_request_in_flight_and_are_never_answered),
		T(hangup_flushes_then_closes_and_tells),
		T(oversize_line_is_refused_and_the_rest_discarded),
		T(malformed_request_reason_is_escaped_json),
		T(client_vanishing_mid_request_harms_nothing),
		T(half_closed_client_still_gets_its_replies),
		T(broadcast_reaches_watchers_only),
		T(slow_watcher_overflows_and_is_closed),
		T(raised_event_queue_takes_a_burst),
		T(client_beyond_the_limit_is_told_busy),
		T(out_of_fds_pauses_accept_then_resumes),
		T(live_socket_is_not_replaced_but_stale_one_is),
		T(every_failing_call_spares_the_next_client),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
