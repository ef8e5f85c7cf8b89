/* SPDX-License-Identifier: MIT */
/*
 * The group engine: join a CPG group, send and deliver agreed-order
 * messages, turn configuration changes into views, and read quorum.
 * The only implementation is Corosync's (cpg.c, quorum.c); the
 * simulated engine of the tests lives beside the tests.  Never logs.
 */
#ifndef VIPD_ENGINE_ENGINE_H
#define VIPD_ENGINE_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

struct engine;

struct engine_cb {
	/* A configuration change of the group, in agreed order. */
	void (*view)(void *ud, const uint32_t *members, unsigned n,
		     const uint32_t *left, const enum core_leave *why,
		     unsigned nleft);
	/* A message from nodeid, in agreed order. */
	void (*deliver)(void *ud, uint32_t nodeid, const void *buf,
			size_t len);
	/* votequorum's verdict for this node changed. */
	void (*quorum)(void *ud, int quorate);
};

/* Connect to corosync and join group as node nodeid.  Returns 0,
 * -ENOTCONN when corosync is not running, -EACCES when it refuses us,
 * -EADDRNOTAVAIL (before joining; *ret_nodeid says corosync's id) when
 * corosync runs this node under another id, -errno otherwise. */
int engine_open(const char *group, uint32_t nodeid,
		const struct engine_cb *cb, void *ud, struct engine **ret,
		uint32_t *ret_nodeid);
/* Leave the group (others see LEAVE) and disconnect.  NULL-safe. */
void engine_close(struct engine *e);
/* fds to poll for input: CPG and quorum. */
int engine_cpg_fd(const struct engine *e);
int engine_quorum_fd(const struct engine *e);
/* Dispatch at most max callbacks.  0, or -ENOTCONN once corosync is
 * gone (the caller then closes and reconnects). */
int engine_dispatch(struct engine *e, unsigned max);
int engine_quorum_dispatch(struct engine *e);
/* Queue buf for agreed-order delivery to the group.  Messages corosync
 * cannot take yet stay queued (bounded) and go out on engine_flush().
 * 1 when sent, 0 when queued, -ENOBUFS when the queue is full,
 * -ENOTCONN. */
int engine_send(struct engine *e, const void *buf, size_t len);
/* Retry queued messages.  Returns how many are still queued. */
int engine_flush(struct engine *e);
uint32_t engine_nodeid(const struct engine *e);
/* Corosync's ring id as of the last callback dispatched (0/0 before
 * the first): the ring a direct hand-off is bound to. */
void engine_ring(const struct engine *e, uint32_t *node, uint64_t *seq);
/* Corosync's token, consensus and join timeouts (ms), as it runs them:
 * a membership change delivers nothing for about their sum. */
void engine_timing(const struct engine *e, uint32_t *token_ms,
		   uint32_t *consensus_ms, uint32_t *join_ms);
int engine_quorate(const struct engine *e);

#endif
