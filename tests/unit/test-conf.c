// SPDX-License-Identifier: MIT
/*
 * Unit tests of the config loader: value converters, the keyword table,
 * valid and invalid configs from memory, limits, and the all-or-nothing
 * contract. Golden whole-file tests live in tests/config.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "daemon/conf_lex.h"
#include "daemon/conf_parse.h"
#include "daemon/printconf.h"

#define HEAD "node-name n1\ncluster {\n node n1 id 1\n node n2 id 2\n}\n"

static int load(const char *text, struct conf *c, char **errs)
{
	size_t n = 0;
	FILE *m = open_memstream(errs, &n);
	int r;

	assert_non_null(m);
	r = conf_load_buffer("t.conf", text, strlen(text), c, m);
	fclose(m);
	return r;
}

static void keywords_are_sorted_and_found(void **state)
{
	for (int kw = CONF_KW_NONE + 1; kw < CONF_KW_COUNT_; kw++) {
		if (kw + 1 < CONF_KW_COUNT_)
			assert_true(strcmp(conf_kw_name(kw),
					   conf_kw_name(kw + 1)) < 0);
		assert_int_equal(conf_kw_lookup(conf_kw_name(kw)), kw);
	}
	assert_int_equal(conf_kw_lookup("nodex"), CONF_KW_NONE);
	assert_int_equal(conf_kw_lookup(""), CONF_KW_NONE);
	assert_null(conf_kw_name(CONF_KW_NONE));
	assert_null(conf_kw_name(CONF_KW_COUNT_));
}

static const struct {
	const char *what, *in;
	int r;
	uint32_t ms;
} durations[] = {
	{"milliseconds", "150ms", 0, 150},
	{"seconds", "2s", 0, 2000},
	{"zero", "0ms", 0, 0},
	{"leading zeros", "007s", 0, 7000},
	{"largest", "4294967295ms", 0, UINT32_MAX},
	{"too large", "4294968s", -ERANGE, 0},
	{"huge", "99999999999999999999s", -ERANGE, 0},
	{"no unit", "150", -EINVAL, 0},
	{"unknown unit", "1m", -EINVAL, 0},
	{"fraction", "1.5s", -EINVAL, 0},
	{"sign", "-1s", -EINVAL, 0},
	{"plus", "+1s", -EINVAL, 0},
	{"blank", " 1s", -EINVAL, 0},
	{"empty", "", -EINVAL, 0},
	{"unit only", "ms", -EINVAL, 0},
	{"trailing", "1ss", -EINVAL, 0},
};

static void durations_parse_or_are_refused(void **state)
{
	for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
		uint32_t ms = 12345;
		int r = conf_parse_duration(durations[i].in, &ms);

		print_message("%s\n", durations[i].what);
		assert_int_equal(r, durations[i].r);
		if (r == 0)
			assert_int_equal(ms, durations[i].ms);
	}
}

static const struct {
	const char *what, *in;
	int r;
	int family;
	unsigned plen;
} addrs[] = {
	{"ipv4 with prefix", "192.0.2.10/24", 0, AF_INET, 24},
	{"ipv4 host", "192.0.2.10", 0, AF_INET, 32},
	{"ipv4 /32", "192.0.2.10/32", 0, AF_INET, 32},
	{"ipv6 with prefix", "2001:db8::10/64", 0, AF_INET6, 64},
	{"ipv6 host", "2001:db8::1", 0, AF_INET6, 128},
	{"ipv6 /128", "::1/128", 0, AF_INET6, 128},
	{"mapped", "::ffff:192.0.2.1", 0, AF_INET6, 128},
	{"ipv4 /0", "192.0.2.10/0", -ERANGE, 0, 0},
	{"ipv4 /33", "192.0.2.10/33", -ERANGE, 0, 0},
	{"ipv6 /129", "2001:db8::1/129", -ERANGE, 0, 0},
	{"leading zero prefix", "192.0.2.1/08", -ERANGE, 0, 0},
	{"empty prefix", "192.0.2.1/", -ERANGE, 0, 0},
	{"signed prefix", "192.0.2.1/+8", -ERANGE, 0, 0},
	{"prefix junk", "192.0.2.1/8x", -ERANGE, 0, 0},
	{"octet too big", "192.0.2.300", -EINVAL, 0, 0},
	{"short ipv4", "192.0.2", -EINVAL, 0, 0},
	{"zone", "fe80::1%eth0", -EINVAL, 0, 0},
	{"name", "db.example", -EINVAL, 0, 0},
	{"empty", "", -EINVAL, 0, 0},
	{"only prefix", "/24", -EINVAL, 0, 0},
};

static void addresses_parse_or_are_refused(void **state)
{
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		struct conf_addr a;
		int r = conf_parse_addr(addrs[i].in, &a);

		print_message("%s\n", addrs[i].what);
		assert_int_equal(r, addrs[i].r);
		if (r == 0) {
			assert_int_equal(a.family, addrs[i].family);
			assert_int_equal(a.prefixlen, addrs[i].plen);
		}
	}
}

static const struct {
	const char *what, *in;
	int r;
	uint32_t v;
} numbers[] = {
	{"decimal", "42", 0, 42},
	{"hex", "0x10000000", 0, 0x10000000},
	{"hex upper", "0XfF", 0, 255},
	{"max", "4294967295", 0, UINT32_MAX},
	{"hex max", "0xffffffff", 0, UINT32_MAX},
	{"overflow", "4294967296", -ERANGE, 0},
	{"hex overflow", "0x100000000", -ERANGE, 0},
	{"bare 0x", "0x", -EINVAL, 0},
	{"negative", "-1", -EINVAL, 0},
	{"junk", "12a", -EINVAL, 0},
	{"empty", "", -EINVAL, 0},
};

static void numbers_parse_or_are_refused(void **state)
{
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		uint32_t v = 7;
		int r = conf_parse_u32(numbers[i].in, &v);

		print_message("%s\n", numbers[i].what);
		assert_int_equal(r, numbers[i].r);
		if (r == 0)
			assert_int_equal(v, numbers[i].v);
	}
}

static void names_follow_the_charset_and_length(void **state)
{
	char n63[64], n64[65];

	memset(n63, 'a', 63);
	n63[63] = '\0';
	memset(n64, 'a', 64);
	n64[64] = '\0';
	assert_true(conf_name_valid("db-1_x.y"));
	assert_true(conf_name_valid(n63));
	assert_false(conf_name_valid(n64));
	assert_false(conf_name_valid(""));
	assert_false(conf_name_valid("a b"));
	assert_false(conf_name_valid("a/b"));
	assert_false(conf_name_valid("caf\xc3\xa9"));
}

static const struct {
	const char *what, *text, *printed_vip;
} valid[] = {
	{"defaults apply to a minimal vip",
	 HEAD "vip db {\n address 192.0.2.1/24\n dev eth0\n}\n",
	 "vip db {\n\taddress 192.0.2.1/24\n\tdev eth0\n\tnodes n1 n2\n"
	 "\tpolicy wait\n\tannounce 3 interval 100ms\n}\n"},
	{"one-line block with semicolons",
	 HEAD "vip db { address 192.0.2.1; dev eth0; nodes n2 }",
	 "vip db {\n\taddress 192.0.2.1/32\n\tdev eth0\n\tnodes n2\n"
	 "\tpolicy wait\n\tannounce 3 interval 100ms\n}\n"},
	{"brace on the next line and prefer order kept",
	 HEAD "vip db\n{\n dev eth0\n address ::1\n policy prefer n2 n1\n}",
	 "vip db {\n\taddress ::1/128\n\tdev eth0\n\tnodes n1 n2\n"
	 "\tpolicy prefer n2 n1\n\tannounce 3 interval 100ms\n}\n"},
	{"keywords may be names where a name is expected",
	 "node-name node\ncluster { node node id 1 }\n"
	 "vip vip { address 192.0.2.1; dev dev }",
	 "vip vip {\n\taddress 192.0.2.1/32\n\tdev dev\n\tnodes node\n"
	 "\tpolicy wait\n\tannounce 3 interval 100ms\n}\n"},
	{"numeric and named allow entries",
	 HEAD "vip db { address 192.0.2.1; dev e\n allow user root\n"
	      " allow group 4242\n announce 0 }",
	 "vip db {\n\taddress 192.0.2.1/32\n\tdev e\n\tnodes n1 n2\n"
	 "\tpolicy wait\n\tannounce 0 interval 100ms\n"
	 "\tallow user root\n\tallow group 4242\n}\n"},
};

static void valid_configs_load_and_print(void **state)
{
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		char *errs = NULL, *out = NULL;
		size_t n = 0;
		struct conf c;
		FILE *m;

		print_message("%s\n", valid[i].what);
		assert_int_equal(load(valid[i].text, &c, &errs), 0);
		assert_string_equal(errs, "");
		m = open_memstream(&out, &n);
		assert_non_null(m);
		conf_print(m, &c);
		fclose(m);
		assert_non_null(strstr(out, valid[i].printed_vip));
		conf_free(&c);
		free(errs);
		free(out);
	}
}

static const struct {
	const char *what, *text, *error;
} invalid[] = {
	{"unknown keyword", HEAD "frob 1\n",
	 "t.conf:6:1: expected a setting, 'include', 'cluster', 'vip' or 'pool', "
	 "got 'frob'\n"},
	{"node id 0", "node-name n1\ncluster { node n1 id 1; node n2 id 0 }",
	 "t.conf:2:36: node id 0 is reserved, use 1 or more\n"},
	{"unknown node", HEAD "vip db { address 192.0.2.1; dev e; nodes n9 }",
	 "t.conf:6:42: node 'n9' is not in the cluster block, add 'node n9 "
	 "id N' to cluster { }\n"},
	{"prefer outside nodes",
	 HEAD "vip db { address 192.0.2.1; dev e; nodes n1\n"
	      "policy prefer n2 }",
	 "t.conf:7:8: node 'n2' in policy of vip 'db' is not eligible, add "
	 "it to 'nodes'\n"},
	{"vip without dev", HEAD "vip db { address 192.0.2.1 }",
	 "t.conf:6:5: vip 'db' has no dev, add 'dev IFNAME'\n"},
	{"lease below the minimum", HEAD "lease 10ms",
	 "t.conf:6:7: duration '10ms' is out of range, use 50ms to 60s\n"},
	{"lease-mark of two bits", HEAD "lease-mark 0x30",
	 "t.conf:6:12: lease-mark 0x30 has more than one bit set, use a "
	 "power of two like 0x10000000\n"},
	{"include disabled from a buffer with no file",
	 HEAD "include \"/nonexistent/x.conf\"",
	 "t.conf:6:9: include '/nonexistent/x.conf': No such file or "
	 "directory\n"},
	{"two errors on two lines", HEAD "group\nlease 1\n",
	 "t.conf:6:6: expected a name, got end of line\n"
	 "t.conf:7:7: expected auto, or a duration like 400ms or 2s, got "
	 "'1'\n"},
	{"lease neither auto nor a duration", HEAD "lease fast",
	 "t.conf:6:7: expected auto, or a duration like 400ms or 2s, got "
	 "'fast'\n"},
	{"missing close brace", HEAD "vip db { address 192.0.2.1; dev e",
	 "t.conf:6:34: expected '}', got end of file\n"},
};

static void invalid_configs_fail_whole(void **state)
{
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		static const struct conf zero;
		char *errs = NULL;
		struct conf c;

		print_message("%s\n", invalid[i].what);
		assert_int_equal(load(invalid[i].text, &c, &errs), -EINVAL);
		assert_string_equal(errs, invalid[i].error);
		assert_memory_equal(&c, &zero, sizeof(c));
		free(errs);
	}
}

static void nul_byte_is_refused_with_its_position(void **state)
{
	static const char text[] = HEAD "group a\0b\n";
	char *errs = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&errs, &n);
	struct conf c;

	assert_non_null(m);
	assert_int_equal(
		conf_load_buffer("t.conf", text, sizeof(text) - 1, &c, m),
		-EINVAL);
	fclose(m);
	/* the rest of the statement is skipped without a second error */
	assert_string_equal(errs, "t.conf:6:8: invalid character '\\x00'\n");
	free(errs);
}

