// SPDX-License-Identifier: MIT
/*
 * Unit tests of reload (src/daemon/reload.c): every setting a running
 * vipd cannot take is refused by name and changes nothing; the node-local
 * ones are taken; a broken, missing or unreadable file changes nothing;
 * and with the fault-injection seam failing each of a reload's calls in
 * turn (allocations, open, fstat, read), the running configuration stays
 * exactly as it was every time.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/conf_parse.h"
#include "daemon/printconf.h"
#include "daemon/reload.h"
#include "fault/fault.h"

/* The running configuration, and each test's edit of it, a line each. */
static const char *const base[] = {
	"node-name n1",
	"group vipd-t",
	"socket /run/vipd/t.sock",
	"lease 300ms",
	"lease-mark 256",
	"notify /bin/true",
	"cluster {",
	"	node n1 id 1",
	"	node n2 id 2",
	"}",
	"vip db {",
	"	address 192.0.2.10/24",
	"	address 2001:db8::10/64",
	"	dev eth0",
	"	nodes n1 n2",
	"	policy prefer n2 n1",
	"	announce 3 interval 100ms",
	"	allow user root",
	"}",
	"vip web {",
	"	address 198.51.100.7/24",
	"	dev eth1",
	"}",
	NULL,
};

#define ROOM 8 /* slots: a reload may add VIPs up to it */

struct fx {
	char dir[64];
	char path[96];
	struct conf cur;
	char *before; /* conf_print(cur) after the first load */
	uint8_t up[ROOM]; /* VIPs live on this node, per slot */
};

/* Writes base to path, with line `line` (or none: -1) replaced by `with`
 * (NULL drops it; may hold several lines), and `extra` appended. */
static void write_conf(const char *path, int line, const char *with,
		       const char *extra)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	for (int i = 0; base[i]; i++) {
		if (i != line)
			fprintf(f, "%s\n", base[i]);
		else if (with)
			fprintf(f, "%s\n", with);
	}
	if (extra)
		fputs(extra, f);
	assert_int_equal(fclose(f), 0);
}

static char *print(const struct conf *c)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);

	assert_non_null(m);
	conf_print(m, c);
	assert_int_equal(fclose(m), 0);
	return buf;
}

static int find(const char *line)
{
	for (int i = 0; base[i]; i++)
		if (strcmp(base[i], line) == 0)
			return i;
	fail_msg("no line '%s' in base", line);
	return -1;
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test-reload.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/vipd.conf", fx->dir);
	write_conf(fx->path, -1, NULL, NULL);
	assert_int_equal(conf_load(fx->path, &fx->cur, stderr), 0);
	assert_int_equal(conf_make_room(&fx->cur, ROOM), 0);
	fx->before = print(&fx->cur);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	char inc[128];

	fault_arm(0);
	snprintf(inc, sizeof(inc), "%s/more.conf", fx->dir);
	unlink(inc);
	unlink(fx->path);
	rmdir(fx->dir);
	conf_free(&fx->cur);
	free(fx->before);
	free(fx);
	return 0;
}

static void assert_unchanged(const struct fx *fx)
{
	char *now = print(&fx->cur);

	assert_string_equal(now, fx->before);
	free(now);
}

/* Edits one line of the running file: reload must refuse it, name it in
 * why[], and leave the running configuration as it was. */
