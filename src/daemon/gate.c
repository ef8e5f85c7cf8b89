// SPDX-License-Identifier: MIT
/*
 * The lease gate under watch.  Another process may change or delete the
 * gate's tables (`nft flush ruleset` deletes every table that is not
 * owned): then this node must not answer for a VIP without its gate.
 * vipd gives up every VIP it holds at once (the addresses go, the group
 * hands them on), rebuilds the gate, and takes VIPs again only once the
 * gate is back.  Until vipd notices, the owned vipd_lease tables keep
 * gating (lease.c), so even a vipd that hangs right after the flush does
 * not answer once its lease runs out.
 */
#define _GNU_SOURCE /* struct ucred */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>

#include "log.h"
#include "net/gate_watch.h"
#include "net/lease.h"
#include "vipd.h"

#define GATE_RETRY_US 1000000ull
#define GATE_TRIES 5

/* Rebuild the gate; our own batch's notifications are read and dropped
 * (the kernel queued them before it answered), then the tables are
 * asked for, in case another flush came in between.  1 when restored. */
static int gate_rebuild(struct vipd *d)
{
	char reason[256];
	int r;

	for (int i = 0; i < GATE_TRIES; i++) {
		r = lease_gate_restore(d->lease, &d->conf, reason,
				       sizeof(reason));
		if (r < 0) {
			log_errno(r, "rebuilding the lease gate: %s", reason);
			return 0;
		}
		(void)gate_watch_read(d->gw);
		malloc_trim(0); /* what libnftables used for the batch */
		if (gate_present() == 1)
			return 1;
	}
	log_err("rebuilding the lease gate: removed again %d times",
		GATE_TRIES);
	return 0;
}

static void gate_lost(struct vipd *d)
{
	uint64_t now = vipd_now(d);
	unsigned given = 0;

	for (unsigned i = 0; i < d->conf.nvips; i++) {
		struct core_vip_info vi;

		core_vip_get(d->core, i, &vi);
		if (vi.holder != d->self_id)
			continue;
		core_local_fault(d->core, now, i,
				 "the lease gate (nftables) was removed");
		given++;
	}
	log_err("the lease gate (nftables tables vipd_gate) was changed or "
		"removed by another process: gave up %u VIP(s) held here; "
		"rebuilding it (do not flush vipd's tables: doc/deploy.md)",
		given);
	d->gate_down = 1;
	d->gate_lost_count++;
	if (gate_rebuild(d)) {
		d->gate_down = 0;
		log_notice("the lease gate is rebuilt; VIPs may be held here "
			   "again");
	} else {
		ev_src_set_time(d->gate_timer, vipd_now(d) + GATE_RETRY_US);
		ev_src_set_enabled(d->gate_timer, EV_ONESHOT);
	}
	vipd_schedule(d);
}

static int on_gate(struct ev_src *s, int fd, uint32_t revents, void *ud)
{
	struct vipd *d = ud;
	int r = gate_watch_read(d->gw);

	if (r < 0)
		log_errno(r, "reading nftables events, ignoring");
	else if (r > 0)
		gate_lost(d);
	return 0;
}

static int on_gate_retry(struct ev_src *s, uint64_t usec, void *ud)
{
	struct vipd *d = ud;

	if (!d->gate_down)
		return 0;
	if (gate_rebuild(d)) {
		d->gate_down = 0;
		log_notice("the lease gate is rebuilt; VIPs may be held here "
			   "again");
		vipd_schedule(d);
	} else {
		ev_src_set_time(s, usec + GATE_RETRY_US);
		ev_src_set_enabled(s, EV_ONESHOT);
	}
	return 0;
}

int vipd_gate_watch(struct vipd *d)
{
	int fd = gate_watch_open(&d->gw);
	int r;

	if (fd < 0)
		return fd;
	r = ev_add_io(d->ev, &d->gate_src, fd, EPOLLIN, on_gate, d);
	if (r >= 0)
		r = ev_src_set_priority(d->gate_src, EV_PRIO_IMPORTANT);
	if (r >= 0)
		r = ev_add_time(d->ev, &d->gate_timer, EV_NEVER, on_gate_retry,
				d);
	return r < 0 ? r : 0;
}

void vipd_gate_free(struct vipd *d)
{
	ev_src_free(d->gate_src);
	ev_src_free(d->gate_timer);
	gate_watch_free(d->gw);
}
