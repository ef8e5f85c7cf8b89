// SPDX-License-Identifier: MIT
/*
 * Logging: "<level>vipd: message" lines on stderr; the "<N>" prefix lets
 * journald keep the level.  Never allocates.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static int log_verbose;

/* While the loop runs, the lines of one dispatch leave in one write: a
 * failover of 1,000 VIPs logs thousands of lines, a write each was an
 * eighth of its cost.  The loop flushes after every dispatch. */
static char held[65536];
static size_t held_len;
static int holding;

void log_flush(void)
{
	size_t off = 0;

	while (off < held_len) {
		ssize_t n = write(STDERR_FILENO, held + off, held_len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* nowhere to report it: drop the rest */
		off += (size_t)n;
	}
	held_len = 0;
}

/* An assert must not take the lines of the dispatch that led to it:
 * write them (write(2) is async-signal-safe), then abort.  Faults are
 * left to the default action (and to the sanitizers' reports). */
static void on_fatal_signal(int sig)
{
	if (holding && held_len)
		(void)!write(STDERR_FILENO, held, held_len);
	raise(sig); /* SA_RESETHAND: the default action now */
}

void log_hold(int on)
{
	struct sigaction sa = { .sa_handler = on ? on_fatal_signal : SIG_DFL,
				.sa_flags = SA_RESETHAND | SA_NODEFER };

	if (!on)
		log_flush();
	holding = on;
	sigaction(SIGABRT, &sa, NULL);
}

static void emit(const char *line, size_t n)
{
	if (!holding) {
		fputs(line, stderr);
		return;
	}
	if (held_len + n > sizeof(held)) /* a line is < 1.1 kB */
		log_flush();
	memcpy(held + held_len, line, n);
	held_len += n;
}

void log_init(int verbose)
{
	log_verbose = verbose;
}

__attribute__((format(printf, 2, 0))) static void
vlog(int prio, const char *fmt, va_list ap, int err)
{
	char buf[1024], line[1100];
	int n;

	if ((prio == LOG_DEBUG && log_verbose <= 0) ||
	    (prio > LOG_ERR && log_verbose < 0))
		return;
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		return;
	if (err && (size_t)n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - (size_t)n, ": %s",
			 strerror(err));
	n = snprintf(line, sizeof(line), "<%d>vipd: %s\n", prio, buf);
	if (n > 0)
		emit(line, (size_t)n < sizeof(line) ? (size_t)n
						    : sizeof(line) - 1);
}

#define LOG_FN(name, prio)                                                    \
	void name(const char *fmt, ...)                                      \
	{                                                                     \
		va_list ap;                                                   \
		va_start(ap, fmt);                                            \
		vlog(prio, fmt, ap, 0);                                       \
		va_end(ap);                                                   \
	}

LOG_FN(log_debug, LOG_DEBUG)
LOG_FN(log_info, LOG_INFO)
LOG_FN(log_notice, LOG_NOTICE)
LOG_FN(log_warn, LOG_WARNING)
LOG_FN(log_err, LOG_ERR)

int log_errno(int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, r < 0 ? -r : r);
	va_end(ap);
	return r;
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	log_hold(0);
	exit(1);
}
