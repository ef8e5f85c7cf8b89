// SPDX-License-Identifier: MIT
/*
 * libvip's connections to vipd: one for requests (connected lazily, reset
 * after any failure so a late reply can never answer the next request) and
 * one for the event stream. Requests are built with the shared codec in
 * src/proto/ctl.c; replies are parsed in reply.c. Never logs, never raises
 * SIGPIPE.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4, struct ucred */
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/client.h"
#include "lib/reply.h"
#include "proto/ctl.h"

void error_msg(struct vip_client *c, const char *fmt, ...)
{
	va_list ap;

	c->last_code[0] = '\0'; /* a refusal sets it after this */
	va_start(ap, fmt);
	vsnprintf(c->last_error, sizeof(c->last_error), fmt, ap);
	va_end(ap);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline for poll(); -1 when there is none. */
static int left_ms(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - now_ms();
	return left < 0 ? 0 : left > 0x7fffffff ? 0x7fffffff : (int)left;
}

int64_t deadline_of(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

int unix_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, r;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		r = errno == ENOENT || errno == ENOTDIR ? -ECONNREFUSED
		    : errno == EPERM			? -EACCES
							: -errno;
		close(fd);
		return r;
	}
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

void buf_reset(struct vip_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Reads what is available; 0 on data, -EAGAIN, -ECONNRESET or -errno. */
int buf_fill(struct vip_buf *b, int fd)
{
	ssize_t n;
	char *p;

	if (b->cap - b->len < 4096) {
		if (b->cap > REPLY_LINE_MAX)
			return -EMSGSIZE;
		p = realloc(b->p, b->cap ? b->cap * 2 : 8192);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = b->cap ? b->cap * 2 : 8192;
	}
	do
		n = recv(fd, b->p + b->len, b->cap - b->len, MSG_DONTWAIT);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (n == 0)
		return -ECONNRESET;
	b->len += (size_t)n;
	return 0;
}

/* Takes one complete line (without '\n') as a new string, or NULL. */
char *buf_take_line(struct vip_buf *b, int *ret)
{
	char *nl = b->len ? memchr(b->p, '\n', b->len) : NULL, *line;
	size_t n;

	*ret = 0;
	if (!nl)
		return NULL;
	n = (size_t)(nl - b->p);
	line = strndup(b->p, n);
	if (!line) {
		*ret = -ENOMEM;
		return NULL;
	}
	b->len -= n + 1;
	memmove(b->p, nl + 1, b->len);
	return line;
}

int read_line(struct vip_buf *b, int fd, int64_t deadline, char **ret)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r;

	for (;;) {
		*ret = buf_take_line(b, &r);
		if (*ret || r < 0)
			return r;
		r = buf_fill(b, fd);
		if (r == 0)
			continue;
		if (r != -EAGAIN)
			return r;
		r = poll(&p, 1, left_ms(deadline));
		if (r == 0)
			return -ETIMEDOUT;
		if (r == -1 && errno != EINTR)
			return -errno;
	}
}

int write_all(int fd, const char *s, size_t n, int64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	ssize_t k;
	int r;

	while (n > 0) {
		k = send(fd, s, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k >= 0) {
			s += k;
			n -= (size_t)k;
			continue;
		}
		if (errno == EPIPE)
			return -ECONNRESET;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return -errno;
		r = poll(&p, 1, left_ms(deadline));
		if (r == 0)
			return -ETIMEDOUT;
		if (r == -1 && errno != EINTR)
			return -errno;
	}
	return 0;
}

void conn_reset(struct vip_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	buf_reset(&c->rbuf);
}

/* Sends line (with '\n') and returns the raw reply line in *ret. */
static int transact(struct vip_client *c, const char *line, int timeout_ms,
		    char **ret)
{
	int64_t deadline = deadline_of(timeout_ms);
	int r;

	if (c->fd < 0) {
		c->fd = unix_connect(c->path);
		if (c->fd < 0) {
			r = c->fd;
			c->fd = -1;
			return set_error(c, r, "cannot connect to %s: %s",
					 c->path, strerror(-r));
		}
	}
	r = write_all(c->fd, line, strlen(line), deadline);
	if (r == 0)
		r = read_line(&c->rbuf, c->fd, deadline, ret);
	if (r != 0) { /* 0 or -errno */
		conn_reset(c);
		return set_error(c, r, "%s: %s", c->path,
				 r == -ETIMEDOUT ? "no reply in time"
						 : strerror(-r));
	}
	return 0;
}

/* Maps a parsed reply to 0 or -errno, keeping vipd's reason. */
int reply_result(struct vip_client *c, const char *line,
			struct reply *ret)
{
	int r = reply_parse(line, strlen(line), ret);

	if (r < 0)
		return set_error(c, r, "malformed reply from vipd");
	if (ret->ok)
		return 0;
	error_msg(c, "%s: %s", ret->error, ret->reason);
	snprintf(c->last_code, sizeof(c->last_code), "%s", ret->error);
	return reply_errno(ret->error);
}

int request(struct vip_client *c, const struct ctl_req *req,
		   int timeout_ms, struct reply *rep, char **ret_line)
{
	char line[CTL_LINE_MAX + 1], *reply;
	int r;

	c->last_error[0] = '\0';
	c->last_code[0] = '\0';
	if (ret_line)
		*ret_line = NULL;
	if (c->session[0])
		return set_error(c, -EBUSY, "this client's connection holds "
				 "the session of '%s'; use another client",
				 c->session);
	if (ctl_req_format(req, line, sizeof(line)) < 0)
		return set_error(c, -EINVAL, "invalid VIP or node name");
	r = transact(c, line, timeout_ms, &reply);
	if (r != 0)
		return r;
	r = reply_result(c, reply, rep);
	if (ret_line)
		*ret_line = reply;
	else
		free(reply);
	return r;
}

VIP_PUBLIC int vip_client_new(const char *socket_path, struct vip_client **ret)
{
	struct vip_client *c;

	if (!ret)
		return -EINVAL;
	if (!socket_path)
		socket_path = getenv("VIPD_SOCKET");
	if (!socket_path || !socket_path[0])
		socket_path = VIP_DEFAULT_SOCKET;
	if (strlen(socket_path) >= sizeof(c->path))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	snprintf(c->path, sizeof(c->path), "%s", socket_path);
	c->fd = -1;
	c->wfd = -1;
	*ret = c;
	return 0;
}

VIP_PUBLIC void vip_client_free(struct vip_client *c)
{
	if (!c)
		return;
	conn_reset(c);
	if (c->wfd >= 0)
		close(c->wfd);
	buf_reset(&c->wbuf);
	free(c->event_line);
	free(c);
}

VIP_PUBLIC const char *vip_client_last_error(const struct vip_client *c)
{
	return c ? c->last_error : "";
}

VIP_PUBLIC const char *vip_client_last_code(const struct vip_client *c)
{
	return c ? c->last_code : "";
}

VIP_PUBLIC int vip_claim(struct vip_client *c, const char *vip, uint64_t term,
			 int timeout_ms, uint64_t *ret_term)
{
	struct ctl_req req = {.cmd = CTL_CLAIM};
	struct reply rep;
	int r;

	if (!c || !vip || strlen(vip) >= sizeof(req.vip))
		return -EINVAL;
	strcpy(req.vip, vip);
	req.term = term;
	req.has_term = term != 0;
	if (timeout_ms >= 0) {
		req.has_wait = 1;
		req.wait_ms = timeout_ms > CTL_WAIT_MAX_MS
				      ? CTL_WAIT_MAX_MS
				      : (uint32_t)timeout_ms;
		timeout_ms = (int)req.wait_ms + VIP_GRACE_MS;
	}
	r = request(c, &req, timeout_ms, &rep, NULL);
	if (r == 0 && ret_term)
		*ret_term = rep.term;
	return r;
}

VIP_PUBLIC int vip_release(struct vip_client *c, const char *vip,
			   int timeout_ms)
{
	struct ctl_req req = {.cmd = CTL_RELEASE};
	struct reply rep;

	if (!c || !vip || strlen(vip) >= sizeof(req.vip))
		return -EINVAL;
	strcpy(req.vip, vip);
	return request(c, &req, timeout_ms, &rep, NULL);
}

VIP_PUBLIC int vip_reload(struct vip_client *c, int timeout_ms)
{
	struct ctl_req req = {.cmd = CTL_RELOAD};
	struct reply rep;

	if (!c)
		return -EINVAL;
	return request(c, &req, timeout_ms, &rep, NULL);
}

VIP_PUBLIC int vip_move(struct vip_client *c, const char *vip, const char *node,
			int timeout_ms, uint64_t *ret_term)
{
	struct ctl_req req = {.cmd = CTL_MOVE};
	struct reply rep;
	int r;

	if (!c || !vip || !node || strlen(vip) >= sizeof(req.vip) ||
	    strlen(node) >= sizeof(req.node))
		return -EINVAL;
	strcpy(req.vip, vip);
	strcpy(req.node, node);
	r = request(c, &req, timeout_ms, &rep, NULL);
	if (r == 0 && ret_term)
		*ret_term = rep.term;
	return r;
}

VIP_PUBLIC int vip_status(struct vip_client *c, const char *vip, int timeout_ms,
			  struct vip_status **ret)
{
	struct ctl_req req = {.cmd = CTL_STATUS};
	struct reply rep;
	char *line;
	int r;

	if (!c || !ret || (vip && strlen(vip) >= sizeof(req.vip)))
		return -EINVAL;
	if (vip)
		strcpy(req.vip, vip);
	r = request(c, &req, timeout_ms, &rep, &line);
	if (r != 0) { /* 0 or -errno */
		free(line);
		return r;
	}
	r = reply_parse_status(line, strlen(line), ret);
	free(line);
	if (r < 0)
		return set_error(c, r, "malformed status reply from vipd");
	return 0;
}

VIP_PUBLIC int vip_request(struct vip_client *c, const char *line,
			   int timeout_ms, char **ret_json)
{
	char buf[CTL_LINE_MAX + 1], *reply;
	struct reply rep;
	size_t n;
	int r;

	if (!c || !line || !ret_json)
		return -EINVAL;
	*ret_json = NULL;
	c->last_error[0] = '\0';
	c->last_code[0] = '\0';
	if (c->session[0])
		return set_error(c, -EBUSY, "this client's connection holds "
				 "the session of '%s'; use another client",
				 c->session);
	n = strlen(line);
	if (n >= CTL_LINE_MAX || memchr(line, '\n', n))
		return set_error(c, -EINVAL, "request longer than %d bytes",
				 CTL_LINE_MAX - 1);
	memcpy(buf, line, n);
	memcpy(buf + n, "\n", 2);
	r = transact(c, buf, timeout_ms, &reply);
	if (r != 0)
		return r;
	*ret_json = reply;
	return reply_result(c, reply, &rep);
}

VIP_PUBLIC int vip_metrics(struct vip_client *c, int timeout_ms, char **ret)
{
	struct ctl_req req = {.cmd = CTL_METRICS};
	struct reply rep;
	char *line;
	int r;

	if (!c || !ret)
		return -EINVAL;
	*ret = NULL;
	r = request(c, &req, timeout_ms, &rep, &line);
	if (r == 0)
		r = reply_parse_text(line, strlen(line), "metrics", ret);
	free(line);
	if (r < 0 && !c->last_error[0])
		error_msg(c, "malformed metrics reply from vipd");
	return r;
}
