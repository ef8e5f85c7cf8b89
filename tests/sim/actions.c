// SPDX-License-Identifier: MIT
/*
 * The random schedule: requests (claim with and without terms, stale
 * and fresh, --wait; release; move), faults (kill, machine crash, clean
 * shutdown, hang, partition and merge, delivery lag, corosync restart,
 * interface fault, actuator refusal) and their repair, all drawn from
 * the schedule's own generator.  Every action leaves one trace line.
 */
#include <stdarg.h>
#include <stdio.h>

#include "sim.h"

#define MS 1000ull

/* xorshift64*: small, fast and good enough for schedules. */
uint64_t sim_rand(void)
{
	S.rng ^= S.rng >> 12;
	S.rng ^= S.rng << 25;
	S.rng ^= S.rng >> 27;
	return S.rng * 0x2545f4914f6cdd1dull;
}

unsigned sim_rnd(unsigned n)
{
	return (unsigned)(((sim_rand() >> 32) * n) >> 32);
}

void sim_log(const char *fmt, ...)
{
	char *line = S.trace[S.ntrace++ % SIM_TRACE];
	va_list ap;
	int n;

	n = snprintf(line, SIM_LINE, "t=%llums ",
		     (unsigned long long)(S.g.now / MS));
	va_start(ap, fmt);
	vsnprintf(line + n, SIM_LINE - (size_t)n, fmt, ap);
	va_end(ap);
	if (S.verbose)
		printf("  %s\n", line);
}

static uint64_t ms_between(unsigned lo, unsigned hi)
{
	return (lo + sim_rnd(hi - lo + 1)) * MS;
}

/* A random node that can act now (alive, awake, with an engine), or -1. */
static int pick_running(void)
{
	unsigned i = sim_rnd(S.g.n);

	for (unsigned k = 0; k < S.g.n; k++, i = (i + 1) % S.g.n) {
		const struct g_node *n = &S.g.nodes[i];

		if (n->alive && !n->hung && !n->detached)
			return (int)i;
	}
	return -1;
}

static const char *res(int r)
{
	return r ? core_err_to_string((enum core_err)r) : "sent";
}

static void do_claim(unsigned i)
{
	unsigned k = sim_rnd(S.g.conf.nvips), kind = sim_rnd(10);
	int wait = sim_rnd(3) ? 0 : 1 + (int)sim_rnd(2), r;
	uint64_t term = 0;
	struct core_vip_info vi;

	core_vip_get(S.g.nodes[i].core, k, &vi);
	if (kind >= 4 && kind < 6)
		term = vi.term > 1 ? vi.term - sim_rnd(2) : vi.term;
	else if (kind >= 6 && kind < 8)
		term = vi.term + 1;
	else if (kind >= 8)
		term = sim_max_term(k) + 1 + sim_rnd(3);
	r = g_claim(&S.g, i, S.g.conf.vips[k].name, term, wait);
	S.claim_id[i] = S.g.reqid;
	S.claim_vip[i] = k;
	sim_log("n%u claim v%u term=%llu%s -> %s", i + 1, k,
		(unsigned long long)term,
		wait == CORE_CLAIM_QUEUE ? " queue" : wait ? " --wait" : "",
		res(r));
}

/* Node i's client goes away: its last claim is withdrawn (0), or its
 * session ends: release v at the term i's table shows (1). */
static void do_withdraw(unsigned i, unsigned how)
{
	unsigned k = how ? sim_rnd(S.g.conf.nvips) : S.claim_vip[i];
	const char *vip = S.g.conf.vips[k].name;
	struct core_vip_info vi;
	int r;

	if (!how) {
		r = S.claim_id[i] ? g_cancel(&S.g, i, vip, S.claim_id[i]) : 0;
		S.claim_id[i] = 0;
		sim_log("n%u withdraws its claim of v%u -> %d", i + 1, k, r);
		return;
	}
	core_vip_get(S.g.nodes[i].core, k, &vi);
	r = g_release_held(&S.g, i, vip, vi.term);
	sim_log("n%u session of v%u ends, release at term %llu -> %s", i + 1,
		k, (unsigned long long)vi.term, res(r));
}

