// SPDX-License-Identifier: MIT
/*
 * Corosync CPG engine.  Joins one group with the v1 model, delivers
 * messages and configuration changes as they come (agreed order), and
 * queues sends that corosync's flow control defers.  Dispatches one
 * callback at a time so a message storm cannot starve the lease timer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <corosync/cpg.h>

#include "engine.h"
#include "internal.h"

#define ENGINE_QUEUE_MAX 8192

static struct engine *engine_of(cpg_handle_t h)
{
	void *ctx = NULL;

	if (cpg_context_get(h, &ctx) != CS_OK)
		return NULL;
	return ctx;
}

/*
 * One process per node is that node's vipd: the member bound to its node
 * id.  Any process that corosync lets in may join the group, and corosync
 * gives it its node's id: without the binding, a second process on a
 * member node (a tool, a test, a vipd started twice) would speak as that
 * node, and its join and leave would be the node's.  A node id is bound
 * to the first of its processes in the member list (corosync lists them
 * in the order they joined), our own to us, and stays bound until that
 * process leaves; the others are left out of views and their messages
 * delivered as foreign (buf NULL).  Nothing tells a process apart on a
 * node that has no vipd in the group: it is that node's vipd then.
 */
static int bound_to(const struct engine *e, uint32_t nodeid, uint32_t pid)
{
	for (unsigned i = 0; i < e->nbound; i++)
		if (e->bound[i].nodeid == nodeid)
			return e->bound[i].pid == pid;
	return 0;
}

static int has_member(const struct cpg_address *m, size_t n, uint32_t nodeid,
		      uint32_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].nodeid == nodeid && (!pid || m[i].pid == pid))
			return 1;
	return 0;
}

/* The bindings after a configuration change with members m[0..n). */
static void bind_members(struct engine *e, const struct cpg_address *m,
			 size_t n)
{
	struct engine_member nb[CONF_MAX_NODES];
	unsigned k = 0;

	for (unsigned i = 0; i < e->nbound; i++)
		if (has_member(m, n, e->bound[i].nodeid, e->bound[i].pid))
			nb[k++] = e->bound[i];
	for (size_t i = 0; i < n && k < CONF_MAX_NODES; i++) {
		int known = 0;

		for (unsigned j = 0; j < k; j++)
			known |= nb[j].nodeid == m[i].nodeid;
		/* our own node id is ours, wherever we are in the list */
		if (known || (m[i].nodeid == e->nodeid && m[i].pid != e->pid &&
			      has_member(m, n, e->nodeid, e->pid)))
			continue;
		nb[k].nodeid = m[i].nodeid;
		nb[k++].pid = m[i].pid;
	}
	memcpy(e->bound, nb, sizeof(nb[0]) * k);
	e->nbound = k;
}

static void on_deliver(cpg_handle_t h, const struct cpg_name *group,
		       uint32_t nodeid, uint32_t pid, void *msg, size_t len)
{
	struct engine *e = engine_of(h);

	(void)group;
	if (e)
		e->cb->deliver(e->ud, nodeid, bound_to(e, nodeid, pid) ? msg
								       : NULL,
			       len);
}

static void on_totem(cpg_handle_t h, struct cpg_ring_id ring,
		     uint32_t nmembers, const uint32_t *members)
{
	struct engine *e = engine_of(h);

	(void)nmembers;
	(void)members;
	if (!e)
		return;
	e->ring_node = ring.nodeid;
	e->ring_seq = ring.seq;
}

static void engine_ring(const struct engine *e, uint32_t *node,
			uint64_t *seq)
{
	*node = e->ring_node;
	*seq = e->ring_seq;
}

static enum core_leave leave_reason(uint32_t reason)
{
	switch (reason) {
	case CPG_REASON_LEAVE:
		return CORE_LEAVE_LEAVE;
	case CPG_REASON_PROCDOWN:
		return CORE_LEAVE_PROCDOWN;
	default:
		return CORE_LEAVE_NODEDOWN;
	}
}

