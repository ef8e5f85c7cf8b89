// SPDX-License-Identifier: MIT
/*
 * sim: run many seeded random schedules of the real ownership core on
 * the simulated group and stop at the first broken invariant, printing
 * the seed, the last schedule actions and the nodes' state.
 *
 *   sim [--seed S] [--schedules N] [--steps MS] [--expect-violation]
 *       [--two-node-split] [--skew-config] [--reload] [--pools]
 *       [--verbose]
 *       [--keep-going]
 *
 * --skew-config: in half of the schedules one node reads a vipd.conf in
 * which some VIPs have another policy or prefer order (a rolling change
 * of the file); those VIPs must be frozen, never held twice.  At the heal
 * the node is restarted with the common file, so liveness holds again.
 * --reload: nodes reload files of their own at random (reload.c).
 *
 * --pools: every VIP is in one pool (tests/sim/pool.c).
 *
 * Schedule k runs from seed S+k; `sim --seed <printed> --schedules 1`
 * (same --steps) replays a failure exactly.  --expect-violation turns
 * the verdict round, for the mutation tests: success only if some
 * invariant was reported broken.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"

#define MS 1000ull

struct sim S;

struct opts {
	uint64_t seed;
	uint64_t schedules;
	unsigned steps;          /* chaos milliseconds per schedule */
	int expect;
	int two_node_split;
	int keep_going;          /* count violations instead of stopping */
};

static int sim_fail_up(struct group *g, unsigned node, unsigned vip)
{
	return S.upfail && !sim_rnd(4);
}

/* Direct hand-offs: most arrive within a few milliseconds, some late,
 * some twice (the second copy up to 400 ms later), some never. */
static void sim_hand_fate(struct group *g, unsigned from, unsigned to,
			  struct g_hand_fate *ret)
{
	unsigned r = sim_rnd(16);

	ret->copies = r == 0 ? 0 : r < 5 ? 2 : 1;
	ret->delay_us[0] = sim_rnd(4) ? sim_rnd(3000) : sim_rnd(60000);
	ret->delay_us[1] = ret->delay_us[0] + sim_rnd(400000);
	(void)g;
	(void)from;
	(void)to;
}

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* One simulated millisecond, then every check. */
static void sim_ms(void)
{
	sim_timers();
	if (!sim_rnd(8))
		sim_action();
	g_advance(&S.g);
	S.steps++;
	sim_check_ms();
}

/* Node i's own file: each VIP keeps its definition, switches policy, or
 * has its prefer order reversed; at least one differs. */
static void skew_setup(unsigned i)
{
	unsigned changed = 0;

	S.skew_conf = S.g.conf;
	memcpy(S.skew_vips, S.g.vips, sizeof(S.skew_vips));
	S.skew_conf.vips = S.skew_vips;
	for (unsigned k = 0; k < S.g.conf.nvips; k++) {
		struct conf_vip *v = &S.skew_vips[k];
		unsigned how = k == S.g.conf.nvips - 1 && !changed
				       ? 1 + sim_rnd(2)
				       : sim_rnd(3);

		if (how == 1)
			v->policy = v->policy == CONF_POLICY_PREFER
					    ? CONF_POLICY_WAIT
					    : CONF_POLICY_PREFER;
		for (unsigned a = 0, b = v->nprefer - 1; how == 2 && a < b;
		     a++, b--) {
			uint8_t t = v->prefer[a];

			v->prefer[a] = v->prefer[b];
			v->prefer[b] = t;
		}
		changed += how != 0;
		if (how)
			sim_log("n%u's file: v%u %s", i + 1, k,
				how == 1 ? "other policy" : "prefer reversed");
	}
	S.g.nodes[i].conf = &S.skew_conf;
}

