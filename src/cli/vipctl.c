// SPDX-License-Identifier: MIT
/*
 * vipctl: the operator's command line for vipd, built on libvip. It checks
 * a request with the shared codec before sending it, prints vipd's answer
 * as a table or as raw JSON, and turns the outcome into an exit code:
 * 0 done, 1 refused by vipd, 2 bad usage, 3 vipd unreachable, 4 timeout.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/args.h"
#include "cli/hold.h"
#include "cli/pools.h"
#include "cli/top.h"
#include "proto/ctl.h"
#include "vip.h"

enum vipctl_exit {
	VIPCTL_OK = 0,
	VIPCTL_REFUSED = 1,
	VIPCTL_USAGE = 2,
	VIPCTL_UNREACHABLE = 3,
	VIPCTL_TIMEOUT = 4,
	VIPCTL_DONE = -1, /* not an exit code: done, exit 0 */
};

#define VIPCTL_DEFAULT_TIMEOUT_MS 30000

struct vipctl {
	const char *socket; /* NULL: libvip's default */
	int json;	    /* print vipd's raw JSON lines */
	int timeout_ms;	    /* -1 when not given */
	struct ctl_req req; /* the checked request */
	char line[CTL_LINE_MAX + 1];
	struct vip_client *client;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vipctl [--socket PATH] [--json] [--timeout SECONDS] "
		"COMMAND\n"
		"       (options may also follow COMMAND; vipctl --version)\n"
		"  status [VIP]                        who holds what, "
		"members, quorum\n"
		"  claim VIP [--term N] [--wait S]     put VIP on this node\n"
		"  release VIP                         take VIP off this node\n"
		"  check [VIP]                         for monitoring: exit 0 "
		"if synced,\n"
		"                                      quorate (and VIP live), "
		"else 1\n"
		"  move VIP NODE                       put VIP on NODE\n"
		"  watch [--since INCARNATION:SEQ]     stream ownership "
		"events (resume)\n"
		"  top [--plain]                       live view, redrawn "
		"on events\n"
		"  reload                              reread vipd.conf "
		"(root, vipd's user)\n"
		"  rebalance POOL                      even out a pool now "
		"(root, vipd's user)\n"
		"  metrics                             this node's metrics "
		"(Prometheus text)\n"
		"  hold VIP [--term N] [--wait S] [--timeout S] -- COMMAND "
		"[ARGS...]\n"
		"                                      hold VIP while COMMAND "
		"runs (a session)\n");
}

static int exit_code(int r)
{
	switch (-r) {
	case 0:
		return VIPCTL_OK;
	case ETIMEDOUT:
		return VIPCTL_TIMEOUT;
	case ECONNREFUSED:
	case ECONNRESET:
	case EACCES:
	case EPIPE:
	case ENOTCONN:
		return VIPCTL_UNREACHABLE;
	default:
		return VIPCTL_REFUSED;
	}
}

/* The socket vipctl talks to, as libvip chooses it. */
static const char *socket_path(const struct vipctl *v)
{
	const char *p = v->socket ? v->socket : getenv("VIPD_SOCKET");

	return p && p[0] ? p : VIP_DEFAULT_SOCKET;
}

static int fail(struct vipctl *v, int r)
{
	const char *why = vip_client_last_error(v->client);

	if (r == -ECONNREFUSED) { /* nobody listens, or no socket at all */
		fprintf(stderr,
			"vipctl: cannot reach vipd at %s: is vipd running? "
			"(systemctl status vipd)\n",
			socket_path(v));
		return VIPCTL_UNREACHABLE;
	}
	fprintf(stderr, "vipctl: %s: %s\n", ctl_cmd_to_string(v->req.cmd),
		why[0] ? why : strerror(-r));
	return exit_code(r);
}

/* Seconds with up to three decimals, as for --wait; -1 if invalid. */
static int parse_seconds(const char *s)
{
	char line[CTL_LINE_MAX];
	struct ctl_req r;

	snprintf(line, sizeof(line), "claim x --wait %s", s);
	if (ctl_req_parse(line, strlen(line), &r, NULL, 0) < 0)
		return -1;
	return (int)r.wait_ms;
}

