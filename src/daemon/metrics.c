// SPDX-License-Identifier: MIT
/*
 * Metrics in the Prometheus text exposition format (version 0.0.4), for
 * the `metrics` control request and the metrics-listen HTTP endpoint.
 * Counters are kept here as the daemon reports what happens; gauges are
 * read from the table when asked.  Never changes the table.
 */
#define _GNU_SOURCE /* open_memstream, struct ucred */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "announce.h"
#include "check.h"
#include "control/http.h"
#include "group.h"
#include "metrics.h"
#include "vipd.h"

#define METRICS_RESULTS 64 /* distinct (verb, result) pairs kept */

struct metrics_req {
	enum ctl_cmd cmd;
	const char *result; /* static: "ok" or an error code */
	uint64_t n;
};

struct vipd_metrics {
	uint64_t *events;        /* owned: nvips x (CORE_EV_MAX + 1) */
	uint64_t membership[2];  /* joined, left */
	uint64_t refreshes;
	uint64_t last_until;     /* the gate's deadline before this refresh */
	uint64_t min_margin_us;  /* least time the gate had left, UINT64_MAX */
	struct metrics_req req[METRICS_RESULTS];
};

int vipd_metrics_new(struct vipd *d)
{
	struct vipd_metrics *m = calloc(1, sizeof(*m));
	size_t n = conf_vip_room(&d->conf) + 1; /* a reload may add VIPs */

	if (!m)
		return -ENOMEM;
	m->events = calloc(n * (CORE_EV_MAX + 1), sizeof(*m->events));
	m->min_margin_us = UINT64_MAX;
	d->metrics = m;
	return m->events ? 0 : -ENOMEM;
}

void vipd_metrics_free(struct vipd *d)
{
	http_free(d->http);
	d->http = NULL;
	if (!d->metrics)
		return;
	free(d->metrics->events);
	free(d->metrics);
	d->metrics = NULL;
}

void vipd_metrics_event(struct vipd *d, const struct core_event *ev)
{
	struct vipd_metrics *m = d->metrics;

	if (!m)
		return;
	if (ev->type == CORE_EV_JOINED || ev->type == CORE_EV_LEFT)
		m->membership[ev->type == CORE_EV_LEFT]++;
	else if (ev->vip >= 0)
		m->events[(unsigned)ev->vip * (CORE_EV_MAX + 1) + ev->type]++;
}

void vipd_metrics_lease(struct vipd *d, uint64_t until, uint64_t now)
{
	struct vipd_metrics *m = d->metrics;

	if (!m || !until)
		return;
	m->refreshes++;
	if (m->last_until > now && m->last_until - now < m->min_margin_us)
		m->min_margin_us = m->last_until - now;
	m->last_until = until;
}

void vipd_metrics_request(struct vipd *d, enum ctl_cmd cmd,
			  const char *result)
{
	struct vipd_metrics *m = d->metrics;

	if (!m)
		return;
	result = result ? result : "ok";
	for (unsigned i = 0; i < METRICS_RESULTS; i++) {
		struct metrics_req *r = &m->req[i];

		if (!r->result) {
			*r = (struct metrics_req){ cmd, result, 0 };
		} else if (r->cmd != cmd || strcmp(r->result, result) != 0) {
			continue;
		}
		r->n++;
		return;
	}
}

