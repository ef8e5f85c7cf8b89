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
#include "events.h"
#include "metrics.h"
#include "status.h"
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

static void send_error(struct vipd *d, enum ctl_cmd cmd, uint64_t conn,
		       const char *code, const char *reason)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(code));
	json_object_object_add(o, "reason", json_object_new_string(reason));
	vipd_metrics_request(d, cmd, code);
	send_obj(d, conn, o);
}

/* A claim, release or move of vip refused: a decision (log_decision). */
static void log_refused(struct vipd *d, enum ctl_cmd cmd, unsigned vip,
			uint64_t term, const char *code, const char *why)
{
	struct log_fields lf = { d->conf.vips[vip].name,
				 core_node_name(d->core, d->self_id), term,
				 code };

	log_decision(LOG_NOTICE, LOG_MSG_REFUSED, &lf, "VIP '%s': %s refused: "
		     "%s", lf.vip, ctl_cmd_to_string(cmd), why);
}

static void do_status(struct vipd *d, uint64_t conn, const char *vip)
{
	int only = -1;

	if (*vip) {
		only = core_vip_find(d->core, vip);
		if (only < 0) {
			char why[160];

			snprintf(why, sizeof(why), "no VIP named '%s' in the "
				 "configuration", vip);
			send_error(d, CTL_STATUS, conn, "unknown-vip", why);
			return;
		}
	}
	vipd_metrics_request(d, CTL_STATUS, NULL);
	send_obj(d, conn, vipd_status_json(d, only));
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
	send_error(d, CTL_CLAIM, r->conn, "timeout", why);
	req_free(r);
	return 0;
}

static struct vipd_req *req_new(struct vipd *d, uint64_t conn,
				enum ctl_cmd cmd, unsigned vip)
{
	for (unsigned i = 0; i < VIPD_MAX_REQ; i++) {
		struct vipd_req *r = &d->reqs[i];

		if (r->reqid)
			continue;
		*r = (struct vipd_req){ .reqid = ++d->reqid, .conn = conn,
					.cmd = cmd, .vip = vip, .d = d };
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
	case CTL_METRICS:
	case CTL_REBALANCE:
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
		send_error(d, req->cmd, conn, "unknown-vip", why);
		return;
	}
	if (!authz_allowed(&d->conf.vips[vip], cred)) {
		snprintf(why, sizeof(why), "uid %u may not change VIP '%s'; "
			 "add 'allow user NAME' or 'allow group NAME' to its "
			 "block", (unsigned)cred->uid, req->vip);
		send_error(d, req->cmd, conn, "not-allowed", why);
		return;
	}
	r = req_new(d, conn, req->cmd, (unsigned)vip);
	if (!r || (req->cmd == CTL_CLAIM && req->has_session &&
		   vipd_session_open(d, conn, cred->pid, (unsigned)vip,
				     r->reqid, req->session_ms) < 0)) {
		send_error(d, req->cmd, conn, "busy", "too many requests or sessions "
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
		log_refused(d, req->cmd, (unsigned)vip, req->term,
			    core_err_to_string((enum core_err)e), why);
		send_error(d, req->cmd, conn,
			   core_err_to_string((enum core_err)e), why);
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
		send_error(d, CTL_RELOAD, conn, "not-allowed", msg);
		return;
	}
	if (vipd_reload(d, msg, sizeof(msg), &code) < 0) {
		send_error(d, CTL_RELOAD, conn, code, msg);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "reloaded", json_object_new_string(msg));
	vipd_metrics_request(d, CTL_RELOAD, NULL);
	send_obj(d, conn, o);
}

/* Root and vipd's own user may rebalance a pool; the answer comes once
 * the request is sent, the moves follow in the group's order. */
static void do_rebalance(struct vipd *d, uint64_t conn,
			 const struct ucred *cred, const char *pool)
{
	struct json_object *o;
	char why[160];
	int e;

	if (cred->uid != 0 && cred->uid != getuid()) {
		snprintf(why, sizeof(why), "uid %u may not rebalance pools; "
			 "only root and vipd's own user may",
			 (unsigned)cred->uid);
		send_error(d, CTL_REBALANCE, conn, "not-allowed", why);
		return;
	}
	e = core_rebalance(d->core, pool, why, sizeof(why));
	if (e) {
		send_error(d, CTL_REBALANCE, conn,
			   core_err_to_string((enum core_err)e), why);
		return;
	}
	log_notice("pool '%s': rebalance requested", pool);
	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "pool", json_object_new_string(pool));
	vipd_metrics_request(d, CTL_REBALANCE, NULL);
	send_obj(d, conn, o);
	vipd_schedule(d);
}

/* {"ok":true,"metrics":"<Prometheus text>"}: vipctl prints the text. */
static void do_metrics(struct vipd *d, uint64_t conn)
{
	struct json_object *o;
	size_t len = 0;
	char *text;

	vipd_metrics_request(d, CTL_METRICS, NULL);
	text = vipd_metrics_text(d, &len);
	if (!text) {
		send_error(d, CTL_METRICS, conn, "busy", "out of memory, retry");
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "metrics",
			       json_object_new_string_len(text, (int)len));
	free(text);
	send_obj(d, conn, o);
}

void vipd_request(void *ud, uint64_t conn, const struct ucred *cred,
		  const struct ctl_req *req)
{
	struct vipd *d = ud;

	switch (req->cmd) {
	case CTL_STATUS:
		do_status(d, conn, req->vip);
		break;
	case CTL_WATCH:
		vipd_metrics_request(d, CTL_WATCH, NULL);
		vipd_events_watch(d, conn, req);
		break;
	case CTL_METRICS:
		do_metrics(d, conn);
		break;
	case CTL_CLAIM:
	case CTL_RELEASE:
	case CTL_MOVE:
		do_change(d, conn, cred, req);
		break;
	case CTL_RELOAD:
		do_reload(d, conn, cred);
		break;
	case CTL_REBALANCE:
		do_rebalance(d, conn, cred, req->vip);
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
		log_refused(d, r->cmd, r->vip, term, core_err_to_string(err),
			    reason ? reason : "");
		send_error(d, r->cmd, r->conn, core_err_to_string(err),
			   reason ? reason : core_err_to_string(err));
		req_free(r);
		return;
	}
	core_vip_get(d->core, r->vip, &vi);
	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "vip", json_object_new_string(
		d->conf.vips[r->vip].name));
	json_object_object_add(o, "holder", vipd_node_json(d, vi.holder));
	json_object_object_add(o, "term", json_object_new_int64((int64_t)term));
	vipd_metrics_request(d, r->cmd, NULL);
	send_obj(d, r->conn, o);
	req_free(r);
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
	r = conf_reload(&d->conf, d->conf_path, f, d->held, &changed, why,
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
		if (changed & CONF_CHANGED_VIPS)
			vipd_reconf(d);
		snprintf(why, sizeof(why), "%s%s%s%s",
			 changed & CONF_CHANGED_VIPS ? ", VIPs" : "",
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
