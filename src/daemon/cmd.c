// SPDX-License-Identifier: MIT
/*
 * Control requests, their answers, status and events as JSON lines.
 * A change request is authorised against the VIP's allow list, checked
 * by the core and sent to the group; its answer comes back through
 * vipd_reply() and goes to the connection that asked, if still there.
 * The reload (SIGHUP or the reload request) is here too.
 */
#define _GNU_SOURCE /* struct ucred */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "control/authz.h"
#include "control/server.h"
#include "daemon/reload.h"
#include "group.h"
#include "log.h"
#include "net/addr.h"
#include "proto/ctl.h"
#include "check.h"
#include "follow.h"
#include "service.h"
#include "session.h"
#include "vipd.h"

static void send_obj(struct vipd *d, uint64_t conn, struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);

	if (ctl_send(d->ctl, conn, s) < 0)
		log_debug("client %llu went away before its answer",
			  (unsigned long long)conn);
	json_object_put(o);
}

static void send_error(struct vipd *d, uint64_t conn, const char *code,
		       const char *reason)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(code));
	json_object_object_add(o, "reason", json_object_new_string(reason));
	send_obj(d, conn, o);
}

static struct json_object *node_or_null(struct vipd *d, uint32_t id)
{
	const char *n = id ? core_node_name(d->core, id) : NULL;

	return n ? json_object_new_string(n) : NULL;
}

static uint64_t wall_ms(struct vipd *d, uint64_t mono_us)
{
	struct timespec ts;
	uint64_t now = vipd_now(d), rt;

	clock_gettime(CLOCK_REALTIME, &ts);
	rt = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	return mono_us && mono_us <= now ? rt - (now - mono_us) / 1000 : rt;
}

static struct json_object *addr_json(const struct conf_addr *a)
{
	char buf[INET6_ADDRSTRLEN + 8];
	size_t n;

	inet_ntop(a->family, a->addr, buf, sizeof(buf));
	n = strlen(buf);
	snprintf(buf + n, sizeof(buf) - n, "/%u", a->prefixlen);
	return json_object_new_string(buf);
}

/* The names of the nodes in mask (1 << conf.nodes index). */
static struct json_object *names_json(struct vipd *d, uint32_t mask)
{
	struct json_object *a = json_object_new_array();

	for (unsigned k = 0; k < d->conf.nnodes; k++)
		if ((mask >> k) & 1u)
			json_object_array_add(a, json_object_new_string(
				d->conf.nodes[k].name));
	return a;
}

static struct json_object *vip_json(struct vipd *d, unsigned i)
{
	const struct conf_vip *v = &d->conf.vips[i];
	struct json_object *o = json_object_new_object();
	struct json_object *addrs = json_object_new_array();
	struct core_vip_info vi;
	int here = d->ifindex[i] > 0;

	core_vip_get(d->core, i, &vi);
	for (unsigned k = 0; k < v->naddrs; k++) {
		json_object_array_add(addrs, addr_json(&v->addrs[k]));
		if (here && addr_present(d->nl, d->ifindex[i],
					 &v->addrs[k]) != 1)
			here = 0;
	}
	json_object_object_add(o, "name", json_object_new_string(v->name));
	json_object_object_add(o, "state", json_object_new_string(
		core_vip_state_to_string(vi.state)));
	json_object_object_add(o, "holder", node_or_null(d, vi.holder));
	json_object_object_add(o, "term", json_object_new_int64(
		(int64_t)vi.term));
	json_object_object_add(o, "since", json_object_new_int64(
		(int64_t)wall_ms(d, vi.since)));
	json_object_object_add(o, "prev", node_or_null(d, vi.prev));
	json_object_object_add(o, "waiter", node_or_null(d, vi.waiter));
	json_object_object_add(o, "live_here", json_object_new_boolean(here));
	json_object_object_add(o, "addresses", addrs);
	json_object_object_add(o, "dev", json_object_new_string(v->dev));
	json_object_object_add(o, "config_differs",
			       names_json(d, vi.differ));
	json_object_object_add(o, "session", vipd_session_json(d, i));
	json_object_object_add(o, "check", vipd_check_json(d, i));
	json_object_object_add(o, "follow", vipd_follow_json(d, i));
	return o;
}

/* Direct hand-offs (handoff-key): datagrams sent, taken (authentic, for
 * this node, from the current ring: handed to the core, which adds a VIP
 * early only if its table agrees) and dropped (see the log). */
static struct json_object *handoffs_json(struct vipd *d)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "enabled",
			       json_object_new_boolean(d->hand_fd >= 0));
	json_object_object_add(o, "sent",
			       json_object_new_int64((int64_t)d->hand_sent));
	json_object_object_add(o, "taken",
			       json_object_new_int64((int64_t)d->hand_taken));
	json_object_object_add(o, "dropped",
			       json_object_new_int64((int64_t)d->hand_bad));
	return o;
}

