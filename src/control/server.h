/* SPDX-License-Identifier: MIT */
/*
 * The control socket server: accepts clients on a Unix stream socket,
 * splits their input into request lines, refuses malformed ones itself and
 * hands the rest, with the peer's credentials, to one callback. Replies and
 * events go out through bounded per-client queues.
 */
#ifndef VIPD_CONTROL_SERVER_H
#define VIPD_CONTROL_SERVER_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include "ev/ev.h"

#include "proto/ctl.h"

struct ucred; /* <sys/socket.h> with _GNU_SOURCE */

#define CTL_MAX_CLIENTS 128	 /* connections at once */
#define CTL_OUTQ_MAX 65536 /* queued bytes per client (64 KiB) */
#define CTL_OUTQ_HARD 1048576 /* one reply may exceed OUTQ_MAX up to this */
#define CTL_ACCEPT_PAUSE_USEC 1000000 /* accept pause when out of fds */
#define CTL_LINGER_USEC 1000000	      /* an overflowed watcher's last flush */

struct ctl_server;

/*
 * Called once per well-formed request, in the order a connection sent
 * them. The next request of the same connection is not delivered until
 * this one is answered with ctl_send(). cred is the peer's SO_PEERCRED at
 * accept time; cred and req are valid only during the call.
 */
typedef void (*ctl_request_fn)(void *ud, uint64_t conn_id,
			       const struct ucred *cred,
			       const struct ctl_req *req);

/*
 * Called once when connection conn_id is gone (the client closed it, an
 * error, an overflow or ctl_hangup()), before its id becomes unknown;
 * not called from ctl_server_free().  The daemon withdraws what the
 * connection asked for and ends its sessions.
 */
typedef void (*ctl_close_fn)(void *ud, uint64_t conn_id);

/*
 * Creates the socket at path (creating a missing parent directory with
 * mode 0755 and unlinking a stale socket), sets its mode (0 means 0666),
 * listens and attaches to e. Returns 0 and *ret, or -errno: -EINVAL for a
 * missing argument or a path that does not fit sockaddr_un, -ENOMEM, or
 * whatever socket, bind, chmod, listen or the event loop returned.
 */
int ctl_server_new(struct ev *e, const char *path, mode_t mode,
		   ctl_request_fn fn, void *ud, struct ctl_server **ret);

/*
 * Closes every connection and the listening socket and unlinks the socket
 * path. NULL is accepted.
 */
void ctl_server_free(struct ctl_server *s);

/*
 * Queues json_line plus '\n' to connection conn_id; the line must not
 * contain a newline. The first ctl_send() after a request answers it and
 * lets the next pipelined request through. Returns 0, -ENOENT if the
 * connection is gone, -EINVAL for a NULL or multi-line json_line, or
 * -ENOBUFS if the client has not read CTL_OUTQ_HARD bytes (the connection
 * is then closed).
 */
int ctl_send(struct ctl_server *s, uint64_t conn_id, const char *json_line);

/* Sets (or clears, with NULL) the close callback; ud is the request's. */
void ctl_server_on_close(struct ctl_server *s, ctl_close_fn fn);

/*
 * The loop time (ev_now()) at which connection conn_id last sent bytes
 * (any: a request or a `ping` keep-alive; a ping is never answered and
 * may pass a request in flight), or its accept time; 0 if it is gone.
 */
uint64_t ctl_last_input(struct ctl_server *s, uint64_t conn_id);

/*
 * Queues an unsolicited line to conn_id (a session's end), without
 * answering its request in flight.  0, -ENOENT, -EINVAL or -ENOBUFS as
 * ctl_send().
 */
int ctl_push(struct ctl_server *s, uint64_t conn_id, const char *json_line);

/* Closes conn_id once its queue is flushed (at most CTL_LINGER_USEC). */
void ctl_hangup(struct ctl_server *s, uint64_t conn_id);

/*
 * Marks connection conn_id as a watcher, so ctl_broadcast() reaches it.
 * Returns 0 or -ENOENT if the connection is gone.
 */
int ctl_watch(struct ctl_server *s, uint64_t conn_id);

/*
 * Sets how many bytes of events may wait for one watcher (default
 * CTL_OUTQ_MAX, never less).  A daemon with many VIPs raises it so that a
 * watcher keeps up with a failover of all of them at once.
 */
void ctl_server_set_event_queue(struct ctl_server *s, size_t bytes);

/*
 * Queues json_line plus '\n' to every watcher. A watcher whose queue would
 * pass the event queue size gets a final {"event":"overflow",...} line
 * instead (with last_seq, see ctl_broadcast_seq()) and is closed after at
 * most CTL_LINGER_USEC.
 */
void ctl_broadcast(struct ctl_server *s, const char *json_line);
/* ctl_broadcast() of event number seq: the overflow line names, as
 * last_seq, the last event a watcher was sent, to resume from. */
void ctl_broadcast_seq(struct ctl_server *s, const char *json_line,
		       uint64_t seq);

/* Returns the number of open connections. */
unsigned ctl_server_clients(const struct ctl_server *s);

#endif
