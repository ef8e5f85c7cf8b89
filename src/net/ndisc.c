/* SPDX-License-Identifier: MIT */
/*
 * Unsolicited NA over a raw ICMPv6 socket: the kernel fills the IPv6
 * header and the checksum, we choose source, interface and hop limit per
 * message with IPV6_PKTINFO / IPV6_HOPLIMIT. Never logs.
 */
#define _GNU_SOURCE /* struct in6_pktinfo */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "net/link.h"
#include "net/ndisc.h"

/*
 * RFC 4861 §4.4 NA with a target link-layer address option, 32 bytes:
 *
 *   +------+------+-------+-------------+--------+------+-----+-----+
 *   | type | code | cksum | R|S|O| rsv | target | type | len | mac |
 *   |  1   |  1   |   2   |      4      |   16   |  1   |  1  |  6  |
 *   +------+------+-------+-------------+--------+------+-----+-----+
 */
struct na_tlla {
	struct nd_neighbor_advert na; /* header and target */
	struct nd_opt_hdr opt;	      /* ND_OPT_TARGET_LINKADDR, len 1 */
	uint8_t mac[6];		      /* our link-layer address */
} __attribute__((packed));

static int na_fd = -1; /* send-only ICMPv6 socket, kept open */

static int fail(int r, const char *what, char *reason, size_t len)
{
	if (reason && len)
		snprintf(reason, len, "%s: %s", what, strerror(-r));
	return r;
}

static int send_na(int fd, int ifindex, const uint8_t ipv6[16],
		   const uint8_t *dst6, const struct na_tlla *p)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
			 CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u = {0};
	struct sockaddr_in6 dst = {.sin6_family = AF_INET6,
				   .sin6_scope_id = (uint32_t)ifindex};
	struct iovec iov = {.iov_base = (void *)(uintptr_t)p,
			    .iov_len = sizeof(*p)};
	struct msghdr msg = {.msg_name = &dst,
			     .msg_namelen = sizeof(dst),
			     .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	struct in6_pktinfo pi = {.ipi6_ifindex = (unsigned)ifindex};
	int hops = 255; /* RFC 4861 §7.1.2: receivers drop anything less */

	if (dst6)
		memcpy(&dst.sin6_addr, dst6, 16);
	else
		inet_pton(AF_INET6, "ff02::1", &dst.sin6_addr);
	memcpy(&pi.ipi6_addr, ipv6, 16);
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	c = CMSG_NXTHDR(&msg, c);
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_HOPLIMIT;
	c->cmsg_len = CMSG_LEN(sizeof(hops));
	memcpy(CMSG_DATA(c), &hops, sizeof(hops));
	if (sendmsg(fd, &msg, 0) == -1)
		return -errno;
	return 0;
}

/* The process's send-only ICMPv6 socket, opened on first use. */
static int na_socket(char *reason, size_t len)
{
	struct icmp6_filter filt;
	int fd, r, zero = 0;

	/* One send-only socket for the process's life: a socket per
	 * announcement cost a quarter of a 1,000-VIP acquisition. */
	fd = na_fd;
	if (fd < 0) {
		fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
		if (fd == -1)
			return fail(-errno, "icmpv6 socket", reason, len);
		/* send-only: queue nothing while the socket is open */
		ICMP6_FILTER_SETBLOCKALL(&filt);
		if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filt,
			       sizeof(filt)) == -1) {
			r = fail(-errno, "icmpv6 filter", reason, len);
			close(fd);
			return r;
		}
		/* Our own stack has no use for our announcements: looped
		 * back, each walked the interface's multicast list (one
		 * group per VIP address), a sixth of a failover of 1,000
		 * IPv6 VIPs. */
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero,
			       sizeof(zero)) == -1) {
			r = fail(-errno, "icmpv6 multicast loop", reason, len);
			close(fd);
			return r;
		}
		na_fd = fd;
	}
	return fd;
}

/* One NA for ipv6 to dst6 (NULL: all nodes), override flag only: RFC
 * 4861 §4.4 keeps the solicited flag for answers to a solicitation. */
static int na_send(int ifindex, const uint8_t ipv6[16], const uint8_t *dst6,
		   char *reason, size_t len)
{
	struct na_tlla p = {0};
	int fd, r;

	if (reason && len)
		reason[0] = '\0';
	r = link_hwaddr(ifindex, p.mac);
	if (r < 0)
		return fail(r, "hardware address", reason, len);
	p.na.nd_na_type = ND_NEIGHBOR_ADVERT;
	p.na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;
	memcpy(&p.na.nd_na_target, ipv6, 16);
	p.opt.nd_opt_type = ND_OPT_TARGET_LINKADDR;
	p.opt.nd_opt_len = 1; /* in units of 8 bytes */
	fd = na_socket(reason, len);
	if (fd < 0)
		return fd;
	r = send_na(fd, ifindex, ipv6, dst6, &p);
	if (r < 0 && reason && len && !reason[0])
		fail(r, "send", reason, len);
	return r;
}

int ndisc_send_na(int ifindex, const uint8_t ipv6[16], char *reason, size_t len)
{
	return na_send(ifindex, ipv6, NULL, reason, len);
}

int ndisc_send_na_peer(int ifindex, const uint8_t ipv6[16],
		       const uint8_t peer[16], char *reason, size_t len)
{
	return na_send(ifindex, ipv6, peer, reason, len);
}
