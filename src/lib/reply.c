// SPDX-License-Identifier: MIT
/*
 * Parsing of vipd's JSON lines (replies, status, events) with json-c. Every
 * member is type-checked and every copy bounded; anything unexpected makes
 * the whole line -EBADMSG rather than half a result. Never logs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/reply.h"

#define REPLY_DEPTH 8 /* nesting of the deepest reply (status) is 4 */

enum { OPT = 0, REQ = 1, TRUNC = 2 };

static const struct {
	const char *code;
	int err;
} reply_errors[] = {
	{"bad-request", EINVAL},   {"unknown-vip", ENOENT},
	{"unknown-node", ENOENT},  {"not-eligible", EADDRNOTAVAIL},
	{"no-quorum", ENOLINK},	   {"stale-term", ESTALE},
	{"held", EBUSY},	   {"not-member", EHOSTDOWN},
	{"not-joined", ENONET},	   {"actuator", EIO},
	{"superseded", ECANCELED}, {"lost", EOWNERDEAD},
	{"cancelled", EINTR},	   {"not-allowed", EPERM},
	{"timeout", ETIMEDOUT},	   {"busy", EAGAIN},
	{"bad-config", EINVAL},	   {"reload-refused", EOPNOTSUPP},
	{"config-mismatch", ENOTUNIQ}, {"handing-over", EAGAIN},
};

static const char *const event_name[] = {
	[VIP_EVENT_UNKNOWN] = "",      [VIP_EVENT_CLAIMED] = "claimed",
	[VIP_EVENT_LIVE] = "live",     [VIP_EVENT_RELEASED] = "released",
	[VIP_EVENT_MOVED] = "moved",   [VIP_EVENT_LOST] = "lost",
	[VIP_EVENT_JOINED] = "joined", [VIP_EVENT_LEFT] = "left",
	[VIP_EVENT_QUORUM] = "quorum", [VIP_EVENT_OVERFLOW] = "overflow",
	[VIP_EVENT_CONFIG] = "config", [VIP_EVENT_SNAPSHOT] = "snapshot",
	[VIP_EVENT_RESET] = "reset",
};

int reply_errno(const char *code)
{
	size_t i;

	for (i = 0; code && i < sizeof(reply_errors) / sizeof(reply_errors[0]);
	     i++)
		if (strcmp(code, reply_errors[i].code) == 0)
			return -reply_errors[i].err;
	return -EPROTO;
}

