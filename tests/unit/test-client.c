// SPDX-License-Identifier: MIT
/*
 * libvip's client (src/lib/client.c) against a stand-in for vipd on a
 * real Unix socket that answers each request line with the next canned
 * reply: vip_client_last_code() names vipd's code of the last refusal
 * alone, and is "" after a success or a local failure.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "vip.h"

static const char *const replies[] = {
	"{\"ok\":false,\"error\":\"held\",\"reason\":\"n2 holds db\"}\n",
	"{\"ok\":true,\"vip\":\"db\",\"holder\":null,\"term\":4}\n",
	"{\"ok\":false,\"error\":\"stale-term\",\"reason\":\"term 3 < 4\"}\n",
};

/* Serves one connection: a canned reply per request line, then exits. */
static void serve(int lfd)
{
	char buf[512];
	size_t k = 0;
	int fd = accept(lfd, NULL, NULL);
	ssize_t n;

	while (fd >= 0 && k < sizeof(replies) / sizeof(replies[0]) &&
	       (n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] == '\n' &&
			    write(fd, replies[k], strlen(replies[k])) < 0)
				_exit(1);
			else if (buf[i] == '\n')
				k++;
	}
	_exit(0);
}

static void last_code_names_the_last_refusal_alone(void **state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[] = "/tmp/test-client.XXXXXX";
	struct vip_client *c;
	uint64_t term = 0;
	pid_t pid;
	int lfd;

	assert_non_null(mkdtemp(dir));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/vipd.sock", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		serve(lfd);
	close(lfd);
	assert_int_equal(vip_client_new(sa.sun_path, &c), 0);
	assert_string_equal(vip_client_last_code(c), "");

	assert_int_equal(vip_claim(c, "db", 0, 2000, &term), -EBUSY);
	assert_string_equal(vip_client_last_code(c), "held");
	assert_string_equal(vip_client_last_error(c), "held: n2 holds db");

	assert_int_equal(vip_release(c, "db", 2000), 0);
	assert_string_equal(vip_client_last_code(c), "");

	assert_int_equal(vip_claim(c, "db", 3, 2000, &term), -ESTALE);
	assert_string_equal(vip_client_last_code(c), "stale-term");

	/* the stand-in is gone: a local failure has no code */
	waitpid(pid, NULL, 0);
	unlink(sa.sun_path);
	assert_true(vip_release(c, "db", 2000) < 0);
	assert_string_equal(vip_client_last_code(c), "");
	assert_true(vip_client_last_error(c)[0] != '\0');
	assert_string_equal(vip_client_last_code(NULL), "");
	vip_client_free(c);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(last_code_names_the_last_refusal_alone),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
