// SPDX-License-Identifier: MIT
/*
 * vipctl top: a live view of the cluster from one node, in the spirit of
 * crm_mon.  It watches vipd's event stream and draws a frame after each
 * batch of events (the stream's first, the snapshot, included), from a
 * status asked on a second connection.  It never polls vipd: on a
 * terminal it redraws in place and, between events, once a second from
 * what it has (the ages grow); elsewhere it prints one frame per batch.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/top.h"
#include "vip.h"

#define TOP_TIMEOUT_MS 5000 /* for each status request */

struct top {
	struct vip_client *watch; /* owned: the event stream */
	struct vip_client *ask;	  /* owned: status requests */
	struct vip_status *st;	  /* owned: the last status, NULL: none */
	int tty;		  /* redraw in place (ANSI) */
	unsigned long frames;	  /* drawn so far */
	char cause[200];	  /* the last event, as a line */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* "42s", "3m07s", "2h05m", "3d04h"; "-" when since is 0 or ahead. */
static void format_age(uint64_t since, uint64_t now, char *buf, size_t len)
{
	uint64_t s = (now - since) / 1000;

	if (!since || since > now)
		snprintf(buf, len, "-");
	else if (s < 60)
		snprintf(buf, len, "%llus", (unsigned long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%llum%02llus", (unsigned long long)s / 60,
			 (unsigned long long)s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lluh%02llum", (unsigned long long)s / 3600,
			 (unsigned long long)s / 60 % 60);
	else
		snprintf(buf, len, "%llud%02lluh", (unsigned long long)s / 86400,
			 (unsigned long long)s / 3600 % 24);
}

static void draw_node(const struct vip_status *s)
{
	const struct vip_node_status *n = &s->node;

	printf("node %s: %s, %s, %zu member%s:", n->name,
	       n->quorate ? "quorate" : "NO QUORUM",
	       n->synced ? "synced" : "NOT SYNCED", n->n_members,
	       n->n_members == 1 ? "" : "s");
	for (size_t i = 0; i < n->n_members; i++)
		printf(" %s", n->members[i]);
	printf("\n");
}

static void draw_vips(const struct vip_status *s, uint64_t now)
{
	int wname = 3, wholder = 6, n;
	char age[32];

	for (size_t i = 0; i < s->n_vips; i++) {
		n = (int)strlen(s->vips[i].name);
		wname = n > wname ? n : wname;
		n = (int)strlen(s->vips[i].holder);
		wholder = n > wholder ? n : wholder;
	}
	printf("%-*s  %-10s  %-*s  %6s  %-7s  %s\n", wname, "VIP", "STATE",
	       wholder, "HOLDER", "TERM", "AGE", "HERE");
	for (size_t i = 0; i < s->n_vips; i++) {
		const struct vip_vip_status *v = &s->vips[i];

		format_age(v->since_ms, now, age, sizeof(age));
		printf("%-*s  %-10s  %-*s  %6llu  %-7s  %s\n", wname, v->name,
		       v->state, wholder, v->holder[0] ? v->holder : "-",
		       (unsigned long long)v->term, age,
		       v->live_here ? "yes" : "-");
	}
}

/* One frame: in place on a terminal, else after a blank line. */
static void draw(struct top *t)
{
	uint64_t now = now_ms();
	time_t secs = (time_t)(now / 1000);
	char when[32] = "-";
	struct tm tm;

	if (localtime_r(&secs, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	if (t->tty)
		printf("\033[H\033[2J"); /* home, clear the screen */
	else if (t->frames)
		printf("\n");
	printf("vipctl top, frame %lu, %s\n", t->frames + 1, when);
	draw_node(t->st);
	draw_vips(t->st, now);
	printf("last event: %s\n", t->cause[0] ? t->cause : "-");
	fflush(stdout);
	t->frames++;
}

static void describe(struct top *t, const struct vip_event *e)
{
	uint64_t seq = 0;
	char inc[17] = "";
	int n;

	(void)vip_event_position(t->watch, &seq, inc, sizeof(inc));
	n = snprintf(t->cause, sizeof(t->cause), "#%llu %s",
		     (unsigned long long)seq, e->type_name);
	if (n > 0 && e->vip[0])
		n += snprintf(t->cause + n, sizeof(t->cause) - (size_t)n,
			      " %s", e->vip);
	if (n > 0 && (size_t)n < sizeof(t->cause) && e->node[0])
		snprintf(t->cause + n, sizeof(t->cause) - (size_t)n,
			 " node=%s term=%llu", e->node,
			 (unsigned long long)e->term);
}

/* Reads every event queued; 1 when there was one, 0 none, or -errno
 * when the stream ended. */
static int drain(struct top *t)
{
	struct vip_event e;
	int r, got = 0;

	while ((r = vip_next_event(t->watch, &e)) == 0 || r == -EBADMSG)
		if (r == 0) {
			describe(t, &e);
			got = 1;
		}
	return r == -EAGAIN ? got : r;
}

static int refresh(struct top *t)
{
	struct vip_status *s;
	int r = vip_status(t->ask, NULL, TOP_TIMEOUT_MS, &s);

	if (r < 0)
		return r;
	vip_status_free(t->st);
	t->st = s;
	draw(t);
	return 0;
}

static int loop(struct top *t)
{
	struct pollfd p = { .fd = vip_client_fd(t->watch), .events = POLLIN };
	int r;

	for (;;) {
		r = drain(t);
		if (r < 0) {
			fprintf(stderr, "vipctl: top: event stream ended: "
				"%s\n", strerror(-r));
			return 3;
		}
		if (r > 0 && refresh(t) < 0) {
			fprintf(stderr, "vipctl: top: status: %s\n",
				vip_client_last_error(t->ask));
			return 3;
		}
		r = poll(&p, 1, t->tty ? 1000 : -1);
		if (r == -1 && errno != EINTR)
			return 3;
		if (r == 0 && t->st) /* a second without events: ages */
			draw(t);
	}
}

int vipctl_top(const char *socket, int argc, char **argv)
{
	struct top t = { .tty = isatty(STDOUT_FILENO) };
	int r;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--plain")) {
			t.tty = 0;
			continue;
		}
		fprintf(stderr, "vipctl: top: unknown word '%s'; top takes "
			"--plain only\n", argv[i]);
		return 2;
	}
	r = vip_client_new(socket, &t.watch);
	if (r == 0)
		r = vip_client_new(socket, &t.ask);
	if (r < 0) {
		fprintf(stderr, "vipctl: socket path: %s\n", strerror(-r));
		vip_client_free(t.watch);
		return 2;
	}
	r = vip_watch(t.watch);
	if (r < 0) {
		fprintf(stderr, "vipctl: top: %s\n",
			vip_client_last_error(t.watch));
		r = 3;
	} else {
		r = loop(&t);
	}
	vip_status_free(t.st);
	vip_client_free(t.ask);
	vip_client_free(t.watch);
	return r;
}
