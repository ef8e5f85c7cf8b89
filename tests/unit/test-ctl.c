// SPDX-License-Identifier: MIT
/*
 * Request-line codec: every request form parses to the expected request,
 * every refusal names its place, and formatting round-trips.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proto/ctl.h"

struct ok_case {
	const char *what;
	const char *line;
	enum ctl_cmd cmd;
	const char *vip;
	const char *node;
	uint64_t term; /* 0: no --term */
	int has_wait;
	uint32_t wait_ms;
	const char *canonical; /* ctl_req_format() of the result */
};

static const struct ok_case ok_cases[] = {
	{"status of all", "status", CTL_STATUS, "", "", 0, 0, 0, "status\n"},
	{"status with newline", "status\n", CTL_STATUS, "", "", 0, 0, 0,
	 "status\n"},
	{"status of one VIP", "status db", CTL_STATUS, "db", "", 0, 0, 0,
	 "status db\n"},
	{"extra spaces are separators", "  status   db.1  \n", CTL_STATUS,
	 "db.1", "", 0, 0, 0, "status db.1\n"},
	{"plain claim", "claim db", CTL_CLAIM, "db", "", 0, 0, 0, "claim db\n"},
	{"claim with term", "claim db --term 42", CTL_CLAIM, "db", "", 42, 0, 0,
	 "claim db --term 42\n"},
	{"claim with the highest term", "claim db --term 9223372036854775807",
	 CTL_CLAIM, "db", "", 9223372036854775807ULL, 0, 0,
	 "claim db --term 9223372036854775807\n"},
	{"claim with wait", "claim db --wait 5", CTL_CLAIM, "db", "", 0, 1,
	 5000, "claim db --wait 5\n"},
	{"claim with decimal wait", "claim db --wait 0.5", CTL_CLAIM, "db", "",
	 0, 1, 500, "claim db --wait 0.5\n"},
	{"claim with milliseconds", "claim db --wait 1.025", CTL_CLAIM, "db",
	 "", 0, 1, 1025, "claim db --wait 1.025\n"},
	{"claim with zero wait", "claim db --wait 0", CTL_CLAIM, "db", "", 0, 1,
	 0, "claim db --wait 0\n"},
	{"claim with the longest wait", "claim db --wait 3600.000", CTL_CLAIM,
	 "db", "", 0, 1, 3600000, "claim db --wait 3600\n"},
	{"claim options before VIP", "claim --wait 2.50 --term 7 db", CTL_CLAIM,
	 "db", "", 7, 1, 2500, "claim db --term 7 --wait 2.5\n"},
	{"release", "release web_1", CTL_RELEASE, "web_1", "", 0, 0, 0,
	 "release web_1\n"},
	{"move", "move db node-2", CTL_MOVE, "db", "node-2", 0, 0, 0,
	 "move db node-2\n"},
	{"watch", "watch\n", CTL_WATCH, "", "", 0, 0, 0, "watch\n"},
	{"reload", "reload", CTL_RELOAD, "", "", 0, 0, 0, "reload\n"},
	{"ping", "ping", CTL_PING, "", "", 0, 0, 0, "ping\n"},
	{"rebalance", "rebalance web", CTL_REBALANCE, "web", "", 0, 0, 0,
	 "rebalance web\n"},
	{"watch since", "watch --since 00000000deadbeef:42", CTL_WATCH, "", "",
	 0, 0, 0, "watch --since 00000000deadbeef:42\n"},
	{"watch since the start", "watch --since 00000000deadbeef:0",
	 CTL_WATCH, "", "", 0, 0, 0, "watch --since 00000000deadbeef:0\n"},
	{"session claim", "claim db --session 0", CTL_CLAIM, "db", "", 0, 0, 0,
	 "claim db --session 0\n"},
	{"session claim with all", "claim db --session 2.5 --wait 60 --term 3",
	 CTL_CLAIM, "db", "", 3, 1, 60000,
	 "claim db --term 3 --wait 60 --session 2.5\n"},
	{"63-byte name",
	 "status "
	 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789a",
	 CTL_STATUS,
	 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789a", "",
	 0, 0, 0,
	 "status "
	 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789a\n"},
};

static void every_request_form_parses_and_round_trips(void **state)
{
	char reason[CTL_REASON_MAX], buf[CTL_LINE_MAX + 1];
	struct ctl_req r, again;
	size_t i;

	for (i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		const struct ok_case *c = &ok_cases[i];

		print_message("%s\n", c->what);
		assert_int_equal(ctl_req_parse(c->line, strlen(c->line), &r,
					       reason, sizeof(reason)),
				 0);
		assert_int_equal(r.cmd, c->cmd);
		assert_string_equal(r.vip, c->vip);
		assert_string_equal(r.node, c->node);
		assert_int_equal(r.has_term, c->term != 0);
		assert_int_equal(r.term, c->term);
		assert_int_equal(r.has_wait, c->has_wait);
		assert_int_equal(r.wait_ms, c->wait_ms);
		assert_int_equal(ctl_req_format(&r, buf, sizeof(buf)),
				 (int)strlen(c->canonical));
		assert_string_equal(buf, c->canonical);
		assert_int_equal(
			ctl_req_parse(buf, strlen(buf), &again, NULL, 0), 0);
		assert_memory_equal(&r, &again, sizeof(r));
	}
}

struct bad_case {
	const char *what;
	const char *line;
	size_t len;	    /* 0: strlen(line) */
	const char *reason; /* exact expected reason */
};

static const struct bad_case bad_cases[] = {
	{"empty line", "\n", 0,
	 "empty request; expected status, claim, release, move, watch, "
	 "reload, rebalance, ping or metrics"},
	{"only spaces", "   ", 0,
	 "empty request; expected status, claim, release, move, watch, "
	 "reload, rebalance, ping or metrics"},
	{"unknown command", "grab db", 0,
	 "unknown command 'grab'; expected status, claim, release, move, "
	 "watch, reload, rebalance, ping or metrics"},
	{"command is case sensitive", "STATUS", 0,
	 "unknown command 'STATUS'; expected status, claim, release, move, "
	 "watch, reload, rebalance, ping or metrics"},
	{"rebalance without pool", "rebalance", 0,
	 "rebalance: missing POOL; usage: rebalance POOL"},
	{"NUL byte", "status\0db", 9,
	 "request: NUL byte at column 7; send printable text"},
	{"tab", "status\tdb", 0,
	 "request: control character 0x09 at column 7; separate words with "
	 "single spaces"},
	{"carriage return", "status\r\n", 0,
	 "request: control character 0x0d at column 7; separate words with "
	 "single spaces"},
	{"newline inside", "status\nwatch\n", 0,
	 "request: control character 0x0a at column 7; separate words with "
	 "single spaces"},
	{"DEL", "status \x7f", 0,
	 "request: control character 0x7f at column 8; separate words with "
	 "single spaces"},
	{"too many words", "claim a b c d e f g h", 0,
	 "request: more than 8 words; see the usage of the command"},
	{"status extra argument", "status db web", 0,
	 "status: unexpected argument 'web'; usage: status [VIP]"},
	{"status option", "status db --term 3", 0,
	 "status: unknown option '--term'; usage: status [VIP]"},
	{"watch argument", "watch db", 0,
	 "watch: unexpected argument 'db'; usage: watch [--since "
	 "INCARNATION:SEQ]"},
	{"since without colon", "watch --since 0123456789abcdef", 0,
	 "watch: --since expects INCARNATION:SEQ as the last event carried "
	 "them (16 hex digits, a colon, a number), got '0123456789abcdef'"},
	{"since upper-case", "watch --since 0123456789ABCDEF:1", 0,
	 "watch: --since expects INCARNATION:SEQ as the last event carried "
	 "them (16 hex digits, a colon, a number), got "
	 "'0123456789ABCDEF:1'"},
	{"since twice", "watch --since 0123456789abcdef:1 --since "
	 "0123456789abcdef:2", 0, "watch: --since given twice; give it once"},
	{"since on status", "status --since 0123456789abcdef:1", 0,
	 "status: unknown option '--since'; usage: status [VIP]"},
	{"reload argument", "reload now", 0,
	 "reload: unexpected argument 'now'; usage: reload"},
	{"reload option", "reload --wait 1", 0,
	 "reload: unknown option '--wait'; usage: reload"},
	{"claim missing VIP", "claim", 0,
	 "claim: missing VIP; usage: claim VIP [--term N] [--wait SECONDS] "
	 "[--session SECONDS]"},
	{"claim only options", "claim --term 3", 0,
	 "claim: missing VIP; usage: claim VIP [--term N] [--wait SECONDS] "
	 "[--session SECONDS]"},
	{"claim extra argument", "claim db web", 0,
	 "claim: unexpected argument 'web'; usage: claim VIP [--term N] "
	 "[--wait SECONDS] [--session SECONDS]"},
	{"claim unknown option", "claim db --force", 0,
	 "claim: unknown option '--force'; usage: claim VIP [--term N] [--wait "
	 "SECONDS] [--session SECONDS]"},
	{"session twice", "claim db --session 1 --session 1", 0,
	 "claim: --session given twice; give it once"},
	{"session too long", "claim db --session 3601", 0,
	 "claim: --session expects seconds from 0 to 3600 (e.g. 2 or 0.5), "
	 "got '3601'"},
	{"session without value", "claim db --session", 0,
	 "claim: --session expects seconds from 0 to 3600 (e.g. 2 or 0.5), "
	 "got ''"},
	{"session on release", "release db --session 1", 0,
	 "release: unknown option '--session'; usage: release VIP"},
	{"ping argument", "ping db", 0,
	 "ping: unexpected argument 'db'; usage: ping"},
	{"term not a number", "claim db --term x", 0,
	 "claim: --term expects a positive integer below 2^63, got 'x'"},
	{"term zero", "claim db --term 0", 0,
	 "claim: --term expects a positive integer below 2^63, got '0'"},
	{"term negative", "claim db --term -1", 0,
	 "claim: --term expects a positive integer below 2^63, got '-1'"},
	{"term with plus", "claim db --term +1", 0,
	 "claim: --term expects a positive integer below 2^63, got '+1'"},
	{"term 2^63", "claim db --term 9223372036854775808", 0,
	 "claim: --term expects a positive integer below 2^63, got "
	 "'9223372036854775808'"},
	{"term overflowing 64 bits", "claim db --term 99999999999999999999", 0,
	 "claim: --term expects a positive integer below 2^63, got "
	 "'99999999999999999999'"},
	{"term without value", "claim db --term", 0,
	 "claim: --term expects a positive integer below 2^63, got ''"},
	{"term twice", "claim db --term 1 --term 2", 0,
	 "claim: --term given twice; give it once"},
	{"wait too long", "claim db --wait 3600.001", 0,
	 "claim: --wait expects seconds from 0 to 3600 (e.g. 2 or 0.5), got "
	 "'3600.001'"},
	{"wait far too long", "claim db --wait 100000", 0,
	 "claim: --wait expects seconds from 0 to 3600 (e.g. 2 or 0.5), got "
	 "'100000'"},
	{"wait four decimals", "claim db --wait 0.0001", 0,
	 "claim: --wait expects seconds from 0 to 3600 (e.g. 2 or 0.5), got "
	 "'0.0001'"},
	{"wait trailing dot", "claim db --wait 1.", 0,
	 "claim: --wait expects seconds from 0 to 3600 (e.g. 2 or 0.5), got "
	 "'1.'"},
	{"wait leading dot", "claim db --wait .5", 0,
	 "claim: --wait expects seconds from 0 to 3600 (e.g. 2 or 0.5), got "
	 "'.5'"},
	{"wait with unit", "claim db --wait 5s", 0,
	 "claim: --wait expects seconds from 0 to 3600 (e.g. 2 or 0.5), got "
	 "'5s'"},
	{"wait twice", "claim db --wait 1 --wait 1", 0,
	 "claim: --wait given twice; give it once"},
	{"release missing VIP", "release", 0,
	 "release: missing VIP; usage: release VIP"},
	{"release option", "release db --wait 1", 0,
	 "release: unknown option '--wait'; usage: release VIP"},
	{"move missing node", "move db", 0,
	 "move: missing NODE; usage: move VIP NODE"},
	{"move missing both", "move", 0,
	 "move: missing VIP; usage: move VIP NODE"},
	{"move extra", "move db n1 n2", 0,
	 "move: unexpected argument 'n2'; usage: move VIP NODE"},
	{"bad VIP character", "claim d/b", 0,
	 "claim: VIP name must be 1 to 63 of A-Z a-z 0-9 _ . -, got 'd/b'"},
	{"bad node character", "move db n\"1", 0,
	 "move: NODE name must be 1 to 63 of A-Z a-z 0-9 _ . -, got 'n\"1'"},
	{"non-ASCII name", "status d\xc3\xa9", 0,
	 "status: VIP name must be 1 to 63 of A-Z a-z 0-9 _ . -, got 'd?"
	 "?'"},
	{"64-byte name",
	 "status "
	 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ab",
	 0,
	 "status: VIP name must be 1 to 63 of A-Z a-z 0-9 _ . -, got "
	 "'abcdefghijklmnopqrstuvwxyzABCDEF...'"},
};

static void every_refusal_names_place_and_fix(void **state)
{
	char reason[CTL_REASON_MAX];
	struct ctl_req r;
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		size_t len = c->len ? c->len : strlen(c->line);

		print_message("%s\n", c->what);
		memset(&r, 0x5a, sizeof(r));
		assert_int_equal(
			ctl_req_parse(c->line, len, &r, reason, sizeof(reason)),
			-EINVAL);
		assert_string_equal(reason, c->reason);
		assert_int_equal(r.cmd, 0x5a5a5a5a); /* untouched */
	}
}

