/* SPDX-License-Identifier: MIT */
/*
 * libvip: ask vipd to put a cluster virtual IP on this node (claim), take
 * it away (release), put it on another node (move), report who holds what
 * (status) and stream ownership events (watch).
 *
 * Every call returns 0 or a negative errno. When vipd refused a request,
 * vip_client_last_error() returns its error code and reason as
 * "code: reason". vipd's error codes map to errno values as follows:
 *
 *   not-allowed   -EPERM         this user may not change that VIP
 *   held          -EBUSY         another node holds it and did not release
 *   stale-term    -ESTALE        --term lower than the VIP's current term
 *   unknown-vip   -ENOENT        no such VIP in vipd's configuration
 *   unknown-node  -ENOENT        no such node in vipd's configuration
 *   no-quorum     -ENOLINK       this node's partition has no quorum
 *   timeout       -ETIMEDOUT     not done within the time allowed
 *   not-eligible  -EADDRNOTAVAIL the node may not hold that VIP
 *   not-member    -EHOSTDOWN     the target node is not in the cluster now
 *   not-joined    -ENONET        vipd has not joined the cluster yet
 *   actuator      -EIO           the address could not be configured
 *   superseded    -ECANCELED     a later claim or move replaced this one
 *   cancelled     -EINTR         the request was cancelled (e.g. shutdown)
 *   lost          -EOWNERDEAD    the VIP was lost while being acquired
 *   busy          -EAGAIN        vipd is busy (e.g. too many clients)
 *   bad-request   -EINVAL        vipd did not understand the request
 *   config-mismatch -ENOTUNIQ    a member's vipd.conf defines the VIP
 *                                otherwise: claims and moves wait for the
 *                                files to agree
 *   handing-over  -EAGAIN        the VIP's last hand-over is not confirmed
 *                                yet (a few milliseconds): try again
 *   bad-config    -EINVAL        reload: the file has errors or is unreadable
 *   reload-refused -EOPNOTSUPP   reload: a change only a restart applies
 *   anything else -EPROTO
 *
 * Local failures: -EINVAL (bad argument, checked before sending),
 * -ECONNREFUSED (no vipd listening at the socket), -EACCES (the socket is
 * not accessible), -ECONNRESET (vipd closed the connection), -ETIMEDOUT
 * (no reply in time; the connection is then reset), -EBADMSG (a reply
 * that is not valid JSON of the expected shape), -ENOMEM.
 *
 * A struct vip_client is not thread-safe; use one per thread.
 *
 * ABI: the public structs never grow or change; what a later version
 * adds comes as new functions (vip_event_position(), say) under a new
 * symbol version, and new enum values are appended.
 */
#ifndef VIP_H
#define VIP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VIP_NAME_MAX 64 /* VIP and node names, NUL included */
#define VIP_DEFAULT_SOCKET "/run/vipd/vipd.sock"
#define VIP_WATCH_ACK_MS 5000 /* vip_watch() waits this long for vipd */

struct vip_client;

struct vip_node_status {
	char name[VIP_NAME_MAX]; /* this node's name */
	uint32_t id;		 /* corosync node id */
	int quorate;		 /* 1 if this node's partition has quorum */
	char engine[32];	 /* group engine state, e.g. "joined" */
	int synced;		 /* 1 once the VIP table is learnt */
	uint32_t lease_ms;	 /* kernel lease length; 0: lease auto and
				    corosync not reached yet */
	char **members;		 /* names of the current members */
	size_t n_members;
};

struct vip_vip_status {
	char name[VIP_NAME_MAX];
	char state[16];		   /* unassigned|acquiring|live|releasing */
	char holder[VIP_NAME_MAX]; /* "" when none */
	uint64_t term;		   /* current ownership term */
	uint64_t since_ms;	   /* unix epoch ms of the last change */
	char prev[VIP_NAME_MAX];   /* previous holder, "" when none */
	char waiter[VIP_NAME_MAX]; /* node waiting to take it, "" none */
	int live_here;		   /* 1 if the address is live on this node */
	char dev[32];		   /* interface, "" when not reported */
	char **addresses;	   /* "192.0.2.10/24", ... */
	size_t n_addresses;
};

struct vip_status {
	struct vip_node_status node;
	struct vip_vip_status *vips; /* n_vips entries */
	size_t n_vips;
};

