/* SPDX-License-Identifier: MIT */
/* The engine's private state, shared by cpg.c and quorum.c. */
#ifndef VIPD_ENGINE_INTERNAL_H
#define VIPD_ENGINE_INTERNAL_H

#include <corosync/cpg.h>
#include <corosync/quorum.h>

#include "engine.h"

struct engine_qmsg {
	void *buf; /* owned */
	size_t len;
};

struct engine {
	const struct engine_cb *cb;
	void *ud;
	cpg_handle_t cpg;
	int cpg_open;
	int joined;            /* cpg_join() succeeded */
	int cpg_fd;
	struct cpg_name name;
	uint32_t nodeid;
	uint32_t ring_node;      /* ring id of the last totem change */
	uint64_t ring_seq;
	quorum_handle_t quorum;
	int quorum_open;
	int quorum_fd;
	int quorate;
	uint32_t token_ms;       /* totem token timeout, from cmap */
	uint32_t consensus_ms;   /* totem consensus timeout */
	uint32_t join_ms;        /* totem join timeout */
	uint32_t pid;            /* ours, as corosync reports members */
	struct engine_member {
		uint32_t nodeid, pid;
	} bound[CONF_MAX_NODES]; /* each node's vipd: its first member */
	unsigned nbound;
	struct engine_qmsg *queue; /* owned ring, ENGINE_QUEUE_MAX */
	unsigned qhead, nqueue;
};

int quorum_open(struct engine *e);
void quorum_close(struct engine *e);
int engine_timing_read(struct engine *e);
/* engine_corosync's entries in quorum.c and timing.c (engine.h) */
int engine_quorum_fd(const struct engine *e);
int engine_quorum_dispatch(struct engine *e);
int engine_quorate(const struct engine *e);
void engine_timing(const struct engine *e, uint32_t *token_ms,
		   uint32_t *consensus_ms, uint32_t *join_ms);

#endif