static void line_of_512_bytes_with_newline_is_accepted(void **state)
{
	char line[CTL_LINE_MAX + 8], reason[CTL_REASON_MAX];
	struct ctl_req r;

	memset(line, ' ', sizeof(line));
	memcpy(line, "status db", 9);
	line[CTL_LINE_MAX - 1] = '\n';
	assert_int_equal(
		ctl_req_parse(line, CTL_LINE_MAX, &r, reason, sizeof(reason)),
		0);
	assert_string_equal(r.vip, "db");
	/* the same 512 bytes without the newline are one too many */
	line[CTL_LINE_MAX - 1] = ' ';
	assert_int_equal(
		ctl_req_parse(line, CTL_LINE_MAX, &r, reason, sizeof(reason)),
		-EINVAL);
	assert_string_equal(reason, "request longer than 512 bytes");
	line[CTL_LINE_MAX] = '\n';
	assert_int_equal(ctl_req_parse(line, CTL_LINE_MAX + 1, &r, reason,
				       sizeof(reason)),
			 -EINVAL);
	assert_string_equal(reason, "request longer than 512 bytes");
}

static void short_reason_buffer_is_truncated_not_overrun(void **state)
{
	char reason[9];
	struct ctl_req r;

	memset(reason, 'x', sizeof(reason));
	assert_int_equal(ctl_req_parse("grab", 4, &r, reason, 8), -EINVAL);
	assert_string_equal(reason, "unknown");
	assert_int_equal(reason[8], 'x');
	assert_int_equal(ctl_req_parse("grab", 4, &r, NULL, 0), -EINVAL);
}

