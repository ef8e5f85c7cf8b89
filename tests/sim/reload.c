// SPDX-License-Identifier: MIT
/*
 * --reload: every node reads a file of its own and reloads it at random
 * (core_reconf()): a VIP removed or put back, or its policy flipped,
 * node by node, amid the schedule's faults.  Changed VIPs must freeze and
 * removed ones be released, never held twice.  At the heal every node
 * reloads the common file, so liveness holds again.
 */
#include <string.h>

#include "sim.h"

static struct conf rl_conf[G_MAX_NODES];
static struct conf_vip rl_vips[G_MAX_NODES][G_MAX_VIPS];

void sim_reload_setup(void)
{
	for (unsigned i = 0; i < S.g.n; i++) {
		rl_conf[i] = S.g.conf;
		memcpy(rl_vips[i], S.g.vips, sizeof(rl_vips[i]));
		rl_conf[i].vips = rl_vips[i];
		rl_conf[i].vips_cap = G_MAX_VIPS;
		S.g.nodes[i].conf = &rl_conf[i];
	}
}

static void reconf(unsigned i, const char *what, unsigned k)
{
	unsigned changed = 0;
	int asked = 0;

	if (S.g.nodes[i].alive)
		asked = core_reconf(S.g.nodes[i].core, &changed);
	sim_log("n%u reloads: v%u %s (%u changed%s)", i + 1, k, what, changed,
		asked ? ", resync" : "");
}

void sim_reload_action(unsigned i)
{
	unsigned k = sim_rnd(S.g.conf.nvips);
	struct conf_vip *v = &rl_vips[i][k];

	switch (sim_rnd(3)) {
	case 0:
		v->retired = !v->retired;
		reconf(i, v->retired ? "removed" : "put back", k);
		break;
	case 1:
		v->policy = v->policy == CONF_POLICY_PREFER ? CONF_POLICY_WAIT
							    : CONF_POLICY_PREFER;
		reconf(i, "policy flipped", k);
		break;
	default:
		*v = S.g.vips[k];
		reconf(i, "as the common file", k);
		break;
	}
}

void sim_reload_heal(void)
{
	for (unsigned i = 0; i < S.g.n; i++) {
		memcpy(rl_vips[i], S.g.vips, sizeof(rl_vips[i]));
		reconf(i, "and every VIP", 0);
	}
}
