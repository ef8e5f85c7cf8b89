/* SPDX-License-Identifier: MIT */
/*
 * Link state from rtnetlink: the RTNLGRP_LINK watcher and its parser
 * (after libmnl's examples/rtnl/rtnl-link-event.c), plus lookups. Every
 * attribute is validated before it is read; never logs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <net/if.h> /* before linux/if.h, for libc-compat */
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>

#include "net/link.h"
#include "net/nl.h"

struct link_watch {
	struct mnl_socket *sock; /* owned, non-blocking */
	char rx[NL_BUF_SIZE];	 /* one datagram */
};

struct parse {
	link_cb_t cb; /* the caller's callback */
	void *ud;     /* its argument */
	int events;   /* reported so far */
	int is_up;    /* link_is_up(): last answer */
};

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFLA_MAX) < 0)
		return MNL_CB_OK;
	switch (type) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0 ||
		    mnl_attr_get_payload_len(attr) > IFNAMSIZ)
			return MNL_CB_ERROR;
		break;
	case IFLA_OPERSTATE:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		break;
	case IFLA_MTU:
	case IFLA_LINK:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		break;
	default:
		return MNL_CB_OK; /* not read */
	}
	tb[type] = attr;
	return MNL_CB_OK;
}

static int link_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFLA_MAX + 1] = {NULL};
	struct parse *p = data;
	const struct ifinfomsg *ifi;
	const char *name = "";
	bool up;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	ifi = mnl_nlmsg_get_payload(nlh);
	if (ifi->ifi_index <= 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, tb) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (tb[IFLA_IFNAME])
		name = mnl_attr_get_str(tb[IFLA_IFNAME]);
	up = nlh->nlmsg_type == RTM_NEWLINK && (ifi->ifi_flags & IFF_UP) &&
	     (ifi->ifi_flags & IFF_RUNNING);
	if (up && tb[IFLA_OPERSTATE]) {
		uint8_t op = mnl_attr_get_u8(tb[IFLA_OPERSTATE]);

		up = op == IF_OPER_UP || op == IF_OPER_UNKNOWN;
	}
	p->is_up = up;
	p->events++;
	if (p->cb)
		p->cb(ifi->ifi_index, name, up, p->ud);
	return MNL_CB_OK;
}

int link_parse(const void *buf, size_t len, link_cb_t cb, void *ud)
{
	struct parse p = {.cb = cb, .ud = ud};
	int r;

	if (!nl_frames_ok(buf, len))
		return -EBADMSG;
	errno = 0;
	r = mnl_cb_run(buf, len, 0, 0, link_msg_cb, &p);
	if (r == MNL_CB_ERROR)
		return errno ? -errno : -EBADMSG;
	return p.events;
}

int link_watch_open(struct link_watch **ret_lw)
{
	struct link_watch *lw;
	int r;

	lw = calloc(1, sizeof(*lw));
	if (!lw)
		return -ENOMEM;
	lw->sock =
		mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!lw->sock) {
		r = -errno;
		goto out_free;
	}
	if (mnl_socket_bind(lw->sock, 1U << (RTNLGRP_LINK - 1),
			    MNL_SOCKET_AUTOPID) == -1) {
		r = -errno;
		goto out_close;
	}
	*ret_lw = lw;
	return mnl_socket_get_fd(lw->sock);

out_close:
	mnl_socket_close(lw->sock);
out_free:
	free(lw);
	return r;
}

void link_watch_free(struct link_watch *lw)
{
	if (!lw)
		return;
	mnl_socket_close(lw->sock);
	free(lw);
}

int link_watch_read(struct link_watch *lw, link_cb_t cb, void *ud)
{
	int events = 0;
	ssize_t n;
	int r;

	/* Something changed (or events were lost: ENOBUFS): the callbacks
	 * below may announce at once, with a fresh MAC. */
	link_hwaddr_forget();
	for (;;) {
		n = mnl_socket_recvfrom(lw->sock, lw->rx, sizeof(lw->rx));
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return events;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		r = link_parse(lw->rx, (size_t)n, cb, ud);
		if (r < 0)
			return r;
		events += r;
	}
}

int link_index(const char *ifname)
{
	unsigned idx = if_nametoindex(ifname);

	if (idx == 0)
		return errno == ENXIO ? -ENODEV : -errno;
	return (int)idx;
}

int link_is_up(struct nl *nl, int ifindex)
{
	struct parse p = {0};
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int r;

	if (ifindex <= 0)
		return -EINVAL;
	nlh = nl_msg(nl, RTM_GETLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	r = nl_call(nl, nlh, link_msg_cb, &p, NULL, 0);
	if (r < 0)
		return r;
	return p.events ? p.is_up : -ENODEV;
}

/* Hardware addresses looked up since the last link event: a failover of
 * many VIPs announces each on the same few interfaces, and two ioctls
 * per announcement were a tenth of its cost. */
#define HW_CACHE 8
static struct {
	int ifindex; /* 0: free */
	uint8_t mac[6];
} hw_cache[HW_CACHE];
static unsigned hw_next;

void link_hwaddr_forget(void)
{
	memset(hw_cache, 0, sizeof(hw_cache));
}

static int hwaddr_query(int ifindex, uint8_t mac[6]);

int link_hwaddr(int ifindex, uint8_t mac[6])
{
	int r;

	for (unsigned i = 0; i < HW_CACHE; i++)
		if (hw_cache[i].ifindex == ifindex && ifindex > 0) {
			memcpy(mac, hw_cache[i].mac, 6);
			return 0;
		}
	r = hwaddr_query(ifindex, mac);
	if (r == 0) {
		hw_cache[hw_next].ifindex = ifindex;
		memcpy(hw_cache[hw_next].mac, mac, 6);
		hw_next = (hw_next + 1) % HW_CACHE;
	}
	return r;
}

static int hwaddr_query(int ifindex, uint8_t mac[6])
{
	static int fd = -1; /* ioctl socket, kept for the process's life */
	struct ifreq ifr = {0};

	if (fd < 0) {
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd == -1)
			return -errno;
	}
	ifr.ifr_ifindex = ifindex;
	if (ioctl(fd, SIOCGIFNAME, &ifr) == -1 ||
	    ioctl(fd, SIOCGIFHWADDR, &ifr) == -1)
		return -errno;
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		return -EOPNOTSUPP;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}