/* A node id whose process left while another of its processes stays
 * (and is bound now) left and joined: two views, as when vipd restarts,
 * so that the core opens a table sync that the new process answers. */
static void report_view(struct engine *e, const uint32_t *m, unsigned n,
			const uint32_t *l, const enum core_leave *why,
			unsigned nl)
{
	uint32_t stay[CONF_MAX_NODES];
	unsigned ns = 0;

	for (unsigned i = 0; i < n; i++) {
		int gone = 0;

		for (unsigned j = 0; j < nl; j++)
			gone |= m[i] == l[j];
		if (!gone)
			stay[ns++] = m[i];
	}
	if (ns < n) {
		e->cb->view(e->ud, stay, ns, l, why, nl);
		e->cb->view(e->ud, m, n, NULL, NULL, 0);
	} else {
		e->cb->view(e->ud, m, n, l, why, nl);
	}
}

static void on_confchg(cpg_handle_t h, const struct cpg_name *group,
		       const struct cpg_address *members, size_t nmembers,
		       const struct cpg_address *left, size_t nleft,
		       const struct cpg_address *joined, size_t njoined)
{
	struct engine *e = engine_of(h);
	uint32_t m[CONF_MAX_NODES], l[CONF_MAX_NODES];
	enum core_leave why[CONF_MAX_NODES];
	unsigned n = 0, nl = 0, njoin = 0;

	(void)group;
	if (!e)
		return;
	for (size_t i = 0; i < nleft && nl < CONF_MAX_NODES; i++) {
		if (!bound_to(e, left[i].nodeid, left[i].pid))
			continue; /* not a node's vipd: not the node */
		l[nl] = left[i].nodeid;
		why[nl++] = leave_reason(left[i].reason);
	}
	bind_members(e, members, nmembers);
	for (size_t i = 0; i < njoined; i++)
		njoin += (unsigned)bound_to(e, joined[i].nodeid, joined[i].pid);
	if (!nl && !njoin && (nleft || njoined))
		return; /* only others came or went: no change of view */
	for (size_t i = 0; i < nmembers && n < CONF_MAX_NODES; i++)
		if (bound_to(e, members[i].nodeid, members[i].pid))
			m[n++] = members[i].nodeid;
	report_view(e, m, n, l, why, nl);
}

static int cs_to_errno(cs_error_t r)
{
	switch (r) {
	case CS_OK:
		return 0;
	case CS_ERR_TRY_AGAIN:
		return -EAGAIN;
	case CS_ERR_ACCESS:
		return -EACCES;
	case CS_ERR_NO_MEMORY:
		return -ENOMEM;
	case CS_ERR_LIBRARY:
	case CS_ERR_BAD_HANDLE:
	case CS_ERR_NOT_EXIST:
		return -ENOTCONN;
	default:
		return -EIO;
	}
}

static int cpg_open(struct engine *e, const char *group, uint32_t nodeid)
{
	cpg_model_v1_data_t model;
	struct cpg_name name = { 0 };
	cs_error_t r;

	memset(&model, 0, sizeof(model));
	model.model = CPG_MODEL_V1;
	model.cpg_deliver_fn = on_deliver;
	model.cpg_confchg_fn = on_confchg;
	model.cpg_totem_confchg_fn = on_totem;
	model.flags = CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF;

	name.length = (uint32_t)strlen(group);
	memcpy(name.value, group, name.length);
	r = cpg_model_initialize(&e->cpg, CPG_MODEL_V1,
				 (cpg_model_data_t *)&model, e);
	if (r != CS_OK)
		return r == CS_ERR_LIBRARY ? -ENOTCONN : cs_to_errno(r);
	e->cpg_open = 1;
	/* Another node's id would make its messages look like ours (and
	 * ours like a third node's): never join under it. */
	if (cpg_local_get(e->cpg, &e->nodeid) != CS_OK)
		return -ENOTCONN;
	if (e->nodeid != nodeid)
		return -EADDRNOTAVAIL;
	e->name = name; /* before the join: engine_close() leaves by it */
	do {
		r = cpg_join(e->cpg, &name);
	} while (r == CS_ERR_TRY_AGAIN);
	if (r != CS_OK)
		return cs_to_errno(r);
	e->joined = 1;
	if (cpg_fd_get(e->cpg, &e->cpg_fd) != CS_OK)
		return -ENOTCONN;
	return 0;
}