static void do_release_or_move(unsigned i, int move)
{
	unsigned k = sim_rnd(S.g.conf.nvips), j = sim_rnd(S.g.n);
	const char *vip = S.g.conf.vips[k].name;
	int r;

	if (!move) {
		r = g_release(&S.g, i, vip);
		sim_log("n%u release v%u -> %s", i + 1, k, res(r));
		return;
	}
	r = g_move(&S.g, i, vip, S.g.conf.nodes[j].name);
	sim_log("n%u move v%u to n%u -> %s", i + 1, k, j + 1, res(r));
}

/* Two requests for one VIP in the same millisecond: node i takes it
 * with a fresh term while its holder (as i's table says) takes it back
 * or moves it on: a hand-over that is overtaken before it is confirmed. */
static void do_contend(unsigned i)
{
	unsigned k = sim_rnd(S.g.conf.nvips), j = sim_rnd(S.g.n);
	const char *vip = S.g.conf.vips[k].name;
	struct core_vip_info vi;
	unsigned h;
	int r;

	core_vip_get(S.g.nodes[i].core, k, &vi);
	h = vi.holder ? vi.holder - 1 : i;
	if (h == i || !S.g.nodes[h].alive || S.g.nodes[h].hung) {
		do_claim(i);
		return;
	}
	if (sim_rnd(2)) { /* i reads the group late, a hand-off early */
		S.g.nodes[i].lag_us = ms_between(2, 30);
		sim_log("n%u delivery lag %llums", i + 1,
			(unsigned long long)(S.g.nodes[i].lag_us / MS));
	}
	r = g_claim(&S.g, i, vip, sim_max_term(k) + 1, 0);
	sim_log("n%u claim v%u term=%llu (contended) -> %s", i + 1, k,
		(unsigned long long)sim_max_term(k) + 1, res(r));
	if (sim_rnd(2)) {
		r = g_claim(&S.g, h, vip, sim_max_term(k) + 2, 0);
		sim_log("n%u claim v%u term=%llu (contended) -> %s", h + 1,
			k, (unsigned long long)sim_max_term(k) + 2, res(r));
	} else {
		r = g_move(&S.g, h, vip, S.g.conf.nodes[j].name);
		sim_log("n%u move v%u to n%u (contended) -> %s", h + 1, k,
			j + 1, res(r));
	}
}

/* Kill (0), crash (1) or cleanly stop (2) node i; it restarts later. */
static void do_stop(unsigned i, unsigned how)
{
	static const char *const name[] = { "kill -9 vipd", "crash node",
					    "shutdown vipd" };

	if (how == 0)
		g_kill(&S.g, i);
	else if (how == 1)
		g_crash(&S.g, i);
	else
		g_leave(&S.g, i);
	S.start_at[i] = S.g.now + ms_between(1, 600);
	sim_log("n%u %s (restart at %llums)", i + 1, name[how],
		(unsigned long long)(S.start_at[i] / MS));
}

static void do_partition(void)
{
	unsigned part[G_MAX_NODES], nparts = 2 + sim_rnd(2);
	char desc[64];
	int len = 0;

	/* Both halves of a two_node cluster keep quorum: without
	 * fencing, a split is unsafe by design (--two-node-split). */
	if (S.g.conf.two_node && !S.two_node_split)
		return;
	if (nparts > S.g.n)
		nparts = S.g.n;
	for (unsigned i = 0; i < S.g.n; i++) {
		part[i] = sim_rnd(nparts);
		len += snprintf(desc + len, sizeof(desc) - (size_t)len,
				" n%u:%u", i + 1, part[i]);
	}
	g_partition(&S.g, part);
	sim_log("partition%s", desc);
}

static void do_merge(void)
{
	unsigned part[G_MAX_NODES] = { 0 };

	g_partition(&S.g, part);
	sim_log("merge all partitions");
}

