// SPDX-License-Identifier: MIT
/*
 * The core's actions on this node's kernel: addresses with a finite
 * lifetime, the lease gate (announcements are announce.c's), and the
 * reaction to an interface that goes down.  Each failure is logged once,
 * here, where it is handled.
 */
#define _GNU_SOURCE /* struct ucred */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "announce.h"
#include "group.h"
#include "hooks.h"
#include "log.h"
#include "net/addr.h"
#include "net/lease.h"
#include "net/link.h"
#include "metrics.h"
#include "service.h"
#include "vipd.h"

static int act_send(void *ud, const struct core_msg *m)
{
	struct vipd *d = ud;

	return d->link ? group_link_send(d->link, m) : -ENOTCONN;
}

/* The gate opens per node: while this node's lease is current, packets
 * of every VIP in the held sets pass, and the addresses decide which VIPs
 * it answers for.  Every VIP is held from start-up, so a hand-over costs
 * one address change, not an nftables transaction (~4 ms through
 * libnftables).  A VIP leaves the held sets only when its address could
 * not be deleted: then the gate, not the address, keeps it quiet. */
static void act_hook(struct vipd *d, const char *event, unsigned vip)
{
	hooks_act(d, event, vip);
	service_changed(d);
}

static int act_hold(struct vipd *d, unsigned vip)
{
	const struct conf_vip *v = &d->conf.vips[vip];
	char reason[256];
	int r;

	if (d->held[vip])
		return 0;
	r = lease_hold(d->lease, v, reason, sizeof(reason));
	if (r < 0)
		return log_errno(r, "opening the gate of VIP '%s': %s",
				 v->name, reason);
	d->held[vip] = 1;
	return 0;
}

static int act_vip_down(void *ud, unsigned vip)
{
	struct vipd *d = ud;
	const struct conf_vip *v = &d->conf.vips[vip];
	char reason[256];
	int r, ret = 0;

	log_debug("VIP '%s' down start at %llu us", v->name, vipd_mono_us());
	for (unsigned k = 0; k < v->naddrs; k++) {
		r = addr_del(d->nl, d->ifindex[vip], &v->addrs[k], reason,
			     sizeof(reason));
		if (r < 0)
			ret = log_errno(r, "deleting VIP '%s' from %s: %s",
					v->name, v->dev, reason);
	}
	if (ret < 0 && d->held[vip]) {
		r = lease_unhold(d->lease, v, reason, sizeof(reason));
		if (r < 0)
			log_errno(r, "closing the gate of VIP '%s': %s",
				  v->name, reason);
		else
			d->held[vip] = 0;
		log_warn("VIP '%s' is gated off here until its address "
			 "lifetime runs out", v->name);
	}
	log_info("VIP '%s' removed from %s", v->name, v->dev);
	act_hook(d, "release", vip);
	log_debug("VIP '%s' down at %llu us", v->name, vipd_mono_us());
	return ret;
}

static int act_vip_up(void *ud, unsigned vip)
{
	struct vipd *d = ud;
	const struct conf_vip *v = &d->conf.vips[vip];
	char reason[256];
	int r;

	if (d->ifindex[vip] <= 0)
		d->ifindex[vip] = link_index(v->dev);
	if (d->ifindex[vip] <= 0)
		return log_errno(-ENODEV, "VIP '%s': interface '%s'", v->name,
				 v->dev);
	if (d->gate_down)
		return log_errno(-ENOLINK, "VIP '%s': the lease gate is not "
				 "rebuilt yet", v->name);
	log_debug("VIP '%s' up start at %llu us", v->name, vipd_mono_us());
	r = act_hold(d, vip);
	if (r < 0)
		return r;
	for (unsigned k = 0; k < v->naddrs; k++) {
		r = addr_add(d->nl, d->ifindex[vip], &v->addrs[k],
			     VIPD_ADDR_LIFETIME_S, reason, sizeof(reason));
		if (r < 0) {
			log_errno(r, "adding VIP '%s' to %s: %s", v->name,
				  v->dev, reason);
			act_vip_down(d, vip);
			return r;
		}
	}
	log_debug("VIP '%s' added at %llu us", v->name, vipd_mono_us());
	d->last_up_us = vipd_now(d);
	vipd_announce_start(d, vip, ANNOUNCE_ACQUIRE);
	log_info("VIP '%s' live on %s", v->name, v->dev);
	act_hook(d, "acquire", vip);
	log_debug("VIP '%s' up at %llu us", v->name, vipd_mono_us());
	return 0;
}

