// SPDX-License-Identifier: MIT
/*
 * The blocks of vipd.conf: cluster { node NAME id N ... } and
 * vip NAME { ... }. Node names are resolved as they are read, so the
 * cluster block must come first; addresses are collected for the
 * overlap check in conf_load.c. Allocates only c->vips and the address list.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon/conf_priv.h"
#include "fault/fault.h"

/* Per-vip parse state: which single statements were seen, and where. */
struct vip_state {
	struct conf_vip *v;
	unsigned idx;	     /* in c->vips, or CONF_MAX_VIPS for scratch */
	unsigned given;	     /* bit per keyword */
	struct conf_pos pos; /* of the vip name */
	struct conf_pos policy_pos;
	struct conf_pos check_pos;
};

static void add_node(struct conf_parser *p, const struct conf_pos *pos,
		     const char *name, uint32_t id,
		     const struct conf_addr *addr)
{
	struct conf *c = p->c;
	int i = conf_node_index(c, name);
	unsigned j;

	if (i >= 0) {
		conf_perr(p, pos,
			  "node '%s' is already defined at line %u, "
			  "rename one",
			  name, p->nodes_pos[i].line);
		return;
	}
	for (j = 0; j < c->nnodes; j++) {
		if (c->nodes[j].id == id) {
			conf_perr(p, pos,
				  "node id %u is already used by node "
				  "'%s', use another id",
				  id, c->nodes[j].name);
			return;
		}
	}
	if (c->nnodes == CONF_MAX_NODES) {
		conf_perr(p, pos, "too many nodes, use at most %d",
			  CONF_MAX_NODES);
		return;
	}
	memcpy(c->nodes[c->nnodes].name, name, CONF_NAME_MAX);
	c->nodes[c->nnodes].id = id;
	c->nodes[c->nnodes].addr = *addr;
	p->nodes_pos[c->nnodes++] = *pos;
}

/* The address a node takes direct hand-offs on: one host address, no
 * prefix, neither unspecified nor multicast. */
static bool node_address(struct conf_parser *p, const struct conf_tok *t,
			 struct conf_addr *ret)
{
	static const uint8_t any[16];
	struct conf_addr a;

	if (strchr(t->text, '/') || conf_parse_addr(t->text, &a) < 0) {
		conf_bad_value(p, t, "an IPv4 or IPv6 host address without "
				     "a prefix");
		return false;
	}
	if (!memcmp(a.addr, any, a.family == AF_INET ? 4 : 16) ||
	    (a.family == AF_INET && a.addr[0] >= 224) ||
	    (a.family == AF_INET6 && a.addr[0] == 0xff)) {
		conf_bad_value(p, t, "a unicast host address");
		return false;
	}
	*ret = a;
	return true;
}

static void stmt_node(struct conf_parser *p)
{
	struct conf_addr addr = { 0 };
	char name[CONF_NAME_MAX] = "";
	const struct conf_tok *t;
	struct conf_pos pos;
	bool ok;
	uint32_t id = 0;

	conf_next(p);
	t = conf_value(p, "a node name");
	if (!t)
		return;
	pos = t->pos;
	ok = conf_take_name(p, t, "node name", name);
	conf_next(p);
	if (!conf_is_kw(p, CONF_KW_ID)) {
		conf_expected(p, "'id'");
		return;
	}
	conf_next(p);
	t = conf_value(p, "a node id");
	if (!t)
		return;
	if (conf_parse_u32(t->text, &id) == 0 && id == 0) {
		conf_perr(p, &t->pos, "node id 0 is reserved, use 1 or more");
		ok = false;
	} else if (!conf_take_number(p, t, 1, UINT32_MAX, &id)) {
		ok = false;
	}
	conf_next(p);
	if (conf_is_kw(p, CONF_KW_ADDRESS)) {
		conf_next(p);
		t = conf_value(p, "the node's address like 192.0.2.1");
		if (!t)
			return;
		if (!node_address(p, t, &addr))
			ok = false;
		conf_next(p);
	}
	conf_end_stmt(p);
	if (ok)
		add_node(p, &pos, name, id, &addr);
}