static const struct {
	const char *line, *with, *named;
} refused[] = {
	{"node-name n1", "node-name n2", "node-name changed"},
	{"group vipd-t", "group other", "group changed"},
	{"socket /run/vipd/t.sock", "socket /run/vipd/u.sock",
	 "socket changed; restart vipd"},
	{"lease 300ms", "lease 400ms", "lease changed; the lease is fixed"},
	{"lease-mark 256", "lease-mark 512", "lease-mark changed"},
	{"lease-mark 256", "lease-mark 256\ntwo-node yes", "two-node changed"},
	{"lease-mark 256", "lease-mark 256\nuser nobody",
	 "user changed; restart vipd"},
	{"lease-mark 256", "lease-mark 256\nhandoff-port 6000",
	 "handoff-key or handoff-port changed"},
	{"	node n2 id 2", "	node n2 id 2 address 192.0.2.2",
	 "the cluster's nodes changed"},
	{"	node n2 id 2", "	node n2 id 3", "the cluster's nodes changed"},
	{"	node n2 id 2", "	node n2 id 2\n	node n3 id 3",
	 "the cluster's nodes changed"},
	{"	dev eth1", "	dev eth1\n	check \"/bin/true\"",
	 "vip 'web': check changed"},
	{"	dev eth1", "	dev eth1\n	follow-group app",
	 "vip 'web': follow-group changed"},
	{"	dev eth1", "	dev eth1\n}\nvip more {\n	address 203.0.113.1/24\n"
		       "	dev eth1\n	check \"/bin/true\"",
	 "vip 'more': added with a check or follow-group"},
	{"	dev eth1", "	dev eth1\n}\npool p {\n	vips web", "pools changed"},
};

static void each_setting_the_cluster_shares_is_refused_by_name(void **state)
{
	struct fx *fx = *state;

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char why[512] = "";
		unsigned changed = 99;
		int r;

		write_conf(fx->path, find(refused[i].line), refused[i].with,
			   NULL);
		r = conf_reload(&fx->cur, fx->path, stderr, fx->up, &changed, why,
				sizeof(why));
		if (r != -EINVAL || !strstr(why, refused[i].named))
			fail_msg("'%s' -> '%s': r %d, why '%s', want '%s'",
				 refused[i].line,
				 refused[i].with ? refused[i].with : "(none)",
				 r, why, refused[i].named);
		assert_int_equal(changed, 0);
		assert_unchanged(fx);
	}
}

/* Node-local edits: taken, with the matching bit, and the result is what
 * loading the new file from scratch gives. */
static const struct {
	const char *line, *with;
	unsigned bit;
} taken[] = {
	{"	allow user root", "	allow group root", CONF_CHANGED_ALLOW},
	{"	allow user root", NULL, CONF_CHANGED_ALLOW},
	{"	allow user root", "	allow user root\n	allow group 0",
	 CONF_CHANGED_ALLOW},
	{"	announce 3 interval 100ms", "	announce 5 interval 100ms",
	 CONF_CHANGED_ANNOUNCE},
	{"	announce 3 interval 100ms", "	announce 3 interval 1s",
	 CONF_CHANGED_ANNOUNCE},
	{"	announce 3 interval 100ms", "	announce 3 interval 100ms refresh 5s",
	 CONF_CHANGED_ANNOUNCE},
	{"	announce 3 interval 100ms",
	 "	announce 3 interval 100ms\n	notify-peers 192.0.2.1",
	 CONF_CHANGED_ANNOUNCE},
	{"notify /bin/true", "notify /bin/false", CONF_CHANGED_NOTIFY},
	{"notify /bin/true", NULL, CONF_CHANGED_NOTIFY},
	{"	announce 3 interval 100ms", "	announce 0\n	allow user nobody",
	 CONF_CHANGED_ALLOW | CONF_CHANGED_ANNOUNCE},
};

static void node_local_settings_are_taken(void **state)
{
	struct fx *fx = *state;

	for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++) {
		struct conf want;
		char why[512], *a, *b;
		unsigned changed = 0;

		write_conf(fx->path, -1, NULL, NULL);
		assert_int_equal(conf_reload(&fx->cur, fx->path, stderr,
					     fx->up, &changed, why, sizeof(why)),
				 0);
		write_conf(fx->path, find(taken[i].line), taken[i].with, NULL);
		assert_int_equal(conf_reload(&fx->cur, fx->path, stderr,
					     fx->up, &changed, why, sizeof(why)),
				 0);
		assert_int_equal(changed, taken[i].bit);
		assert_int_equal(conf_load(fx->path, &want, stderr), 0);
		a = print(&fx->cur);
		b = print(&want);
		assert_string_equal(a, b);
		assert_string_not_equal(a, fx->before);
		free(a);
		free(b);
		conf_free(&want);
	}
}

/* VIPs added, removed, renamed and redefined: taken by name, so the
 * running file prints as the new one loaded from scratch; no slot moves
 * (the core and the actuator index them). */
