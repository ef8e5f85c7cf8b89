/* netem: loss, delay and jitter between two interfaces, in user space: the bed's stand-in for
 * tc netem on kernels without sch_netem (bed_netem in bed.sh wires it into a node's link).
 *
 * netem --a IF --b IF [--delay-ms 50] [--jitter-ms 50] [--loss-pct 30] [--seed N]
 *       [--ready-file PATH]
 *
 * Every frame that arrives on one interface is dropped with probability loss-pct %, or else
 * sent out of the other one delay-ms +- jitter-ms later (uniform, as netem's "delay D J"), so
 * frames reorder as they do under netem. Each direction draws on its own. The frame's
 * checksum and segmentation state travels with it (PACKET_VNET_HDR), so a frame whose
 * checksum the sender left to offload arrives valid. PATH is created once both sockets are
 * bound. Runs until SIGINT or SIGTERM, its parent's death or one of the interfaces' removal,
 * then prints its counts on stderr.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAME_MAX (65536 + 64)
#define PENDING_MAX 8192

struct frame {
	int64_t due_ns;
	uint64_t seq;       /* arrival order: equal due times leave in it */
	int out;            /* socket index to send on */
	size_t len;
	unsigned char *data;
};

struct dir_count {
	uint64_t in, dropped, sent, send_errors, overflow;
};

static volatile sig_atomic_t stop;
static struct frame heap[PENDING_MAX];
static size_t heap_len;
static uint64_t rng_state;

static void on_signal(int sig) { (void)sig; stop = 1; }

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* xorshift64*: a number in [0, n) */
static uint64_t rnd(uint64_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (rng_state * 2685821657736338717ULL) % n;
}

static int earlier(const struct frame *x, const struct frame *y)
{
	return x->due_ns < y->due_ns || (x->due_ns == y->due_ns && x->seq < y->seq);
}

static void heap_push(struct frame f)
{
	size_t i = heap_len++;
	heap[i] = f;
	while (i > 0 && earlier(&heap[i], &heap[(i - 1) / 2])) {
		struct frame t = heap[i];
		heap[i] = heap[(i - 1) / 2];
		heap[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static struct frame heap_pop(void)
{
	struct frame top = heap[0];
	size_t i = 0;
	heap[0] = heap[--heap_len];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < heap_len && earlier(&heap[l], &heap[m]))
			m = l;
		if (r < heap_len && earlier(&heap[r], &heap[m]))
			m = r;
		if (m == i)
			break;
		struct frame t = heap[i];
		heap[i] = heap[m];
		heap[m] = t;
		i = m;
	}
	return top;
}

/* open_port IFNAME : a packet socket bound to IFNAME that reads and writes whole frames with
 * a virtio_net_hdr in front; exits with a message naming IFNAME on failure. */
static int open_port(const char *ifname)
{
	int one = 1, rcvbuf = 8 << 20;
	unsigned idx = if_nametoindex(ifname);
	if (idx == 0) {
		fprintf(stderr, "netem: no interface '%s': %s\n", ifname, strerror(errno));
		exit(2);
	}
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = (int)idx };
	if (fd < 0 || setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
		fprintf(stderr, "netem: packet socket on '%s': %s (needs root)\n", ifname,
			strerror(errno));
		exit(2);
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
	return fd;
}

struct params {
	int64_t delay_ns, jitter_ns;
	unsigned loss_pct;
};

/* take IN : read every waiting frame from fds[in] and queue or drop it for the other side;
 * 0, or -1 once the interface is gone (a port that goes down only reports ENETDOWN, which
 * reading clears, and comes back up) */
static int take(const int fds[2], int in, const struct params *p, struct dir_count *c,
		uint64_t *seq, const char *ifname)
{
	static unsigned char buf[FRAME_MAX];
	for (;;) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(fds[in], buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return errno == ENETDOWN && if_nametoindex(ifname) == 0 ? -1 : 0;
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue; /* a frame this program sent */
		c->in++;
		if (rnd(100) < p->loss_pct) {
			c->dropped++;
			continue;
		}
		if (heap_len == PENDING_MAX) {
			c->overflow++;
			continue;
		}
		int64_t d = p->delay_ns;
		if (p->jitter_ns > 0)
			d += (int64_t)rnd((uint64_t)(2 * p->jitter_ns + 1)) - p->jitter_ns;
		struct frame f = { .due_ns = now_ns() + (d > 0 ? d : 0), .seq = (*seq)++,
				   .out = 1 - in, .len = (size_t)n, .data = malloc((size_t)n) };
		if (!f.data) {
			c->overflow++;
			continue;
		}
		memcpy(f.data, buf, (size_t)n);
		heap_push(f);
	}
	return 0;
}

/* send_due : send every queued frame whose time has come; returns the poll timeout in ms
 * until the next one (-1: none queued). */
static int send_due(const int fds[2], struct dir_count cnt[2])
{
	int64_t now = now_ns();
	while (heap_len > 0 && heap[0].due_ns <= now) {
		struct frame f = heap_pop();
		struct dir_count *c = &cnt[1 - f.out];
		if (send(fds[f.out], f.data, f.len, 0) == (ssize_t)f.len)
			c->sent++;
		else
			c->send_errors++;
		free(f.data);
	}
	if (heap_len == 0)
		return -1;
	return (int)((heap[0].due_ns - now + 999999) / 1000000);
}

static void usage(void)
{
	fprintf(stderr, "usage: netem --a IF --b IF [--delay-ms 50] [--jitter-ms 50] "
			"[--loss-pct 30] [--seed N] [--ready-file PATH]\n");
	exit(2);
}

static long num_arg(const char *name, const char *s, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 0 || v > max) {
		fprintf(stderr, "netem: --%s wants a number from 0 to %ld, not '%s'\n", name, max, s);
		exit(2);
	}
	return v;
}