static void format_refuses_invalid_requests(void **state)
{
	static const struct {
		const char *what;
		struct ctl_req r;
	} cases[] = {
		{"no command", {.cmd = 0}},
		{"unknown command", {.cmd = 99}},
		{"claim without VIP", {.cmd = CTL_CLAIM}},
		{"bad VIP", {.cmd = CTL_RELEASE, .vip = "a b"}},
		{"move without node", {.cmd = CTL_MOVE, .vip = "db"}},
		{"node on release",
		 {.cmd = CTL_RELEASE, .vip = "db", .node = "n1"}},
		{"watch with VIP", {.cmd = CTL_WATCH, .vip = "db"}},
		{"reload with VIP", {.cmd = CTL_RELOAD, .vip = "db"}},
		{"term on reload",
		 {.cmd = CTL_RELOAD, .has_term = 1, .term = 1}},
		{"term on status",
		 {.cmd = CTL_STATUS, .has_term = 1, .term = 1}},
		{"term zero", {.cmd = CTL_CLAIM, .vip = "db", .has_term = 1}},
		{"term 2^63",
		 {.cmd = CTL_CLAIM,
		  .vip = "db",
		  .has_term = 1,
		  .term = 1ULL << 63}},
		{"wait too long",
		 {.cmd = CTL_CLAIM,
		  .vip = "db",
		  .has_wait = 1,
		  .wait_ms = CTL_WAIT_MAX_MS + 1}},
	};
	char buf[CTL_LINE_MAX + 1];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("%s\n", cases[i].what);
		assert_int_equal(ctl_req_format(&cases[i].r, buf, sizeof(buf)),
				 -EINVAL);
	}
}

