/* responder: UDP echo with identity for the network test bed.
 *
 * responder --name NAME [--port PORT]
 *
 * Binds INADDR_ANY and in6addr_any (IPV6_V6ONLY) on PORT (default 7777) and answers every
 * datagram with "<NAME> <payload>", sent from the address the datagram was sent to
 * (IP_PKTINFO / IPV6_RECVPKTINFO), so a client talking to a VIP gets its answer from the VIP
 * and not from the node's primary address. The kernel delivers to the wildcard socket only
 * datagrams for local addresses, so a node answers for a VIP only while it holds the address
 * (and while vipd's nftables gate lets the packet in). Runs until SIGINT/SIGTERM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int open_socket(int family, unsigned short port)
{
	int one = 1;
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		perror("responder: socket");
		return -1;
	}
	if (family == AF_INET6) {
		struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6, .sin6_port = htons(port),
					    .sin6_addr = IN6ADDR_ANY_INIT };

		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0 ||
		    bind(fd, (struct sockaddr *)&sa6, sizeof(sa6)) < 0) {
			perror("responder: ipv6");
			close(fd);
			return -1;
		}
	} else {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
					  .sin_addr = { htonl(INADDR_ANY) } };

		if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
		    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			perror("responder: ipv4");
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Answer one datagram on fd; returns 0, or -1 on a fatal error. */
static int answer(int fd, const char *name, size_t name_len)
{
	char buf[512];
	char out[600];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
	} cin, cout;
	struct sockaddr_storage peer;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = { .msg_name = &peer, .msg_namelen = sizeof(peer), .msg_iov = &iov,
			      .msg_iovlen = 1, .msg_control = cin.buf,
			      .msg_controllen = sizeof(cin.buf) };
	struct cmsghdr *c;
	ssize_t n;
	size_t len, ctl_len = 0;

	n = recvmsg(fd, &msg, MSG_DONTWAIT);
	if (n < 0)
		return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
	len = (size_t)n;
	if (len + name_len + 1 > sizeof(out))
		len = sizeof(out) - name_len - 1;
	memcpy(out, name, name_len);
	out[name_len] = ' ';
	memcpy(out + name_len + 1, buf, len);

	memset(&cout, 0, sizeof(cout));
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo in, pi;
			struct cmsghdr *o = (struct cmsghdr *)cout.buf;

			memcpy(&in, CMSG_DATA(c), sizeof(in));
			memset(&pi, 0, sizeof(pi));
			pi.ipi_spec_dst = in.ipi_addr; /* reply from the destination address */
			o->cmsg_level = IPPROTO_IP;
			o->cmsg_type = IP_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(o), &pi, sizeof(pi));
			ctl_len = CMSG_SPACE(sizeof(pi));
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			struct cmsghdr *o = (struct cmsghdr *)cout.buf;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			pi.ipi6_ifindex = 0;
			o->cmsg_level = IPPROTO_IPV6;
			o->cmsg_type = IPV6_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(o), &pi, sizeof(pi));
			ctl_len = CMSG_SPACE(sizeof(pi));
		}
	}
	iov.iov_base = out;
	iov.iov_len = name_len + 1 + len;
	msg.msg_control = ctl_len ? cout.buf : NULL;
	msg.msg_controllen = ctl_len;
	msg.msg_flags = 0;
	/* A failed send (address just removed, no route) is not fatal: the client sees a loss. */
	(void)sendmsg(fd, &msg, MSG_DONTWAIT);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: responder --name NAME [--port PORT]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "port", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL;
	unsigned long port = 7777;
	struct pollfd pfd[2];
	struct sigaction sa;
	size_t name_len;
	int c, i;

	while ((c = getopt_long(argc, argv, "n:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		case 'p': {
			char *end;

			port = strtoul(optarg, &end, 10);
			if (*end || port == 0 || port > 65535)
				usage();
			break;
		}
		default:
			usage();
		}
	}
	if (!name || optind != argc)
		usage();
	name_len = strlen(name);
	if (name_len == 0 || name_len > 64)
		usage();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	pfd[0].fd = open_socket(AF_INET, (unsigned short)port);
	pfd[1].fd = open_socket(AF_INET6, (unsigned short)port);
	if (pfd[0].fd < 0 || pfd[1].fd < 0)
		return 1;
	pfd[0].events = pfd[1].events = POLLIN;
	fprintf(stderr, "responder %s: listening on port %lu\n", name, port);

	while (!stop) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("responder: poll");
			return 1;
		}
		for (i = 0; i < 2; i++) {
			if ((pfd[i].revents & POLLIN) && answer(pfd[i].fd, name, name_len) < 0) {
				perror("responder: recvmsg");
				return 1;
			}
		}
	}
	return 0;
}