/* parse : the options into *p, the interfaces into if_ab, --ready-file into *ready */
static void parse(int argc, char **argv, struct params *p, const char *if_ab[2], const char **ready)
{
	static const struct option opts[] = {
		{ "a", required_argument, 0, 'a' },	    { "b", required_argument, 0, 'b' },
		{ "delay-ms", required_argument, 0, 'd' },  { "jitter-ms", required_argument, 0, 'j' },
		{ "loss-pct", required_argument, 0, 'l' },  { "seed", required_argument, 0, 's' },
		{ "ready-file", required_argument, 0, 'r' }, { 0, 0, 0, 0 }
	};
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'a': if_ab[0] = optarg; break;
		case 'b': if_ab[1] = optarg; break;
		case 'd': p->delay_ns = num_arg("delay-ms", optarg, 60000) * 1000000; break;
		case 'j': p->jitter_ns = num_arg("jitter-ms", optarg, 60000) * 1000000; break;
		case 'l': p->loss_pct = (unsigned)num_arg("loss-pct", optarg, 100); break;
		case 's': rng_state = (uint64_t)num_arg("seed", optarg, 0x7fffffffL) * 2 + 1; break;
		case 'r': *ready = optarg; break;
		default: usage();
		}
	}
	if (!if_ab[0] || !if_ab[1] || optind != argc)
		usage();
}

int main(int argc, char **argv)
{
	const char *ifs[2] = { NULL, NULL }, *ready = NULL;
	struct params p = { .delay_ns = 50000000, .jitter_ns = 50000000, .loss_pct = 30 };
	rng_state = (uint64_t)now_ns() | 1;
	parse(argc, argv, &p, ifs, &ready);
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive the bed that started it */
	int fds[2] = { open_port(ifs[0]), open_port(ifs[1]) };
	if (ready) {
		FILE *f = fopen(ready, "w");
		if (!f || fclose(f) != 0) {
			fprintf(stderr, "netem: cannot create %s: %s\n", ready, strerror(errno));
			return 2;
		}
	}
	struct dir_count cnt[2] = { { 0 }, { 0 } };
	uint64_t seq = 0;
	int timeout = -1;
	while (!stop) {
		struct pollfd pfd[2] = { { fds[0], POLLIN, 0 }, { fds[1], POLLIN, 0 } };
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) /* POLLERR too: reading clears the error */
			if (pfd[i].revents && take(fds, i, &p, &cnt[i], &seq, ifs[i]) < 0) {
				fprintf(stderr, "netem: interface %s is gone\n", ifs[i]);
				stop = 1;
			}
		timeout = send_due(fds, cnt);
	}
	while (heap_len > 0)
		free(heap_pop().data);
	for (int i = 0; i < 2; i++)
		fprintf(stderr,
			"netem: %s -> %s: %llu in, %llu dropped, %llu sent, %llu send errors, "
			"%llu over the queue\n",
			ifs[i], ifs[1 - i], (unsigned long long)cnt[i].in,
			(unsigned long long)cnt[i].dropped, (unsigned long long)cnt[i].sent,
			(unsigned long long)cnt[i].send_errors, (unsigned long long)cnt[i].overflow);
	return 0;
}