static void family(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void node_metrics(FILE *f, struct vipd *d)
{
	struct vipd_metrics *m = d->metrics;
	uint32_t ids[CONF_MAX_NODES];
	struct group_link_stats st;

	group_link_stats(d->link, &st);
	family(f, "vipd_corosync_connected", "gauge",
	       "1 while vipd is joined to its corosync group.");
	fprintf(f, "vipd_corosync_connected %d\n", st.joined != 0);
	family(f, "vipd_quorate", "gauge",
	       "1 while this node's partition has quorum.");
	fprintf(f, "vipd_quorate %d\n", core_quorate(d->core));
	family(f, "vipd_synced", "gauge", "1 once the table is learnt.");
	fprintf(f, "vipd_synced %d\n", core_synced(d->core));
	family(f, "vipd_members", "gauge", "Members of the current view.");
	fprintf(f, "vipd_members %u\n",
		core_members(d->core, ids, CONF_MAX_NODES));
	family(f, "vipd_membership_changes_total", "counter",
	       "Nodes that joined or left the view.");
	fprintf(f, "vipd_membership_changes_total{change=\"joined\"} %" PRIu64
		   "\nvipd_membership_changes_total{change=\"left\"} %" PRIu64
		   "\n", m->membership[0], m->membership[1]);
	family(f, "vipd_lease_seconds", "gauge", "This node's kernel lease.");
	fprintf(f, "vipd_lease_seconds %.3f\n", core_lease_ms(d->core) / 1e3);
	family(f, "vipd_lease_refreshes_total", "counter",
	       "Refreshes of this node's kernel lease gate.");
	fprintf(f, "vipd_lease_refreshes_total %" PRIu64 "\n", m->refreshes);
	family(f, "vipd_lease_margin_min_seconds", "gauge",
	       "The least time the gate had left at a refresh (NaN: none).");
	if (m->min_margin_us == UINT64_MAX)
		fputs("vipd_lease_margin_min_seconds NaN\n", f);
	else
		fprintf(f, "vipd_lease_margin_min_seconds %.6f\n",
			m->min_margin_us / 1e6);
}

static void peer_metrics(FILE *f, struct vipd *d)
{
	struct group_link_stats st;

	group_link_stats(d->link, &st);
	family(f, "vipd_peer_records_dropped_total", "counter",
	       "Peer records dropped as malformed or unknown.");
	fprintf(f, "vipd_peer_records_dropped_total %lu\n",
		(unsigned long)st.bad_peer);
	family(f, "vipd_handoffs_total", "counter",
	       "Direct hand-off datagrams by outcome.");
	fprintf(f, "vipd_handoffs_total{result=\"sent\"} %lu\n"
		   "vipd_handoffs_total{result=\"taken\"} %lu\n"
		   "vipd_handoffs_total{result=\"dropped\"} %lu\n",
		d->hand_sent, d->hand_taken, d->hand_bad);
	family(f, "vipd_requests_total", "counter",
	       "Control requests by verb and result.");
	for (unsigned i = 0; i < METRICS_RESULTS && d->metrics->req[i].result;
	     i++)
		fprintf(f, "vipd_requests_total{verb=\"%s\",result=\"%s\"} "
			   "%" PRIu64 "\n",
			ctl_cmd_to_string(d->metrics->req[i].cmd),
			d->metrics->req[i].result, d->metrics->req[i].n);
}

static void vip_gauges(FILE *f, struct vipd *d)
{
	static const enum core_vip_state states[] = {
		CORE_VIP_UNASSIGNED, CORE_VIP_ACQUIRING, CORE_VIP_LIVE,
		CORE_VIP_RELEASING,
	};

	family(f, "vipd_vip_term", "gauge", "The VIP's ownership term.");
	for (unsigned i = 0; i < d->conf.nvips; i++) {
		struct core_vip_info vi;

		if (core_vip_hidden(d->core, i)) /* removed by a reload */
			continue;
		core_vip_get(d->core, i, &vi);
		fprintf(f, "vipd_vip_term{vip=\"%s\"} %" PRIu64 "\n",
			d->conf.vips[i].name, vi.term);
	}
	family(f, "vipd_vip_state", "gauge", "1 for the VIP's state.");
	for (unsigned i = 0; i < d->conf.nvips; i++) {
		struct core_vip_info vi;

		if (core_vip_hidden(d->core, i)) /* removed by a reload */
			continue;
		core_vip_get(d->core, i, &vi);
		for (unsigned k = 0; k < 4; k++)
			fprintf(f, "vipd_vip_state{vip=\"%s\",state=\"%s\"} "
				   "%d\n", d->conf.vips[i].name,
				core_vip_state_to_string(states[k]),
				vi.state == states[k]);
	}
	family(f, "vipd_vip_holder", "gauge",
	       "1 for the VIP's holder (no sample: none).");
	for (unsigned i = 0; i < d->conf.nvips; i++) {
		struct core_vip_info vi;

		if (core_vip_hidden(d->core, i)) /* removed by a reload */
			continue;
		core_vip_get(d->core, i, &vi);
		if (vi.holder)
			fprintf(f, "vipd_vip_holder{vip=\"%s\",node=\"%s\"} "
				   "1\n", d->conf.vips[i].name,
				core_node_name(d->core, vi.holder));
	}
}

static void vip_counters(FILE *f, struct vipd *d)
{
	static const enum core_event_type kinds[] = {
		CORE_EV_CLAIMED, CORE_EV_LIVE, CORE_EV_RELEASED,
		CORE_EV_MOVED, CORE_EV_LOST,
	};
	const struct vipd_metrics *m = d->metrics;

	family(f, "vipd_vip_events_total", "counter",
	       "Ownership events of the VIP, by kind (as every node saw "
	       "them).");
	for (unsigned i = 0; i < d->conf.nvips; i++)
		for (unsigned k = 0; k < 5; k++)
			fprintf(f, "vipd_vip_events_total{vip=\"%s\",event="
				   "\"%s\"} %" PRIu64 "\n",
				d->conf.vips[i].name,
				core_event_to_string(kinds[k]),
				m->events[i * (CORE_EV_MAX + 1) + kinds[k]]);
	family(f, "vipd_vip_announcements_total", "counter",
	       "Announcements (gratuitous ARP, unsolicited NA, unicast to a "
	       "notify peer) sent for the VIP by this node, by reason.");
	for (unsigned i = 0; i < d->conf.nvips; i++)
		for (unsigned r = 0; r <= ANNOUNCE_REASON_MAX; r++)
			fprintf(f, "vipd_vip_announcements_total{vip=\"%s\","
				   "reason=\"%s\"} %" PRIu64 "\n",
				d->conf.vips[i].name,
				announce_reason_to_string(r),
				vipd_announce_count(d, i, r));
}

static char *http_body(void *ud, size_t *len)
{
	return vipd_metrics_text(ud, len);
}

int vipd_metrics_listen(struct vipd *d, char *err, size_t len)
{
	const struct conf *c = &d->conf;
	int r;

	if (!c->metrics_port)
		return 0;
	r = http_new(d->ev, c->metrics_addr.family, c->metrics_addr.addr,
		     c->metrics_port, http_body, d, &d->http);
	if (r < 0)
		snprintf(err, len, "metrics-listen port %u: %s; change "
			 "metrics-listen or free the port",
			 c->metrics_port, strerror(-r));
	return r;
}

char *vipd_metrics_text(struct vipd *d, size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!d->metrics)
		return NULL;
	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	family(f, "vipd_info", "gauge", "This vipd: node and version.");
	fprintf(f, "vipd_info{node=\"%s\",version=\"%s\"} 1\n", d->conf.node,
		VIPD_VERSION);
	node_metrics(f, d);
	peer_metrics(f, d);
	vip_gauges(f, d);
	vip_counters(f, d);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	*ret_len = len;
	return buf;
}
