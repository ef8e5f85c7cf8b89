// SPDX-License-Identifier: MIT
/*
 * Group-follow's observer: a CPG member of the application's group that
 * only listens.  The application sees it as one more member (this vipd's
 * node id and pid) that never sends.  Counts the application's members on
 * this node from each configuration change's member list.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <corosync/cpg.h>

#include "observe.h"

struct observer {
	cpg_handle_t cpg;
	int open;            /* cpg initialised */
	int joined;          /* cpg_join succeeded */
	int fd;
	uint32_t nodeid;     /* ours */
	struct cpg_name name;
	unsigned local;      /* members on this node, us excluded */
	observer_fn fn;
	void *ud;
};

static void on_confchg(cpg_handle_t h, const struct cpg_name *group,
		       const struct cpg_address *members, size_t nmembers,
		       const struct cpg_address *left, size_t nleft,
		       const struct cpg_address *joined, size_t njoined)
{
	struct observer *o = NULL;
	unsigned n = 0;

	if (cpg_context_get(h, (void **)&o) != CS_OK || !o)
		return;
	for (size_t i = 0; i < nmembers; i++)
		if (members[i].nodeid == o->nodeid &&
		    members[i].pid != (uint32_t)getpid())
			n++;
	o->local = n;
	o->fn(o->ud, o);
}

static void on_deliver(cpg_handle_t h, const struct cpg_name *group,
		       uint32_t nodeid, uint32_t pid, void *msg, size_t len)
{
	/* The application's own messages are none of vipd's business. */
}

static int join(struct observer *o, const char *group)
{
	cpg_model_v1_data_t model;
	cs_error_t r;

	memset(&model, 0, sizeof(model));
	model.model = CPG_MODEL_V1;
	model.cpg_deliver_fn = on_deliver;
	model.cpg_confchg_fn = on_confchg;
	o->name.length = (uint32_t)strlen(group);
	memcpy(o->name.value, group, o->name.length);
	r = cpg_model_initialize(&o->cpg, CPG_MODEL_V1,
				 (cpg_model_data_t *)&model, o);
	if (r != CS_OK)
		return r == CS_ERR_ACCESS ? -EACCES : -ENOTCONN;
	o->open = 1;
	if (cpg_local_get(o->cpg, &o->nodeid) != CS_OK)
		return -ENOTCONN;
	do
		r = cpg_join(o->cpg, &o->name);
	while (r == CS_ERR_TRY_AGAIN);
	if (r != CS_OK)
		return r == CS_ERR_ACCESS ? -EACCES : -ENOTCONN;
	o->joined = 1;
	return cpg_fd_get(o->cpg, &o->fd) == CS_OK ? 0 : -ENOTCONN;
}

int observer_open(const char *group, observer_fn fn, void *ud,
		  struct observer **ret)
{
	struct observer *o;
	int r;

	if (strlen(group) >= CPG_MAX_NAME_LENGTH)
		return -ENAMETOOLONG;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->fd = -1;
	o->fn = fn;
	o->ud = ud;
	r = join(o, group);
	if (r < 0) {
		observer_close(o);
		return r;
	}
	*ret = o;
	return 0;
}

void observer_close(struct observer *o)
{
	if (!o)
		return;
	if (o->open) {
		if (o->joined)
			(void)cpg_leave(o->cpg, &o->name);
		cpg_finalize(o->cpg);
	}
	free(o);
}

int observer_fd(const struct observer *o)
{
	return o->fd;
}

int observer_dispatch(struct observer *o, unsigned max)
{
	for (unsigned i = 0; i < max; i++) {
		cs_error_t r = cpg_dispatch(o->cpg, CS_DISPATCH_ONE_NONBLOCKING);

		if (r == CS_ERR_TRY_AGAIN)
			return 0;
		if (r != CS_OK)
			return -ENOTCONN;
	}
	return 0;
}

unsigned observer_local(const struct observer *o)
{
	return o->local;
}
