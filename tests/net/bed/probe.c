/* probe: client-visible availability of a VIP, measured every interval (default 1 ms).
 *
 * probe --target IP [--port 7777] [--duration-ms D] [--interval-us 1000] [--out FILE]
 *       [--stop-file PATH] [--ready-file PATH] [--dup-window-ms 1000] [--grace-ms 200]
 *
 * Sends one UDP datagram "<seq>" to IP:port (IPv4 or IPv6) every interval and reads the
 * answers "<node> <seq>" of the bed's responders. Sending stops after D ms (D = 0: no limit),
 * when PATH given by --stop-file exists (checked every ~10 ms), or on SIGINT/SIGTERM; answers
 * are then awaited for --grace-ms more, and a JSON summary is written to FILE (atomically:
 * written to FILE.tmp and renamed) or stdout. --ready-file is created after the first send.
 *
 * Summary (times in ms relative to the first send; probes are identified by their seq and are
 * ordered by send time, so an answer that arrives late still counts where it was sent):
 *   sent, answered (probes with at least one answer), lost (sent - answered),
 *   nodes {name: answers}, first_answer / last_answer {t_ms, seq, node},
 *   outage_ms: the longest run of unanswered probes after the first answer, as time:
 *     send time of the next answered probe - send time of the last answered probe before the
 *     gap - one interval (0 with no loss; ~k intervals for k consecutive losses). A switch of
 *     holder counts as such a gap even when no probe was lost: if the probe itself was not
 *     scheduled across the switch, it sent nothing that could be lost, and the gap between
 *     its sends is the honest bound. If the probes after the last answer were never
 *     answered, that tail counts too (outage_open).
 *   outage_at_ms: send time of the first probe of that gap; outage_lost: probes lost in it.
 *   switches [{t_ms, seq, from, to, gap_ms}]: the holder timeline. Answered probes in seq order
 *     form runs answered by the same node; each new run is a switch (t_ms, seq: its first
 *     probe; gap_ms: outage between the two runs, as for outage_ms).
 *   dup = dup_same_seq + dup_switchback: moments where two nodes answered for the VIP:
 *     dup_same_seq: probes answered by two or more distinct nodes;
 *     dup_switchback: switches to a node X that had answered before (run R'), where the first
 *       switch after R' (to some Y != X) happened at most --dup-window-ms before this one: X
 *       answered again soon after Y took over, i.e. answers from X and Y interleaved. A
 *       failback after Y held the VIP for longer than the window is not counted.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_NODES 64
#define NAME_MAX_LEN 64

struct slot {
	int64_t sent_ns;  /* relative to the first send */
	int16_t node;     /* first responder, -1: none */
	int16_t other;    /* a second distinct responder, -1: none */
};

static volatile sig_atomic_t stop_signal;
static struct slot *slots;
static uint64_t nslots, cap;
static char names[MAX_NODES][NAME_MAX_LEN + 1];
static uint64_t counts[MAX_NODES];
static int nnodes;
static uint64_t unknown_replies;

static void on_signal(int sig)
{
	(void)sig;
	stop_signal = 1;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int node_index(const char *name, size_t len)
{
	int i;

	for (i = 0; i < nnodes; i++)
		if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
			return i;
	if (nnodes == MAX_NODES || len > NAME_MAX_LEN)
		return -1;
	memcpy(names[nnodes], name, len);
	names[nnodes][len] = '\0';
	return nnodes++;
}

static void record_answer(const char *buf, size_t len)
{
	const char *sp = memchr(buf, ' ', len);
	char num[32];
	size_t nl;
	uint64_t seq;
	char *end;
	int idx;
	struct slot *s;

	if (!sp || sp == buf) {
		unknown_replies++;
		return;
	}
	nl = len - (size_t)(sp + 1 - buf);
	if (nl == 0 || nl >= sizeof(num)) {
		unknown_replies++;
		return;
	}
	memcpy(num, sp + 1, nl);
	num[nl] = '\0';
	seq = strtoull(num, &end, 10);
	if (*end || seq >= nslots) {
		unknown_replies++;
		return;
	}
	idx = node_index(buf, (size_t)(sp - buf));
	if (idx < 0) {
		unknown_replies++;
		return;
	}
	counts[idx]++;
	s = &slots[seq];
	if (s->node < 0)
		s->node = (int16_t)idx;
	else if (s->node != idx && s->other < 0)
		s->other = (int16_t)idx;
}

static void drain(int fd)
{
	char buf[256];
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			continue; /* ECONNREFUSED etc. from ICMP errors: a loss, nothing more */
		}
		record_answer(buf, (size_t)n);
	}
}

static void wait_readable(int fd, int64_t until_ns)
{
	int64_t d = until_ns - now_ns();
	struct timespec ts;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (d < 0)
		d = 0;
	ts.tv_sec = d / 1000000000;
	ts.tv_nsec = d % 1000000000;
	if (ppoll(&pfd, 1, &ts, NULL) > 0)
		drain(fd);
}