/* A config of nvips vips, each with one address, in a malloc'ed buffer. */
static char *many_vips(unsigned nvips)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);

	assert_non_null(m);
	fputs(HEAD, m);
	for (unsigned i = 0; i < nvips; i++)
		fprintf(m, "vip v%u { address 10.%u.%u.1/24; dev eth0 }\n", i,
			i / 256, i % 256);
	fclose(m);
	return buf;
}

static void vip_limit_is_enforced(void **state)
{
	char *text = many_vips(CONF_MAX_VIPS), *errs = NULL;
	struct conf c;

	assert_int_equal(load(text, &c, &errs), 0);
	assert_int_equal(c.nvips, CONF_MAX_VIPS);
	assert_string_equal(c.vips[CONF_MAX_VIPS - 1].name, "v4095");
	conf_free(&c);
	free(text);
	free(errs);
	text = many_vips(CONF_MAX_VIPS + 1);
	assert_int_equal(load(text, &c, &errs), -EINVAL);
	assert_string_equal(errs, "t.conf:4102:5: too many vips, use at most "
				  "4096\n");
	assert_null(c.vips);
	free(text);
	free(errs);
}

static void errors_are_capped(void **state)
{
	char *text = calloc(1, 4 * 200 + 1), *errs = NULL;
	struct conf c;
	unsigned lines = 0;

	assert_non_null(text);
	for (int i = 0; i < 200; i++)
		memcpy(text + 4 * i, "xx;\n", 4);
	assert_int_equal(load(text, &c, &errs), -EINVAL);
	for (const char *s = errs; *s; s++)
		lines += *s == '\n';
	assert_int_equal(lines, CONF_ERRORS_MAX + 1);
	assert_non_null(strstr(errs, "t.conf: too many errors, giving up\n"));
	free(text);
	free(errs);
}