void conf_stmt_cluster(struct conf_parser *p)
{
	struct conf_pos pos = p->tok.pos;

	if (p->have_cluster)
		conf_perr(p, &pos,
			  "second cluster block, merge it into the "
			  "first");
	else if (p->c->nvips)
		conf_perr(p, &pos,
			  "cluster block after vip '%s', move it "
			  "above the vips",
			  p->c->vips[0].name);
	if (!p->have_cluster)
		p->cluster_pos = pos;
	p->have_cluster = true;
	conf_next(p);
	if (!conf_open_block(p))
		return;
	while (p->tok.type != CONF_TOK_RBRACE && p->tok.type != CONF_TOK_EOF) {
		if (p->tok.type == CONF_TOK_EOL)
			conf_next(p);
		else if (conf_is_kw(p, CONF_KW_NODE))
			stmt_node(p);
		else
			conf_expected(p, "'node NAME id N [address ADDR]' "
					 "or '}'");
	}
	conf_close_block(p);
}

/* Returns the index of the node named by t, or -1 after saying why. */
static int find_node(struct conf_parser *p, const struct conf_tok *t)
{
	char name[CONF_NAME_MAX];
	int i;

	if (!conf_take_name(p, t, "node name", name))
		return -1;
	i = conf_node_index(p->c, name);
	if (i < 0 && p->have_cluster)
		conf_perr(p, &t->pos,
			  "node '%s' is not in the cluster block, "
			  "add 'node %s id N' to cluster { }",
			  name, name);
	return i;
}

/* Reads NAME... to the end of the line into *mask and, if list, list[]. */
static void node_list(struct conf_parser *p, uint32_t *mask, uint8_t *list,
		      unsigned *n)
{
	const struct conf_tok *t;

	*mask = 0;
	if (!conf_value(p, "a node name"))
		return;
	while ((t = conf_value(p, "a node name or end of line"))) {
		int i = find_node(p, t);

		if (i >= 0 && (*mask & (1U << i)))
			conf_perr(p, &t->pos,
				  "node '%s' is listed twice, keep "
				  "one",
				  t->text);
		else if (i >= 0 && list)
			list[(*n)++] = (uint8_t)i;
		if (i >= 0)
			*mask |= 1U << i;
		conf_next(p);
		if (p->tok.type == CONF_TOK_EOL ||
		    p->tok.type == CONF_TOK_EOF ||
		    p->tok.type == CONF_TOK_RBRACE) {
			conf_end_stmt(p);
			return;
		}
	}
}

/* Adds a to the list that conf_load.c checks for overlaps. */
static void remember_addr(struct conf_parser *p, const struct conf_addr *a,
			  unsigned vip, const struct conf_pos *pos)
{
	struct conf_addr_seen *seen;
	unsigned cap = p->addrs_cap ? p->addrs_cap * 2 : 16;

	if (p->oom)
		return;
	if (p->naddrs == p->addrs_cap) {
		seen = fault_realloc(p->addrs, cap * sizeof(*seen));
		if (!seen) {
			p->oom = true;
			return;
		}
		p->addrs = seen;
		p->addrs_cap = cap;
	}
	seen = &p->addrs[p->naddrs];
	memset(seen, 0, sizeof(*seen));
	seen->addr = *a;
	seen->vip = vip;
	seen->seq = p->naddrs++;
	seen->pos = *pos;
}

