// SPDX-License-Identifier: MIT
/*
 * vipctl's command line (src/cli/args.c): global options before or after
 * the verb mean the same; the verb's own options, everything after "--"
 * and everything after "hold" stay the verb's, untouched and in order.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/args.h"

struct args_case {
	const char *what;
	const char *argv[12]; /* after "vipctl", NULL-ended */
	int ok;
	const char *socket, *timeout;
	int json;
	const char *words; /* joined by one space */
};

static void check_case(const struct args_case *c)
{
	char *argv[14] = {(char *)(uintptr_t) "vipctl"}, joined[256] = "";
	struct vipctl_args a;
	char err[128] = "";
	int argc = 1, r;

	for (int i = 0; c->argv[i]; i++)
		argv[argc++] = (char *)(uintptr_t)c->argv[i];
	print_message("%s\n", c->what);
	r = vipctl_args_parse(argc, argv, &a, err, sizeof(err));
	if (!c->ok) {
		assert_int_equal(r, -EINVAL);
		assert_true(err[0] != '\0');
		assert_null(a.words);
		return;
	}
	assert_int_equal(r, 0);
	for (int i = 0; i < a.nwords; i++)
		snprintf(joined + strlen(joined),
			 sizeof(joined) - strlen(joined), "%s%s", i ? " " : "",
			 a.words[i]);
	assert_string_equal(joined, c->words);
	assert_int_equal(a.json, c->json);
	if (c->socket)
		assert_string_equal(a.socket, c->socket);
	else
		assert_null(a.socket);
	if (c->timeout)
		assert_string_equal(a.timeout, c->timeout);
	else
		assert_null(a.timeout);
	free(a.words);
}

static void global_options_stand_before_or_after_the_verb(void **state)
{
	static const struct args_case cases[] = {
		{"before",
		 {"--json", "status", NULL},
		 1,
		 NULL,
		 NULL,
		 1,
		 "status"},
		{"after",
		 {"status", "--json", NULL},
		 1,
		 NULL,
		 NULL,
		 1,
		 "status"},
		{"after the VIP",
		 {"status", "db", "-j", NULL},
		 1,
		 NULL,
		 NULL,
		 1,
		 "status db"},
		{"values both ways",
		 {"-s", "/tmp/a.sock", "claim", "db", "--timeout", "3", NULL},
		 1,
		 "/tmp/a.sock",
		 "3",
		 0,
		 "claim db"},
		{"--opt=value",
		 {"move", "db", "n2", "--socket=/x", NULL},
		 1,
		 "/x",
		 NULL,
		 0,
		 "move db n2"},
		{"claim's own options stay",
		 {"claim", "db", "--term", "7", "--json", "--wait", "2", NULL},
		 1,
		 NULL,
		 NULL,
		 1,
		 "claim db --term 7 --wait 2"},
		{"watch --since stays",
		 {"watch", "--since", "00ab:5", "--json", NULL},
		 1,
		 NULL,
		 NULL,
		 1,
		 "watch --since 00ab:5"},
		{"after -- nothing is taken",
		 {"status", "--", "--json", NULL},
		 1,
		 NULL,
		 NULL,
		 0,
		 "status --json"},
		{"check",
		 {"check", "db", "--socket", "/s", NULL},
		 1,
		 "/s",
		 NULL,
		 0,
		 "check db"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

static void held_command_keeps_its_options(void **state)
{
	static const struct args_case cases[] = {
		{"hold: its --timeout and COMMAND's --json are untouched",
		 {"--json", "hold", "db", "--timeout", "3", "--", "app",
		  "--json", "-s", "x", NULL},
		 1,
		 NULL,
		 NULL,
		 1,
		 "hold db --timeout 3 -- app --json -s x"},
		{"hold after --socket",
		 {"-s", "/s", "hold", "db", "--", "sh", "-c", "true", NULL},
		 1,
		 "/s",
		 NULL,
		 0,
		 "hold db -- sh -c true"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

static void bad_command_lines_are_refused(void **state)
{
	static const struct args_case cases[] = {
		{"unknown option before the verb",
		 {"--frob", "status", NULL},
		 0,
		 NULL,
		 NULL,
		 0,
		 NULL},
		{"--socket without its value",
		 {"status", "--socket", NULL},
		 0,
		 NULL,
		 NULL,
		 0,
		 NULL},
		{"-t without its value", {"-t", NULL}, 0, NULL, NULL, 0, NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

static void help_and_version_are_seen_anywhere(void **state)
{
	char *argv[] = {
		(char *)(uintptr_t) "vipctl", (char *)(uintptr_t) "status",
		(char *)(uintptr_t) "--version", (char *)(uintptr_t) "-h"};
	struct vipctl_args a;
	char err[64];

	assert_int_equal(vipctl_args_parse(4, argv, &a, err, sizeof(err)), 0);
	assert_int_equal(a.version, 1);
	assert_int_equal(a.help, 1);
	assert_int_equal(a.nwords, 1);
	free(a.words);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(global_options_stand_before_or_after_the_verb),
		cmocka_unit_test(held_command_keeps_its_options),
		cmocka_unit_test(bad_command_lines_are_refused),
		cmocka_unit_test(help_and_version_are_seen_anywhere),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
