// SPDX-License-Identifier: MIT
/*
 * Corosync's membership timing, read from cmap once per connection.  A
 * membership change stops all delivery for about token + consensus + join;
 * the daemon sizes its kernel lease from these (lease auto).
 */
#include <errno.h>

#include <corosync/cmap.h>

#include "internal.h"

int engine_timing_read(struct engine *e)
{
	cmap_handle_t h;
	uint32_t token = 0, consensus = 0, join = 0;
	cs_error_t r;

	if (cmap_initialize(&h) != CS_OK)
		return -ENOTCONN;
	r = cmap_get_uint32(h, "runtime.config.totem.token", &token);
	if (r == CS_OK)
		r = cmap_get_uint32(h, "runtime.config.totem.consensus",
				    &consensus);
	if (r == CS_OK)
		r = cmap_get_uint32(h, "runtime.config.totem.join", &join);
	cmap_finalize(h);
	if (r != CS_OK || !token || !consensus || !join)
		return -ENODATA;
	e->token_ms = token;
	e->consensus_ms = consensus;
	e->join_ms = join;
	return 0;
}

void engine_timing(const struct engine *e, uint32_t *token_ms,
		   uint32_t *consensus_ms, uint32_t *join_ms)
{
	*token_ms = e->token_ms;
	*consensus_ms = e->consensus_ms;
	*join_ms = e->join_ms;
}