/* Joins the command words into one request line and checks it. */
static int parse_request(struct vipctl *v, int argc, char **argv)
{
	char reason[CTL_REASON_MAX];
	size_t len = 0;
	int i, n;

	if (argc == 0) {
		usage(stderr);
		return -EINVAL;
	}
	for (i = 0; i < argc; i++) {
		n = snprintf(v->line + len, sizeof(v->line) - len, "%s%s",
			     i ? " " : "", argv[i]);
		if (n < 0 || (size_t)n >= sizeof(v->line) - len) {
			fprintf(stderr,
				"vipctl: request longer than %d bytes\n",
				CTL_LINE_MAX);
			return -EINVAL;
		}
		len += (size_t)n;
	}
	if (ctl_req_parse(v->line, len, &v->req, reason, sizeof(reason)) < 0) {
		fprintf(stderr, "vipctl: %s\n", reason);
		return -EINVAL;
	}
	return 0;
}

static void format_time(uint64_t ms, char *buf, size_t len, int millis)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	if (ms == 0 || !localtime_r(&t, &tm)) {
		snprintf(buf, len, "-");
		return;
	}
	n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	if (millis && n > 0)
		snprintf(buf + n, len - n, ".%03u", (unsigned)(ms % 1000));
}

static void print_node(const struct vip_node_status *n)
{
	size_t i;

	printf("node %s (id %u): %s, engine %s%s, ", n->name, n->id,
	       n->quorate ? "quorate" : "NO QUORUM",
	       n->engine[0] ? n->engine : "?", n->synced ? ", synced" : "");
	if (n->lease_ms)
		printf("lease %u ms, members", n->lease_ms);
	else
		printf("lease auto (corosync not reached yet), members");
	for (i = 0; i < n->n_members; i++)
		printf(" %s", n->members[i]);
	printf("%s\n", n->n_members ? "" : " none");
}

static void print_vip_row(const struct vip_vip_status *v, int wname,
			  int wholder)
{
	char since[32];
	size_t i;

	format_time(v->since_ms, since, sizeof(since), 0);
	printf("%-*s  %-10s  %-*s  %6llu  %-19s  %-4s  ", wname, v->name,
	       v->state, wholder, v->holder[0] ? v->holder : "-",
	       (unsigned long long)v->term, since, v->live_here ? "yes" : "-");
	for (i = 0; i < v->n_addresses; i++)
		printf("%s%s", i ? "," : "", v->addresses[i]);
	printf("%s\n", v->n_addresses ? "" : "-");
}

/* "NAME NAME ..." of a NULL-ended list, after a label; nothing if empty */
static void print_names(const char *label, const char *const *names,
			size_t n)
{
	if (!n)
		return;
	printf("%s", label);
	for (size_t i = 0; i < n; i++)
		printf(" %s", names[i]);
	printf("\n");
}

static void print_status(const struct vip_status *s)
{
	int wname = 3, wholder = 6, n;
	const char *const *names;
	size_t i, k;

	print_node(&s->node);
	names = vip_status_sync_waiting(s, &k);
	print_names("table sync waiting for (nothing changes hands until it "
		    "ends):", names, k);
	if (s->n_vips == 0)
		return;
	for (i = 0; i < s->n_vips; i++) {
		n = (int)strlen(s->vips[i].name);
		wname = n > wname ? n : wname;
		n = (int)strlen(s->vips[i].holder);
		wholder = n > wholder ? n : wholder;
	}
	printf("\n%-*s  %-10s  %-*s  %6s  %-19s  %-4s  %s\n", wname, "VIP",
	       "STATE", wholder, "HOLDER", "TERM", "SINCE", "HERE",
	       "ADDRESSES");
	for (i = 0; i < s->n_vips; i++)
		print_vip_row(&s->vips[i], wname, wholder);
	for (i = 0; i < s->n_vips; i++)
		if (vip_status_driver(s, i)[0])
			printf("%s: %s\n", s->vips[i].name,
			       vip_status_driver(s, i));
	for (i = 0; i < s->n_vips; i++) {
		char label[128];

		names = vip_status_config_differs(s, i, &k);
		snprintf(label, sizeof(label), "%s: frozen, defined otherwise "
			 "in the vipd.conf of", s->vips[i].name);
		print_names(label, names, k);
	}
}