static void lookups_find_nodes_and_self(void **state)
{
	char *errs = NULL;
	struct conf c;

	assert_int_equal(load("node-name n2\ncluster { node n1 id 5; "
			      "node n2 id 9 }",
			      &c, &errs),
			 0);
	assert_int_equal(conf_node_index(&c, "n1"), 0);
	assert_int_equal(conf_node_index(&c, "n2"), 1);
	assert_int_equal(conf_node_index(&c, "n3"), -1);
	assert_int_equal(conf_self_index(&c), 1);
	assert_int_equal(c.nodes[1].id, 9);
	assert_string_equal(c.group, "vipd");
	assert_int_equal(c.lease_ms, 0); /* auto */
	assert_int_equal(c.lease_mark, 0x10000000);
	conf_free(&c);
	free(errs);
	assert_int_equal(load("node-name n2\nlease 400ms\ncluster { node n2 "
			      "id 9 }",
			      &c, &errs),
			 0);
	assert_int_equal(c.lease_ms, 400);
	conf_free(&c);
	free(errs);
	assert_int_equal(load("node-name n2\nlease auto\n"
			      "cluster { node n2 id 9 }",
			      &c, &errs),
			 0);
	assert_int_equal(c.lease_ms, 0);
	conf_free(&c);
	conf_free(&c);
	conf_free(NULL);
	free(errs);
}

