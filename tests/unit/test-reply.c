// SPDX-License-Identifier: MIT
/*
 * libvip's parsing of vipd's reply, status and event lines, and the map
 * from vipd's error codes to errno values.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "lib/reply.h"

static void replies_of_every_shape_parse(void **state)
{
	static const struct {
		const char *what;
		const char *line;
		int ok;
		const char *error, *vip, *holder;
		uint64_t term;
		int watching;
	} cases[] = {
		{"claim success",
		 "{\"ok\":true,\"vip\":\"db\",\"holder\":\"n1\",\"term\":5}\n",
		 1, "", "db", "n1", 5, 0},
		{"release has holder null",
		 "{\"ok\":true,\"vip\":\"db\",\"holder\":null,\"term\":6}", 1,
		 "", "db", "", 6, 0},
		{"refusal",
		 "{\"ok\":false,\"error\":\"held\",\"reason\":\"n2 holds db\"}",
		 0, "held", "", "", 0, 0},
		{"watch ack", "{\"ok\":true,\"watching\":true}", 1, "", "", "",
		 0, 1},
		{"unknown members are ignored",
		 "{\"x\":[1,{\"y\":2}],\"ok\":true,\"term\":"
		 "9223372036854775807}",
		 1, "", "", "", 9223372036854775807ULL, 0},
		{"whitespace around", "  {\"ok\" : true}  ", 1, "", "", "", 0,
		 0},
	};
	struct reply r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("%s\n", cases[i].what);
		assert_int_equal(
			reply_parse(cases[i].line, strlen(cases[i].line), &r),
			0);
		assert_int_equal(r.ok, cases[i].ok);
		assert_string_equal(r.error, cases[i].error);
		assert_string_equal(r.vip, cases[i].vip);
		assert_string_equal(r.holder, cases[i].holder);
		assert_int_equal(r.term, cases[i].term);
		assert_int_equal(r.watching, cases[i].watching);
	}
}

static void malformed_replies_are_refused(void **state)
{
	static const struct {
		const char *what;
		const char *line;
		size_t len; /* 0: strlen */
	} cases[] = {
		{"empty", "", 0},
		{"newline only", "\n", 0},
		{"not JSON", "ok", 0},
		{"array", "[true]", 0},
		{"truncated", "{\"ok\":true", 0},
		{"two objects", "{\"ok\":true}{\"ok\":true}", 0},
		{"trailing garbage", "{\"ok\":true} x", 0},
		{"no ok", "{\"vip\":\"db\"}", 0},
		{"ok not boolean", "{\"ok\":1}", 0},
		{"refusal without error", "{\"ok\":false,\"reason\":\"x\"}", 0},
		{"error not a string", "{\"ok\":false,\"error\":5}", 0},
		{"negative term", "{\"ok\":true,\"term\":-1}", 0},
		{"fractional term", "{\"ok\":true,\"term\":1.5}", 0},
		{"term as string", "{\"ok\":true,\"term\":\"5\"}", 0},
		{"vip too long",
		 "{\"ok\":true,\"vip\":"
		 "\"01234567890123456789012345678901234567890123456789012345678"
		 "90123\"}",
		 0},
		{"NUL in string", "{\"ok\":true,\"vip\":\"a\\u0000b\"}", 0},
		{"raw NUL", "{\"ok\":true}\0", 12},
		{"too deep",
		 "{\"ok\":true,\"x\":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}", 0},
	};
	struct reply r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len =
			cases[i].len ? cases[i].len : strlen(cases[i].line);

		print_message("%s\n", cases[i].what);
		assert_int_equal(reply_parse(cases[i].line, len, &r), -EBADMSG);
	}
}

static void long_reason_is_truncated(void **state)
{
	char line[1024];
	struct reply r;

	memset(line, 'r', sizeof(line));
	memcpy(line, "{\"ok\":false,\"error\":\"held\",\"reason\":\"", 37);
	memcpy(line + sizeof(line) - 3, "\"}", 3);
	assert_int_equal(reply_parse(line, strlen(line), &r), 0);
	assert_int_equal(strlen(r.reason), sizeof(r.reason) - 1);
}

static const char status_line[] =
	"{\"ok\":true,\"node\":{\"name\":\"n1\",\"id\":1,\"quorate\":true,"
	"\"engine\":\"joined\",\"synced\":true,\"lease_ms\":150,"
	"\"members\":[\"n1\",\"n2\"],\"sync_waiting_for\":[]},"
	"\"vips\":[{\"name\":\"db\",\"config_differs\":[\"n3\",\"n4\"],"
	"\"state\":\"live\",\"holder\":\"n1\",\"term\":5,"
	"\"since\":1764060000123,\"prev\":null,\"waiter\":null,"
	"\"live_here\":true,\"addresses\":[\"192.0.2.10/24\","
	"\"2001:db8::10/64\"],\"dev\":\"eth0\"},{\"name\":\"web\","
	"\"state\":\"unassigned\",\"holder\":null,\"term\":0,\"since\":0,"
	"\"prev\":\"n2\",\"waiter\":null,\"live_here\":false,"
	"\"addresses\":[]}]}\n";

