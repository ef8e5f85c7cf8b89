// SPDX-License-Identifier: MIT
/*
 * Logging: "<level>vipd: message" lines on stderr; the "<N>" prefix lets
 * journald keep the level.  Never allocates.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

static int log_verbose;

void log_init(int verbose)
{
	log_verbose = verbose;
}

__attribute__((format(printf, 2, 0))) static void
vlog(int prio, const char *fmt, va_list ap, int err)
{
	char buf[1024];
	int n;

	if (prio == LOG_DEBUG && !log_verbose)
		return;
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		return;
	if (err && (size_t)n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - (size_t)n, ": %s",
			 strerror(err));
	fprintf(stderr, "<%d>vipd: %s\n", prio, buf);
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
	exit(1);
}
