/* SPDX-License-Identifier: MIT */
/*
 * RTM_NEWADDR / RTM_DELADDR / RTM_GETADDR for VIP addresses, after
 * iproute2's ipaddr_modify(). Every call is a single request on the
 * shared nl socket; never logs, never allocates.
 */
#include <errno.h>
#include <string.h>

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "net/addr.h"
#include "net/nl.h"

static size_t addr_size(const struct conf_addr *a)
{
	if (a->family == AF_INET && a->prefixlen <= 32)
		return 4;
	if (a->family == AF_INET6 && a->prefixlen <= 128)
		return 16;
	return 0;
}

static struct nlmsghdr *addr_msg(struct nl *nl, uint16_t type, uint16_t flags,
				 int ifindex, const struct conf_addr *a,
				 size_t alen)
{
	struct nlmsghdr *nlh = nl_msg(nl, type, flags);
	struct ifaddrmsg *ifa;

	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_prefixlen = a->prefixlen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, alen, a->addr);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, a->addr);
	return nlh;
}

int addr_add(struct nl *nl, int ifindex, const struct conf_addr *a,
	     uint32_t valid_s, char *reason, size_t len)
{
	struct ifa_cacheinfo ci = {.ifa_prefered = valid_s,
				   .ifa_valid = valid_s};
	size_t alen = addr_size(a);
	struct nlmsghdr *nlh;
	uint32_t flags = 0;

	if (!alen || valid_s == 0 || ifindex <= 0)
		return -EINVAL;
	nlh = addr_msg(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, ifindex,
		       a, alen);
	if (a->family == AF_INET6)
		flags |= IFA_F_NODAD;
	/* the 8-bit ifa_flags and the 32-bit IFA_FLAGS, as iproute2 does */
	((struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_flags =
		(uint8_t)flags;
	mnl_attr_put_u32(nlh, IFA_FLAGS, flags);
	mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(ci), &ci);
	return nl_call(nl, nlh, NULL, NULL, reason, len);
}

int addr_del(struct nl *nl, int ifindex, const struct conf_addr *a,
	     char *reason, size_t len)
{
	size_t alen = addr_size(a);
	struct nlmsghdr *nlh;
	int r;

	if (!alen || ifindex <= 0)
		return -EINVAL;
	nlh = addr_msg(nl, RTM_DELADDR, 0, ifindex, a, alen);
	r = nl_call(nl, nlh, NULL, NULL, reason, len);
	if (r == -EADDRNOTAVAIL || r == -ENODEV || r == -ENOENT) {
		if (reason && len)
			reason[0] = '\0';
		return 0;
	}
	return r;
}

struct present {
	const struct conf_addr *a; /* wanted */
	size_t alen;		   /* its length in bytes */
	int ifindex;		   /* on this interface */
	int found;		   /* 1 when seen */
};

static int present_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFA_MAX) < 0)
		return MNL_CB_OK;
	if ((type == IFA_ADDRESS || type == IFA_LOCAL) &&
	    mnl_attr_validate(attr, MNL_TYPE_BINARY) < 0)
		return MNL_CB_ERROR;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int present_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFA_MAX + 1] = {NULL};
	struct present *p = data;
	const struct ifaddrmsg *ifa;
	const struct nlattr *at;

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return MNL_CB_OK;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != p->a->family ||
	    ifa->ifa_prefixlen != p->a->prefixlen ||
	    ifa->ifa_index != (uint32_t)p->ifindex)
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(*ifa), present_attr_cb, tb) < 0)
		return MNL_CB_ERROR;
	/* IFA_LOCAL is the address itself; IFA_ADDRESS may be a peer */
	at = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (at && mnl_attr_get_payload_len(at) == p->alen &&
	    memcmp(mnl_attr_get_payload(at), p->a->addr, p->alen) == 0)
		p->found = 1;
	return MNL_CB_OK;
}

int addr_present_parse(const void *buf, size_t len, int ifindex,
		       const struct conf_addr *a, char *reason, size_t rlen)
{
	struct present p = {.a = a, .alen = addr_size(a), .ifindex = ifindex};
	int r;

	if (!p.alen || ifindex <= 0)
		return -EINVAL;
	r = nl_replies_parse(buf, len, present_cb, &p, reason, rlen);
	return r < 0 ? r : p.found;
}

int addr_present(struct nl *nl, int ifindex, const struct conf_addr *a)
{
	struct present p = {.a = a, .alen = addr_size(a), .ifindex = ifindex};
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	int r;

	if (!p.alen || ifindex <= 0)
		return -EINVAL;
	nlh = nl_msg(nl, RTM_GETADDR, NLM_F_DUMP);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_index = (uint32_t)ifindex; /* filtered by strict checking */
	r = nl_call(nl, nlh, present_cb, &p, NULL, 0);
	if (r < 0)
		return r;
	return p.found;
}