static void print_event(const struct vipctl *v, const struct vip_event *e)
{
	char when[40], inc[17] = "";
	uint64_t seq;

	if (v->json) {
		printf("%s\n", e->json);
		fflush(stdout);
		return;
	}
	format_time(e->time_ms, when, sizeof(when), 1);
	if (vip_event_position(v->client, &seq, inc, sizeof(inc)) < 0)
		seq = 0;
	if (e->type == VIP_EVENT_SNAPSHOT || e->type == VIP_EVENT_RESET) {
		printf("#%llu %s of vipd %s%s%s\n", (unsigned long long)seq,
		       e->type_name, inc, e->why[0] ? ": " : "", e->why);
		fflush(stdout);
		return;
	}
	printf("#%llu %s %-8s %s", (unsigned long long)seq, when, e->type_name,
	       e->vip[0] ? e->vip : "-");
	if (e->node[0])
		printf(" node=%s", e->node);
	if (e->prev[0])
		printf(" prev=%s", e->prev);
	printf(" term=%llu", (unsigned long long)e->term);
	if (e->quorate >= 0)
		printf(" quorate=%s", e->quorate ? "yes" : "no");
	printf("%s%s\n", e->why[0] ? " why: " : "", e->why);
	fflush(stdout);
}

static int run_watch(struct vipctl *v)
{
	struct pollfd p = {.events = POLLIN};
	struct vip_event e;
	int r;

	r = v->req.has_since ? vip_watch_since(v->client,
					       v->req.since_incarnation,
					       v->req.since_seq)
			     : vip_watch(v->client);
	if (r < 0)
		return fail(v, r);
	p.fd = vip_client_fd(v->client);
	for (;;) {
		while ((r = vip_next_event(v->client, &e)) == 0 ||
		       r == -EBADMSG)
			if (r == 0)
				print_event(v, &e);
		if (r != -EAGAIN) {
			fprintf(stderr,
				"vipctl: watch: event stream ended: %s\n",
				strerror(-r));
			return VIPCTL_UNREACHABLE;
		}
		if (poll(&p, 1, -1) == -1 && errno != EINTR)
			return fail(v, -errno);
	}
}

/* The local limit for a request: claim waits --wait (plus grace in libvip). */
static int request_timeout(const struct vipctl *v)
{
	if (v->req.cmd == CTL_CLAIM && v->req.has_wait)
		return (int)v->req.wait_ms;
	if (v->timeout_ms >= 0)
		return v->timeout_ms;
	return v->req.cmd == CTL_CLAIM ? -1 : VIPCTL_DEFAULT_TIMEOUT_MS;
}

static int run_json(struct vipctl *v)
{
	int t = request_timeout(v);
	char *reply = NULL;
	int r;

	if (v->req.cmd == CTL_CLAIM && t >= 0)
		t += 1000; /* vipd answers "timeout" itself first */
	ctl_req_format(&v->req, v->line, sizeof(v->line));
	v->line[strcspn(v->line, "\n")] = '\0';
	r = vip_request(v->client, v->line, t, &reply);
	if (reply)
		printf("%s\n", reply);
	free(reply);
	return r < 0 ? fail(v, r) : VIPCTL_OK;
}

static int run_human(struct vipctl *v)
{
	const struct ctl_req *q = &v->req;
	int t = request_timeout(v), r = -EINVAL;
	struct vip_status *s;
	uint64_t term = 0;
	char *text = NULL;

	switch (q->cmd) {
	case CTL_STATUS:
		r = vip_status(v->client, q->vip[0] ? q->vip : NULL, t, &s);
		if (r == 0) {
			print_status(s);
			vip_status_free(s);
			if (!q->vip[0])
				r = vipctl_print_pools(v->client, t);
		}
		break;
	case CTL_CLAIM:
		r = vip_claim(v->client, q->vip, q->term, t, &term);
		if (r == 0)
			printf("%s claimed, term %llu\n", q->vip,
			       (unsigned long long)term);
		break;
	case CTL_RELEASE:
		r = vip_release(v->client, q->vip, t);
		if (r == 0)
			printf("%s released\n", q->vip);
		break;
	case CTL_MOVE:
		r = vip_move(v->client, q->vip, q->node, t, &term);
		if (r == 0)
			printf("%s moved to %s, term %llu\n", q->vip, q->node,
			       (unsigned long long)term);
		break;
	case CTL_WATCH:
		return run_watch(v);
	case CTL_RELOAD:
		r = vip_reload(v->client, t);
		if (r == 0)
			printf("vipd reloaded its configuration\n");
		break;
	case CTL_REBALANCE:
		snprintf(v->line, sizeof(v->line), "rebalance %s", q->vip);
		r = vip_request(v->client, v->line, t, &text);
		if (r == 0)
			printf("rebalance of pool %s requested: see vipctl "
			       "status\n", q->vip);
		free(text);
		text = NULL;
		break;
	case CTL_PING:
		break;
	case CTL_METRICS:
		r = vip_metrics(v->client, t, &text);
		if (r == 0)
			fputs(text, stdout);
		free(text);
		break;
	}
	return r < 0 ? fail(v, r) : VIPCTL_OK;
}

