// SPDX-License-Identifier: MIT
/*
 * The client side of actuator.sh, run in the client namespace: waits for
 * a gratuitous ARP or an unsolicited NA on a packet socket and prints the
 * announced MAC (garp-all, na-all: every one until the deadline, with the
 * ms since start; cluster-basic counts vipd's repeats), or sends one ICMP
 * echo and says whether it was answered.
 * Exit 0 when seen/answered, 1 on timeout, 2 on bad usage or error.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>
#include <sys/socket.h>

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 when fd is readable before the deadline, 0 if not */
static int wait_readable(int fd, long deadline)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	long left;

	while ((left = deadline - now_ms()) > 0) {
		if (poll(&pfd, 1, (int)left) == 1)
			return 1;
	}
	return 0;
}

/* waits up to the deadline for a datagram; returns its length or -1 */
static ssize_t recv_until(int fd, void *buf, size_t size, long deadline)
{
	if (!wait_readable(fd, deadline))
		return -1;
	return recv(fd, buf, size, 0);
}

static int packet_socket(const char *dev, uint16_t proto)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET,
				  .sll_protocol = htons(proto)};
	int fd;

	sll.sll_ifindex = (int)if_nametoindex(dev);
	fd = socket(AF_PACKET, SOCK_RAW, htons(proto));
	if (fd == -1 || sll.sll_ifindex == 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		perror(dev);
		exit(2);
	}
	printf("ready\n");
	fflush(stdout);
	return fd;
}

static void print_mac(const uint8_t *m)
{
	printf("%02x:%02x:%02x:%02x:%02x:%02x\n", m[0], m[1], m[2], m[3], m[4],
	       m[5]);
}

/* all: every one until the deadline, each as "MAC MS" (ms since start) */
static int seen_one(const uint8_t *mac, int all, long start, int *seen)
{
	if (!all) {
		print_mac(mac);
		return 1;
	}
	printf("%02x:%02x:%02x:%02x:%02x:%02x %ld\n", mac[0], mac[1], mac[2],
	       mac[3], mac[4], mac[5], now_ms() - start);
	fflush(stdout);
	(*seen)++;
	return 0;
}

/* Ethernet + ARP: broadcast request with spa == tpa == ip */
static int wait_garp(const char *dev, const char *ip, long deadline, int all)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint8_t p[128], a[4];
	int fd = packet_socket(dev, ETH_P_ARP), seen = 0;
	long start = now_ms();
	ssize_t n;

	if (inet_pton(AF_INET, ip, a) != 1)
		return 2;
	/* until the deadline (or an error); a shorter frame is not ours */
	while ((n = recv_until(fd, p, sizeof(p), deadline)) >= 0) {
		if (n >= 42 && memcmp(p, bcast, 6) == 0 && p[20] == 0 &&
		    p[21] == 1 && memcmp(p + 28, a, 4) == 0 &&
		    memcmp(p + 38, a, 4) == 0 &&
		    memcmp(p + 22, p + 6, 6) == 0 &&
		    seen_one(p + 22, all, start, &seen))
			return 0;
	}
	return seen ? 0 : 1;
}

/* Ethernet + IPv6 + NA: to ff02::1, hop limit 255, O flag, TLLA */
static int wait_na(const char *dev, const char *ip, long deadline,
		   int every)
{
	uint8_t p[256], a[16], all[16];
	int fd = packet_socket(dev, ETH_P_IPV6), seen = 0;
	long start = now_ms();
	ssize_t n;

	if (inet_pton(AF_INET6, ip, a) != 1)
		return 2;
	inet_pton(AF_INET6, "ff02::1", all);
	/* until the deadline (or an error): a shorter IPv6 packet (a DAD
	 * solicitation, 78 bytes) is skipped, not the end of the wait */
	while ((n = recv_until(fd, p, sizeof(p), deadline)) >= 0) {
		const uint8_t *ip6 = p + 14, *na = p + 54;

		if (n < 14 + 40 + 32 || ip6[6] != IPPROTO_ICMPV6 ||
		    ip6[7] != 255 || memcmp(ip6 + 24, all, 16) != 0 ||
		    na[0] != ND_NEIGHBOR_ADVERT || !(na[4] & 0x20) ||
		    memcmp(na + 8, a, 16) != 0)
			continue;
		if (na[24] == ND_OPT_TARGET_LINKADDR && na[25] == 1 &&
		    seen_one(na + 26, every, start, &seen))
			return 0;
	}
	return seen ? 0 : 1;
}

