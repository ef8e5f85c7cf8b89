// SPDX-License-Identifier: MIT
/*
 * libvip's session claims: the request connection carries the session
 * (claim --session), its keep-alives (`ping`, never answered) and, from
 * vipd, at most one line saying why the session ended before the
 * connection closes.  Never blocks outside vip_session_claim() and
 * vip_session_end().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/client.h"

/* vipd's last word on a session it ended, into last_error. */
static void ended(struct vip_client *c, const char *line)
{
	struct json_object *o = line ? json_tokener_parse(line) : NULL;
	struct json_object *why = NULL;

	if (o && json_object_object_get_ex(o, "why", &why) &&
	    json_object_is_type(why, json_type_string))
		error_msg(c, "session-ended: %s", json_object_get_string(why));
	else
		error_msg(c, "session-ended: vipd closed the connection");
	json_object_put(o);
	conn_reset(c);
	c->session[0] = '\0';
}

VIP_PUBLIC int vip_session_claim(struct vip_client *c, const char *vip,
				 uint64_t term, uint32_t keepalive_ms,
				 int wait_ms, uint64_t *ret_term)
{
	struct ctl_req req = {.cmd = CTL_CLAIM, .has_session = 1};
	struct reply rep;
	int r;

	if (!c || !vip || strlen(vip) >= sizeof(req.vip) ||
	    keepalive_ms > CTL_WAIT_MAX_MS)
		return -EINVAL;
	strcpy(req.vip, vip);
	req.term = term;
	req.has_term = term != 0;
	req.session_ms = keepalive_ms;
	req.has_wait = 1;
	req.wait_ms = wait_ms < 0 || wait_ms > CTL_WAIT_MAX_MS
			      ? CTL_WAIT_MAX_MS
			      : (uint32_t)wait_ms;
	r = request(c, &req, (int)req.wait_ms + VIP_GRACE_MS, &rep, NULL);
	if (r < 0)
		return r;
	snprintf(c->session, sizeof(c->session), "%s", vip);
	if (ret_term)
		*ret_term = rep.term;
	return 0;
}

VIP_PUBLIC int vip_session_fd(const struct vip_client *c)
{
	return c && c->session[0] && c->fd >= 0 ? c->fd : -ENOTCONN;
}

/* 1 (and the session forgotten) if vipd has ended it, else 0. */
static int session_over(struct vip_client *c)
{
	char *line;
	int r = buf_fill(&c->rbuf, c->fd);

	if (r < 0 && r != -EAGAIN) {
		ended(c, NULL);
		return 1;
	}
	line = buf_take_line(&c->rbuf, &r);
	if (!line && r == 0)
		return 0;
	ended(c, line);
	free(line);
	return 1;
}

VIP_PUBLIC int vip_session_keepalive(struct vip_client *c)
{
	if (!c || !c->session[0] || c->fd < 0)
		return -ENOTCONN;
	if (session_over(c))
		return -ECONNRESET;
	if (write_all(c->fd, "ping\n", 5, deadline_of(1000)) < 0) {
		ended(c, NULL);
		return -ECONNRESET;
	}
	return 0;
}

VIP_PUBLIC int vip_session_end(struct vip_client *c, int timeout_ms)
{
	char vip[VIP_NAME_MAX];

	if (!c || !c->session[0] || c->fd < 0)
		return -ENOTCONN;
	if (session_over(c))
		return -ECONNRESET;
	snprintf(vip, sizeof(vip), "%s", c->session);
	c->session[0] = '\0';
	return vip_release(c, vip, timeout_ms);
}