static const struct {
	const char *line, *with;
} redefined[] = {
	{"	address 192.0.2.10/24", "	address 192.0.2.11/24"},
	{"	address 192.0.2.10/24", "	address 192.0.2.10/25"},
	{"	address 2001:db8::10/64", NULL},
	{"	dev eth0", "	dev eth2"},
	{"	policy prefer n2 n1", "	policy prefer n1 n2"},
	{"	policy prefer n2 n1", "	policy wait"},
	{"	dev eth1", "	dev eth1\n	policy prefer n1"},
	{"	dev eth1", "	dev eth1\n	nodes n2"},
	{"vip web {", "vip www {"},
	{"	dev eth1", "	dev eth1\n}\nvip more {\n	address 203.0.113.1/24\n"
		       "	dev eth1"},
	{"vip web {", "vip web0 {\n	address 203.0.113.2/24\n	dev eth1\n}"
		      "\nvip web {"},
};

static void vips_are_added_removed_and_redefined_by_name(void **state)
{
	struct fx *fx = *state;

	for (size_t i = 0; i < sizeof(redefined) / sizeof(redefined[0]);
	     i++) {
		struct conf want;
		char why[512], *a, *b;
		unsigned changed = 0;

		write_conf(fx->path, -1, NULL, NULL);
		assert_int_equal(conf_reload(&fx->cur, fx->path, stderr,
					     fx->up, &changed, why,
					     sizeof(why)),
				 0);
		/* db and web stay in slots 0 and 1, whatever came before */
		assert_string_equal(fx->cur.vips[0].name, "db");
		assert_string_equal(fx->cur.vips[1].name, "web");
		assert_false(fx->cur.vips[1].retired);
		write_conf(fx->path, find(redefined[i].line), redefined[i].with,
			   NULL);
		assert_int_equal(conf_reload(&fx->cur, fx->path, stderr,
					     fx->up, &changed, why,
					     sizeof(why)),
				 0);
		assert_int_equal(changed, CONF_CHANGED_VIPS);
		assert_int_equal(conf_load(fx->path, &want, stderr), 0);
		a = print(&fx->cur);
		b = print(&want);
		if (i + 1 < sizeof(redefined) / sizeof(redefined[0]))
			assert_string_equal(a, b);
		assert_string_equal(fx->cur.vips[0].name, "db");
		free(a);
		free(b);
		conf_free(&want);
	}
	/* web0 came first in the file, and took a new slot at the end */
	assert_string_equal(fx->cur.vips[1].name, "web");
	assert_true(fx->cur.nvips <= ROOM);
}

static void address_of_a_vip_live_here_and_room_are_refused(void **state)
{
	struct fx *fx = *state;
	char why[512], line[512];
	unsigned changed = 99;

	fx->up[0] = 1;
	write_conf(fx->path, find("	dev eth0"), "	dev eth2", NULL);
	assert_int_equal(conf_reload(&fx->cur, fx->path, stderr, fx->up,
				     &changed, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "vip 'db': address or dev changed while "
				    "the VIP is live on this node"));
	assert_int_equal(changed, 0);
	assert_unchanged(fx);
	/* its policy may change: it is frozen, not moved */
	write_conf(fx->path, find("	policy prefer n2 n1"), "	policy wait",
		   NULL);
	assert_int_equal(conf_reload(&fx->cur, fx->path, stderr, fx->up,
				     &changed, why, sizeof(why)),
			 0);
	fx->up[0] = 0;
	/* more VIPs than the slots left */
	line[0] = '\0';
	for (unsigned k = 0; k < ROOM - 1; k++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 "vip x%u {\n\taddress 203.0.113.%u/24\n\tdev eth1\n"
			 "}\n", k, 20 + k);
	write_conf(fx->path, -1, NULL, line);
	assert_int_equal(conf_reload(&fx->cur, fx->path, stderr, fx->up,
				     &changed, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "7 VIPs added, room for 6 more"));
}

