/* SPDX-License-Identifier: MIT */
/* Logging for the daemon: one line per event to stderr (journald under
 * systemd), with a level.  Only src/daemon logs. */
#ifndef VIPD_DAEMON_LOG_H
#define VIPD_DAEMON_LOG_H

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