static void status_reply_fills_node_and_vips(void **state)
{
	struct vip_status *s;

	assert_int_equal(
		reply_parse_status(status_line, strlen(status_line), &s), 0);
	assert_string_equal(s->node.name, "n1");
	assert_int_equal(s->node.id, 1);
	assert_int_equal(s->node.quorate, 1);
	assert_string_equal(s->node.engine, "joined");
	assert_int_equal(s->node.synced, 1);
	assert_int_equal(s->node.lease_ms, 150);
	assert_int_equal(s->node.n_members, 2);
	assert_string_equal(s->node.members[1], "n2");
	assert_int_equal(s->n_vips, 2);
	assert_string_equal(s->vips[0].name, "db");
	assert_string_equal(s->vips[0].state, "live");
	assert_string_equal(s->vips[0].holder, "n1");
	assert_int_equal(s->vips[0].term, 5);
	assert_int_equal(s->vips[0].since_ms, 1764060000123ULL);
	assert_string_equal(s->vips[0].prev, "");
	assert_int_equal(s->vips[0].live_here, 1);
	assert_int_equal(s->vips[0].n_addresses, 2);
	assert_string_equal(s->vips[0].addresses[1], "2001:db8::10/64");
	assert_string_equal(s->vips[0].dev, "eth0");
	assert_string_equal(s->vips[1].holder, "");
	assert_string_equal(s->vips[1].prev, "n2");
	assert_int_equal(s->vips[1].n_addresses, 0);
	vip_status_free(s);
	vip_status_free(NULL);
}

static void status_extras_name_odd_and_awaited_members(void **state)
{
	static const char waiting[] =
		"{\"ok\":true,\"node\":{\"name\":\"n1\",\"synced\":false,"
		"\"sync_waiting_for\":[\"n3\"]},\"vips\":[{\"name\":\"db\","
		"\"state\":\"live\"}]}";
	const char *const *names;
	struct vip_status *s;
	size_t n = 99;

	assert_int_equal(
		reply_parse_status(status_line, strlen(status_line), &s), 0);
	names = vip_status_config_differs(s, 0, &n);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "n3");
	assert_string_equal(names[1], "n4");
	assert_null(names[2]);
	names = vip_status_config_differs(s, 1, &n); /* absent: none */
	assert_int_equal(n, 0);
	assert_null(names[0]);
	names = vip_status_config_differs(s, 2, &n); /* no such VIP */
	assert_int_equal(n, 0);
	assert_null(names[0]);
	names = vip_status_sync_waiting(s, &n); /* empty array */
	assert_int_equal(n, 0);
	assert_null(names[0]);
	vip_status_free(s);
	assert_int_equal(reply_parse_status(waiting, strlen(waiting), &s), 0);
	names = vip_status_sync_waiting(s, &n);
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "n3");
	vip_status_free(s);
}

static void status_names_what_drives_each_vip(void **state)
{
	static const char line[] =
		"{\"ok\":true,\"node\":{\"name\":\"n1\"},\"vips\":["
		"{\"name\":\"a\",\"state\":\"live\",\"session\":{\"pid\":42,"
		"\"keepalive_ms\":1500}},"
		"{\"name\":\"b\",\"state\":\"live\",\"check\":{\"state\":\"failing\","
		"\"runs\":7,\"last\":\"exit status 1\"}},"
		"{\"name\":\"c\",\"state\":\"live\",\"follow\":{\"group\":\"app\","
		"\"members_here\":2},\"session\":null},"
		"{\"name\":\"d\",\"state\":\"live\"}]}";
	static const char bad[] =
		"{\"ok\":true,\"node\":{\"name\":\"n1\"},\"vips\":["
		"{\"name\":\"a\",\"state\":\"live\",\"session\":{\"pid\":\"x\"}}]}";
	struct vip_status *s;

	assert_int_equal(reply_parse_status(line, strlen(line), &s), 0);
	assert_string_equal(vip_status_driver(s, 0),
			    "session of pid 42, keep-alive 1500 ms");
	assert_string_equal(vip_status_driver(s, 1),
			    "check failing (7 runs, last: exit status 1)");
	assert_string_equal(vip_status_driver(s, 2),
			    "follows group app: 2 members here");
	assert_string_equal(vip_status_driver(s, 3), "");
	assert_string_equal(vip_status_driver(s, 4), "");
	vip_status_free(s);
	assert_int_equal(reply_parse_status(bad, strlen(bad), &s), -EBADMSG);
}

