// SPDX-License-Identifier: MIT
/*
 * Peer record codec.  Every field is read only after the length that
 * covers it was checked; names must be 1..63 printable bytes.
 *
 *  0       1       2       3
 * +-------+-------+-------+-------+
 * |version| type  |    length     |  length: whole record, bytes
 * +-------+-------+-------+-------+
 * |            sender             |  node id
 * +-------------------------------+
 * |            flags              |
 * +-------------------------------+
 * |            node               |  MOVE target, EXPIRE node
 * +-------------------------------+
 * |         term (64 bits)        |
 * |         reqid (64 bits)       |  RENEW: sender's lease, µs
 * |         seq (64 bits)         |
 * |         sent_us (64 bits)     |
 * +-------+-----------------------+
 * |namelen| name ...              |  VIP name, 0..63 bytes
 * +-------+-----------------------+
 * STATE only: count (32 bits), then per entry:
 *   namelen (8) name, term (64), holder (32), prev (32), waiter (32),
 *   live (8)
 *
 * A CPG message carries one or more records back to back (a bundle);
 * peer_next() splits it by the length fields.
 */
#include <errno.h>
#include <string.h>

#include "peer.h"

struct wbuf {
	uint8_t *p;  /* peer_encode() checked the room before writing */
	size_t off;
};

static void put(struct wbuf *w, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		w->p[w->off + i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	w->off += bytes;
}

static uint64_t get(const uint8_t *p, size_t *off, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v = (v << 8) | p[*off + i];
	*off += bytes;
	return v;
}

int peer_name_ok(const char *s, size_t n)
{
	if (n == 0 || n >= CONF_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] > '~')
			return 0;
	return 1;
}

size_t peer_size(const struct core_msg *m)
{
	size_t n = PEER_HDR_SIZE + 1 + strnlen(m->vip, CONF_NAME_MAX);

	if (m->type != CORE_MSG_STATE)
		return n;
	n += 4;
	for (unsigned k = 0; k < m->nentries; k++)
		n += 1 + strnlen(m->entries[k].vip, CONF_NAME_MAX) + 25;
	return n;
}

static void put_name(struct wbuf *w, const char *s)
{
	size_t n = strnlen(s, CONF_NAME_MAX);

	put(w, n, 1);
	memcpy(w->p + w->off, s, n);
	w->off += n;
}

int peer_encode(const struct core_msg *m, uint32_t sender, uint8_t *buf,
		size_t len)
{
	size_t need = peer_size(m);
	struct wbuf w = { .p = buf };

	if (need > len || need > UINT16_MAX)
		return -EMSGSIZE;
	put(&w, PEER_VERSION, 1);
	put(&w, (uint64_t)m->type, 1);
	put(&w, need, 2);
	put(&w, sender, 4);
	put(&w, m->flags, 4);
	put(&w, m->node, 4);
	put(&w, m->term, 8);
	put(&w, m->type == CORE_MSG_RENEW ? m->lease_us : m->reqid, 8);
	put(&w, m->seq, 8);
	put(&w, m->sent_us, 8);
	put_name(&w, m->vip);
	if (m->type != CORE_MSG_STATE)
		return (int)w.off;
	put(&w, m->nentries, 4);
	for (unsigned k = 0; k < m->nentries; k++) {
		const struct core_state_entry *e = &m->entries[k];

		if (!peer_name_ok(e->vip, strnlen(e->vip, CONF_NAME_MAX)))
			return -EINVAL;
		put_name(&w, e->vip);
		put(&w, e->term, 8);
		put(&w, e->holder, 4);
		put(&w, e->prev, 4);
		put(&w, e->waiter, 4);
		put(&w, e->live, 1);
		put(&w, e->fp, 4);
	}
	return (int)w.off;
}

static int get_name(const uint8_t *buf, size_t len, size_t *off, char *out)
{
	size_t n;

	if (*off + 1 > len)
		return -EBADMSG;
	n = buf[(*off)++];
	if (n >= CONF_NAME_MAX || *off + n > len)
		return -EBADMSG;
	if (n && !peer_name_ok((const char *)buf + *off, n))
		return -EBADMSG;
	memcpy(out, buf + *off, n);
	out[n] = '\0';
	*off += n;
	return 0;
}

static int decode_state(const uint8_t *buf, size_t len, size_t off,
			struct core_msg *m, struct core_state_entry *entries,
			size_t max)
{
	uint64_t count;

	if (off + 4 > len)
		return -EBADMSG;
	count = get(buf, &off, 4);
	if (count > max)
		return -E2BIG;
	for (uint64_t k = 0; k < count; k++) {
		struct core_state_entry *e = &entries[k];

		memset(e, 0, sizeof(*e));
		if (get_name(buf, len, &off, e->vip) < 0 || !e->vip[0] ||
		    off + 25 > len)
			return -EBADMSG;
		e->term = get(buf, &off, 8);
		e->holder = (uint32_t)get(buf, &off, 4);
		e->prev = (uint32_t)get(buf, &off, 4);
		e->waiter = (uint32_t)get(buf, &off, 4);
		e->live = (uint8_t)get(buf, &off, 1);
		if (e->live > 1)
			return -EBADMSG;
		e->fp = (uint32_t)get(buf, &off, 4);
	}
	if (off != len)
		return -EBADMSG;
	m->nentries = (unsigned)count;
	m->entries = entries;
	return 0;
}

int peer_next(const uint8_t *buf, size_t len)
{
	size_t off = 2, n;

	if (len < 4)
		return -EBADMSG;
	n = (size_t)get(buf, &off, 2);
	if (n < PEER_HDR_SIZE + 1 || n > len)
		return -EBADMSG;
	return (int)n;
}

int peer_decode(const uint8_t *buf, size_t len, uint32_t *ret_sender,
		struct core_msg *ret, struct core_state_entry *entries,
		size_t max)
{
	struct core_msg m = { 0 };
	size_t off = 0;
	uint64_t type;

	if (len < PEER_HDR_SIZE + 1)
		return -EBADMSG;
	if (buf[0] != PEER_VERSION)
		return -EPROTO;
	off = 1;
	type = get(buf, &off, 1);
	if (type < CORE_MSG_CLAIM || type > CORE_MSG_TYPE_MAX)
		return -EPROTO;
	if (get(buf, &off, 2) != len)
		return -EBADMSG;
	m.type = (enum core_msg_type)type;
	*ret_sender = (uint32_t)get(buf, &off, 4);
	m.flags = (uint32_t)get(buf, &off, 4);
	m.node = (uint32_t)get(buf, &off, 4);
	m.term = get(buf, &off, 8);
	m.reqid = get(buf, &off, 8);
	m.seq = get(buf, &off, 8);
	m.sent_us = get(buf, &off, 8);
	if (m.type == CORE_MSG_RENEW) {
		m.lease_us = m.reqid;
		m.reqid = 0;
		if (m.lease_us < (uint64_t)CONF_LEASE_MIN_MS * 1000 ||
		    m.lease_us > (uint64_t)CONF_LEASE_MAX_MS * 1000)
			return -EBADMSG;
	}
	if (get_name(buf, len, &off, m.vip) < 0)
		return -EBADMSG;
	if (m.type == CORE_MSG_STATE) {
		int r = decode_state(buf, len, off, &m, entries, max);

		if (r < 0)
			return r;
	} else if (off != len) {
		return -EBADMSG;
	}
	*ret = m;
	return 0;
}
