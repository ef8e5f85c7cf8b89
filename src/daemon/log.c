// SPDX-License-Identifier: MIT
/*
 * Logging: "<level>vipd: message" lines on stderr; the "<N>" prefix lets
 * journald keep the level.  Decisions (log_decision) go to the journal as
 * entries with fields (sd_journal_send) when stderr is journald's stream
 * or --log-target=journal asks; elsewhere they are lines like the rest.
 * Never allocates (libsystemd's send may).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "log.h"

static int log_verbose;
static enum log_target log_target = LOG_TARGET_AUTO;

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

/* What sd_journal and systemd do: $JOURNAL_STREAM is "DEV:INO" of the
 * stream the manager connected, valid only while stderr is that stream
 * (a redirection in between makes it stale). */
static int stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	char *end;

	if (!e)
		return 0;
	errno = 0;
	dev = strtoull(e, &end, 10);
	if (errno || end == e || *end != ':')
		return 0;
	e = end + 1;
	ino = strtoull(e, &end, 10);
	if (errno || end == e || *end)
		return 0;
	if (fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

int log_set_target(const char *name)
{
	static const char *const names[] = {
		[LOG_TARGET_AUTO] = "auto",
		[LOG_TARGET_CONSOLE] = "console",
		[LOG_TARGET_JOURNAL] = "journal",
	};

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i])) {
			log_target = (enum log_target)i;
			return 0;
		}
	return -EINVAL;
}

/* "<prio>vipd: msg\n" to stderr (or the held lines). */
static void emit_line(int prio, const char *msg)
{
	char line[1100];
	int n = snprintf(line, sizeof(line), "<%d>vipd: %s\n", prio, msg);

	if (n > 0)
		emit(line, (size_t)n < sizeof(line) ? (size_t)n
						    : sizeof(line) - 1);
}

void log_init(int verbose)
{
	log_verbose = verbose;
	if (log_target == LOG_TARGET_AUTO)
		log_target = stderr_is_journal() ? LOG_TARGET_JOURNAL
						 : LOG_TARGET_CONSOLE;
}

__attribute__((format(printf, 2, 0))) static void
vlog(int prio, const char *fmt, va_list ap, int err)
{
	char buf[1024];
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
	emit_line(prio, buf);
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

/* MESSAGE_IDs, one per kind of decision: dist/vipd.catalog explains
 * each (journalctl -x); never change one once released. */
static const char *const msg_ids[LOG_MSG_MAX + 1] = {
	[LOG_MSG_CLAIMED] = "e1cf3e944af54ac09777be32c0f4f496",
	[LOG_MSG_LIVE] = "6924eae1da3e4242be0a287eae3f9e24",
	[LOG_MSG_RELEASED] = "2981e57e5fce41a18dca61d08e0eaae3",
	[LOG_MSG_MOVED] = "ae93d3ba89b6463a8b5afd1f0790f98b",
	[LOG_MSG_LOST] = "3be26d3e36c542698decf4028b07d6b3",
	[LOG_MSG_JOINED] = "6d2fbcee8ad24c00883865a142195a7d",
	[LOG_MSG_LEFT] = "2ebcd77b26d7449fa4f007f4270b6974",
	[LOG_MSG_QUORUM] = "0b33a55fd40e4cdd8f313f6670c2ca0b",
	[LOG_MSG_CONFIG] = "1e3469e4de734ef28cf330d9e3637287",
	[LOG_MSG_REFUSED] = "ab2c148f75004840bc19fdd51a4c5e6f",
	[LOG_MSG_VIEW] = "c4c129a444bb4fb8bea2b6d80ac12bca",
};

/* One field "NAME=value" into f[*n] (its text in b), if value is set. */
static void field(struct iovec *f, char (*b)[1040], unsigned *n,
		  const char *name, const char *value)
{
	int len;

	if (!value || !*value)
		return;
	len = snprintf(b[*n], sizeof(b[*n]), "%s=%s", name, value);
	if (len < 0)
		return;
	f[*n] = (struct iovec){ .iov_base = b[*n],
				.iov_len = (size_t)len < sizeof(b[*n])
						   ? (size_t)len
						   : sizeof(b[*n]) - 1 };
	(*n)++;
}

static void journal_send(int prio, enum log_msg id,
			 const struct log_fields *lf, const char *msg)
{
	char b[8][1040], num[24];
	struct iovec f[8];
	unsigned n = 0;

	field(f, b, &n, "MESSAGE", msg);
	snprintf(num, sizeof(num), "%d", prio);
	field(f, b, &n, "PRIORITY", num);
	field(f, b, &n, "SYSLOG_IDENTIFIER", "vipd");
	field(f, b, &n, "MESSAGE_ID", msg_ids[id]);
	field(f, b, &n, "VIP", lf->vip);
	field(f, b, &n, "NODE", lf->node);
	if (lf->term) {
		snprintf(num, sizeof(num), "%llu",
			 (unsigned long long)lf->term);
		field(f, b, &n, "TERM", num);
	}
	field(f, b, &n, "REASON", lf->reason);
	if (sd_journal_sendv(f, (int)n) < 0)
		emit_line(prio, msg); /* journald gone: stderr still is */
}

void log_decision(int prio, enum log_msg id, const struct log_fields *lf,
		  const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (prio == LOG_DEBUG && log_verbose <= 0)
		return;
	if (prio > LOG_ERR && log_verbose < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_target == LOG_TARGET_JOURNAL && id <= LOG_MSG_MAX)
		journal_send(prio, id, lf, msg);
	else
		emit_line(prio, msg);
}

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
