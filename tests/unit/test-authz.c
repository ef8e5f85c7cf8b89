// SPDX-License-Identifier: MIT
/*
 * Per-VIP authorisation. The passwd and group databases are replaced by
 * the getpwuid_r() and getgrouplist() defined here, which the linker
 * prefers to libc's, so the cases do not depend on the host's users.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "control/authz.h"

/* A fake database: alice 1000/100 in groups 100, 200 (+ many for bob). */
int getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len,
	       struct passwd **ret);
int getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len,
	       struct passwd **ret)
{
	*ret = NULL;
	if (uid != 1000 && uid != 1001)
		return 0; /* no such user */
	memset(pw, 0, sizeof(*pw));
	snprintf(buf, len, "%s", uid == 1000 ? "alice" : "bob");
	pw->pw_name = buf;
	pw->pw_uid = uid;
	pw->pw_gid = 100;
	*ret = pw;
	return 0;
}

int getgrouplist(const char *user, gid_t group, gid_t *groups, int *ngroups);
int getgrouplist(const char *user, gid_t group, gid_t *groups, int *ngroups)
{
	int n = strcmp(user, "alice") == 0 ? 2 : 100, i;

	if (*ngroups < n) {
		*ngroups = n;
		return -1;
	}
	groups[0] = group;
	for (i = 1; i < n; i++)
		groups[i] = (gid_t)(199 + i); /* 200, 201, ... */
	*ngroups = n;
	return n;
}

struct allow {
	int is_group;
	uint32_t id;
};

struct authz_case {
	const char *what;
	struct allow allow[3];
	unsigned nallow;
	uid_t uid;
	gid_t gid;
	int allowed;
};

static const struct authz_case cases[] = {
	{"root is always allowed", {{0}}, 0, 0, 0, 1},
	{"root needs no entry even with a list", {{0, 5}}, 1, 0, 7, 1},
	{"nobody else without a list", {{0}}, 0, 1000, 100, 0},
	{"listed user", {{0, 1000}}, 1, 1000, 100, 1},
	{"other user", {{0, 1001}}, 1, 1000, 100, 0},
	{"uid listed as group does not count", {{1, 1000}}, 1, 1000, 5, 0},
	{"primary gid of the peer", {{1, 55}}, 1, 4242, 55, 1},
	{"gid listed as user does not count", {{0, 55}}, 1, 4242, 55, 0},
	{"supplementary group", {{1, 200}}, 1, 1000, 7, 1},
	{"passwd primary group", {{1, 100}}, 1, 1000, 7, 1},
	{"group the user is not in", {{1, 300}}, 1, 1000, 7, 0},
	{"unknown uid has no groups", {{1, 200}}, 1, 4242, 7, 0},
	{"group list longer than the stack buffer", {{1, 290}}, 1, 1001, 7, 1},
	{"later entry matches", {{0, 1}, {1, 2}, {0, 1001}}, 3, 1001, 7, 1},
};

static void each_case_is_decided_as_listed(void **state)
{
	struct conf_vip v;
	struct ucred cred;
	size_t i;
	unsigned k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct authz_case *c = &cases[i];

		print_message("%s\n", c->what);
		memset(&v, 0, sizeof(v));
		for (k = 0; k < c->nallow; k++) {
			v.allow[k].is_group = c->allow[k].is_group;
			v.allow[k].id = c->allow[k].id;
		}
		v.nallow = c->nallow;
		cred.pid = 1;
		cred.uid = c->uid;
		cred.gid = c->gid;
		assert_int_equal(authz_allowed(&v, &cred), c->allowed);
	}
}

static void missing_arguments_deny(void **state)
{
	struct ucred cred = {.pid = 1, .uid = 0, .gid = 0};
	struct conf_vip v;

	memset(&v, 0, sizeof(v));
	assert_int_equal(authz_allowed(NULL, &cred), 0);
	assert_int_equal(authz_allowed(&v, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_case_is_decided_as_listed),
		cmocka_unit_test(missing_arguments_deny),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
