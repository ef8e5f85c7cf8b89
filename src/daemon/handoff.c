// SPDX-License-Identifier: MIT
/*
 * Direct hand-offs (handoff-key in vipd.conf): the old holder of a VIP,
 * once its address is gone, tells the new holder in one UDP datagram
 * (src/proto/handoff.h), and the new holder adds the VIP without waiting
 * for corosync to order the RELEASED that says the same.  The datagram
 * is a hint the core checks against its agreed table (core_handoff());
 * one that is lost, late, from another ring, from an address that is not
 * its sender's, or that fails its MAC changes nothing: the RELEASED
 * still comes.
 */
#define _GNU_SOURCE /* struct ucred */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/conf_parse.h"
#include "group.h"
#include "log.h"
#include "proto/handoff.h"
#include "vipd.h"

#define HANDOFF_READ_MAX 16 /* datagrams per wakeup */

static socklen_t to_sockaddr(const struct conf_addr *a, uint16_t port,
			     struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		memcpy(&in->sin_addr, a->addr, 4);
		return sizeof(*in);
	}
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	memcpy(&in6->sin6_addr, a->addr, 16);
	return sizeof(*in6);
}

/* Does the datagram's source address belong to node idx? */
static int from_node(const struct vipd *d, int idx,
		     const struct sockaddr_storage *ss)
{
	const struct conf_addr *a = &d->conf.nodes[idx].addr;

	if (ss->ss_family == AF_INET && a->family == AF_INET)
		return !memcmp(&((const struct sockaddr_in *)ss)->sin_addr,
			       a->addr, 4);
	if (ss->ss_family == AF_INET6 && a->family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr,
			       a->addr, 16);
	return 0;
}

static void source_text(const struct sockaddr_storage *ss, char *buf,
			size_t len)
{
	const void *p = ss->ss_family == AF_INET
				? (const void *)&((const struct sockaddr_in *)
							  ss)->sin_addr
				: (const void *)&((const struct sockaddr_in6 *)
							  ss)->sin6_addr;

	if (!inet_ntop(ss->ss_family, p, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

/* Bad datagrams are counted; the first ten and then every power of two
 * are logged, so a stranger on the port cannot fill the journal. */
static void drop(struct vipd *d, const struct sockaddr_storage *ss,
		 const char *why)
{
	char src[INET6_ADDRSTRLEN];

	d->hand_bad++;
	if (!log_sampled(d->hand_bad))
		return;
	source_text(ss, src, sizeof(src));
	log_warn("dropping a hand-off datagram from %s port %u: %s (%lu "
		 "dropped so far)", src, d->conf.handoff_port, why,
		 d->hand_bad);
}

static void take(struct vipd *d, const struct sockaddr_storage *ss,
		 const uint8_t *buf, size_t len)
{
	char reason[160];
	struct handoff h;
	uint32_t ring_node = 0;
	uint64_t ring_seq = 0;
	int idx, vip;

	if (handoff_decode(buf, len, d->hand_key, d->hand_keylen, &h, reason,
			   sizeof(reason)) < 0) {
		drop(d, ss, reason);
		return;
	}
	idx = conf_node_index_by_id(&d->conf, h.from);
	if (h.to != d->self_id) {
		snprintf(reason, sizeof(reason), "addressed to node %u, this "
			 "is node %u", h.to, d->self_id);
		drop(d, ss, reason);
		return;
	}
	if (idx < 0 || !from_node(d, idx, ss)) {
		snprintf(reason, sizeof(reason), "it names node %u as its "
			 "sender, whose address (cluster block) it did not "
			 "come from", h.from);
		drop(d, ss, reason);
		return;
	}
	vip = core_vip_find(d->core, h.vip);
	if (vip < 0) {
		snprintf(reason, sizeof(reason), "VIP '%s' is not in %s",
			 h.vip, d->conf_path);
		drop(d, ss, reason);
		return;
	}
	if (!group_link_in_ring(d->link, h.ring_node, h.ring_seq)) {
		(void)group_link_ring(d->link, &ring_node, &ring_seq);
		/* Sent before a membership change this node has seen, or
		 * after one it has not: normal around a view change. */
		log_debug("hand-off of '%s' from '%s' at term %llu is from "
			  "ring %u/%llu, this node is in %u/%llu: ignored",
			  h.vip, d->conf.nodes[idx].name,
			  (unsigned long long)h.term, h.ring_node,
			  (unsigned long long)h.ring_seq, ring_node,
			  (unsigned long long)ring_seq);
		return;
	}
	log_debug("hand-off of VIP '%s' from '%s' at term %llu at %llu us",
		  h.vip, d->conf.nodes[idx].name, (unsigned long long)h.term,
		  vipd_mono_us());
	d->hand_taken++;
	core_handoff(d->core, vipd_now(d), h.from, (unsigned)vip, h.term);
}

static int on_handoff(struct ev_src *s, int fd, uint32_t revents, void *ud)
{
	struct vipd *d = ud;
	uint8_t buf[HANDOFF_MAX + 1];

	for (unsigned i = 0; i < HANDOFF_READ_MAX; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC,
				     (struct sockaddr *)&ss, &sl);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_errno(-errno, "reading hand-offs");
			break;
		}
		if (ss.ss_family != AF_INET && ss.ss_family != AF_INET6)
			continue;
		take(d, &ss, buf, (size_t)n > sizeof(buf) ? sizeof(buf)
							  : (size_t)n);
	}
	vipd_schedule(d);
	/* the LIVE that an add made us say leaves now (as in on_cpg()) */
	group_link_flush(d->link);
	return 0;
}

void vipd_handoff_send(void *ud, unsigned vip, uint64_t term, uint32_t to)
{
	struct vipd *d = ud;
	struct handoff h = { .from = d->self_id, .to = to, .term = term };
	struct sockaddr_storage ss;
	uint8_t buf[HANDOFF_MAX];
	int idx = conf_node_index_by_id(&d->conf, to), n;
	socklen_t sl;

	if (d->hand_fd < 0 || idx < 0 || !d->conf.nodes[idx].addr.family ||
	    group_link_ring(d->link, &h.ring_node, &h.ring_seq) < 0)
		return;
	snprintf(h.vip, sizeof(h.vip), "%s", d->conf.vips[vip].name);
	n = handoff_encode(&h, d->hand_key, d->hand_keylen, buf, sizeof(buf));
	if (n < 0)
		return;
	sl = to_sockaddr(&d->conf.nodes[idx].addr, d->conf.handoff_port, &ss);
	if (sendto(d->hand_fd, buf, (size_t)n, 0, (struct sockaddr *)&ss,
		   sl) < 0) {
		/* the RELEASED follows: a lost hand-off costs time only */
		log_debug("hand-off of VIP '%s' to '%s': %s", h.vip,
			  d->conf.nodes[idx].name, strerror(errno));
		return;
	}
	d->hand_sent++;
	log_debug("hand-off of VIP '%s' to '%s' at term %llu sent at %llu us",
		  h.vip, d->conf.nodes[idx].name, (unsigned long long)term,
		  vipd_mono_us());
}

/* "user 'vipd' (uid 998)": who opens the key, for the fix. */
static void whoami(char *buf, size_t len)
{
	const struct passwd *pw = getpwuid(geteuid());

	if (pw)
		snprintf(buf, len, "user '%s' (uid %u)", pw->pw_name,
			 (unsigned)geteuid());
	else
		snprintf(buf, len, "uid %u", (unsigned)geteuid());
}

int vipd_handoff_key_read(const char *path, uint8_t *key, size_t *ret_len,
			  char *err, size_t len)
{
	char who[96];
	struct stat st;
	ssize_t n;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		whoami(who, sizeof(who));
		if (r == -EACCES)
			snprintf(err, len, "handoff-key %s: %s (vipd reads it "
				 "as %s: make that user its owner, mode 600)",
				 path, strerror(-r), who);
		else
			snprintf(err, len, "handoff-key %s: %s", path,
				 strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, len, "handoff-key %s is not a regular file",
			 path);
		close(fd);
		return -EINVAL;
	}
	n = read(fd, key, HANDOFF_KEY_MAX);
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r < 0) {
		snprintf(err, len, "handoff-key %s: %s", path, strerror(-r));
		return r;
	}
	if (n < HANDOFF_KEY_MIN || st.st_size > HANDOFF_KEY_MAX) {
		snprintf(err, len, "handoff-key %s has %lld bytes, use %d to "
			 "%d (e.g. head -c 32 /dev/urandom > %s, on every "
			 "node)", path, (long long)st.st_size,
			 HANDOFF_KEY_MIN, HANDOFF_KEY_MAX, path);
		return -EINVAL;
	}
	*ret_len = (size_t)n;
	return (st.st_mode & 0077) ? 1 : 0;
}

