// SPDX-License-Identifier: MIT
/*
 * The metrics endpoint: a minimal HTTP/1.x server on the event loop that
 * answers GET /metrics (and HEAD) with a body the daemon makes, 404 for
 * other paths and 405 for other methods, then closes.  At most
 * HTTP_MAX_CONNS at once, a request line within HTTP_REQ_MAX bytes and
 * HTTP_TIMEOUT_USEC; never blocks, never logs.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/http.h"

#define HTTP_MAX_CONNS 4
#define HTTP_REQ_MAX 2048
#define HTTP_TIMEOUT_USEC 2000000ull

struct http_conn {
	struct http *srv;     /* owner */
	int fd;               /* owned, -1: slot free */
	struct ev_src *io;    /* owned */
	struct ev_src *timer; /* owned */
	char req[HTTP_REQ_MAX];
	size_t len;
	char *out;            /* owned: the response */
	size_t outlen, sent;
};

struct http {
	struct ev *ev;        /* referenced */
	int fd;               /* listening, owned */
	struct ev_src *accept_src;
	http_body_fn body;
	void *ud;
	struct http_conn conns[HTTP_MAX_CONNS];
};

static void conn_done(struct http_conn *c)
{
	struct http *h = c->srv;

	c->io = ev_src_free(c->io);
	c->timer = ev_src_free(c->timer);
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	/* a free slot: accept again */
	(void)ev_src_set_enabled(h->accept_src, EV_ON);
}

static void respond(struct http_conn *c, const char *status, const char *body,
		    size_t blen, int head)
{
	FILE *f = open_memstream(&c->out, &c->outlen);

	if (!f)
		return;
	fprintf(f, "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		   "Connection: close\r\n\r\n",
		status, body ? "text/plain; version=0.0.4; charset=utf-8"
			     : "text/plain; charset=utf-8",
		body ? blen : strlen(status) + 1);
	if (!head && body)
		fwrite(body, 1, blen, f);
	else if (!head)
		fprintf(f, "%s\n", status);
	fclose(f);
}

/* A complete request head is in c->req: make the response. */
static void handle(struct http_conn *c)
{
	int get = !strncmp(c->req, "GET ", 4), head = !strncmp(c->req, "HEAD ", 5);
	const char *path = c->req + (get ? 4 : 5);
	size_t blen = 0;
	char *body;

	if (!get && !head) {
		respond(c, "405 Method Not Allowed", NULL, 0, 0);
		return;
	}
	if (strncmp(path, "/metrics ", 9) != 0 &&
	    strncmp(path, "/metrics?", 9) != 0) {
		respond(c, "404 Not Found", NULL, 0, head);
		return;
	}
	body = c->srv->body(c->srv->ud, &blen);
	if (!body)
		respond(c, "503 Service Unavailable", NULL, 0, head);
	else
		respond(c, "200 OK", body, blen, head);
	free(body);
}

static int on_conn(struct ev_src *s, int fd, uint32_t revents, void *ud)
{
	struct http_conn *c = ud;
	ssize_t n;

	if (!c->out) {
		n = recv(fd, c->req + c->len, sizeof(c->req) - 1 - c->len,
			 MSG_DONTWAIT);
		if (n <= 0 && !(n == -1 && errno == EAGAIN)) {
			conn_done(c);
			return 0;
		}
		c->len += n > 0 ? (size_t)n : 0;
		c->req[c->len] = '\0';
		if (strstr(c->req, "\r\n\r\n") || strstr(c->req, "\n\n"))
			handle(c);
		else if (c->len == sizeof(c->req) - 1)
			respond(c, "431 Request Header Fields Too Large", NULL,
				0, 0);
		if (!c->out)
			return 0;
		(void)ev_src_set_io_events(c->io, EPOLLOUT);
		return 0;
	}
	n = send(fd, c->out + c->sent, c->outlen - c->sent,
		 MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n > 0)
		c->sent += (size_t)n;
	if (c->sent == c->outlen || (n == -1 && errno != EAGAIN))
		conn_done(c);
	return 0;
}

static int on_timeout(struct ev_src *s, uint64_t usec, void *ud)
{
	conn_done(ud);
	return 0;
}

static int on_accept(struct ev_src *s, int lfd, uint32_t revents, void *ud)
{
	struct http *h = ud;
	struct http_conn *c = NULL;
	int fd;

	for (unsigned i = 0; i < HTTP_MAX_CONNS && !c; i++)
		if (h->conns[i].fd < 0)
			c = &h->conns[i];
	if (!c) { /* full: wait for a slot (conn_done turns us on) */
		(void)ev_src_set_enabled(s, EV_OFF);
		return 0;
	}
	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return 0;
	c->srv = h;
	c->fd = fd;
	if (ev_add_io(h->ev, &c->io, fd, EPOLLIN, on_conn, c) < 0 ||
	    ev_add_time_relative(h->ev, &c->timer, HTTP_TIMEOUT_USEC,
				 on_timeout, c) < 0)
		conn_done(c);
	return 0;
}

static int listen_tcp(const struct sockaddr *sa, socklen_t len)
{
	int one = 1, fd = socket(sa->sa_family,
				 SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, sa, len) < 0 || listen(fd, HTTP_MAX_CONNS) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

int http_new(struct ev *e, int family, const void *addr, uint16_t port,
	     http_body_fn body, void *ud, struct http **ret)
{
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6,
				  .sin6_port = htons(port)};
	struct sockaddr_in s4 = {.sin_family = AF_INET,
				 .sin_port = htons(port)};
	struct http *h = calloc(1, sizeof(*h));
	int r;

	if (!h)
		return -ENOMEM;
	memcpy(family == AF_INET ? (void *)&s4.sin_addr : (void *)&s6.sin6_addr,
	       addr, family == AF_INET ? 4 : 16);
	h->fd = family == AF_INET
			? listen_tcp((struct sockaddr *)&s4, sizeof(s4))
			: listen_tcp((struct sockaddr *)&s6, sizeof(s6));
	for (unsigned i = 0; i < HTTP_MAX_CONNS; i++)
		h->conns[i].fd = -1;
	r = h->fd;
	if (r >= 0)
		r = ev_add_io(e, &h->accept_src, h->fd, EPOLLIN, on_accept, h);
	if (r < 0) {
		if (h->fd >= 0)
			close(h->fd);
		free(h);
		return r;
	}
	h->ev = ev_ref(e);
	h->body = body;
	h->ud = ud;
	*ret = h;
	return 0;
}

void http_free(struct http *h)
{
	if (!h)
		return;
	for (unsigned i = 0; i < HTTP_MAX_CONNS; i++)
		if (h->conns[i].fd >= 0)
			conn_done(&h->conns[i]);
	ev_src_free(h->accept_src);
	close(h->fd);
	ev_unref(h->ev);
	free(h);
}