static uint16_t csum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* one echo request; 0 if the matching reply came from ip in time */
static int ping4(const char *ip, long deadline)
{
	struct sockaddr_in dst = {.sin_family = AF_INET};
	struct icmphdr req = {.type = ICMP_ECHO};
	uint8_t p[1500];
	uint16_t id = (uint16_t)getpid();
	ssize_t n;
	int fd;

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (fd == -1 || inet_pton(AF_INET, ip, &dst.sin_addr) != 1)
		return 2;
	req.un.echo.id = htons(id);
	req.un.echo.sequence = htons(1);
	req.checksum = csum(&req, sizeof(req));
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&dst,
		   sizeof(dst)) == -1)
		return 1; /* e.g. no neighbour yet: unanswered */
	while ((n = recv_until(fd, p, sizeof(p), deadline)) >= 28) {
		const struct iphdr *h = (const struct iphdr *)p;
		const struct icmphdr *r = (const void *)(p + h->ihl * 4);

		if (h->saddr == dst.sin_addr.s_addr &&
		    r->type == ICMP_ECHOREPLY && r->un.echo.id == htons(id))
			return 0;
	}
	return 1;
}

static int ping6(const char *ip, long deadline)
{
	struct sockaddr_in6 dst = {.sin6_family = AF_INET6}, from;
	struct icmp6_hdr req = {.icmp6_type = ICMP6_ECHO_REQUEST}, r;
	uint16_t id = (uint16_t)getpid();
	socklen_t flen;
	int fd;

	fd = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
	if (fd == -1 || inet_pton(AF_INET6, ip, &dst.sin6_addr) != 1)
		return 2;
	req.icmp6_id = htons(id);
	req.icmp6_seq = htons(1);
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&dst,
		   sizeof(dst)) == -1)
		return 1;
	for (;;) {
		flen = sizeof(from);
		if (!wait_readable(fd, deadline))
			return 1;
		if (recvfrom(fd, &r, sizeof(r), 0, (struct sockaddr *)&from,
			     &flen) < (ssize_t)sizeof(r))
			continue;
		if (memcmp(&from.sin6_addr, &dst.sin6_addr, 16) == 0 &&
		    r.icmp6_type == ICMP6_ECHO_REPLY && r.icmp6_id == htons(id))
			return 0;
	}
}

int main(int argc, char **argv)
{
	long deadline;

	if (argc < 3)
		goto usage;
	deadline = now_ms() + atol(argv[argc - 1]);
	if (strcmp(argv[1], "garp") == 0 && argc == 5)
		return wait_garp(argv[2], argv[3], deadline, 0);
	if (strcmp(argv[1], "na") == 0 && argc == 5)
		return wait_na(argv[2], argv[3], deadline, 0);
	if (strcmp(argv[1], "garp-all") == 0 && argc == 5)
		return wait_garp(argv[2], argv[3], deadline, 1);
	if (strcmp(argv[1], "na-all") == 0 && argc == 5)
		return wait_na(argv[2], argv[3], deadline, 1);
	if (strcmp(argv[1], "ping") == 0 && argc == 4)
		return strchr(argv[2], ':') ? ping6(argv[2], deadline)
					    : ping4(argv[2], deadline);
usage:
	fprintf(stderr, "usage: %s garp|na|garp-all|na-all DEV ADDR MS | "
		"ping ADDR MS\n",
		argv[0]);
	return 2;
}
