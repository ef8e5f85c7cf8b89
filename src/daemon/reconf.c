// SPDX-License-Identifier: MIT
/*
 * The daemon's side of VIPs added, removed and redefined by a reload
 * (src/daemon/reload.c mapped the file onto the running slots by name):
 * the gate learns the new addresses before anything may add them, the
 * interfaces of VIPs not live here are looked up again, and the core
 * freezes what changed until every member has read it (core_reconf()).
 * Never touches a VIP that did not change.
 */
#define _GNU_SOURCE /* struct ucred (vipd.h) */
#include <stdio.h>
#include <sys/socket.h>

#include "daemon/log.h"
#include "daemon/vipd.h"
#include "net/lease.h"

void vipd_reconf(struct vipd *d)
{
	unsigned changed = 0, gated = 0;
	char reason[256];
	int asked;

	asked = core_reconf(d->core, &changed);
	for (unsigned k = 0; k < d->conf.nvips; k++) {
		const struct conf_vip *v = &d->conf.vips[k];
		struct core_vip_info vi;

		core_vip_get(d->core, k, &vi);
		if (!vi.pending || v->retired)
			continue;
		if (!d->held[k])
			d->ifindex[k] = 0; /* act.c looks it up at the add */
		/* A claim waits for the members' answer to the resync,
		 * which needs the loop: the gate is there first. */
		if (lease_gate_add(d->lease, v, reason, sizeof(reason)) < 0)
			log_err("VIP '%s': could not add its addresses to the "
				"gate (%s): its address has no kernel lease; "
				"restart vipd on this node",
				v->name, reason);
		else
			gated++;
	}
	log_notice("reload: %u VIP%s added, removed or redefined, frozen "
		   "until every member reads the same%s",
		   changed, changed == 1 ? "" : "s",
		   asked ? "; asked the members for their definitions"
			 : "");
	log_debug("reload: %u VIPs' addresses added to the gate", gated);
}