static void format_reports_small_buffer(void **state)
{
	struct ctl_req r = {.cmd = CTL_STATUS, .vip = "db"};
	char buf[11];

	assert_int_equal(ctl_req_format(&r, buf, 10), -ENOSPC);
	assert_int_equal(ctl_req_format(&r, buf, 11), 10);
	assert_string_equal(buf, "status db\n");
}

static void names_and_commands(void **state)
{
	assert_true(ctl_name_valid("a"));
	assert_true(ctl_name_valid("A-z_0.9"));
	assert_false(ctl_name_valid(""));
	assert_false(ctl_name_valid(NULL));
	assert_false(ctl_name_valid("a b"));
	assert_string_equal(ctl_cmd_to_string(CTL_MOVE), "move");
	assert_null(ctl_cmd_to_string(0));
	assert_null(ctl_cmd_to_string(42));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_request_form_parses_and_round_trips),
		cmocka_unit_test(every_refusal_names_place_and_fix),
		cmocka_unit_test(line_of_512_bytes_with_newline_is_accepted),
		cmocka_unit_test(short_reason_buffer_is_truncated_not_overrun),
		cmocka_unit_test(format_refuses_invalid_requests),
		cmocka_unit_test(format_reports_small_buffer),
		cmocka_unit_test(names_and_commands),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
