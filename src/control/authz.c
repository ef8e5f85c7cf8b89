// SPDX-License-Identifier: MIT
/*
 * Per-VIP authorisation from peer credentials. Decides only; it never logs
 * and never caches: group membership is looked up per request, so a change
 * in /etc/group takes effect without a reload. Any failure denies.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4, struct ucred */
#endif
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "control/authz.h"
#include "fault/fault.h"

#define AUTHZ_GROUPS_STACK 64  /* groups looked up without allocating */
#define AUTHZ_GROUPS_MAX 65536 /* NGROUPS_MAX on Linux */

static int allow_has(const struct conf_vip *v, int is_group, uint32_t id)
{
	unsigned i;

	for (i = 0; i < v->nallow && i < CONF_MAX_ALLOW; i++)
		if ((v->allow[i].is_group ? 1 : 0) == is_group &&
		    v->allow[i].id == id)
			return 1;
	return 0;
}

static int any_group_allowed(const struct conf_vip *v, const gid_t *g, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (allow_has(v, 1, (uint32_t)g[i]))
			return 1;
	return 0;
}

/* Supplementary groups of uid's passwd entry against the allow list. */
static int supplementary_allowed(const struct conf_vip *v, uid_t uid)
{
	gid_t stack[AUTHZ_GROUPS_STACK], *groups = stack;
	struct passwd pw, *pwp = NULL;
	char buf[4096];
	int n = AUTHZ_GROUPS_STACK, ok;

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &pwp) != 0 || !pwp)
		return 0;
	if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) == -1) {
		if (n <= AUTHZ_GROUPS_STACK || n > AUTHZ_GROUPS_MAX)
			return 0;
		groups = fault_calloc((size_t)n, sizeof(*groups));
		if (!groups)
			return 0;
		if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) == -1) {
			free(groups);
			return 0;
		}
	}
	ok = any_group_allowed(v, groups, n);
	if (groups != stack)
		free(groups);
	return ok;
}

int authz_allowed(const struct conf_vip *v, const struct ucred *cred)
{
	if (!v || !cred)
		return 0;
	if (cred->uid == 0)
		return 1;
	if (allow_has(v, 0, (uint32_t)cred->uid))
		return 1;
	if (allow_has(v, 1, (uint32_t)cred->gid))
		return 1;
	return supplementary_allowed(v, cred->uid);
}
