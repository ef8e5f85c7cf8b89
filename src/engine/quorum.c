// SPDX-License-Identifier: MIT
/*
 * votequorum's verdict through libquorum: tracked for changes, reported
 * in status and used as a second, local gate (a node that corosync says
 * is inquorate holds nothing).
 */
#include <errno.h>
#include <stdint.h>

#include "internal.h"

static void on_quorum(quorum_handle_t h, uint32_t quorate, uint64_t ring,
		      uint32_t n, uint32_t *nodes)
{
	const void *ctx = NULL;
	struct engine *e;

	(void)ring;
	(void)n;
	(void)nodes;
	if (quorum_context_get(h, &ctx) != CS_OK || !ctx)
		return;
	e = (struct engine *)(uintptr_t)ctx;
	e->quorate = quorate != 0;
	if (e->cb->quorum)
		e->cb->quorum(e->ud, e->quorate);
}

int quorum_open(struct engine *e)
{
	quorum_callbacks_t cb = { .quorum_notify_fn = on_quorum };
	uint32_t type = 0;
	int q = 0;

	if (quorum_initialize(&e->quorum, &cb, &type) != CS_OK)
		return -ENOTCONN;
	e->quorum_open = 1;
	if (quorum_context_set(e->quorum, e) != CS_OK ||
	    quorum_fd_get(e->quorum, &e->quorum_fd) != CS_OK ||
	    quorum_getquorate(e->quorum, &q) != CS_OK ||
	    quorum_trackstart(e->quorum, CS_TRACK_CHANGES) != CS_OK)
		return -ENOTCONN;
	e->quorate = q != 0;
	return 0;
}

void quorum_close(struct engine *e)
{
	if (e->quorum_open)
		quorum_finalize(e->quorum);
	e->quorum_open = 0;
}

int engine_quorum_fd(const struct engine *e)
{
	return e->quorum_fd;
}

int engine_quorum_dispatch(struct engine *e)
{
	cs_error_t r = quorum_dispatch(e->quorum, CS_DISPATCH_ALL);

	return r == CS_OK || r == CS_ERR_TRY_AGAIN ? 0 : -ENOTCONN;
}

int engine_quorate(const struct engine *e)
{
	return e->quorate;
}
