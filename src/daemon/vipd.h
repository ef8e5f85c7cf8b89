/* SPDX-License-Identifier: MIT */
/*
 * The daemon's state, shared by main.c (setup), loop.c (event sources,
 * signals), act.c (the core's actions on the kernel) and cmd.c (control
 * requests, status, events).  The CPG group has its own (group.h).
 */
#ifndef VIPD_DAEMON_VIPD_H
#define VIPD_DAEMON_VIPD_H

#include <stdint.h>
#include <sys/socket.h>

#include "ev/ev.h"

#include "core/conf.h"
#include "core/core.h"
#include "proto/ctl.h"
#include "proto/handoff.h"

#define VIPD_MAX_REQ 256
#define VIPD_ADDR_LIFETIME_S 60 /* address lifetime: the last fence */
#define VIPD_YIELD_CPU_US 2000  /* CPU between yields to corosync */
#define VIPD_MAX_SESSIONS 128   /* session claims at once */

struct vipd_req {
	uint64_t reqid;           /* 0: free */
	uint64_t conn;            /* control connection to answer */
	enum ctl_cmd cmd;         /* claim, release or move */
	unsigned vip;
	struct ev_src *timer;     /* owned: --wait deadline, or NULL */
	struct vipd *d;           /* back-pointer for the timer */
};

struct vipd_check;
struct vipd_follow;
struct vipd_events;
struct vipd_metrics;
struct vipd_announce;
struct http;
struct vipd_hooks;

struct vipd_session {
	uint64_t conn;            /* control connection; 0: ended */
	uint64_t reqid;           /* its claim in flight, 0 once answered */
	pid_t pid;                /* the client, for status and logs */
	unsigned vip;
	uint64_t term;            /* granted at (once reqid is 0) */
	uint64_t timeout_us;      /* keep-alive timeout, 0: none */
	struct ev_src *timer;     /* owned: keep-alive deadline, or NULL */
	struct vipd *d;           /* back-pointer for the timer */
};

struct vipd {
	struct conf conf;                 /* owned */
	const char *conf_path;
	struct ev *ev;                    /* owned */
	struct core *core;                /* owned */
	struct group_link *link;          /* owned: the CPG group (group.c) */
	struct ev_src *tick_src;          /* owned: the core's deadline */
	struct ev_src *refresh_src;       /* owned: address lifetimes */
	struct ev_src *link_src;          /* owned: lw's socket */
	struct nl *nl;                    /* owned */
	struct lease *lease;              /* owned */
	struct link_watch *lw;            /* owned */
	int link_fd;                      /* lw's socket */
	struct ctl_server *ctl;           /* owned */
	int *ifindex;                     /* owned, per VIP */
	uint8_t *held;                    /* owned, per VIP: in held sets */
	uint8_t *ann_left;                /* owned, per VIP: repeats due */
	uint64_t *ann_due;                /* owned, per VIP: next repeat */
	struct ev_src *ann_src;           /* owned: the earliest repeat */
	uint64_t ann_first;               /* repeats due since, 0: none */
	uint64_t last_up_us;              /* last address added */
	struct vipd_announce *announce;   /* owned (announce.c) */
	uint64_t reqid;
	struct vipd_req reqs[VIPD_MAX_REQ];
	struct vipd_session sessions[VIPD_MAX_SESSIONS];
	struct vipd_check *checks;        /* owned, per VIP (check.c) */
	struct vipd_follow *follows;      /* owned, per VIP (follow.c) */
	struct vipd_events *events;       /* owned (events.c) */
	struct vipd_metrics *metrics;     /* owned (metrics.c) */
	struct http *http;                /* owned: metrics-listen, or NULL */
	struct vipd_hooks *hooks;         /* owned (hooks.c), lazily */
	uint32_t self_id;
	int hand_fd;                      /* direct hand-offs, -1: off */
	struct ev_src *hand_src;
	uint8_t hand_key[HANDOFF_KEY_MAX];
	size_t hand_keylen;
	unsigned long hand_sent, hand_taken, hand_bad;
	int svc_on;                       /* NOTIFY_SOCKET is set */
	int svc_ready;                    /* READY=1 sent */
	int svc_dirty;                    /* STATUS= to look at */
	char svc_status[256];             /* the last STATUS= sent */
	uint64_t svc_wdog_us;             /* WATCHDOG=1 period, 0: none */
	struct ev_src *wdog_src;          /* owned, NULL: no watchdog */
	struct gate_watch *gw;            /* owned (gate.c) */
	struct ev_src *gate_src, *gate_timer; /* owned: gw's socket, retry */
	int gate_down;                    /* gate removed, not rebuilt yet */
	unsigned long gate_lost_count;    /* times the gate was removed */
};