static struct json_object *node_json(struct vipd *d)
{
	struct json_object *o = json_object_new_object();
	struct json_object *m = json_object_new_array();
	uint32_t ids[CONF_MAX_NODES];
	unsigned n = core_members(d->core, ids, CONF_MAX_NODES);
	struct group_link_stats st;

	group_link_stats(d->link, &st);
	for (unsigned k = 0; k < n; k++)
		json_object_array_add(m, node_or_null(d, ids[k]));
	json_object_object_add(o, "name", json_object_new_string(d->conf.node));
	json_object_object_add(o, "id", json_object_new_int64(d->self_id));
	json_object_object_add(o, "quorate", json_object_new_boolean(
		core_quorate(d->core)));
	json_object_object_add(o, "votequorum", json_object_new_boolean(
		st.quorate));
	json_object_object_add(o, "engine", json_object_new_string(
		st.joined ? "joined" : "connecting"));
	json_object_object_add(o, "synced", json_object_new_boolean(
		core_synced(d->core)));
	/* lease auto is known once corosync was first reached; until then
	 * the core's placeholder (the longest lease) means nothing. */
	json_object_object_add(o, "lease_ms", json_object_new_int64(
		d->conf.lease_ms || st.lease_known ? core_lease_ms(d->core)
						   : 0));
	json_object_object_add(o, "lease_auto", json_object_new_boolean(
		!d->conf.lease_ms));
	json_object_object_add(o, "members", m);
	json_object_object_add(o, "dropped_peer_records", json_object_new_int64(
		(int64_t)st.bad_peer));
	json_object_object_add(o, "handoffs", handoffs_json(d));
	json_object_object_add(o, "sync_waiting_for",
			       names_json(d, core_sync_waiting(d->core)));
	return o;
}

static void do_status(struct vipd *d, uint64_t conn, const char *vip)
{
	struct json_object *o, *vips;
	int only = -1;

	if (*vip) {
		only = core_vip_find(d->core, vip);
		if (only < 0) {
			char why[160];

			snprintf(why, sizeof(why), "no VIP named '%s' in the "
				 "configuration", vip);
			send_error(d, conn, "unknown-vip", why);
			return;
		}
	}
	o = json_object_new_object();
	vips = json_object_new_array();
	for (unsigned i = 0; i < d->conf.nvips; i++)
		if (only < 0 || (unsigned)only == i)
			json_object_array_add(vips, vip_json(d, i));
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "node", node_json(d));
	json_object_object_add(o, "vips", vips);
	send_obj(d, conn, o);
}

static struct vipd_req *req_find(struct vipd *d, uint64_t reqid)
{
	for (unsigned i = 0; i < VIPD_MAX_REQ; i++)
		if (reqid && d->reqs[i].reqid == reqid)
			return &d->reqs[i];
	return NULL;
}

static void req_free(struct vipd_req *r)
{
	r->timer = ev_src_free(r->timer);
	r->reqid = 0;
}

static int on_wait_timeout(struct ev_src *s, uint64_t usec, void *ud)
{
	struct vipd_req *r = ud;
	struct vipd *d = r->d;
	char why[160];

	snprintf(why, sizeof(why), "VIP '%s' did not come free within "
		 "--wait; the claim is withdrawn", d->conf.vips[r->vip].name);
	core_cancel(d->core, d->conf.vips[r->vip].name, r->reqid);
	send_error(d, r->conn, "timeout", why);
	req_free(r);
	return 0;
}

static struct vipd_req *req_new(struct vipd *d, uint64_t conn, unsigned vip)
{
	for (unsigned i = 0; i < VIPD_MAX_REQ; i++) {
		struct vipd_req *r = &d->reqs[i];

		if (r->reqid)
			continue;
		*r = (struct vipd_req){ .reqid = ++d->reqid, .conn = conn,
					.vip = vip, .d = d };
		return r;
	}
	return NULL;
}

static int change(struct vipd *d, struct vipd_req *r,
		  const struct ctl_req *req, char *why, size_t len)
{
	switch (req->cmd) {
	case CTL_CLAIM:
		return core_claim(d->core, req->vip, req->term, req->has_wait,
				  r->reqid, why, len);
	case CTL_RELEASE:
		return core_release(d->core, req->vip, r->reqid, why, len);
	case CTL_MOVE:
		return core_move(d->core, req->vip, req->node, r->reqid, why,
				 len);
	case CTL_STATUS:
	case CTL_WATCH:
	case CTL_RELOAD:
	case CTL_PING:
		break;
	}
	return CORE_E_UNKNOWN_VIP;
}