static void sim_setup(uint64_t seed)
{
	static const uint32_t lease[] = { 100, 150, 250 };
	unsigned n, nvips;

	memset(&S.g, 0, sizeof(S.g));
	S.seed = seed;
	S.rng = splitmix(seed) | 1;
	S.ntrace = 0;
	S.violated = 0;
	S.upfail = 0;
	S.idle_until = 0;
	S.probe_reqid = 0;
	memset(S.start_at, 0, sizeof(S.start_at));
	n = 2 + sim_rnd(4);
	nvips = S.pools ? 2 + sim_rnd(11) : 1 + sim_rnd(3);
	g_init(&S.g, n, nvips, (enum conf_policy)sim_rnd(2));
	if (S.pools)
		sim_pool_setup();
	S.g.conf.lease_ms = lease[sim_rnd(3)];
	S.lease_max = S.g.conf.lease_ms;
	/* Sometimes every node has a lease of its own (a cluster whose
	 * nodes disagree, or one being reconfigured node by node). */
	if (sim_rnd(3) == 0)
		for (unsigned i = 0; i < n; i++)
			S.g.nodes[i].lease_ms = lease[sim_rnd(3)];
	for (unsigned i = 0; i < n; i++)
		if (S.g.nodes[i].lease_ms > S.lease_max)
			S.lease_max = S.g.nodes[i].lease_ms;
	S.g.conf.two_node = n == 2 && sim_rnd(2);
	S.skew_node = S.skew && sim_rnd(2) ? (int)sim_rnd(n) : -1;
	if (S.skew_node >= 0)
		skew_setup((unsigned)S.skew_node);
	else if (S.reload)
		sim_reload_setup();
	S.g.fail_up = sim_fail_up;
	S.g.direct = (int)sim_rnd(2);
	S.g.hand_fate = sim_hand_fate;
	S.g.hooks = &sim_hooks;
	sim_log("%u nodes%s, %u VIPs, policy %s, lease %ums%s", n,
		S.g.conf.two_node ? " (two_node)" : "", nvips,
		S.g.vips[0].policy == CONF_POLICY_PREFER ? "prefer" : "wait",
		S.g.conf.lease_ms, S.g.direct ? ", direct hand-offs" : "");
	for (unsigned i = 0; i < n; i++)
		if (S.g.nodes[i].lease_ms)
			sim_log("n%u lease %ums", i + 1, S.g.nodes[i].lease_ms);
	for (unsigned i = 0; i < n; i++) {
		g_start(&S.g, i);
		sim_node_started(i);
	}
}

static int probe_done(unsigned i, unsigned k)
{
	struct core_vip_info vi;

	if (!S.probe_replied || g_answering(&S.g, k) != 1 ||
	    !g_answers(&S.g, i, k))
		return 0;
	for (unsigned j = 0; j < S.g.n; j++) {
		core_vip_get(S.g.nodes[j].core, k, &vi);
		if (vi.holder != S.g.nodes[i].id || vi.state != CORE_VIP_LIVE)
			return 0;
	}
	return 1;
}

/* Invariant 5: once healed, a claim with a fresh term is granted and
 * the claimer alone answers within a bound. */
static void sim_probe(unsigned k)
{
	unsigned i = sim_rnd(S.g.n);
	uint64_t term = sim_max_term(k) + 1;
	uint64_t end = S.g.now + 2 * S.lease_max * MS + 200 * MS;
	int r;

	S.probe_replied = 0;
	S.probe_reqid = S.g.reqid + 1;
	r = g_claim(&S.g, i, S.g.conf.vips[k].name, term, 0);
	sim_log("n%u claim v%u term=%llu (liveness probe) -> %s", i + 1, k,
		(unsigned long long)term,
		r ? core_err_to_string((enum core_err)r) : "sent");
	if (r) {
		sim_fail(5, "healed n%u claim v%u term %llu refused: %s",
			 i + 1, k, (unsigned long long)term,
			 S.g.nodes[i].last_reason);
		return;
	}
	while (!S.violated && S.g.now < end && !probe_done(i, k)) {
		g_advance(&S.g);
		S.steps++;
		sim_check_ms();
	}
	if (!S.violated && !probe_done(i, k))
		sim_fail(5, "healed n%u claim v%u term %llu: %s after %llums",
			 i + 1, k, (unsigned long long)term,
			 S.probe_replied ? core_err_to_string(S.probe_err)
					 : "no answer",
			 (unsigned long long)(end - S.g.now) / MS);
}