static void do_fault(unsigned i, unsigned what)
{
	struct g_node *n = &S.g.nodes[i];
	unsigned k = sim_rnd(S.g.conf.nvips);

	switch (what) {
	case 0:
		n->hung = 1;
		S.wake_at[i] = S.g.now + ms_between(5, 500);
		sim_log("n%u hangs (until %llums)", i + 1,
			(unsigned long long)(S.wake_at[i] / MS));
		break;
	case 1:
		n->lag_us = sim_rnd(3) ? ms_between(1, 40) : 0;
		sim_log("n%u delivery lag %llums", i + 1,
			(unsigned long long)(n->lag_us / MS));
		break;
	case 2:
		g_detach(&S.g, i);
		S.attach_at[i] = S.g.now + ms_between(1, 300);
		sim_log("n%u corosync lost (back at %llums)", i + 1,
			(unsigned long long)(S.attach_at[i] / MS));
		break;
	default:
		g_fault(&S.g, i, k);
		sim_log("n%u interface fault v%u", i + 1, k);
		break;
	}
}

/* Repairs that were scheduled when the fault was made. */
void sim_timers(void)
{
	for (unsigned i = 0; i < S.g.n; i++) {
		struct g_node *n = &S.g.nodes[i];

		if (n->hung && S.g.now >= S.wake_at[i]) {
			n->hung = 0;
			sim_log("n%u wakes", i + 1);
		}
		if (n->alive && n->detached && !n->hung &&
		    S.g.now >= S.attach_at[i]) {
			g_attach(&S.g, i);
			sim_log("n%u corosync back, rejoins", i + 1);
		}
		if (!n->alive && S.start_at[i] && S.g.now >= S.start_at[i]) {
			g_start(&S.g, i);
			sim_node_started(i);
			S.start_at[i] = 0;
			sim_log("n%u starts vipd", i + 1);
		}
	}
}

static void do_idle(void)
{
	S.idle_until = S.g.now + ms_between(20, 400);
	sim_log("clock runs, no action until %llums",
		(unsigned long long)(S.idle_until / MS));
}

/* One random action, weighted towards requests. */
void sim_action(void)
{
	unsigned w = sim_rnd(100);
	int i = pick_running();

	if (S.g.now < S.idle_until)
		return;
	if (S.reload && i >= 0 && sim_rnd(16) == 0) {
		sim_reload_action((unsigned)i);
		return;
	}
	if (w < 5)
		do_partition();
	else if (w < 10)
		do_merge();
	else if (w < 13)
		do_idle();
	else if (w < 15) {
		S.upfail = !S.upfail;
		sim_log("actuator %s", S.upfail ? "flaky" : "healthy");
	} else if (i < 0)
		return;
	else if (w < 37)
		do_claim((unsigned)i);
	else if (w < 41)
		do_withdraw((unsigned)i, w >= 39);
	else if (w < 45 && S.pools && w >= 43)
		sim_pool_action((unsigned)i);
	else if (w < 45)
		do_contend((unsigned)i);
	else if (w < 62)
		do_release_or_move((unsigned)i, w >= 52);
	else if (w < 72)
		do_stop((unsigned)i, (w - 62) / 4);
	else
		do_fault((unsigned)i, (w - 72) / 7);
}

/* End every fault: all nodes up, one partition, nobody hung or late. */
void sim_heal(void)
{
	unsigned part[G_MAX_NODES] = { 0 };

	S.upfail = 0;
	S.idle_until = 0;
	g_partition(&S.g, part);
	for (unsigned i = 0; i < S.g.n; i++) {
		struct g_node *n = &S.g.nodes[i];

		n->lag_us = 0;
		n->hung = 0;
		if (!n->alive) {
			g_start(&S.g, i);
			sim_node_started(i);
			S.start_at[i] = 0;
		} else if (n->detached) {
			g_attach(&S.g, i);
		}
	}
	sim_log("heal: all nodes up, one partition, none hung");
}