/* vipctl check [VIP] (Nagios-style): one line; 0 when this node is
 * synced and quorate (and VIP live on some node), 1 when not or refused,
 * 3 when vipd is unreachable. */
static int run_check(struct vipctl *v)
{
	const struct vip_vip_status *x = NULL;
	const char *vip = v->req.vip[0] ? v->req.vip : NULL;
	struct vip_status *s;
	char why[160] = "";
	int r;

	r = vip_status(v->client, vip, request_timeout(v), &s);
	if (r < 0)
		return fail(v, r);
	if (vip && s->n_vips == 1)
		x = &s->vips[0];
	if (!s->node.quorate)
		snprintf(why, sizeof(why), "node %s has no quorum",
			 s->node.name);
	else if (!s->node.synced)
		snprintf(why, sizeof(why), "node %s has not learnt the VIP "
			 "table (not synced)", s->node.name);
	else if (vip && !x)
		snprintf(why, sizeof(why), "no status of VIP %s", vip);
	else if (x && (strcmp(x->state, "live") != 0 || !x->holder[0]))
		snprintf(why, sizeof(why), "VIP %s is %s, holder %s", x->name,
			 x->state, x->holder[0] ? x->holder : "none");
	if (why[0])
		printf("FAIL: %s\n", why);
	else if (x)
		printf("OK: %s live on %s (term %llu); node %s synced, "
		       "quorate, %zu members\n", x->name, x->holder,
		       (unsigned long long)x->term, s->node.name,
		       s->node.n_members);
	else
		printf("OK: node %s synced, quorate, %zu members\n",
		       s->node.name, s->node.n_members);
	vip_status_free(s);
	return why[0] ? VIPCTL_REFUSED : VIPCTL_OK;
}

/* The global options into v; VIPCTL_OK to go on, else an exit code. */
static int take_args(struct vipctl *v, const struct vipctl_args *a)
{
	if (a->help) {
		usage(stdout);
		return VIPCTL_DONE;
	}
	if (a->version) {
		printf("vipctl %s\n", VIPCTL_VERSION);
		return VIPCTL_DONE;
	}
	v->socket = a->socket;
	v->json = a->json;
	if (a->timeout) {
		v->timeout_ms = parse_seconds(a->timeout);
		if (v->timeout_ms < 0) {
			fprintf(stderr, "vipctl: --timeout expects seconds "
				"from 0 to 3600, got '%s'\n", a->timeout);
			return VIPCTL_USAGE;
		}
	}
	return VIPCTL_OK;
}

static int run(struct vipctl *v, int check)
{
	int r = vip_client_new(v->socket, &v->client);

	if (r < 0) {
		fprintf(stderr, "vipctl: socket path: %s\n", strerror(-r));
		return VIPCTL_USAGE;
	}
	if (check)
		r = run_check(v);
	else if (v->json && v->req.cmd != CTL_WATCH)
		r = run_json(v);
	else if (v->req.cmd == CTL_WATCH)
		r = run_watch(v);
	else
		r = run_human(v);
	vip_client_free(v->client);
	return r;
}

int main(int argc, char **argv)
{
	struct vipctl v = {.timeout_ms = -1};
	struct vipctl_args a;
	char err[128];
	int check, r;

	if (vipctl_args_parse(argc, argv, &a, err, sizeof(err)) < 0) {
		fprintf(stderr, "vipctl: %s\n", err);
		usage(stderr);
		return VIPCTL_USAGE;
	}
	r = take_args(&v, &a);
	if (r == VIPCTL_OK && a.nwords > 0 && !strcmp(a.words[0], "hold"))
		r = vipctl_hold(v.socket, a.nwords - 1, a.words + 1);
	else if (r == VIPCTL_OK && a.nwords > 0 && !strcmp(a.words[0], "top"))
		r = vipctl_top(v.socket, a.nwords - 1, a.words + 1);
	else if (r == VIPCTL_OK) {
		check = a.nwords > 0 && !strcmp(a.words[0], "check");
		if (check)
			a.words[0] = (char *)(uintptr_t)"status";
		if (parse_request(&v, a.nwords, a.words) < 0)
			r = VIPCTL_USAGE;
		else
			r = run(&v, check);
	}
	free(a.words);
	return r < 0 ? VIPCTL_OK : r;
}