static void do_change(struct vipd *d, uint64_t conn,
		      const struct ucred *cred, const struct ctl_req *req)
{
	int vip = core_vip_find(d->core, req->vip);
	struct vipd_req *r;
	char why[256];
	int e;

	if (vip < 0) {
		snprintf(why, sizeof(why), "no VIP named '%s' in the "
			 "configuration", req->vip);
		send_error(d, conn, "unknown-vip", why);
		return;
	}
	if (!authz_allowed(&d->conf.vips[vip], cred)) {
		snprintf(why, sizeof(why), "uid %u may not change VIP '%s'; "
			 "add 'allow user NAME' or 'allow group NAME' to its "
			 "block", (unsigned)cred->uid, req->vip);
		send_error(d, conn, "not-allowed", why);
		return;
	}
	r = req_new(d, conn, (unsigned)vip);
	if (!r || (req->cmd == CTL_CLAIM && req->has_session &&
		   vipd_session_open(d, conn, cred->pid, (unsigned)vip,
				     r->reqid, req->session_ms) < 0)) {
		send_error(d, conn, "busy", "too many requests or sessions "
			   "in flight, retry");
		if (r)
			req_free(r);
		return;
	}
	if (req->cmd == CTL_RELEASE)
		vipd_session_drop(d, conn, (unsigned)vip);
	e = change(d, r, req, why, sizeof(why));
	if (e) {
		vipd_session_reply(d, r->reqid, (enum core_err)e, 0);
		send_error(d, conn, core_err_to_string((enum core_err)e), why);
		req_free(r);
		return;
	}
	if (req->cmd == CTL_CLAIM && req->has_wait)
		ev_add_time_relative(d->ev, &r->timer, req->wait_ms * 1000ull,
				     on_wait_timeout, r);
	vipd_schedule(d);
}

/* Root and vipd's own user (systemd's ExecReload runs as the latter)
 * may reload; the answer carries what the log says. */
static void do_reload(struct vipd *d, uint64_t conn, const struct ucred *cred)
{
	struct json_object *o;
	const char *code;
	char msg[512];

	if (cred->uid != 0 && cred->uid != getuid()) {
		snprintf(msg, sizeof(msg), "uid %u may not reload vipd; only "
			 "root and vipd's own user may", (unsigned)cred->uid);
		send_error(d, conn, "not-allowed", msg);
		return;
	}
	if (vipd_reload(d, msg, sizeof(msg), &code) < 0) {
		send_error(d, conn, code, msg);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "reloaded", json_object_new_string(msg));
	send_obj(d, conn, o);
}

void vipd_request(void *ud, uint64_t conn, const struct ucred *cred,
		  const struct ctl_req *req)
{
	struct vipd *d = ud;
	struct json_object *o;

	switch (req->cmd) {
	case CTL_STATUS:
		do_status(d, conn, req->vip);
		break;
	case CTL_WATCH:
		ctl_watch(d->ctl, conn);
		o = json_object_new_object();
		json_object_object_add(o, "ok", json_object_new_boolean(1));
		json_object_object_add(o, "watching",
				       json_object_new_boolean(1));
		send_obj(d, conn, o);
		break;
	case CTL_CLAIM:
	case CTL_RELEASE:
	case CTL_MOVE:
		do_change(d, conn, cred, req);
		break;
	case CTL_RELOAD:
		do_reload(d, conn, cred);
		break;
	case CTL_PING: /* the server consumes keep-alives */
		break;
	}
}

void vipd_conn_closed(void *ud, uint64_t conn)
{
	struct vipd *d = ud;

	vipd_session_closed(d, conn);
	for (unsigned i = 0; i < VIPD_MAX_REQ; i++) {
		struct vipd_req *r = &d->reqs[i];

		if (!r->reqid || r->conn != conn)
			continue;
		if (core_cancel(d->core, d->conf.vips[r->vip].name,
				r->reqid) == 0)
			log_info("VIP '%s': client %llu left; its claim is "
				 "withdrawn", d->conf.vips[r->vip].name,
				 (unsigned long long)conn);
		req_free(r);
	}
	vipd_schedule(d);
}