static void the_same_file_changes_nothing(void **state)
{
	struct fx *fx = *state;
	unsigned changed = 99;
	char why[512];

	/* comments and order of statements do not count */
	write_conf(fx->path, -1, NULL, "# a comment\n");
	assert_int_equal(conf_reload(&fx->cur, fx->path, stderr, fx->up, &changed, why,
				     sizeof(why)),
			 0);
	assert_int_equal(changed, 0);
	assert_unchanged(fx);
}

static void a_broken_file_changes_nothing_and_says_where(void **state)
{
	struct fx *fx = *state;
	char why[512], *errs = NULL;
	unsigned changed = 99;
	size_t n = 0;
	FILE *m = open_memstream(&errs, &n);
	int r;

	assert_non_null(m);
	/* a node-local change and an error: none of it is taken */
	write_conf(fx->path, find("notify /bin/true"), "notify /bin/false",
		   "vip x {\n\taddress 192.0.2.99/24\n\tpolicy sometimes\n}\n");
	r = conf_reload(&fx->cur, fx->path, m, fx->up, &changed, why, sizeof(why));
	assert_int_equal(fclose(m), 0);
	assert_int_equal(r, -EINVAL);
	assert_string_equal(why, "");
	assert_non_null(strstr(errs, "vipd.conf:26:"));
	assert_unchanged(fx);
	free(errs);
	assert_int_equal(unlink(fx->path), 0);
	assert_int_equal(conf_reload(&fx->cur, fx->path, stderr, fx->up, &changed, why,
				     sizeof(why)),
			 -ENOENT);
	assert_unchanged(fx);
}

/* STYLE.md's countdown: fail the 1st, 2nd, ... call of a reload that
 * would change something, until one runs through; every failed one must
 * leave the configuration as it was (and ASan that nothing leaked). */
static void every_failing_call_of_a_reload_changes_nothing(void **state)
{
	struct fx *fx = *state;
	char inc[128], line[160], why[512];
	unsigned long k, failed = 0;
	unsigned changed;
	FILE *f;
	int r;

	snprintf(inc, sizeof(inc), "%s/more.conf", fx->dir);
	f = fopen(inc, "w");
	assert_non_null(f);
	fputs("vip web2 {\n\taddress 203.0.113.9/24\n\tdev eth1\n}\n", f);
	assert_int_equal(fclose(f), 0);
	snprintf(line, sizeof(line), "include %s", inc);
	write_conf(fx->path, -1, NULL, line);
	conf_free(&fx->cur);
	assert_int_equal(conf_load(fx->path, &fx->cur, stderr), 0);
	assert_int_equal(conf_make_room(&fx->cur, ROOM), 0);
	free(fx->before);
	fx->before = print(&fx->cur);
	write_conf(fx->path, find("	allow user root"), "	allow group root",
		   line);
	for (k = 1;; k++) {
		fault_arm(k);
		r = conf_reload(&fx->cur, fx->path, NULL, fx->up, &changed, why,
				sizeof(why));
		assert_true(fault_calls() >= (fault_fired() ? k : 0));
		if (!fault_fired())
			break;
		failed++;
		/* -EINVAL: an include that could not be opened or read
		 * is an error of the file, reported as such */
		if (r != -ENOMEM && r != -EMFILE && r != -EIO && r != -EINVAL)
			fail_msg("call %lu failing: reload returned %d", k, r);
		assert_unchanged(fx);
	}
	print_message("%lu calls failed in turn, each harmless\n", failed);
	fault_arm(0);
	assert_int_equal(r, 0);
	assert_int_equal(changed, CONF_CHANGED_ALLOW);
	/* both files were opened, stat'ed and read, and the parser
	 * allocated: the countdown went through all of them */
	assert_true(failed >= 10);
	assert_int_equal(failed, k - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			vips_are_added_removed_and_redefined_by_name, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			address_of_a_vip_live_here_and_room_are_refused, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			each_setting_the_cluster_shares_is_refused_by_name,
			setup, teardown),
		cmocka_unit_test_setup_teardown(node_local_settings_are_taken,
						setup, teardown),
		cmocka_unit_test_setup_teardown(the_same_file_changes_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			a_broken_file_changes_nothing_and_says_where, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			every_failing_call_of_a_reload_changes_nothing, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