static double ms(int64_t ns)
{
	return (double)ns / 1e6;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void summary(FILE *f, const char *target, unsigned port, int64_t interval_ns,
		    int64_t dup_window_ns, int64_t elapsed_ns)
{
	uint64_t i, answered = 0, first = UINT64_MAX, last = UINT64_MAX, prev = UINT64_MAX;
	uint64_t same_seq = 0, switchback = 0, nswitch = 0;
	uint64_t outage_lost = 0;
	int64_t outage = 0, outage_at = 0;
	int outage_open = 0;
	/* per node: the seq at which the first switch away from its latest run happened */
	int64_t away_since[MAX_NODES];
	int cur = -1;
	int k;

	for (k = 0; k < MAX_NODES; k++)
		away_since[k] = -1;

	fprintf(f, "{\n  \"target\": ");
	json_str(f, target);
	fprintf(f, ",\n  \"port\": %u,\n  \"interval_us\": %" PRId64 ",\n", port, interval_ns / 1000);
	fprintf(f, "  \"elapsed_ms\": %.3f,\n", ms(elapsed_ns));
	fprintf(f, "  \"switches\": [");
	for (i = 0; i < nslots; i++) {
		const struct slot *s = &slots[i];

		if (s->node < 0)
			continue;
		answered++;
		if (s->other >= 0)
			same_seq++;
		if (first == UINT64_MAX)
			first = i;
		if (prev != UINT64_MAX) {
			int64_t gap = s->sent_ns - slots[prev].sent_ns - interval_ns;

			if (gap < 0)
				gap = 0;
			/* Across a switch a gap counts even without a loss: a
			 * probe that was not sent (this machine's CPUs were
			 * taken by the nodes' real-time daemons) proves
			 * nothing about the VIP, so the switch costs at most
			 * the gap, and that upper bound is what is reported. */
			if ((i - prev > 1 || s->node != cur) && gap > outage) {
				outage = gap;
				outage_at = slots[prev + 1].sent_ns;
				outage_lost = i - prev - 1;
			}
			if (s->node != cur) {
				int back = 0;

				/* cur is leaving: remember when it was first replaced */
				away_since[cur] = (int64_t)i;
				/* does s->node come back within the window of being replaced? */
				if (away_since[s->node] >= 0 &&
				    s->sent_ns - slots[away_since[s->node]].sent_ns <= dup_window_ns) {
					back = 1;
					switchback++;
				}
				away_since[s->node] = -1;
				fprintf(f, "%s\n    {\"t_ms\": %.3f, \"seq\": %" PRIu64 ", \"from\": ",
					nswitch ? "," : "", ms(s->sent_ns), i);
				json_str(f, names[cur]);
				fprintf(f, ", \"to\": ");
				json_str(f, names[s->node]);
				fprintf(f, ", \"gap_ms\": %.3f%s}", ms(gap),
					back ? ", \"switchback\": true" : "");
				nswitch++;
			}
		}
		cur = s->node;
		prev = i;
		last = i;
	}
	fprintf(f, "%s],\n", nswitch ? "\n  " : "");
	if (last != UINT64_MAX && last + 1 < nslots) {
		int64_t gap = slots[nslots - 1].sent_ns - slots[last].sent_ns;

		if (gap > outage) {
			outage = gap;
			outage_at = slots[last + 1].sent_ns;
			outage_lost = nslots - 1 - last;
			outage_open = 1;
		}
	}
	fprintf(f, "  \"sent\": %" PRIu64 ",\n  \"answered\": %" PRIu64 ",\n  \"lost\": %" PRIu64
		",\n", nslots, answered, nslots - answered);
	fprintf(f, "  \"nodes\": {");
	for (k = 0; k < nnodes; k++) {
		fprintf(f, "%s", k ? ", " : "");
		json_str(f, names[k]);
		fprintf(f, ": %" PRIu64, counts[k]);
	}
	fprintf(f, "},\n");
	if (first != UINT64_MAX) {
		fprintf(f, "  \"first_answer\": {\"t_ms\": %.3f, \"seq\": %" PRIu64 ", \"node\": ",
			ms(slots[first].sent_ns), first);
		json_str(f, names[slots[first].node]);
		fprintf(f, "},\n  \"last_answer\": {\"t_ms\": %.3f, \"seq\": %" PRIu64 ", \"node\": ",
			ms(slots[last].sent_ns), last);
		json_str(f, names[slots[last].node]);
		fprintf(f, "},\n");
	} else {
		fprintf(f, "  \"first_answer\": null,\n  \"last_answer\": null,\n");
	}
	fprintf(f, "  \"outage_ms\": %.3f,\n  \"outage_at_ms\": %.3f,\n  \"outage_lost\": %" PRIu64
		",\n  \"outage_open\": %s,\n", ms(outage), ms(outage_at), outage_lost,
		outage_open ? "true" : "false");
	fprintf(f, "  \"dup\": %" PRIu64 ",\n  \"dup_same_seq\": %" PRIu64
		",\n  \"dup_switchback\": %" PRIu64 ",\n  \"dup_window_ms\": %.3f,\n",
		same_seq + switchback, same_seq, switchback, ms(dup_window_ns));
	fprintf(f, "  \"unknown_replies\": %" PRIu64 "\n}\n", unknown_replies);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: probe --target IP [--port P] [--duration-ms D] [--interval-us U]\n"
		"             [--out FILE] [--stop-file PATH] [--ready-file PATH]\n"
		"             [--dup-window-ms W] [--grace-ms G]\n");
	exit(2);
}