/* One schedule; returns 1 if an invariant broke. */
static int sim_schedule(uint64_t seed, unsigned steps)
{
	uint64_t settle;

	sim_setup(seed);
	for (unsigned t = 0; t < steps && !S.violated; t++)
		sim_ms();
	if (!S.violated)
		sim_heal();
	if (!S.violated && S.reload && S.skew_node < 0)
		sim_reload_heal();
	/* the operator puts the common file on the odd node */
	if (!S.violated && S.skew_node >= 0) {
		unsigned i = (unsigned)S.skew_node;

		S.g.nodes[i].conf = NULL;
		g_leave(&S.g, i);
		g_start(&S.g, i);
		sim_node_started(i);
		sim_log("n%u restarted with the common file", i + 1);
	}
	settle = 2 * S.lease_max + 300;
	for (uint64_t t = 0; t < settle && !S.violated; t++) {
		g_advance(&S.g);
		S.steps++;
		sim_check_ms();
	}
	for (unsigned k = 0; k < S.g.conf.nvips && !S.violated; k++)
		sim_probe(k);
	if (S.violated && S.quiet) {
		printf("VIOLATION %s seed=0x%llx\n", S.what,
		       (unsigned long long)S.seed);
	} else if (S.violated) {
		sim_report();
		fprintf(stdout, "replay: sim --seed 0x%llx --schedules 1 "
				"--steps %u\n",
			(unsigned long long)S.seed, steps);
	}
	S.hands_sent += S.g.hands_sent;
	S.hands_taken += S.g.hands_taken;
	g_done(&S.g);
	return S.violated != 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "schedules", required_argument, NULL, 'n' },
		{ "steps", required_argument, NULL, 't' },
		{ "expect-violation", no_argument, NULL, 'x' },
		{ "two-node-split", no_argument, NULL, '2' },
		{ "skew-config", no_argument, NULL, 'c' },
		{ "reload", no_argument, NULL, 'r' },
		{ "pools", no_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "keep-going", no_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ .seed = 1, .schedules = 200, .steps = 600 };
	while ((c = getopt_long(argc, argv, "s:n:t:x2crpvk", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 's':
			o->seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			o->schedules = strtoull(optarg, NULL, 0);
			break;
		case 't':
			o->steps = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'x':
			o->expect = 1;
			break;
		case '2':
			o->two_node_split = 1;
			break;
		case 'c':
			S.skew = 1;
			break;
		case 'r':
			S.reload = 1;
			break;
		case 'p':
			S.pools = 1;
			break;
		case 'v':
			S.verbose = 1;
			break;
		case 'k':
			o->keep_going = 1;
			break;
		default:
			fprintf(stderr, "usage: sim [--seed S] [--schedules N]"
					" [--steps MS] [--expect-violation]"
					" [--two-node-split] [--skew-config]"
					" [--reload] [--pools]\n");
			return -EINVAL;
		}
	}
	return 0;
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct opts o;
	uint64_t k, bad = 0;
	double t0 = seconds(), dt;

	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	S.two_node_split = o.two_node_split;
	S.quiet = o.keep_going;
	for (k = 0; k < o.schedules && (!bad || o.keep_going); k++)
		bad += (uint64_t)sim_schedule(o.seed + k, o.steps);
	dt = seconds() - t0;
	fflush(stdout);
	printf("sim: %llu schedules, %llu steps (simulated ms) in %.1f s: "
	       "%.0f schedules/s, %.0f steps/s, %llu direct hand-offs sent "
	       "(%llu copies taken), %llu violating schedule(s)\n",
	       (unsigned long long)k, (unsigned long long)S.steps, dt,
	       (double)k / dt, (double)S.steps / dt,
	       (unsigned long long)S.hands_sent,
	       (unsigned long long)S.hands_taken, (unsigned long long)bad);
	if (o.expect)
		return bad ? 0 : 1;
	return bad ? 1 : 0;
}