static void quiet_load_and_missing_file(void **state)
{
	struct conf c;

	assert_int_equal(conf_load_buffer("q", "x", 1, &c, NULL), -EINVAL);
	assert_int_equal(conf_load("/nonexistent/vipd.conf", &c, NULL),
			 -ENOENT);
	assert_int_equal(conf_load("/", &c, NULL), -EISDIR);
	assert_int_equal(conf_load_buffer_flags("q", HEAD "include x",
						sizeof(HEAD) + 8,
						CONF_LOAD_NO_INCLUDE, &c, NULL),
			 -EINVAL);
}

/* The fuzzer's loads ask no NSS: a name gets CONF_ID_NO_NSS, a number stays. */
static void no_nss_names_skip_the_lookup(void **state)
{
	static const char text[] = HEAD "vip db { address 192.0.2.1; dev e\n"
					" allow user no-such-user-xyz\n"
					" allow group 7\n}\n";
	struct conf c;

	assert_int_equal(
		conf_load_buffer("q", text, sizeof(text) - 1, &c, NULL),
		-EINVAL);
	assert_int_equal(conf_load_buffer_flags("q", text, sizeof(text) - 1,
						CONF_LOAD_NO_NSS, &c, NULL),
			 0);
	assert_int_equal(c.vips[0].nallow, 2);
	assert_int_equal(c.vips[0].allow[0].id, CONF_ID_NO_NSS);
	assert_int_equal(c.vips[0].allow[1].id, 7);
	conf_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keywords_are_sorted_and_found),
		cmocka_unit_test(durations_parse_or_are_refused),
		cmocka_unit_test(addresses_parse_or_are_refused),
		cmocka_unit_test(numbers_parse_or_are_refused),
		cmocka_unit_test(names_follow_the_charset_and_length),
		cmocka_unit_test(valid_configs_load_and_print),
		cmocka_unit_test(invalid_configs_fail_whole),
		cmocka_unit_test(nul_byte_is_refused_with_its_position),
		cmocka_unit_test(vip_limit_is_enforced),
		cmocka_unit_test(errors_are_capped),
		cmocka_unit_test(lookups_find_nodes_and_self),
		cmocka_unit_test(quiet_load_and_missing_file),
		cmocka_unit_test(no_nss_names_skip_the_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