/* The kernel counts an element's timeout from when it takes the batch,
 * not from when we read the clock: the clock is read right before (not
 * the loop pass's cached time, which may be milliseconds old after a
 * long dispatch), and if the refresh still took over 1 ms (preempted),
 * it is repeated with what is left, so the gate never outlives `until`
 * by more than the peers' margin. */
static void act_lease(void *ud, uint64_t until)
{
	struct vipd *d = ud;
	unsigned long long t0 = vipd_mono_us(), dt = 0;
	char reason[256];

	vipd_metrics_lease(d, until, t0);
	for (int tries = 0; tries < 3; tries++) {
		uint64_t now = vipd_mono_us();
		uint32_t ms = until > now ? (uint32_t)((until - now) / 1000)
					  : 0;
		int r = lease_refresh(d->lease, ms, reason, sizeof(reason));

		if (r < 0) { /* the previous, earlier expiry stands */
			log_errno(r, "refreshing the kernel lease: %s", reason);
			return;
		}
		if (vipd_mono_us() - now <= 1000 || !ms)
			break;
	}
	dt = vipd_mono_us() - t0;
	if (dt > 10000)
		log_warn("refreshing the kernel lease took %llu ms", dt / 1000);
	else
		log_debug("lease refresh took %llu us", dt);
}

const struct core_ops vipd_core_ops = {
	.send = act_send,
	.vip_up = act_vip_up,
	.vip_down = act_vip_down,
	.lease = act_lease,
	.reply = vipd_reply,
	.event = vipd_event,
	.handoff = vipd_handoff_send,
};

/* Invariant 5: a starting vipd holds nothing, whatever an earlier run
 * left behind. */
void vipd_reconcile_start(struct vipd *d)
{
	char reason[256];

	for (unsigned i = 0; i < d->conf.nvips; i++) {
		const struct conf_vip *v = &d->conf.vips[i];

		d->ifindex[i] = link_index(v->dev);
		if (d->ifindex[i] <= 0) {
			log_warn("VIP '%s': interface '%s' does not exist "
				 "(yet); it cannot be held here until it does",
				 v->name, v->dev);
			continue;
		}
		for (unsigned k = 0; k < v->naddrs; k++) {
			int present = addr_present(d->nl, d->ifindex[i],
						   &v->addrs[k]);

			if (present <= 0)
				continue;
			if (addr_del(d->nl, d->ifindex[i], &v->addrs[k],
				     reason, sizeof(reason)) < 0)
				log_warn("removing leftover VIP '%s': %s",
					 v->name, reason);
			else
				log_notice("removed leftover address of VIP "
					   "'%s' from %s", v->name, v->dev);
		}
	}
	/* One batch for all; VIP by VIP only if that fails. */
	if (lease_hold_all(d->lease, &d->conf, reason, sizeof(reason)) == 0)
		memset(d->held, 1, d->conf.nvips);
	else
		log_warn("holding every VIP at once: %s; one by one", reason);
	for (unsigned i = 0; i < d->conf.nvips; i++)
		act_hold(d, i);
}

int vipd_refresh_addrs(struct vipd *d)
{
	char reason[256];

	for (unsigned i = 0; i < d->conf.nvips; i++) {
		const struct conf_vip *v = &d->conf.vips[i];
		struct core_vip_info vi;

		core_vip_get(d->core, i, &vi);
		if (!vi.local_up)
			continue;
		for (unsigned k = 0; k < v->naddrs; k++)
			if (addr_add(d->nl, d->ifindex[i], &v->addrs[k],
				     VIPD_ADDR_LIFETIME_S, reason,
				     sizeof(reason)) < 0)
				log_warn("refreshing VIP '%s': %s", v->name,
					 reason);
	}
	return 0;
}

void vipd_link_event(int ifindex, const char *ifname, _Bool up, void *ud)
{
	struct vipd *d = ud;

	for (unsigned i = 0; i < d->conf.nvips; i++) {
		struct core_vip_info vi;
		char why[96];

		if (!strcmp(d->conf.vips[i].dev, ifname))
			d->ifindex[i] = ifindex;
		if (d->ifindex[i] != ifindex || up)
			continue;
		core_vip_get(d->core, i, &vi);
		if (vi.holder != d->self_id)
			continue;
		snprintf(why, sizeof(why), "interface %s went down", ifname);
		log_warn("VIP '%s': %s, releasing it", d->conf.vips[i].name,
			 why);
		core_local_fault(d->core, vipd_now(d), i, why);
	}
	vipd_announce_link(d, ifindex, up);
	vipd_schedule(d);
}
