// SPDX-License-Identifier: MIT
/*
 * vipd as a systemd service (sd_notify(3), Type=notify): READY=1 once the
 * table is learnt, STATUS= with what it waits for or a one-line summary,
 * WATCHDOG=1 from the loop, RELOADING=1 and STOPPING=1.  Outside systemd
 * (no NOTIFY_SOCKET) it sends nothing and adds no wake-up; the watchdog
 * timer exists only when the manager asks for it (WATCHDOG_USEC).
 */
#define _GNU_SOURCE /* struct ucred, for vipd.h */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "group.h"
#include "log.h"
#include "service.h"
#include "vipd.h"

static int on_watchdog(struct ev_src *s, uint64_t usec, void *ud)
{
	struct vipd *d = ud;

	(void)sd_notify(0, "WATCHDOG=1");
	ev_src_set_time(s, usec + d->svc_wdog_us);
	return 0;
}

int service_init(struct vipd *d)
{
	uint64_t usec = 0;
	int r;

	if (!getenv("NOTIFY_SOCKET"))
		return 0;
	d->svc_on = 1;
	d->svc_dirty = 1;
	r = sd_watchdog_enabled(0, &usec);
	if (r < 0)
		log_errno(r, "WATCHDOG_USEC or WATCHDOG_PID not valid, "
			     "running without the watchdog");
	if (r <= 0)
		return 0;
	/* Twice per interval: one late pass must not look like a hang. */
	d->svc_wdog_us = usec / 2 ? usec / 2 : 1;
	r = ev_add_time_relative(d->ev, &d->wdog_src, d->svc_wdog_us,
				 on_watchdog, d);
	if (r >= 0)
		r = ev_src_set_enabled(d->wdog_src, EV_ON);
	if (r < 0)
		return r;
	log_info("systemd watchdog: a keep-alive every %llu ms",
		 (unsigned long long)(d->svc_wdog_us / 1000));
	return 0;
}

void service_changed(struct vipd *d)
{
	d->svc_dirty = d->svc_on;
}

/* "'n2', 'n3'": the nodes of mask (1 << conf.nodes index). */
static void node_names(const struct vipd *d, uint32_t mask, char *buf,
		       size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < d->conf.nnodes && n < len; i++)
		if ((mask >> i) & 1u)
			n += (size_t)snprintf(buf + n, len - n, "%s'%s'",
					      n ? ", " : "",
					      d->conf.nodes[i].name);
}

/* "db, web" or "nothing"; at most a few names, then a count. */
static void held_names(const struct vipd *d, char *buf, size_t len)
{
	unsigned held = 0;
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < d->conf.nvips; i++) {
		struct core_vip_info vi;

		core_vip_get(d->core, i, &vi);
		if (!vi.local_up)
			continue;
		if (++held <= 3 && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
					      n ? ", " : "",
					      d->conf.vips[i].name);
	}
	if (held > 3 && n < len)
		snprintf(buf + n, len - n, " and %u more", held - 3);
	if (!held)
		snprintf(buf, len, "nothing");
}

/* What vipd waits for, or once it serves: "3 members, quorate, holding
 * db; 2 VIPs". */
static void status_text(const struct vipd *d, char *buf, size_t len)
{
	uint32_t members[CONF_MAX_NODES], wait = core_sync_waiting(d->core);
	char names[160], held[160];
	struct group_link_stats st;
	unsigned n;

	group_link_stats(d->link, &st);
	if (!st.joined) {
		if (st.connect_err < 0)
			snprintf(buf, len,
				 "waiting for corosync (group "
				 "'%s'): %s, retrying",
				 d->conf.group, strerror(-st.connect_err));
		else if (d->svc_ready)
			snprintf(buf, len,
				 "lost corosync, holding nothing, "
				 "reconnecting");
		else
			snprintf(buf, len, "connecting to corosync");
		return;
	}
	node_names(d, wait, names, sizeof(names));
	n = core_members(d->core, members, CONF_MAX_NODES);
	if (!core_learnt(d->core) || !n) {
		if (wait)
			snprintf(buf, len,
				 "joined group '%s', table sync "
				 "waiting for %s",
				 d->conf.group, names);
		else
			snprintf(buf, len,
				 "joined group '%s', waiting for "
				 "the first view",
				 d->conf.group);
		return;
	}
	held_names(d, held, sizeof(held));
	snprintf(buf, len, "%u member%s, %s, holding %s; %u VIP%s%s%s", n,
		 n == 1 ? "" : "s",
		 core_quorate(d->core) ? "quorate" : "not quorate", held,
		 d->conf.nvips, d->conf.nvips == 1 ? "" : "s",
		 wait ? "; table sync waiting for " : "", wait ? names : "");
}

void service_update(struct vipd *d)
{
	char text[sizeof(d->svc_status)];
	struct group_link_stats st;
	int ready;

	/* STOPPING=1 said it all */
	if (!d->svc_dirty || group_link_stopping(d->link))
		return;
	d->svc_dirty = 0;
	status_text(d, text, sizeof(text));
	group_link_stats(d->link, &st);
	ready = !d->svc_ready && core_learnt(d->core) && st.joined;
	if (!ready && strcmp(text, d->svc_status) == 0)
		return;
	memcpy(d->svc_status, text, sizeof(text));
	(void)sd_notifyf(0, "%sSTATUS=%s", ready ? "READY=1\n" : "", text);
	d->svc_ready |= ready;
}

/* Before it is ready, a reload changes nothing systemd waits for. */
void service_reloading(struct vipd *d)
{
	if (!d->svc_ready)
		return;
	(void)sd_notifyf(0,
			 "RELOADING=1\nMONOTONIC_USEC=%llu\n"
			 "STATUS=reloading %s",
			 (unsigned long long)ev_mono_us(), d->conf_path);
}

void service_reloaded(struct vipd *d)
{
	if (!d->svc_ready)
		return;
	d->svc_status[0] = '\0'; /* the STATUS= of the reload goes */
	d->svc_dirty = 1;
	(void)sd_notify(0, "READY=1");
}

void service_stopping(struct vipd *d)
{
	if (!d->svc_on)
		return;
	(void)sd_notify(0, "STOPPING=1\n"
			   "STATUS=releasing every VIP, leaving the group");
}