/* loop.c */
uint64_t vipd_now(struct vipd *d);
/* The monotonic clock now, for timing traces (not the loop's time). */
unsigned long long vipd_mono_us(void);
void vipd_schedule(struct vipd *d);
int vipd_loop_setup(struct vipd *d);
int vipd_loop_run(struct vipd *d); /* until ev_exit(); its code */
/* Leave the real-time class (main.c set it): for the clean stop. */
void vipd_sched_normal(void);

/* act.c */
extern const struct core_ops vipd_core_ops;
void vipd_reconcile_start(struct vipd *d);
void vipd_link_event(int ifindex, const char *ifname, _Bool up, void *ud);
int vipd_refresh_addrs(struct vipd *d);

/* gate.c: watch the lease gate; give up every VIP and rebuild it when
 * another process removes it.  0 or -errno. */
int vipd_gate_watch(struct vipd *d);
void vipd_gate_free(struct vipd *d);

/* handoff.c: direct hand-offs (handoff-key).  Before dropping
 * privileges: read the key, then open the socket; 0 when off. */
int vipd_handoff_key(struct vipd *d, char *err, size_t len);
/* Reads the key file at path into key[HANDOFF_KEY_MAX] as this process's
 * user.  0, 1 if others than its owner may read it, or -errno with err
 * naming the file, the reason and the fix (-EINVAL: not a regular file,
 * or not HANDOFF_KEY_MIN..HANDOFF_KEY_MAX bytes). */
int vipd_handoff_key_read(const char *path, uint8_t *key, size_t *ret_len,
			  char *err, size_t len);
int vipd_handoff_open(struct vipd *d, char *err, size_t len);
void vipd_handoff_close(struct vipd *d);
void vipd_handoff_send(void *ud, unsigned vip, uint64_t term, uint32_t to);

/* reconf.c: a reload added, removed or redefined VIPs (conf already
 * updated in place): the gate learns new addresses, interfaces are looked
 * up again, and the core freezes the changed VIPs until every member has
 * read them. */
void vipd_reconf(struct vipd *d);

/* cmd.c */
/* Reloads the configuration file (SIGHUP, the reload request) and logs
 * the outcome.  0: msg says what was taken.  < 0: nothing changed, msg
 * says why and *code names it for a reply ("reload-refused" for a change
 * only a restart applies, "bad-config" for a file with errors or that
 * could not be read). */
int vipd_reload(struct vipd *d, char *msg, size_t len, const char **code);
void vipd_request(void *ud, uint64_t conn, const struct ucred *cred,
		  const struct ctl_req *req);
/* Connection conn is gone: its claims in flight are withdrawn (a claim
 * never outlives its client unless granted) and its sessions end. */
void vipd_conn_closed(void *ud, uint64_t conn);
void vipd_reply(void *ud, uint64_t reqid, enum core_err err, uint64_t term,
		const char *reason);
/* events.c: the core's event, numbered, logged, kept, sent to every
 * watcher; then sessions and checks of its VIP look at the table again. */
void vipd_event(void *ud, const struct core_event *ev);

#endif
