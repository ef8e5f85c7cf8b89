/* SPDX-License-Identifier: MIT */
/*
 * Control request lines: the one-line text requests applications and
 * operators send to vipd over its Unix socket. The codec is shared by the
 * daemon, libvip, vipctl and the fuzzers; it never logs and never
 * allocates.
 */
#ifndef VIPD_PROTO_CTL_H
#define VIPD_PROTO_CTL_H

#include <stddef.h>
#include <stdint.h>

#define CTL_LINE_MAX 512 /* bytes of one request, '\n' included */
#define CTL_NAME_MAX 64	 /* VIP and node names, NUL included */
#define CTL_TERM_MAX                                                           \
	((uint64_t)INT64_MAX)	/* highest term a request may carry */
#define CTL_WAIT_MAX_MS 3600000 /* --wait at most one hour */
#define CTL_REASON_MAX 160	/* a reason buffer that always suffices */

enum ctl_cmd {
	CTL_STATUS = 1, /* status [VIP] */
	CTL_CLAIM,	/* claim VIP [--term N] [--wait SECONDS]
			 *  [--session SECONDS] */
	CTL_RELEASE,	/* release VIP */
	CTL_MOVE,	/* move VIP NODE */
	CTL_WATCH,	/* watch [--since INCARNATION:SEQ] */
	CTL_RELOAD,	/* reload (vipd's own user or root) */
	CTL_PING,	/* ping: a session's keep-alive, never answered */
	CTL_METRICS,	/* metrics: Prometheus text in "metrics" */
	CTL_REBALANCE,	/* rebalance POOL (the name goes in vip) */
};

struct ctl_req {
	enum ctl_cmd cmd;
	char vip[CTL_NAME_MAX];	 /* "" when absent (status of all);
				  * rebalance: the pool */
	char node[CTL_NAME_MAX]; /* move target; "" otherwise */
	uint64_t term;		 /* 1..CTL_TERM_MAX when has_term */
	int has_term;		 /* claim carried --term */
	uint32_t wait_ms;	 /* 0..CTL_WAIT_MAX_MS when has_wait */
	int has_wait;		 /* claim carried --wait */
	uint32_t session_ms;	 /* keep-alive timeout, 0: none */
	int has_session;	 /* claim carried --session: it lasts as
				  * long as the connection (and its
				  * keep-alives, when session_ms > 0) */
	char since_incarnation[17]; /* watch --since: 16 hex digits */
	uint64_t since_seq;	 /* the last event the watcher had */
	int has_since;		 /* watch carried --since */
};

/*
 * Parses one request line of len bytes (a single trailing '\n' allowed;
 * no NUL needed). Fills *ret and returns 0, or returns -EINVAL and writes
 * a NUL-terminated reason of at most rlen bytes naming the place and the
 * fix, e.g. "claim: --term expects a positive integer, got 'x'". Refuses
 * lines longer than CTL_LINE_MAX, NUL and other control characters,
 * unknown commands, missing or extra arguments, repeated options, names
 * outside [A-Za-z0-9_.-]{1,63}, terms outside 1..2^63-1 and waits or
 * session timeouts outside 0..3600 seconds (at most three decimals).
 * reason may be NULL.
 */
int ctl_req_parse(const char *line, size_t len, struct ctl_req *ret,
		  char *reason, size_t rlen);

/*
 * Writes r as a canonical request line ending in '\n', NUL-terminated, to
 * buf of len bytes. Returns the number of bytes written without the NUL,
 * -EINVAL if r is not a request ctl_req_parse() would accept, or -ENOSPC
 * if buf is too small (CTL_LINE_MAX + 1 always suffices). The result
 * parses back to an equal request.
 */
int ctl_req_format(const struct ctl_req *r, char *buf, size_t len);

/*
 * Returns 1 if name is a valid VIP or node name ([A-Za-z0-9_.-]{1,63},
 * NUL-terminated), else 0.
 */
int ctl_name_valid(const char *name);

/* Returns the command's word ("status", "claim", ...) or NULL. */
const char *ctl_cmd_to_string(enum ctl_cmd cmd);

#endif
