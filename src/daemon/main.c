// SPDX-License-Identifier: MIT
/*
 * vipd: setup only.  Parse the configuration (all of it, or refuse to
 * start), remove leftover VIP addresses, load the lease gate, open the
 * control socket, drop to two capabilities, join corosync and run.
 */
#define _GNU_SOURCE /* struct ucred */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "conf_parse.h"
#include "control/server.h"
#include "group.h"
#include "announce.h"
#include "log.h"
#include "net/lease.h"
#include "net/link.h"
#include "net/nl.h"
#include "printconf.h"
#include "reload.h"
#include "preflight.h"
#include "priv.h"
#include "check.h"
#include "events.h"
#include "metrics.h"
#include "follow.h"
#include "hooks.h"
#include "service.h"
#include "session.h"
#include "vipd.h"

#ifndef VIPD_VERSION /* meson sets it from the project's version */
#define VIPD_VERSION "unknown"
#endif
#ifndef DEFAULT_CONF /* meson sets it from sysconfdir */
#define DEFAULT_CONF "/etc/vipd/vipd.conf"
#endif

static void usage(FILE *f)
{
	fprintf(f, "usage: vipd [-c FILE] [-n|--check-config] [-v] [-f]\n"
		   "  -c, --config FILE    configuration (default %s)\n"
		   "  -n, --check-config   validate, print it normalised, exit\n"
		   "  -v, --verbose        debug logging\n"
		   "  -f, --foreground     accepted; vipd never forks\n"
		   "  -V, --version        print the version, exit\n"
		   "  --log-target=auto|console|journal  decisions as lines "
		   "or journal entries with fields\n",
		DEFAULT_CONF);
}

static int parse_args(int argc, char **argv, const char **path, int *check,
		      int *verbose)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "log-target", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:nvfhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			*path = optarg;
			break;
		case 'n':
			*check = 1;
			break;
		case 'v':
			*verbose = 1;
			break;
		case 'f':
			break;
		case 'L':
			if (log_set_target(optarg) < 0)
				goto usage;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("vipd %s\n", VIPD_VERSION);
			exit(0);
		default:
			goto usage;
		}
	}
	if (optind == argc)
		return 0;
usage:
	usage(stderr);
	return -EINVAL;
}

static void setup_net(struct vipd *d)
{
	char reason[256];
	int r;

	r = nl_open(&d->nl);
	if (r < 0)
		fatal("opening rtnetlink: %s", strerror(-r));
	r = lease_open(&d->conf, &d->lease, reason, sizeof(reason));
	/* the gate's tables belong to the netlink socket that made them */
	if (r == -EPERM)
		fatal("loading the lease gate (nftables): %s; another vipd "
		      "already runs on this node and owns it (one vipd a "
		      "node), or this one lacks CAP_NET_ADMIN", reason);
	if (r < 0)
		fatal("loading the lease gate (nftables): %s", reason);
	log_info("lease refresh: %s", lease_raw_active(d->lease)
					      ? "raw nf_tables batch"
					      : "libnftables");
	/* libnftables frees and regrows >128 KiB per lease refresh; with
	 * glibc's default trimming each refresh costs milliseconds.  Raw
	 * refreshes allocate nothing: keep the defaults, which give back
	 * what loading the gate used. */
	if (!lease_raw_active(d->lease)) {
		mallopt(M_TRIM_THRESHOLD, 64 << 20);
		mallopt(M_MMAP_THRESHOLD, 64 << 20);
	} else {
		/* A fixed threshold: glibc's own grows with every large
		 * block freed (cmap's at each connection), and corosync's
		 * 1 MiB receive buffers then come zeroed from the heap,
		 * every page resident.  Mapped, they cost what they carry. */
		mallopt(M_MMAP_THRESHOLD, 128 << 10);
	}
	d->link_fd = link_watch_open(&d->lw);
	if (d->link_fd < 0)
		fatal("watching links: %s", strerror(-d->link_fd));
	vipd_reconcile_start(d);
	/* Every VIP is held: libnftables is not needed again. */
	if (lease_raw_active(d->lease)) {
		if (lease_retire(d->lease, reason, sizeof(reason)) < 0)
			log_warn("keeping libnftables loaded: %s", reason);
		else
			log_info("gate built; libnftables unloaded");
	}
}

/* The lease is only as good as the refresher's scheduling, and a
 * hand-over only as fast as the new holder's wake-up: run at corosync's
 * own real-time priority (it takes SCHED_RR at the maximum).  Below it,
 * on a busy machine, vipd waited milliseconds for a CPU after every
 * delivery and every hand-off (bench/README.md, 'move').  vipd_loop_run()
 * yields to corosync at least every VIPD_YIELD_CPU_US of CPU, so a burst
 * of work (a thousand VIPs) cannot hold corosync off its CPU. */
static void setup_sched(void)
{
	struct sched_param sp = {
		.sched_priority = sched_get_priority_max(SCHED_FIFO),
	};
	const struct rlimit none = { 0, 0 };

	/* Hooks are forked at SCHED_OTHER (reset on fork). */
	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) < 0)
		log_warn("could not switch to SCHED_FIFO %d (%s): start vipd "
			 "at that priority (the unit's CPUSchedulingPolicy=) or "
			 "with CAP_SYS_NICE; under CPU pressure renewals may "
			 "come late, ignoring",
			 sp.sched_priority, strerror(errno));
	/* Under LimitRTPRIO= (rather than the unit's CPUSchedulingPolicy=)
	 * the limit is used once: neither vipd nor a hook may use it again. */
	if (setrlimit(RLIMIT_RTPRIO, &none) < 0)
		log_warn("could not lower RLIMIT_RTPRIO (%s), ignoring",
			 strerror(errno));
}

