/* SPDX-License-Identifier: MIT */
/*
 * Gratuitous ARP over a SOCK_DGRAM packet socket: the kernel writes the
 * Ethernet header, we write the ARP payload (after keepalived's
 * vrrp_arp.c). Opens and closes its socket per call; never logs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

#include "net/garp.h"
#include "net/link.h"

/*
 * RFC 826 ARP for Ethernet/IPv4, 28 bytes:
 *
 *   +-------+-------+----+----+----+-----+-----+-----+-----+
 *   | htype | ptype |hlen|plen| op | sha | spa | tha | tpa |
 *   |   2   |   2   | 1  | 1  | 2  |  6  |  4  |  6  |  4  |
 *   +-------+-------+----+----+----+-----+-----+-----+-----+
 */
struct arp_eth {
	struct arphdr h;       /* fixed header */
	uint8_t sha[ETH_ALEN]; /* sender MAC: ours */
	uint8_t spa[4];	       /* sender IP: the VIP */
	uint8_t tha[ETH_ALEN]; /* target MAC: zero in a request */
	uint8_t tpa[4];	       /* target IP: the VIP again */
} __attribute__((packed));

static int garp_fd = -1; /* send-only packet socket, kept open */

static int fail(int r, const char *what, char *reason, size_t len)
{
	if (reason && len)
		snprintf(reason, len, "%s: %s", what, strerror(-r));
	return r;
}

/* Sends one ARP packet on ifindex to the Ethernet address dst. */
static int arp_send(int ifindex, const uint8_t dst[ETH_ALEN],
		    const struct arp_eth *p, char *reason, size_t len)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ARP),
		.sll_ifindex = ifindex,
		.sll_halen = ETH_ALEN,
	};
	int fd = garp_fd;

	memcpy(sll.sll_addr, dst, ETH_ALEN);
	/* protocol 0: a send-only socket, nothing is queued for reading;
	 * one for the process's life, not one per announcement */
	if (fd < 0) {
		fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd == -1)
			return fail(-errno, "packet socket", reason, len);
		garp_fd = fd;
	}
	if (sendto(fd, p, sizeof(*p), 0, (struct sockaddr *)&sll,
		   sizeof(sll)) == -1)
		return fail(-errno, "send", reason, len);
	return 0;
}

/* Fills the fixed header and our MAC; 0 or -errno with a reason. */
static int arp_init(struct arp_eth *p, int ifindex, uint16_t op,
		    char *reason, size_t len)
{
	int r;

	memset(p, 0, sizeof(*p));
	if (reason && len)
		reason[0] = '\0';
	r = link_hwaddr(ifindex, p->sha);
	if (r < 0)
		return fail(r, "hardware address", reason, len);
	p->h.ar_hrd = htons(ARPHRD_ETHER);
	p->h.ar_pro = htons(ETH_P_IP);
	p->h.ar_hln = ETH_ALEN;
	p->h.ar_pln = 4;
	p->h.ar_op = htons(op);
	return 0;
}

static const uint8_t bcast[ETH_ALEN] = {0xff, 0xff, 0xff,
					0xff, 0xff, 0xff};

int garp_send(int ifindex, const uint8_t ipv4[4], char *reason, size_t len)
{
	struct arp_eth p;
	int r = arp_init(&p, ifindex, ARPOP_REQUEST, reason, len);

	if (r < 0)
		return r;
	memcpy(p.spa, ipv4, 4);
	memcpy(p.tpa, ipv4, 4);
	return arp_send(ifindex, bcast, &p, reason, len);
}

int garp_send_peer(int ifindex, const uint8_t ipv4[4], const uint8_t peer[4],
		   const uint8_t *peer_mac, char *reason, size_t len)
{
	struct arp_eth p;
	int r = arp_init(&p, ifindex, ARPOP_REQUEST, reason, len);

	if (r < 0)
		return r;
	memcpy(p.spa, ipv4, 4);
	memcpy(p.tpa, peer, 4);
	return arp_send(ifindex, peer_mac ? peer_mac : bcast, &p, reason,
			len);
}
