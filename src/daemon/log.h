/* SPDX-License-Identifier: MIT */
/* Logging for the daemon: one line per event to stderr (journald under
 * systemd), with a level; decisions with fields.  Only src/daemon logs. */
#ifndef VIPD_DAEMON_LOG_H
#define VIPD_DAEMON_LOG_H

#include <stdint.h>
#include <syslog.h> /* LOG_INFO ..., the prio of log_decision */

/* Where decisions go: auto is journal when stderr is journald's stream
 * ($JOURNAL_STREAM names it), else console. */
enum log_target {
	LOG_TARGET_AUTO = 0,
	LOG_TARGET_CONSOLE, /* "<prio>vipd: text" lines on stderr */
	LOG_TARGET_JOURNAL, /* decisions as journal entries with fields */
};

/* The kinds of decision, each with its MESSAGE_ID (dist/vipd.catalog).
 * The first nine follow enum core_event_type. */
enum log_msg {
	LOG_MSG_CLAIMED = 0, /* a VIP assigned to a holder */
	LOG_MSG_LIVE,        /* the holder has it live */
	LOG_MSG_RELEASED,    /* a VIP unassigned */
	LOG_MSG_MOVED,       /* a VIP reassigned */
	LOG_MSG_LOST,        /* its holder lost it */
	LOG_MSG_JOINED,      /* a node joined the view */
	LOG_MSG_LEFT,        /* a node left the view */
	LOG_MSG_QUORUM,      /* quorum gained or lost */
	LOG_MSG_CONFIG,      /* members define a VIP differently, or agree */
	LOG_MSG_REFUSED,     /* a claim, release or move refused */
	LOG_MSG_VIEW,        /* a new view (membership) */
	LOG_MSG_MAX = LOG_MSG_VIEW,
};

/* The fields of a decision; NULL (or term 0) leaves one out. */
struct log_fields {
	const char *vip;    /* VIP= */
	const char *node;   /* NODE=: the holder, or the node concerned */
	uint64_t term;      /* TERM= */
	const char *reason; /* REASON= */
};

/* Before log_init: "auto", "console" or "journal"; 0 or -EINVAL. */
int log_set_target(const char *name);
/* verbose 1: debug too; 0: info and worse; < 0 (tests): errors only. */
void log_init(int verbose);
__attribute__((format(printf, 1, 2))) void log_debug(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void log_info(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void log_notice(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void log_warn(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void log_err(const char *fmt, ...);
/* Log fmt with ": strerror(-r)" appended at warning level; returns r. */
__attribute__((format(printf, 2, 3))) int log_errno(int r, const char *fmt,
						    ...);
/* A decision: under journald one entry with MESSAGE (fmt), PRIORITY,
 * MESSAGE_ID of id and lf's fields; else a line like log_info's. */
__attribute__((format(printf, 4, 5))) void
log_decision(int prio, enum log_msg id, const struct log_fields *lf,
	     const char *fmt, ...);
/* Hold lines in memory until log_flush() (on), or write each at once
 * (off, the default; turning it off flushes). */
void log_hold(int on);
/* For counted repeats (dropped records, datagrams): log the first ten,
 * then each power of two. */
static inline int log_sampled(unsigned long n)
{
	return n <= 10 || !(n & (n - 1));
}
void log_flush(void);
/* Before the loop only: log and exit(1). */
__attribute__((format(printf, 1, 2), noreturn)) void fatal(const char *fmt,
							   ...);

#endif