void vipd_reply(void *ud, uint64_t reqid, enum core_err err, uint64_t term,
		const char *reason)
{
	struct vipd *d = ud;
	struct vipd_req *r = req_find(d, reqid);
	struct core_vip_info vi;
	struct json_object *o;

	vipd_session_reply(d, reqid, err, term);
	vipd_check_reply(d, reqid, err, term);
	if (!r)
		return;
	if (err) {
		send_error(d, r->conn, core_err_to_string(err),
			   reason ? reason : core_err_to_string(err));
		req_free(r);
		return;
	}
	core_vip_get(d->core, r->vip, &vi);
	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "vip", json_object_new_string(
		d->conf.vips[r->vip].name));
	json_object_object_add(o, "holder", node_or_null(d, vi.holder));
	json_object_object_add(o, "term", json_object_new_int64((int64_t)term));
	send_obj(d, r->conn, o);
	req_free(r);
}

void vipd_event(void *ud, const struct core_event *ev)
{
	struct vipd *d = ud;
	struct json_object *o = json_object_new_object();
	const char *vip = ev->vip >= 0 ? d->conf.vips[ev->vip].name : NULL;

	json_object_object_add(o, "event", json_object_new_string(
		core_event_to_string(ev->type)));
	json_object_object_add(o, "vip", vip ? json_object_new_string(vip)
					     : NULL);
	if (ev->type == CORE_EV_QUORUM) {
		json_object_object_add(o, "node", NULL);
		json_object_object_add(o, "quorate",
				       json_object_new_boolean(ev->arg));
	} else {
		json_object_object_add(o, "node", node_or_null(d, ev->node));
	}
	json_object_object_add(o, "prev", node_or_null(d, ev->prev));
	json_object_object_add(o, "term", json_object_new_int64(
		(int64_t)ev->term));
	json_object_object_add(o, "why", json_object_new_string(
		ev->why ? ev->why : ""));
	json_object_object_add(o, "time", json_object_new_int64(
		(int64_t)wall_ms(d, 0)));
	log_info("event %s", json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN));
	if (ev->vip >= 0) {
		vipd_session_check(d, (unsigned)ev->vip);
		vipd_check_act(d, (unsigned)ev->vip);
	}
	if (ev->type == CORE_EV_CONFIG && ev->arg)
		log_warn("VIP '%s' is defined otherwise or not at all in the "
			 "vipd.conf of member '%s': claims, moves and "
			 "take-overs of it are refused until the files agree",
			 vip, core_node_name(d->core, ev->node));
	else if (ev->type == CORE_EV_CONFIG)
		log_notice("VIP '%s': every member defines it the same again",
			   vip);
	if (d->ctl)
		ctl_broadcast(d->ctl, json_object_to_json_string_ext(
			o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

/* Logs each line the parser wrote to buf (file:line:col: message) and
 * joins them with "; " into msg. */
static void log_lines(char *buf, char *msg, size_t len)
{
	char *save = NULL;
	size_t n = 0;

	msg[0] = '\0';
	for (char *l = strtok_r(buf, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		log_err("%s", l);
		if (n < len)
			n += (size_t)snprintf(msg + n, len - n, "%s%s",
					      n ? "; " : "", l);
	}
}

int vipd_reload(struct vipd *d, char *msg, size_t len, const char **code)
{
	static const char *const keep =
		"vipd runs on with the configuration it had";
	char why[512], *errs = NULL;
	size_t errs_len = 0;
	unsigned changed = 0;
	FILE *f = open_memstream(&errs, &errs_len);
	int r;

	*code = "bad-config";
	service_reloading(d);
	r = conf_reload(&d->conf, d->conf_path, f, &changed, why,
			sizeof(why));
	if (f)
		fclose(f);
	if (r == -EINVAL && why[0]) {
		*code = "reload-refused";
		snprintf(msg, len, "%s: %s", d->conf_path, why);
		log_err("reload of %s refused: %s; %s", d->conf_path, why,
			keep);
	} else if (r == -EINVAL) {
		if (errs)
			log_lines(errs, msg, len);
		else
			snprintf(msg, len, "%s is not valid", d->conf_path);
		log_err("reload of %s: the file is not valid (see above); %s",
			d->conf_path, keep);
	} else if (r < 0) {
		snprintf(msg, len, "%s: %s", d->conf_path, strerror(-r));
		log_errno(r, "reload of %s: cannot read it; %s", d->conf_path,
			  keep);
	} else if (!changed) {
		snprintf(msg, len, "nothing changed");
		log_notice("reloaded %s: nothing changed", d->conf_path);
	} else {
		snprintf(why, sizeof(why), "%s%s%s",
			 changed & CONF_CHANGED_ALLOW ? ", allow lists" : "",
			 changed & CONF_CHANGED_ANNOUNCE ? ", announce" : "",
			 changed & CONF_CHANGED_NOTIFY ? ", notify" : "");
		snprintf(msg, len, "took the new %s", why + 2);
		log_notice("reloaded %s: %s", d->conf_path, msg);
	}
	free(errs);
	service_reloaded(d);
	return r;
}
