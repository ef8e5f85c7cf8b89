/* SPDX-License-Identifier: MIT */
/*
 * RTM_GETNEIGH for one IPv4 neighbour on the shared nl socket (a "get",
 * not a dump: the kernel answers from its table without resolving).
 * Every attribute is validated before it is read; never logs.
 */
#include <errno.h>
#include <string.h>

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "net/neigh.h"
#include "net/nl.h"

/* Entries whose link-layer address the kernel itself would send to. */
#define NEIGH_USABLE                                                      \
	(NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT)

struct found {
	uint8_t *mac; /* the caller's, 6 bytes */
	int r;	      /* -ENOENT until a usable entry is seen */
};

static int neigh_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, NDA_MAX) < 0)
		return MNL_CB_OK;
	if (type == NDA_LLADDR &&
	    mnl_attr_validate(attr, MNL_TYPE_BINARY) < 0)
		return MNL_CB_ERROR;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NDA_MAX + 1] = {NULL};
	struct found *f = data;
	const struct ndmsg *ndm;

	if (nlh->nlmsg_type != RTM_NEWNEIGH ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ndm))
		return MNL_CB_OK;
	ndm = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*ndm), neigh_attr_cb, tb) < 0)
		return MNL_CB_ERROR;
	if (!(ndm->ndm_state & NEIGH_USABLE) || !tb[NDA_LLADDR] ||
	    mnl_attr_get_payload_len(tb[NDA_LLADDR]) != 6)
		return MNL_CB_OK;
	memcpy(f->mac, mnl_attr_get_payload(tb[NDA_LLADDR]), 6);
	f->r = 0;
	return MNL_CB_OK;
}

int neigh_parse(const void *buf, size_t len, uint8_t mac[6])
{
	struct found f = {.mac = mac, .r = -ENOENT};
	int r = nl_replies_parse(buf, len, neigh_cb, &f, NULL, 0);

	return r < 0 ? r : f.r;
}

int neigh_lookup(struct nl *nl, int ifindex, const uint8_t ipv4[4],
		 uint8_t mac[6])
{
	struct found f = {.mac = mac, .r = -ENOENT};
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;
	int r;

	if (ifindex <= 0)
		return -EINVAL;
	nlh = nl_msg(nl, RTM_GETNEIGH, 0);
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = AF_INET;
	ndm->ndm_ifindex = ifindex;
	mnl_attr_put(nlh, NDA_DST, 4, ipv4);
	r = nl_call(nl, nlh, neigh_cb, &f, NULL, 0);
	if (r < 0)
		return r;
	return f.r;
}