static void setup(struct vipd *d)
{
	int self = conf_self_index(&d->conf);
	char err[512];
	int r;

	if (self < 0)
		fatal("node-name '%s' is not in the cluster block",
		      d->conf.node);
	d->self_id = d->conf.nodes[self].id;
	/* every per-VIP array has a slot for each VIP a reload may add */
	if (conf_make_room(&d->conf, CONF_MAX_VIPS) < 0)
		fatal("out of memory");
	d->ifindex = calloc(CONF_MAX_VIPS + 1, sizeof(*d->ifindex));
	d->held = calloc(CONF_MAX_VIPS + 1, sizeof(*d->held));
	d->ann_left = calloc(CONF_MAX_VIPS + 1, sizeof(*d->ann_left));
	d->ann_due = calloc(CONF_MAX_VIPS + 1, sizeof(*d->ann_due));
	if (!d->ifindex || !d->held || !d->ann_left || !d->ann_due)
		fatal("out of memory");
	r = core_new(&d->conf, d->self_id, &vipd_core_ops, d, &d->core);
	if (r < 0)
		fatal("building the ownership table: %s", strerror(-r));
	setup_net(d);
	r = ev_new(&d->ev);
	if (r < 0)
		fatal("creating the event loop: %s", strerror(-r));
	r = ctl_server_new(d->ev, d->conf.socket, 0666, vipd_request, d,
			   &d->ctl);
	if (r < 0)
		fatal("control socket '%s': %s", d->conf.socket,
		      strerror(-r));
	ctl_server_on_close(d->ctl, vipd_conn_closed);
	/* A failover of every VIP is a few events each (lost, moved, live):
	 * let a watcher take all of them without an overflow. */
	ctl_server_set_event_queue(d->ctl, (size_t)d->conf.nvips * 1024);
	r = vipd_loop_setup(d);
	if (r >= 0)
		r = vipd_gate_watch(d);
	if (r >= 0)
		r = service_init(d);
	if (r < 0)
		fatal("setting up the event loop: %s", strerror(-r));
	if (vipd_events_new(d) < 0 || vipd_metrics_new(d) < 0 ||
	    vipd_announce_new(d) < 0 ||
	    vipd_checks_start(d) < 0 ||
	    vipd_follow_start(d) < 0)
		fatal("starting the health checks: out of memory");
	r = vipd_handoff_key(d, err, sizeof(err));
	if (r == 0)
		r = vipd_handoff_open(d, err, sizeof(err));
	if (r == 0)
		r = vipd_metrics_listen(d, err, sizeof(err));
	if (r < 0)
		fatal("%s", err);
	/* Parsing the configuration and loading the gate are done. */
	malloc_trim(0);
}

static void teardown(struct vipd *d)
{
	ctl_server_free(d->ctl);
	vipd_handoff_close(d);
	vipd_gate_free(d);
	group_link_free(d->link);
	lease_free(d->lease);
	link_watch_free(d->lw);
	nl_free(d->nl);
	core_free(d->core);
	ev_src_free(d->tick_src);
	ev_src_free(d->refresh_src);
	ev_src_free(d->ann_src);
	ev_src_free(d->link_src);
	ev_src_free(d->wdog_src);
	for (unsigned i = 0; i < VIPD_MAX_REQ; i++)
		ev_src_free(d->reqs[i].timer);
	vipd_session_free_all(d);
	vipd_follow_free(d);
	vipd_events_free(d);
	vipd_metrics_free(d);
	vipd_announce_free(d);
	vipd_checks_free(d);
	hooks_free(d);
	ev_unref(d->ev);
	free(d->ifindex);
	free(d->held);
	free(d->ann_left);
	free(d->ann_due);
	conf_free(&d->conf);
}

int main(int argc, char **argv)
{
	static struct vipd d;
	struct group_link_stats st;
	const char *path = DEFAULT_CONF;
	int check = 0, verbose = 0, r;

	/* Large arrays (slots for VIPs a reload may add) come untouched
	 * from mmap: a fixed threshold, not raised by the 1 MiB file
	 * buffer the loader frees, keeps them off the heap. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	if (parse_args(argc, argv, &path, &check, &verbose) < 0)
		return 2;
	log_init(verbose);
	d.conf_path = path;
	if (check) /* the unit's ExecStartPre= starts at SCHED_FIFO */
		vipd_sched_normal();
	r = conf_load(path, &d.conf, stderr);
	if (r < 0) {
		if (r != -EINVAL) /* the file itself: parse errors are out */
			fprintf(stderr, "vipd: %s: %s\n", path, strerror(-r));
		fprintf(stderr, "vipd: %s: configuration not valid, not "
				"starting\n", path);
		return 1;
	}
	r = preflight_check(&d.conf, stderr);
	if (r < 0 || check) {
		if (r == 0)
			conf_print(stdout, &d.conf);
		conf_free(&d.conf);
		return r < 0 ? 1 : 0;
	}
	setup_sched();
	setup(&d);
	if (priv_drop(d.conf.user) < 0)
		fatal("could not drop privileges");
	group_link_connect(d.link);
	group_link_stats(d.link, &st);
	if (d.conf.lease_ms || st.lease_known)
		log_notice("vipd started as node '%s' (id %u), %u VIPs, "
			   "lease %u ms", d.conf.node, d.self_id, d.conf.nvips,
			   core_lease_ms(d.core));
	else
		log_notice("vipd started as node '%s' (id %u), %u VIPs, "
			   "lease auto (set when corosync is reached)",
			   d.conf.node, d.self_id, d.conf.nvips);
	r = vipd_loop_run(&d);
	teardown(&d);
	return r < 0 ? 1 : 0;
}