int vipd_handoff_key(struct vipd *d, char *err, size_t len)
{
	const char *path = d->conf.handoff_key;
	int r;

	if (!path[0])
		return 0;
	r = vipd_handoff_key_read(path, d->hand_key, &d->hand_keylen, err,
				  len);
	if (r == 1)
		log_warn("handoff-key %s can be read by others than its "
			 "owner: whoever reads it can make a node add a VIP "
			 "early; chmod 600 it", path);
	return r < 0 ? r : 0;
}

int vipd_handoff_open(struct vipd *d, char *err, size_t len)
{
	int self = conf_self_index(&d->conf);
	const struct conf_addr *a = &d->conf.nodes[self].addr;
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, r;

	d->hand_fd = -1;
	if (!d->conf.handoff_key[0])
		return 0;
	fd = socket(a->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, len, "hand-off socket: %s", strerror(errno));
		return -errno;
	}
	sl = to_sockaddr(a, d->conf.handoff_port, &ss);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		char text[INET6_ADDRSTRLEN] = "?";

		r = -errno;
		inet_ntop(a->family, a->addr, text, sizeof(text));
		snprintf(err, len, "hand-offs: binding %s port %u: %s (is it "
			 "this node's address, and the port free? see "
			 "handoff-port)", text, d->conf.handoff_port,
			 strerror(-r));
		close(fd);
		return r;
	}
	r = ev_add_io(d->ev, &d->hand_src, fd, EPOLLIN, on_handoff, d);
	if (r < 0) {
		snprintf(err, len, "hand-off socket: %s", strerror(-r));
		close(fd);
		return r;
	}
	d->hand_fd = fd;
	for (unsigned i = 0; i < d->conf.nnodes; i++)
		if ((int)i != self && !d->conf.nodes[i].addr.family)
			log_warn("node '%s' has no address in the cluster "
				 "block: VIPs handed to it wait for corosync",
				 d->conf.nodes[i].name);
	log_info("direct hand-offs on port %u", d->conf.handoff_port);
	return 0;
}

void vipd_handoff_close(struct vipd *d)
{
	d->hand_src = ev_src_free(d->hand_src);
	if (d->hand_fd >= 0)
		close(d->hand_fd);
	d->hand_fd = -1;
	memset(d->hand_key, 0, sizeof(d->hand_key));
}