static void item_address(struct conf_parser *p, struct vip_state *vs)
{
	const struct conf_tok *t = conf_value(p, "an address like "
						 "192.0.2.10/24");
	char got[CONF_DESCRIBE_MAX];
	struct conf_addr a;
	int r;

	if (!t)
		return;
	r = conf_parse_addr(t->text, &a);
	if (r == -EINVAL)
		conf_bad_value(p, t, "an IPv4 or IPv6 address");
	else if (r < 0)
		conf_perr(p, &t->pos,
			  "bad prefix length in %s, use /1 to /32 "
			  "for IPv4, /1 to /128 for IPv6",
			  conf_tok_describe(t, got, sizeof(got)));
	else if (vs->v->naddrs == CONF_MAX_ADDRS)
		conf_perr(p, &t->pos,
			  "too many addresses in vip '%s', use at "
			  "most %d",
			  vs->v->name, CONF_MAX_ADDRS);
	else
		vs->v->addrs[vs->v->naddrs++] = a;
	if (r == 0 && vs->idx < CONF_MAX_VIPS)
		remember_addr(p, &a, vs->idx, &t->pos);
	conf_next(p);
	conf_end_stmt(p);
}

static void item_dev(struct conf_parser *p, struct vip_state *vs)
{
	const struct conf_tok *t = conf_value(p, "an interface name");

	if (!t)
		return;
	if (t->len == 0 || t->len >= CONF_IFNAME_MAX ||
	    strcmp(t->text, ".") == 0 || strcmp(t->text, "..") == 0 ||
	    strpbrk(t->text, "/: \t"))
		conf_bad_value(p, t,
			       "an interface name of 1 to 15 bytes "
			       "without / or :");
	else
		memcpy(vs->v->dev, t->text, t->len + 1);
	conf_next(p);
	conf_end_stmt(p);
}

static void item_policy(struct conf_parser *p, struct vip_state *vs)
{
	uint32_t mask;

	vs->policy_pos = p->tok.pos;
	if (conf_is_kw(p, CONF_KW_WAIT)) {
		vs->v->policy = CONF_POLICY_WAIT;
		conf_next(p);
		conf_end_stmt(p);
	} else if (conf_is_kw(p, CONF_KW_PREFER)) {
		vs->v->policy = CONF_POLICY_PREFER;
		vs->v->nprefer = 0;
		conf_next(p);
		node_list(p, &mask, vs->v->prefer, &vs->v->nprefer);
	} else {
		conf_expected(p, "'wait' or 'prefer NODE...'");
	}
}

/* Resolves a user or group name, or a decimal id, at load time. */
static bool resolve_id(const struct conf_parser *p, const char *s,
		       bool is_group, uint32_t *ret)
{
	const struct passwd *pw;
	const struct group *gr;
	uint32_t v;

	if (strspn(s, "0123456789") == strlen(s)) {
		if (conf_parse_u32(s, &v) < 0 || v == UINT32_MAX)
			return false;
		*ret = v;
	} else if (p->flags & CONF_LOAD_NO_NSS) {
		*ret = CONF_ID_NO_NSS;
	} else if (is_group) {
		gr = getgrnam(s);
		if (!gr)
			return false;
		*ret = (uint32_t)gr->gr_gid;
	} else {
		pw = getpwnam(s);
		if (!pw)
			return false;
		*ret = (uint32_t)pw->pw_uid;
	}
	return true;
}

static void item_allow(struct conf_parser *p, struct vip_state *vs)
{
	struct conf_allow a;
	const struct conf_tok *t;
	const char *what;

	memset(&a, 0, sizeof(a));
	a.is_group = conf_is_kw(p, CONF_KW_GROUP);
	if (!a.is_group && !conf_is_kw(p, CONF_KW_USER)) {
		conf_expected(p, "'user' or 'group'");
		return;
	}
	what = a.is_group ? "group" : "user";
	conf_next(p);
	t = conf_value(p, a.is_group ? "a group name or gid"
				     : "a user name or uid");
	if (!t)
		return;
	if (!conf_take_name(p, t, a.is_group ? "group name" : "user name",
			    a.name))
		;
	else if (!resolve_id(p, a.name, a.is_group, &a.id) &&
		 strspn(a.name, "0123456789") == strlen(a.name))
		conf_perr(p, &t->pos, "%s id %s is out of range, use 0 to %u",
			  what, a.name, UINT32_MAX - 1);
	else if (!resolve_id(p, a.name, a.is_group, &a.id))
		conf_perr(p, &t->pos,
			  "unknown %s '%s', create it or use a "
			  "numeric id",
			  what, a.name);
	else if (vs->v->nallow == CONF_MAX_ALLOW)
		conf_perr(p, &t->pos,
			  "too many allow entries in vip '%s', "
			  "use at most %d",
			  vs->v->name, CONF_MAX_ALLOW);
	else
		vs->v->allow[vs->v->nallow++] = a;
	conf_next(p);
	conf_end_stmt(p);
}

