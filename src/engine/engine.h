/* SPDX-License-Identifier: MIT */
/*
 * The group engine: join a CPG group, send and deliver agreed-order
 * messages, turn configuration changes into views, and read quorum.
 * An ops table (struct engine_ops): Corosync's implementation is
 * engine_corosync (cpg.c, quorum.c, timing.c); a simulated engine of
 * the tests lives beside the tests.  Never logs.
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
	/* A message from nodeid, in agreed order.  buf NULL (len its
	 * length): from a process of nodeid that is not its vipd (cpg.c),
	 * to be dropped and counted. */
	void (*deliver)(void *ud, uint32_t nodeid, const void *buf,
			size_t len);
	/* votequorum's verdict for this node changed. */
	void (*quorum)(void *ud, int quorate);
};

/*
 * An engine implementation.  The daemon's group link calls the engine
 * only through this table; corosync's (cpg.c, quorum.c, timing.c) is
 * engine_corosync, and a test may bring its own.
 */
struct engine_ops {
	/* Connect and join group as node nodeid.  0 and *ret,
	 * -ENOTCONN when the engine is not running, -EACCES when it
	 * refuses us, -EADDRNOTAVAIL (before joining; *ret_nodeid says
	 * its id for this node) when it runs this node under another id,
	 * -ENAMETOOLONG, -ENOMEM, -errno otherwise. */
	int (*open)(const char *group, uint32_t nodeid,
		    const struct engine_cb *cb, void *ud, struct engine **ret,
		    uint32_t *ret_nodeid);
	/* Leave the group (others see LEAVE) and disconnect.  NULL-safe. */
	void (*close)(struct engine *e);
	/* fds to poll for input: the group's and quorum's. */
	int (*cpg_fd)(const struct engine *e);
	int (*quorum_fd)(const struct engine *e);
	/* Dispatch at most max callbacks.  0, or -ENOTCONN once the
	 * engine is gone (the caller then closes and reconnects). */
	int (*dispatch)(struct engine *e, unsigned max);
	int (*quorum_dispatch)(struct engine *e);
	/* Queue buf for agreed-order delivery to the group.  Messages the
	 * engine cannot take yet stay queued (bounded) and go out on
	 * flush.  1 when sent, 0 when queued, -ENOBUFS when the queue is
	 * full, -ENOTCONN. */
	int (*send)(struct engine *e, const void *buf, size_t len);
	/* Retry queued messages.  How many are still queued, or -errno. */
	int (*flush)(struct engine *e);
	/* The ring as of the last callback dispatched (0/0 before the
	 * first): what a direct hand-off is bound to. */
	void (*ring)(const struct engine *e, uint32_t *node, uint64_t *seq);
	/* Token, consensus and join timeouts (ms) as the engine runs them:
	 * a membership change delivers nothing for about their sum. */
	void (*timing)(const struct engine *e, uint32_t *token_ms,
		       uint32_t *consensus_ms, uint32_t *join_ms);
	/* The quorum service's verdict for this node. */
	int (*quorate)(const struct engine *e);
};

/* Corosync: libcpg, libquorum, timing read from cmap. */
extern const struct engine_ops engine_corosync;

#endif