/* Parses exactly one JSON object filling the line (minus one '\n'). */
static struct json_object *parse_object(const char *line, size_t len)
{
	struct json_tokener *tok;
	struct json_object *o;

	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len == 0 || len > REPLY_LINE_MAX || memchr(line, 0, len))
		return NULL;
	tok = json_tokener_new_ex(REPLY_DEPTH);
	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, line, (int)len);
	if (o && (json_tokener_get_error(tok) != json_tokener_success ||
		  json_tokener_get_parse_end(tok) != len ||
		  !json_object_is_type(o, json_type_object))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* A string member into buf; absent or null gives "". */
static int get_str(struct json_object *o, const char *key, char *buf,
		   size_t len, int flags)
{
	struct json_object *v;
	size_t n;

	buf[0] = '\0';
	if (!json_object_object_get_ex(o, key, &v) || !v)
		return (flags & REQ) ? -EBADMSG : 0;
	if (!json_object_is_type(v, json_type_string))
		return -EBADMSG;
	n = (size_t)json_object_get_string_len(v);
	if (strlen(json_object_get_string(v)) != n)
		return -EBADMSG;
	if (n >= len && !(flags & TRUNC))
		return -EBADMSG;
	if (n >= len)
		n = len - 1;
	memcpy(buf, json_object_get_string(v), n);
	buf[n] = '\0';
	return 0;
}

static int get_u64(struct json_object *o, const char *key, uint64_t *ret,
		   int flags)
{
	struct json_object *v;
	int64_t x;

	*ret = 0;
	if (!json_object_object_get_ex(o, key, &v) || !v)
		return (flags & REQ) ? -EBADMSG : 0;
	if (!json_object_is_type(v, json_type_int))
		return -EBADMSG;
	x = json_object_get_int64(v);
	if (x < 0)
		return -EBADMSG;
	*ret = (uint64_t)x;
	return 0;
}

/* A boolean member: 1 or 0; absent or null gives dflt. */
static int get_bool(struct json_object *o, const char *key, int *ret, int dflt)
{
	struct json_object *v;

	*ret = dflt;
	if (!json_object_object_get_ex(o, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return -EBADMSG;
	*ret = json_object_get_boolean(v) ? 1 : 0;
	return 0;
}

int reply_parse(const char *line, size_t len, struct reply *ret)
{
	struct json_object *o = parse_object(line, len);
	struct reply r;
	int k, has_ok;

	if (!o)
		return -EBADMSG;
	memset(&r, 0, sizeof(r));
	k = get_bool(o, "ok", &has_ok, -1);
	r.ok = has_ok == 1;
	if (k == 0 && has_ok == -1)
		k = -EBADMSG;
	if (k == 0)
		k = get_str(o, "error", r.error, sizeof(r.error),
			    r.ok ? TRUNC : REQ | TRUNC);
	if (k == 0)
		k = get_str(o, "reason", r.reason, sizeof(r.reason), TRUNC);
	if (k == 0)
		k = get_str(o, "vip", r.vip, sizeof(r.vip), OPT);
	if (k == 0)
		k = get_str(o, "holder", r.holder, sizeof(r.holder), OPT);
	if (k == 0)
		k = get_u64(o, "term", &r.term, OPT);
	r.has_term = json_object_object_get_ex(o, "term", NULL);
	if (k == 0)
		k = get_bool(o, "watching", &r.watching, 0);
	json_object_put(o);
	if (k == 0)
		*ret = r;
	return k;
}

/* An array of strings (absent or null: none) into a NULL-ended copy. */
static int get_str_array(struct json_object *o, const char *key, char ***ret,
			 size_t *ret_n)
{
	struct json_object *a, *v;
	size_t n, i;
	char **s;

	*ret = NULL;
	*ret_n = 0;
	if (!json_object_object_get_ex(o, key, &a) || !a)
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return -EBADMSG;
	n = json_object_array_length(a);
	s = calloc(n + 1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	*ret = s;
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(a, i);
		if (!v || !json_object_is_type(v, json_type_string))
			return -EBADMSG;
		s[i] = strdup(json_object_get_string(v));
		if (!s[i])
			return -ENOMEM;
		*ret_n = i + 1;
	}
	return 0;
}

static void free_str_array(char **s)
{
	size_t i;

	for (i = 0; s && s[i]; i++)
		free(s[i]);
	free(s);
}

static int parse_node(struct json_object *o, struct vip_node_status *n)
{
	uint64_t u = 0;
	int k;

	if (!o || !json_object_is_type(o, json_type_object))
		return -EBADMSG;
	k = get_str(o, "name", n->name, sizeof(n->name), REQ);
	if (k == 0)
		k = get_u64(o, "id", &u, OPT);
	n->id = u > UINT32_MAX ? 0 : (uint32_t)u;
	if (k == 0)
		k = get_bool(o, "quorate", &n->quorate, 0);
	if (k == 0)
		k = get_str(o, "engine", n->engine, sizeof(n->engine), TRUNC);
	if (k == 0)
		k = get_bool(o, "synced", &n->synced, 0);
	if (k == 0)
		k = get_u64(o, "lease_ms", &u, OPT);
	n->lease_ms = u > UINT32_MAX ? UINT32_MAX : (uint32_t)u;
	if (k == 0)
		k = get_str_array(o, "members", &n->members, &n->n_members);
	return k;
}

static int parse_vip(struct json_object *o, struct vip_vip_status *v)
{
	int k;

	if (!o || !json_object_is_type(o, json_type_object))
		return -EBADMSG;
	k = get_str(o, "name", v->name, sizeof(v->name), REQ);
	if (k == 0)
		k = get_str(o, "state", v->state, sizeof(v->state),
			    REQ | TRUNC);
	if (k == 0)
		k = get_str(o, "holder", v->holder, sizeof(v->holder), OPT);
	if (k == 0)
		k = get_u64(o, "term", &v->term, OPT);
	if (k == 0)
		k = get_u64(o, "since", &v->since_ms, OPT);
	if (k == 0)
		k = get_str(o, "prev", v->prev, sizeof(v->prev), OPT);
	if (k == 0)
		k = get_str(o, "waiter", v->waiter, sizeof(v->waiter), OPT);
	if (k == 0)
		k = get_bool(o, "live_here", &v->live_here, 0);
	if (k == 0)
		k = get_str(o, "dev", v->dev, sizeof(v->dev), TRUNC);
	if (k == 0)
		k = get_str_array(o, "addresses", &v->addresses,
				  &v->n_addresses);
	return k;
}

/* What status carries beyond struct vip_status, which is ABI: the
 * public struct comes first, vip_status_free() frees the whole. */
struct status_ext {
	struct vip_status pub;
	char ***differs;  /* per VIP: config_differs, NULL-ended */
	size_t *n_differs;
	char **waiting;   /* node: sync_waiting_for, NULL-ended */
	size_t n_waiting;
	char (*driver)[128]; /* per VIP: session, check or follow, or "" */
};

static struct status_ext *ext_of(const struct vip_status *s)
{
	return (struct status_ext *)(uintptr_t)s;
}

/* One line on what drives the VIP here: a session, a check, a group. */
static int parse_driver(struct json_object *v, char *buf, size_t len)
{
	char last[64] = "", group[VIP_NAME_MAX] = "", state[16] = "";
	uint64_t a = 0, b = 0;
	struct json_object *d;
	int k = 0;

	buf[0] = '\0';
	if (json_object_object_get_ex(v, "session", &d) && d) {
		k = get_u64(d, "pid", &a, REQ);
		if (k == 0)
			k = get_u64(d, "keepalive_ms", &b, OPT);
		snprintf(buf, len, "session of pid %llu, keep-alive %llu ms",
			 (unsigned long long)a, (unsigned long long)b);
	} else if (json_object_object_get_ex(v, "check", &d) && d) {
		k = get_str(d, "state", state, sizeof(state), REQ | TRUNC);
		if (k == 0)
			k = get_u64(d, "runs", &a, OPT);
		if (k == 0)
			k = get_str(d, "last", last, sizeof(last), TRUNC);
		snprintf(buf, len, "check %s (%llu runs, last: %s)", state,
			 (unsigned long long)a, last);
	} else if (json_object_object_get_ex(v, "follow", &d) && d) {
		k = get_str(d, "group", group, sizeof(group), REQ);
		if (k == 0)
			k = get_u64(d, "members_here", &a, OPT);
		snprintf(buf, len, "follows group %s: %llu member%s here",
			 group, (unsigned long long)a, a == 1 ? "" : "s");
	}
	return k;
}

static int parse_vips(struct json_object *o, struct status_ext *x)
{
	struct vip_status *s = &x->pub;
	struct json_object *a, *v;
	size_t i, n;
	int k;

	if (!json_object_object_get_ex(o, "vips", &a) || !a)
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return -EBADMSG;
	n = json_object_array_length(a);
	s->vips = calloc(n ? n : 1, sizeof(*s->vips));
	x->differs = calloc(n ? n : 1, sizeof(*x->differs));
	x->n_differs = calloc(n ? n : 1, sizeof(*x->n_differs));
	x->driver = calloc(n ? n : 1, sizeof(*x->driver));
	if (!s->vips || !x->differs || !x->n_differs || !x->driver)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		s->n_vips = i + 1; /* so vip_status_free() sees partial ones */
		v = json_object_array_get_idx(a, i);
		k = parse_vip(v, &s->vips[i]);
		if (k == 0)
			k = get_str_array(v, "config_differs", &x->differs[i],
					  &x->n_differs[i]);
		if (k == 0)
			k = parse_driver(v, x->driver[i], sizeof(x->driver[i]));
		if (k < 0)
			return k;
	}
	return 0;
}

int reply_parse_status(const char *line, size_t len, struct vip_status **ret)
{
	struct json_object *o = parse_object(line, len), *node;
	struct status_ext *x;
	struct vip_status *s;
	int ok, k;

	if (!o)
		return -EBADMSG;
	x = calloc(1, sizeof(*x));
	if (!x) {
		json_object_put(o);
		return -ENOMEM;
	}
	s = &x->pub;
	k = get_bool(o, "ok", &ok, 0);
	if (k == 0 && !ok)
		k = -EBADMSG;
	if (k == 0 && !json_object_object_get_ex(o, "node", &node))
		k = -EBADMSG;
	if (k == 0)
		k = parse_node(node, &s->node);
	if (k == 0)
		k = get_str_array(node, "sync_waiting_for", &x->waiting,
				  &x->n_waiting);
	if (k == 0)
		k = parse_vips(o, x);
	json_object_put(o);
	if (k < 0) {
		vip_status_free(s);
		return k;
	}
	*ret = s;
	return 0;
}

VIP_PUBLIC void vip_status_free(struct vip_status *s)
{
	struct status_ext *x = ext_of(s);
	size_t i;

	if (!s)
		return;
	free_str_array(s->node.members);
	for (i = 0; i < s->n_vips; i++) {
		free_str_array(s->vips[i].addresses);
		if (x->differs)
			free_str_array(x->differs[i]);
	}
	free(x->differs);
	free(x->n_differs);
	free(x->driver);
	free_str_array(x->waiting);
	free(s->vips);
	free(x);
}

static const char *const none[] = { NULL };

VIP_PUBLIC const char *const *vip_status_config_differs(
	const struct vip_status *s, size_t vip, size_t *n)
{
	const struct status_ext *x = ext_of(s);

	*n = 0;
	if (!s || vip >= s->n_vips || !x->differs || !x->differs[vip])
		return none;
	*n = x->n_differs[vip];
	return (const char *const *)x->differs[vip];
}

VIP_PUBLIC const char *vip_status_driver(const struct vip_status *s,
					 size_t vip)
{
	const struct status_ext *x = ext_of(s);

	if (!s || vip >= s->n_vips || !x->driver)
		return "";
	return x->driver[vip];
}

VIP_PUBLIC const char *const *vip_status_sync_waiting(
	const struct vip_status *s, size_t *n)
{
	const struct status_ext *x = ext_of(s);

	*n = 0;
	if (!s || !x->waiting)
		return none;
	*n = x->n_waiting;
	return (const char *const *)x->waiting;
}

static enum vip_event_type event_type(const char *name)
{
	size_t i;

	for (i = 1; i < sizeof(event_name) / sizeof(event_name[0]); i++)
		if (strcmp(name, event_name[i]) == 0)
			return (enum vip_event_type)i;
	return VIP_EVENT_UNKNOWN;
}

int reply_parse_event(const char *line, size_t len, struct vip_event *ret)
{
	struct json_object *o = parse_object(line, len);
	struct vip_event e;
	int k;

	if (!o)
		return -EBADMSG;
	memset(&e, 0, sizeof(e));
	e.json = ret->json;
	k = get_str(o, "event", e.type_name, sizeof(e.type_name), REQ | TRUNC);
	e.type = event_type(e.type_name);
	if (k == 0)
		k = get_str(o, "vip", e.vip, sizeof(e.vip), OPT);
	if (k == 0)
		k = get_str(o, "node", e.node, sizeof(e.node), OPT);
	if (k == 0)
		k = get_str(o, "prev", e.prev, sizeof(e.prev), OPT);
	if (k == 0)
		k = get_u64(o, "term", &e.term, OPT);
	if (k == 0)
		k = get_bool(o, "quorate", &e.quorate, -1);
	if (k == 0)
		k = get_str(o, "why", e.why, sizeof(e.why), TRUNC);
	if (k == 0)
		k = get_u64(o, "time", &e.time_ms, OPT);
	json_object_put(o);
	if (k == 0)
		*ret = e;
	return k;
}

int reply_event_position(const char *line, size_t len, uint64_t *seq,
			 char *inc, size_t ilen)
{
	struct json_object *o = parse_object(line, len);
	char i[24] = "";
	uint64_t s = 0;
	int k;

	if (!o)
		return -EBADMSG;
	k = get_u64(o, "seq", &s, OPT);
	if (k == 0)
		k = get_str(o, "incarnation", i, sizeof(i), OPT);
	json_object_put(o);
	if (k < 0)
		return k;
	if (strlen(i) != 16 || ilen < 17)
		return -ENOENT;
	*seq = s;
	memcpy(inc, i, 17);
	return 0;
}

int reply_parse_text(const char *line, size_t len, const char *key,
		     char **ret)
{
	struct json_object *o = parse_object(line, len), *v;
	const char *t;
	int r = -EBADMSG;

	*ret = NULL;
	if (!o)
		return -EBADMSG;
	if (json_object_object_get_ex(o, key, &v) && v &&
	    json_object_is_type(v, json_type_string)) {
		t = json_object_get_string(v);
		if (strlen(t) == (size_t)json_object_get_string_len(v)) {
			*ret = strdup(t);
			r = *ret ? 0 : -ENOMEM;
		}
	}
	json_object_put(o);
	return r;
}
