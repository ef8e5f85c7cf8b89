/* SPDX-License-Identifier: MIT */
/*
 * The configuration as plain data: what the parser (src/daemon/conf_parse.c)
 * fills and what the core, the actuator and the control server read.
 * No behaviour lives here; the struct is built once per load.  A reload
 * builds a new one and copies into the running one only the fields that
 * may change while running (src/daemon/reload.h), so pointers into it stay
 * valid.
 */
#ifndef VIPD_CORE_CONF_H
#define VIPD_CORE_CONF_H

#include <stdbool.h>
#include <stdint.h>

#define CONF_NAME_MAX 64     /* node, VIP, group and user names, with NUL */
#define CONF_PATH_MAX 256    /* file paths, with NUL */
#define CONF_IFNAME_MAX 16   /* IFNAMSIZ */
#define CONF_MAX_NODES 32    /* nodes of one cluster */
#define CONF_MAX_ADDRS 8     /* addresses of one VIP */
#define CONF_MAX_ALLOW 16    /* allow entries of one VIP */
#define CONF_MAX_NOTIFY 8    /* notify-peers of one VIP */
#define CONF_MAX_VIPS 4096   /* VIPs of one cluster */
#define CONF_MAX_POOLS 32    /* pools of one cluster */
#define CONF_LEASE_MIN_MS 50    /* kernel lease bounds */
#define CONF_LEASE_MAX_MS 60000

enum conf_policy {
	CONF_POLICY_WAIT = 0, /* holder lost: stay unassigned */
	CONF_POLICY_PREFER,   /* holder lost: next live node of prefer[] */
};

struct conf_addr {
	int family;          /* AF_INET or AF_INET6 */
	uint8_t addr[16];    /* network order; 4 bytes used for AF_INET */
	uint8_t prefixlen;   /* 0..32 or 0..128 */
};

struct conf_node {
	char name[CONF_NAME_MAX]; /* as written in the file */
	uint32_t id;              /* corosync node id, > 0 */
	struct conf_addr addr;    /* direct hand-offs go there; family 0:
				   * none given */
};

struct conf_allow {
	bool is_group;            /* false: a user */
	uint32_t id;              /* uid or gid, resolved at load */
	char name[CONF_NAME_MAX]; /* as written, for printconf */
};

struct conf_vip {
	char name[CONF_NAME_MAX];
	struct conf_addr addrs[CONF_MAX_ADDRS];
	unsigned naddrs;                 /* >= 1 */
	char dev[CONF_IFNAME_MAX];       /* interface the addresses go on */
	uint32_t eligible;               /* bitmask of conf.nodes[] indexes */
	enum conf_policy policy;
	uint8_t prefer[CONF_MAX_NODES];  /* conf.nodes[] indexes, in order */
	unsigned nprefer;
	unsigned announce_count;         /* GARP/NA bursts on acquire */
	uint32_t announce_interval_ms;   /* between bursts */
	uint32_t announce_refresh_ms;    /* re-announce while held; 0: off */
	struct conf_addr notify[CONF_MAX_NOTIFY]; /* routers told by unicast
					  * (prefixlen unused) */
	unsigned nnotify;
	struct conf_allow allow[CONF_MAX_ALLOW];
	unsigned nallow;                 /* 0: only root may change it */
	char check[CONF_PATH_MAX];       /* health check: absolute command
					  * and its arguments; "": none */
	uint32_t check_interval_ms;      /* between runs */
	uint32_t check_timeout_ms;       /* a run longer than this failed */
	uint32_t check_rise;             /* passes in a row: claim */
	uint32_t check_fall;             /* failures in a row: release */
	char follow[CONF_NAME_MAX];      /* group-follow: the application's
					  * CPG group; "": none */
	bool retired;                    /* a reload removed it: the slot
					  * stays (indexes never move) and
					  * is released here, then hidden */
	uint8_t pool;                    /* 1 + conf.pools[] index; 0: in
					  * no pool */
};

/* A set of VIPs spread over the live nodes (src/core/pool.c). */
struct conf_pool {
	char name[CONF_NAME_MAX];
	uint8_t prefer[CONF_MAX_NODES];  /* conf.nodes[] indexes: ties of
					  * load go to the first listed */
	unsigned nprefer;
	uint32_t max_per_node;           /* 0: no limit */
	uint32_t settle_ms;              /* rebalance this long after the
					  * last membership change; 0: off */
	unsigned nvips;                  /* members (conf_vip.pool) */
};

struct conf {
	char node[CONF_NAME_MAX];        /* this node's name (in nodes[]) */
	char group[CONF_NAME_MAX];       /* CPG group name */
	char socket[CONF_PATH_MAX];      /* control socket path */
	char user[CONF_NAME_MAX];        /* run as this user; "" keeps root */
	char notify[CONF_PATH_MAX];      /* hook script; "" for none */
	uint32_t lease_ms;               /* kernel lease; 0: auto (from
					  * corosync's token + consensus) */
	uint32_t lease_mark;             /* packet mark bit of the gate */
	bool two_node;                   /* corosync two_node semantics */
	char handoff_key[CONF_PATH_MAX]; /* shared key file of the direct
					  * hand-offs; "": none sent */
	uint16_t handoff_port;           /* their UDP port */
	struct conf_addr metrics_addr;   /* metrics-listen address */
	uint16_t metrics_port;           /* its TCP port, 0: no listener */
	struct conf_node nodes[CONF_MAX_NODES];
	unsigned nnodes;
	struct conf_vip *vips;           /* owned; conf_free() frees */
	unsigned nvips;                  /* slots in use, retired included */
	unsigned vips_cap;               /* slots vips[] has room for: a
					  * reload appends up to it; 0:
					  * nvips */
	struct conf_pool pools[CONF_MAX_POOLS];
	unsigned npools;
};

/* Slots c->vips has room for: per-VIP arrays are this long. */
static inline unsigned conf_vip_room(const struct conf *c)
{
	return c->vips_cap > c->nvips ? c->vips_cap : c->nvips;
}

#endif