static void malformed_status_is_refused_without_leaks(void **state)
{
	static const char *const cases[] = {
		"{\"ok\":false,\"error\":\"busy\"}",
		"{\"ok\":true}",
		"{\"ok\":true,\"node\":5}",
		"{\"ok\":true,\"node\":{}}",
		"{\"ok\":true,\"node\":{\"name\":\"n1\",\"members\":[\"a\",1]}"
		"}",
		"{\"ok\":true,\"node\":{\"name\":\"n1\"},\"vips\":{}}",
		"{\"ok\":true,\"node\":{\"name\":\"n1\"},\"vips\":[{\"name\":"
		"\"a\",\"state\":\"live\"},7]}",
		"{\"ok\":true,\"node\":{\"name\":\"n1\"},\"vips\":[{\"name\":"
		"\"a\",\"state\":\"live\",\"addresses\":[\"x\",null]}]}",
		"{\"ok\":true,\"node\":{\"name\":\"n1\"},\"vips\":[{\"state\":"
		"\"live\"}]}",
		"{\"ok\":true,\"node\":{\"name\":\"n1\"},\"vips\":[{\"name\":"
		"\"a\",\"state\":\"live\",\"config_differs\":\"n3\"}]}",
		"{\"ok\":true,\"node\":{\"name\":\"n1\",\"sync_waiting_for\":"
		"[1]}}",
	};
	struct vip_status *s = NULL;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("%s\n", cases[i]);
		assert_int_equal(
			reply_parse_status(cases[i], strlen(cases[i]), &s),
			-EBADMSG);
		assert_null(s);
	}
}

static void events_parse_with_absent_and_null_members(void **state)
{
	static const char full[] = "{\"event\":\"moved\",\"vip\":\"db\","
				   "\"node\":\"n2\",\"prev\":\"n1\","
				   "\"term\":6,\"quorate\":true,\"why\":"
				   "\"operator\",\"time\":1764060000123}";
	static const char bare[] = "{\"event\":\"quorum\",\"vip\":null,"
				   "\"node\":null,\"prev\":null,"
				   "\"term\":0,\"quorate\":false,\"time\":5}";
	static const char future[] = "{\"event\":\"teleported\"}";
	struct vip_event e = {.json = "kept"};

	assert_int_equal(reply_parse_event(full, strlen(full), &e), 0);
	assert_int_equal(e.type, VIP_EVENT_MOVED);
	assert_string_equal(e.type_name, "moved");
	assert_string_equal(e.vip, "db");
	assert_string_equal(e.node, "n2");
	assert_string_equal(e.prev, "n1");
	assert_int_equal(e.term, 6);
	assert_int_equal(e.quorate, 1);
	assert_string_equal(e.why, "operator");
	assert_int_equal(e.time_ms, 1764060000123ULL);
	assert_string_equal(e.json, "kept");
	assert_int_equal(reply_parse_event(bare, strlen(bare), &e), 0);
	assert_int_equal(e.type, VIP_EVENT_QUORUM);
	assert_string_equal(e.vip, "");
	assert_int_equal(e.quorate, 0);
	assert_int_equal(reply_parse_event(future, strlen(future), &e), 0);
	assert_int_equal(e.type, VIP_EVENT_UNKNOWN);
	assert_int_equal(e.quorate, -1);
	assert_int_equal(reply_parse_event("{\"ok\":true}", 11, &e), -EBADMSG);
	assert_int_equal(reply_parse_event("{\"event\":1}", 11, &e), -EBADMSG);
}

static void error_codes_map_to_errno(void **state)
{
	static const struct {
		const char *code;
		int err;
	} cases[] = {
		{"not-allowed", -EPERM},    {"held", -EBUSY},
		{"stale-term", -ESTALE},    {"unknown-vip", -ENOENT},
		{"unknown-node", -ENOENT},  {"no-quorum", -ENOLINK},
		{"timeout", -ETIMEDOUT},    {"not-eligible", -EADDRNOTAVAIL},
		{"not-member", -EHOSTDOWN}, {"not-joined", -ENONET},
		{"actuator", -EIO},	    {"superseded", -ECANCELED},
		{"cancelled", -EINTR},	    {"lost", -EOWNERDEAD},
		{"busy", -EAGAIN},	    {"bad-request", -EINVAL},
		{"bad-config", -EINVAL},    {"reload-refused", -EOPNOTSUPP},
		{"config-mismatch", -ENOTUNIQ}, {"handing-over", -EAGAIN},
		{"something-new", -EPROTO}, {"", -EPROTO},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(reply_errno(cases[i].code), cases[i].err);
	assert_int_equal(reply_errno(NULL), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(replies_of_every_shape_parse),
		cmocka_unit_test(malformed_replies_are_refused),
		cmocka_unit_test(long_reason_is_truncated),
		cmocka_unit_test(status_reply_fills_node_and_vips),
		cmocka_unit_test(status_extras_name_odd_and_awaited_members),
		cmocka_unit_test(status_names_what_drives_each_vip),
		cmocka_unit_test(malformed_status_is_refused_without_leaks),
		cmocka_unit_test(events_parse_with_absent_and_null_members),
		cmocka_unit_test(error_codes_map_to_errno),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