static long long num_arg(const char *s, long long min, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "port", required_argument, NULL, 'p' },
		{ "duration-ms", required_argument, NULL, 'd' },
		{ "interval-us", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "stop-file", required_argument, NULL, 's' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "dup-window-ms", required_argument, NULL, 'w' },
		{ "grace-ms", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *target = NULL, *out = NULL, *stop_file = NULL, *ready_file = NULL;
	unsigned port = 7777;
	int64_t duration_ns = 1000000000, interval_ns = 1000000, dup_window_ns = 1000000000;
	int64_t grace_ns = 200000000;
	struct sockaddr_storage ss;
	socklen_t sl;
	struct sigaction sa;
	int64_t t0, next, now, last_check = 0, end_ns;
	int fd, c;

	while ((c = getopt_long(argc, argv, "t:p:d:i:o:s:r:w:g:h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			target = optarg;
			break;
		case 'p':
			port = (unsigned)num_arg(optarg, 1, 65535);
			break;
		case 'd':
			duration_ns = num_arg(optarg, 0, 86400000LL) * 1000000;
			break;
		case 'i':
			interval_ns = num_arg(optarg, 10, 10000000LL) * 1000;
			break;
		case 'o':
			out = optarg;
			break;
		case 's':
			stop_file = optarg;
			break;
		case 'r':
			ready_file = optarg;
			break;
		case 'w':
			dup_window_ns = num_arg(optarg, 0, 86400000LL) * 1000000;
			break;
		case 'g':
			grace_ns = num_arg(optarg, 0, 60000) * 1000000;
			break;
		default:
			usage();
		}
	}
	if (!target || optind != argc)
		usage();

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, target, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, target, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
		sl = sizeof(struct sockaddr_in6);
	} else {
		fprintf(stderr, "probe: bad --target %s\n", target);
		return 2;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("probe: socket");
	/* connected: only answers from the target address are accepted */
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0)
		die("probe: connect");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	cap = duration_ns ? (uint64_t)(duration_ns / interval_ns) + 16 : 65536;
	slots = malloc(cap * sizeof(*slots));
	if (!slots)
		die("probe: malloc");

	t0 = now_ns();
	next = t0;
	for (;;) {
		char buf[32];
		int len;

		now = now_ns();
		if (stop_signal || (duration_ns && now - t0 >= duration_ns))
			break;
		if (stop_file && now - last_check >= 10000000) {
			struct stat st;

			last_check = now;
			if (stat(stop_file, &st) == 0)
				break;
		}
		if (now < next) {
			wait_readable(fd, next);
			continue;
		}
		if (nslots == cap) {
			struct slot *n = realloc(slots, 2 * cap * sizeof(*slots));

			if (!n)
				die("probe: realloc");
			slots = n;
			cap *= 2;
		}
		len = snprintf(buf, sizeof(buf), "%" PRIu64, nslots);
		slots[nslots].sent_ns = now - t0;
		slots[nslots].node = -1;
		slots[nslots].other = -1;
		nslots++;
		(void)send(fd, buf, (size_t)len, MSG_DONTWAIT); /* errors are losses */
		if (nslots == 1 && ready_file) {
			FILE *rf = fopen(ready_file, "w");

			if (rf)
				fclose(rf);
		}
		/* never burst to catch up: after a stall, continue one interval from now */
		next += interval_ns;
		if (next < now)
			next = now + interval_ns;
		drain(fd);
	}
	end_ns = now_ns();
	while (now_ns() - end_ns < grace_ns)
		wait_readable(fd, end_ns + grace_ns);
	drain(fd);
	close(fd);

	if (out) {
		size_t ol = strlen(out) + 5;
		char *tmp = malloc(ol);
		FILE *f;

		if (!tmp)
			die("probe: malloc");
		snprintf(tmp, ol, "%s.tmp", out);
		f = fopen(tmp, "w");
		if (!f)
			die("probe: open --out");
		summary(f, target, port, interval_ns, dup_window_ns, end_ns - t0);
		if (fclose(f) != 0 || rename(tmp, out) != 0)
			die("probe: write --out");
		free(tmp);
	} else {
		summary(stdout, target, port, interval_ns, dup_window_ns, end_ns - t0);
	}
	free(slots);
	return 0;
}