static void vip_item(struct conf_parser *p, struct vip_state *vs)
{
	enum conf_kw kw = p->tok.type == CONF_TOK_WORD ? p->tok.kw : 0;
	uint32_t mask;

	if (kw != CONF_KW_ADDRESS && kw != CONF_KW_DEV && kw != CONF_KW_NODES &&
	    kw != CONF_KW_POLICY && kw != CONF_KW_ANNOUNCE &&
	    kw != CONF_KW_ALLOW && kw != CONF_KW_CHECK &&
	    kw != CONF_KW_FOLLOW_GROUP && kw != CONF_KW_NOTIFY_PEERS) {
		conf_expected(p, "'address', 'dev', 'nodes', 'policy', "
				 "'announce', 'notify-peers', 'allow', 'check', "
				 "'follow-group' or '}'");
		return;
	}
	if (kw != CONF_KW_ADDRESS && kw != CONF_KW_ALLOW &&
	    (vs->given & (1U << kw)))
		conf_perr(p, &p->tok.pos,
			  "'%s' is given twice in vip '%s', "
			  "keep one",
			  conf_kw_name(kw), vs->v->name);
	vs->given |= 1U << kw;
	conf_next(p);
	if (kw == CONF_KW_ADDRESS) {
		item_address(p, vs);
	} else if (kw == CONF_KW_DEV) {
		item_dev(p, vs);
	} else if (kw == CONF_KW_NODES) {
		node_list(p, &mask, NULL, NULL);
		vs->v->eligible = mask;
	} else if (kw == CONF_KW_POLICY) {
		item_policy(p, vs);
	} else if (kw == CONF_KW_ANNOUNCE) {
		conf_item_announce(p, vs->v);
	} else if (kw == CONF_KW_NOTIFY_PEERS) {
		conf_item_notify_peers(p, vs->v);
	} else if (kw == CONF_KW_CHECK) {
		vs->check_pos = p->tok.pos;
		conf_item_check(p, vs->v);
	} else if (kw == CONF_KW_FOLLOW_GROUP) {
		vs->check_pos = p->tok.pos;
		conf_item_follow(p, vs->v);
	} else {
		item_allow(p, vs);
	}
}

/* Returns a zeroed vip at the end of c->vips, or the scratch one if full. */
static struct conf_vip *new_vip(struct conf_parser *p, unsigned *ret_idx)
{
	struct conf *c = p->c;
	struct conf_vip *v;

	*ret_idx = CONF_MAX_VIPS;
	v = &p->scratch;
	if (c->nvips < CONF_MAX_VIPS && c->nvips == p->vips_cap && !p->oom) {
		unsigned cap = p->vips_cap ? p->vips_cap * 2 : 8;

		if (cap > CONF_MAX_VIPS)
			cap = CONF_MAX_VIPS;
		v = fault_realloc(c->vips, cap * sizeof(*v));
		if (v) {
			c->vips = v;
			p->vips_cap = cap;
		} else {
			p->oom = true;
			v = &p->scratch;
		}
	}
	if (c->nvips < p->vips_cap) {
		*ret_idx = c->nvips++;
		v = &c->vips[*ret_idx];
	}
	memset(v, 0, sizeof(*v));
	v->policy = CONF_POLICY_WAIT;
	v->announce_count = CONF_DEFAULT_ANNOUNCE_COUNT;
	v->announce_interval_ms = CONF_DEFAULT_ANNOUNCE_MS;
	v->check_interval_ms = 1000;
	v->check_timeout_ms = 1000;
	v->check_rise = 2;
	v->check_fall = 3;
	return v;
}