static void engine_close(struct engine *e);

static int engine_open(const char *group, uint32_t nodeid,
		const struct engine_cb *cb, void *ud, struct engine **ret,
		uint32_t *ret_nodeid)
{
	struct engine *e;
	int r;

	if (strlen(group) >= CPG_MAX_NAME_LENGTH)
		return -ENAMETOOLONG;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->cb = cb;
	e->ud = ud;
	e->pid = (uint32_t)getpid();
	e->cpg_fd = e->quorum_fd = -1;
	r = engine_timing_read(e);
	if (r == 0)
		r = cpg_open(e, group, nodeid);
	*ret_nodeid = e->nodeid;
	if (r == 0)
		r = quorum_open(e);
	if (r < 0) {
		engine_close(e);
		return r;
	}
	*ret = e;
	return 0;
}

static void engine_close(struct engine *e)
{
	if (!e)
		return;
	if (e->cpg_open) {
		if (e->joined)
			(void)cpg_leave(e->cpg, &e->name);
		cpg_finalize(e->cpg);
	}
	quorum_close(e);
	for (unsigned i = 0; i < e->nqueue; i++)
		free(e->queue[(e->qhead + i) % ENGINE_QUEUE_MAX].buf);
	free(e->queue);
	free(e);
}

static int engine_cpg_fd(const struct engine *e)
{
	return e->cpg_fd;
}

static int engine_dispatch(struct engine *e, unsigned max)
{
	for (unsigned i = 0; i < max; i++) {
		cs_error_t r = cpg_dispatch(e->cpg, CS_DISPATCH_ONE_NONBLOCKING);

		if (r == CS_ERR_TRY_AGAIN)
			return 0;
		if (r != CS_OK)
			return -ENOTCONN;
	}
	return 0;
}

static int send_now(struct engine *e, const void *buf, size_t len)
{
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf,
			     .iov_len = len };

	return cs_to_errno(cpg_mcast_joined(e->cpg, CPG_TYPE_AGREED, &iov, 1));
}

static int engine_flush(struct engine *e)
{
	while (e->nqueue) {
		struct engine_qmsg *q = &e->queue[e->qhead];
		int r = send_now(e, q->buf, q->len);

		if (r == -EAGAIN)
			break;
		if (r < 0)
			return r;
		free(q->buf);
		e->qhead = (e->qhead + 1) % ENGINE_QUEUE_MAX;
		e->nqueue--;
	}
	return (int)e->nqueue;
}

static int engine_send(struct engine *e, const void *buf, size_t len)
{
	struct engine_qmsg *q;
	int r = e->nqueue ? -EAGAIN : send_now(e, buf, len);

	if (r == 0)
		return 1;
	if (r != -EAGAIN)
		return r;
	if (!e->queue) {
		e->queue = calloc(ENGINE_QUEUE_MAX, sizeof(*e->queue));
		if (!e->queue)
			return -ENOMEM;
	}
	if (e->nqueue == ENGINE_QUEUE_MAX)
		return -ENOBUFS;
	q = &e->queue[(e->qhead + e->nqueue) % ENGINE_QUEUE_MAX];
	q->buf = malloc(len);
	if (!q->buf)
		return -ENOMEM;
	memcpy(q->buf, buf, len);
	q->len = len;
	e->nqueue++;
	return 0;
}

const struct engine_ops engine_corosync = {
	.open = engine_open,
	.close = engine_close,
	.cpg_fd = engine_cpg_fd,
	.quorum_fd = engine_quorum_fd,
	.dispatch = engine_dispatch,
	.quorum_dispatch = engine_quorum_dispatch,
	.send = engine_send,
	.flush = engine_flush,
	.ring = engine_ring,
	.timing = engine_timing,
	.quorate = engine_quorate,
};