enum vip_event_type {
	VIP_EVENT_UNKNOWN = 0, /* a type this libvip does not know */
	VIP_EVENT_CLAIMED,
	VIP_EVENT_LIVE,
	VIP_EVENT_RELEASED,
	VIP_EVENT_MOVED,
	VIP_EVENT_LOST,
	VIP_EVENT_JOINED,
	VIP_EVENT_LEFT,
	VIP_EVENT_QUORUM,
	VIP_EVENT_OVERFLOW, /* events were dropped; the stream ends (resume
			     * with vip_watch_since()) */
	VIP_EVENT_CONFIG,   /* a member defines vip otherwise (node), or
			     * all agree again; Since VIP_0.3 */
	VIP_EVENT_SNAPSHOT, /* the whole status at the stream's start (in
			     * json: "status"); Since VIP_0.3 */
	VIP_EVENT_RESET,    /* a resume could not replay: a snapshot
			     * follows; Since VIP_0.3 */
};

struct vip_event {
	enum vip_event_type type;
	char type_name[16];	 /* as sent, e.g. "claimed" */
	char vip[VIP_NAME_MAX];	 /* "" when the event names no VIP */
	char node[VIP_NAME_MAX]; /* "" when none */
	char prev[VIP_NAME_MAX]; /* "" when none */
	uint64_t term;
	int quorate;	  /* 1, 0, or -1 when absent */
	char why[128];	  /* human-readable cause, maybe truncated */
	uint64_t time_ms; /* unix epoch ms */
	const char *json; /* the raw line; valid until the next call */
};

/*
 * Creates a client for the vipd socket at socket_path; NULL means
 * $VIPD_SOCKET, or VIP_DEFAULT_SOCKET if unset. Connects lazily, so a
 * missing daemon is reported by the first request. Returns 0 and *ret,
 * -EINVAL (path too long) or -ENOMEM.
 */
int vip_client_new(const char *socket_path, struct vip_client **ret);

/* Closes the connections and frees c. NULL is accepted. */
void vip_client_free(struct vip_client *c);

/*
 * Returns "code: reason" of the last refusal by vipd, or a description of
 * the last local failure; "" if the last call succeeded.
 */
const char *vip_client_last_error(const struct vip_client *c);

/*
 * Returns vipd's error code of the last refusal alone (e.g. "held",
 * "stale-term", as in the table above), for programs that branch on it;
 * "" if the last call succeeded or failed locally (then see the errno and
 * vip_client_last_error()).  Valid until the next call on c.  Since
 * VIP_0.4.
 */
const char *vip_client_last_code(const struct vip_client *c);

/*
 * Claims vip for this node, with the application's election term (0 for
 * none), and waits up to timeout_ms (< 0: vipd's default, without a local
 * limit) for the VIP to be live here. Returns 0 and the VIP's new term in
 * *ret_term (may be NULL), or -errno as in the table above.
 */
int vip_claim(struct vip_client *c, const char *vip, uint64_t term,
	      int timeout_ms, uint64_t *ret_term);

/* Releases vip held by this node. Returns 0 or -errno. */
int vip_release(struct vip_client *c, const char *vip, int timeout_ms);

/*
 * Asks vipd to reload its configuration file (as SIGHUP does; root and
 * vipd's own user only). Returns 0 when it took the file, or -errno with
 * the reason in vip_client_last_error(): -EINVAL (bad-config),
 * -EOPNOTSUPP (reload-refused: a change that needs a restart), -EPERM.
 * Nothing changes in vipd unless it returns 0. Since VIP_0.2.
 */
int vip_reload(struct vip_client *c, int timeout_ms);

/*
 * Moves vip to node. Returns 0 and the new term in *ret_term (may be
 * NULL), or -errno.
 */
int vip_move(struct vip_client *c, const char *vip, const char *node,
	     int timeout_ms, uint64_t *ret_term);

/*
 * Reads the status of vip, or of all VIPs if vip is NULL. Returns 0 and
 * *ret, to be freed with vip_status_free(), or -errno.
 */
int vip_status(struct vip_client *c, const char *vip, int timeout_ms,
	       struct vip_status **ret);

/* Frees a status from vip_status(). NULL is accepted. */
void vip_status_free(struct vip_status *s);

/*
 * The members whose vipd.conf defines s->vips[vip] otherwise, or not at
 * all (the VIP is frozen: no claims, moves or take-overs until the files
 * agree), as a NULL-ended array of *n names; none when they agree.
 * Valid until vip_status_free(s). Since VIP_0.2.
 */
const char *const *vip_status_config_differs(const struct vip_status *s,
					     size_t vip, size_t *n);

/*
 * What drives s->vips[vip] on this node, in one line: "session of pid N,
 * keep-alive N ms", "check passing (N runs, last: exit status 0)",
 * "follows group NAME: N members here", or "" for explicit claims only.
 * Valid until vip_status_free(s).  Since VIP_0.3.
 */