static void finish_vip(struct conf_parser *p, struct vip_state *vs)
{
	struct conf_vip *v = vs->v;
	unsigned n = p->c->nnodes;

	if (!v->name[0])
		return; /* already reported: don't add noise about '' */
	if (!v->naddrs)
		conf_perr(p, &vs->pos,
			  "vip '%s' has no address, add "
			  "'address ADDR/PREFIX'",
			  v->name);
	if (!v->dev[0])
		conf_perr(p, &vs->pos, "vip '%s' has no dev, add 'dev IFNAME'",
			  v->name);
	if (!(vs->given & (1U << CONF_KW_NODES)))
		v->eligible = n >= 32 ? UINT32_MAX : (1U << n) - 1;
	for (unsigned i = 0; i < v->nprefer; i++)
		if (!(v->eligible & (1U << v->prefer[i])))
			conf_perr(p, &vs->policy_pos,
				  "node '%s' in policy of "
				  "vip '%s' is not eligible, add it to 'nodes'",
				  p->c->nodes[v->prefer[i]].name, v->name);
	if ((v->check[0] || v->follow[0]) && v->policy != CONF_POLICY_WAIT)
		conf_perr(p, &vs->check_pos,
			  "vip '%s' has a %s and policy prefer: the %s "
			  "choose its holder, use 'policy wait'",
			  v->name, v->check[0] ? "check" : "follow-group",
			  v->check[0] ? "checks" : "group's members");
	conf_announce_check(p, v);
	if (v->check[0] && v->follow[0])
		conf_perr(p, &vs->check_pos,
			  "vip '%s' has both a check and a follow-group, "
			  "keep one",
			  v->name);
}

static void vip_name(struct conf_parser *p, struct vip_state *vs,
		     const struct conf_tok *t)
{
	unsigned n = vs->idx < CONF_MAX_VIPS ? vs->idx : p->c->nvips;

	vs->pos = t->pos;
	if (!conf_take_name(p, t, "vip name", vs->v->name))
		return;
	for (unsigned i = 0; i < n; i++) {
		if (strcmp(p->c->vips[i].name, vs->v->name) == 0) {
			conf_perr(p, &t->pos,
				  "vip '%s' is defined twice, "
				  "rename one",
				  vs->v->name);
			return;
		}
	}
}

void conf_stmt_vip(struct conf_parser *p)
{
	struct vip_state vs;
	const struct conf_tok *t;

	memset(&vs, 0, sizeof(vs));
	if (!p->have_cluster)
		conf_perr(p, &p->tok.pos,
			  "vip before the cluster block, move "
			  "cluster { } above the vips");
	conf_next(p);
	t = conf_value(p, "a vip name");
	if (!t)
		return;
	if (p->c->nvips == CONF_MAX_VIPS)
		conf_perr(p, &t->pos, "too many vips, use at most %d",
			  CONF_MAX_VIPS);
	vs.v = new_vip(p, &vs.idx);
	vip_name(p, &vs, t);
	conf_next(p);
	if (!conf_open_block(p)) {
		if (vs.idx < CONF_MAX_VIPS)
			p->c->nvips--;
		return;
	}
	while (p->tok.type != CONF_TOK_RBRACE && p->tok.type != CONF_TOK_EOF) {
		if (p->tok.type == CONF_TOK_EOL)
			conf_next(p);
		else
			vip_item(p, &vs);
	}
	conf_close_block(p);
	finish_vip(p, &vs);
}