const char *vip_status_driver(const struct vip_status *s, size_t vip);

/*
 * The members whose table this node's sync still waits for (a member
 * whose records it cannot read keeps it waiting: nothing changes hands),
 * as a NULL-ended array of *n names; none when synced. Valid until
 * vip_status_free(s). Since VIP_0.2.
 */
const char *const *vip_status_sync_waiting(const struct vip_status *s,
					   size_t *n);

/*
 * Claims vip as a session (Since VIP_0.3): the VIP stays on this node only
 * while c's request connection is open and, when keepalive_ms > 0, while
 * vip_session_keepalive() is called at least every keepalive_ms (a
 * stopped or hung process loses it).  Waits up to wait_ms (< 0: an hour)
 * for the VIP to come free and be live here, with the application's term
 * (0 for none).  Returns 0 and the term in *ret_term (may be NULL), or
 * -errno as vip_claim().  While the session lasts c serves it alone:
 * other requests on c return -EBUSY (use a second client).  It ends with
 * vip_session_end(), vip_client_free() or the process's exit, each a
 * confirmed release by vipd; vipd ends it itself when the keep-alives stop
 * or the VIP is moved away, and vip_session_fd() then turns readable.
 */
int vip_session_claim(struct vip_client *c, const char *vip, uint64_t term,
		      uint32_t keepalive_ms, int wait_ms, uint64_t *ret_term);

/* The fd to poll for POLLIN while a session lasts (readable: vipd ended
 * it; vip_session_keepalive() then says why), or -ENOTCONN. */
int vip_session_fd(const struct vip_client *c);

/*
 * Sends one keep-alive.  Returns 0, -ENOTCONN (no session), or
 * -ECONNRESET when vipd has ended the session (the reason is in
 * vip_client_last_error(), "session-ended: ...").  Never blocks long.
 */
int vip_session_keepalive(struct vip_client *c);

/* Ends the session with a confirmed release of its VIP.  0, -ENOTCONN,
 * -ECONNRESET (vipd had ended it already) or -errno as vip_release(). */
int vip_session_end(struct vip_client *c, int timeout_ms);

/*
 * Sends one raw request line (without '\n') and returns vipd's raw JSON
 * reply in *ret_json (malloc'd, caller frees) whenever one came, also when
 * the reply is a refusal. Returns 0 if vipd answered "ok":true, else
 * -errno. For tools that print vipd's JSON as is.
 */
int vip_request(struct vip_client *c, const char *line, int timeout_ms,
		char **ret_json);

/*
 * This node's metrics in the Prometheus text format (what metrics-listen
 * serves at /metrics), as a new string in *ret for the caller to free.
 * 0 or -errno.  Since VIP_0.3.
 */
int vip_metrics(struct vip_client *c, int timeout_ms, char **ret);

/*
 * Subscribes to ownership events on a second connection and waits up to
 * VIP_WATCH_ACK_MS for vipd to confirm. Returns 0, -EALREADY if already
 * watching, or -errno. Then poll vip_client_fd() for POLLIN and call
 * vip_next_event() until it returns -EAGAIN.
 */
int vip_watch(struct vip_client *c);

/*
 * Like vip_watch(), resuming after event seq of vipd incarnation (as
 * vip_event_position() gave them after an overflow, a lost connection or
 * a restart of the watcher): vipd first sends every event after it from
 * its history (the last 1024), or, when it cannot (the history is
 * shorter, or vipd restarted), a VIP_EVENT_RESET and a VIP_EVENT_SNAPSHOT.
 * A plain vip_watch() starts with a snapshot.  Since VIP_0.3.
 */
int vip_watch_since(struct vip_client *c, const char *incarnation,
		    uint64_t seq);

/*
 * The position of the last event vip_next_event() returned: its sequence
 * number in *seq and vipd's incarnation (16 hex digits) in incarnation
 * (len >= 17).  0, -ENOENT before the first numbered event, -EINVAL.
 * Since VIP_0.3.
 */
int vip_event_position(const struct vip_client *c, uint64_t *seq,
		       char *incarnation, size_t len);

/* Returns the event connection's fd to poll, or -ENOTCONN if not watching. */
int vip_client_fd(const struct vip_client *c);

/*
 * Returns 0 and the next event in *ret, -EAGAIN if none is buffered or
 * readable now, -ECONNRESET once vipd closed the stream (after an overflow
 * event or at shutdown), -ENOTCONN if not watching, or -EBADMSG for an
 * event line that is not valid JSON (it is skipped). Never blocks.
 */
int vip_next_event(struct vip_client *c, struct vip_event *ret);

#ifdef __cplusplus
}
#endif

#endif
