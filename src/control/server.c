// SPDX-License-Identifier: MIT
/*
 * The control socket server on the event loop (src/ev). It owns the listening
 * socket and every client connection: input line buffers, peer credentials,
 * bounded output queues and the watcher set. It answers malformed requests
 * itself and passes well-formed ones to the daemon one at a time per
 * connection, so replies come back in request order. It never logs and never
 * blocks; a slow or vanished client costs at most its own queue.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4, struct ucred */
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control/listen.h"
#include "control/server.h"
#include "fault/fault.h"


struct ctl_conn {
	TAILQ_ENTRY(ctl_conn) entry;
	struct ctl_server *srv;	 /* owner of this connection */
	uint64_t id;		 /* never reused within one server */
	int fd;			 /* owned */
	struct ev_src *io;	 /* owned */
	struct ev_src *linger;	 /* owned; armed when closing */
	struct ucred cred;	 /* SO_PEERCRED at accept */
	char in[CTL_LINE_MAX];	 /* unprocessed input */
	size_t inlen;		 /* bytes in in[] */
	int discarding;		 /* dropping the rest of an oversize line */
	int pending;		 /* a request awaits ctl_send() */
	int watcher;		 /* receives ctl_broadcast() */
	int eof;		 /* peer shut down its write side */
	int closing;		 /* flush what is queued, then close */
	uint64_t last_in;	 /* ev_now() of the last bytes received */
	uint64_t last_seq;	 /* of the last event queued to it */
	char *out;		 /* owned; queued output */
	size_t outlen;		 /* bytes queued */
	size_t outcap;		 /* bytes allocated */
};

TAILQ_HEAD(ctl_conn_list, ctl_conn);

struct ctl_server {
	struct ev *event;	     /* referenced */
	int fd;			     /* listening socket, owned */
	struct ev_src *accept_src;   /* owned */
	struct ev_src *pause_src;    /* owned; armed while out of fds */
	ctl_request_fn fn;
	ctl_close_fn close_fn;	     /* NULL: not told */
	void *ud;
	struct ctl_conn_list conns;
	unsigned nconns;
	size_t event_max;	     /* bytes of events queued per watcher */
	uint64_t next_id;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static int conn_io(struct ev_src *src, int fd, uint32_t revents, void *ud);

static void conn_close(struct ctl_conn *c)
{
	struct ctl_server *s = c->srv;

	if (s->close_fn)
		s->close_fn(s->ud, c->id);
	TAILQ_REMOVE(&s->conns, c, entry);
	s->nconns--;
	ev_src_free(c->io);
	ev_src_free(c->linger);
	close(c->fd);
	free(c->out);
	free(c);
}

static struct ctl_conn *conn_find(struct ctl_server *s, uint64_t id)
{
	struct ctl_conn *c;

	if (!s)
		return NULL;
	for (c = TAILQ_FIRST(&s->conns); c; c = TAILQ_NEXT(c, entry))
		if (c->id == id)
			return c;
	return NULL;
}

static int conn_update_events(struct ctl_conn *c)
{
	uint32_t ev = 0;

	if (!c->eof && !c->closing && c->inlen < CTL_LINE_MAX &&
	    c->outlen < CTL_OUTQ_MAX)
		ev |= EPOLLIN;
	if (c->outlen > 0)
		ev |= EPOLLOUT;
	return ev_src_set_io_events(c->io, ev);
}

/* Appends n bytes and a newline if the queue stays within limit. */
static int conn_queue(struct ctl_conn *c, const char *line, size_t n,
		      size_t limit)
{
	size_t need = c->outlen + n + 1, cap = c->outcap ? c->outcap : 4096;
	char *p;

	if (need > limit)
		return -ENOBUFS;
	while (cap < need)
		cap *= 2;
	if (cap != c->outcap) {
		p = fault_realloc(c->out, cap);
		if (!p)
			return -ENOMEM;
		c->out = p;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, line, n);
	c->out[c->outlen + n] = '\n';
	c->outlen = need;
	return 0;
}

static int conn_flush(struct ctl_conn *c)
{
	size_t done = 0;
	ssize_t n;

	while (done < c->outlen) {
		n = fault_send(c->fd, c->out + done, c->outlen - done,
			       MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n == -1)
			return -errno;
		done += (size_t)n;
	}
	if (done > 0) {
		memmove(c->out, c->out + done, c->outlen - done);
		c->outlen -= done;
	}
	return 0;
}

static int on_linger(struct ev_src *src, uint64_t usec, void *ud)
{
	conn_close(ud);
	return 0;
}

/*
 * Stops input and closes once the queue drains or after usec. Never closes
 * here: callers may still hold c; conn_io() or the timer does it.
 */
static void conn_linger(struct ctl_conn *c, uint64_t usec)
{
	c->closing = 1;
	if (!c->linger && ev_add_time_relative(c->srv->event, &c->linger, usec,
					       on_linger, c) < 0)
		c->outlen = 0; /* no timer: drop the queue, close at once */
	if (c->linger && c->outlen == 0)
		(void)ev_src_set_time_relative(c->linger, 0);
	(void)ev_src_set_io_events(c->io, EPOLLOUT);
}

/* Writes s as a JSON string body: quotes, backslashes, controls escaped. */
static size_t json_escape(char *out, size_t len, const char *s)
{
	size_t o = 0;

	for (; *s && o + 7 < len; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			out[o++] = '\\';
			out[o++] = (char)ch;
		} else if (ch < 0x20 || ch >= 0x7f) {
			o += (size_t)snprintf(out + o, len - o, "\\u%04x", ch);
		} else {
			out[o++] = (char)ch;
		}
	}
	out[o] = '\0';
	return o;
}

static void conn_bad_request(struct ctl_conn *c, const char *reason)
{
	char esc[CTL_REASON_MAX * 6 + 1], line[sizeof(esc) + 64];
	int n;

	json_escape(esc, sizeof(esc), reason);
	n = snprintf(
		line, sizeof(line),
		"{\"ok\":false,\"error\":\"bad-request\",\"reason\":\"%s\"}",
		esc);
	if (n > 0 && (size_t)n < sizeof(line) &&
	    conn_queue(c, line, (size_t)n, CTL_OUTQ_HARD) < 0)
		conn_linger(c, 0);
}

/* Handles one complete line of n bytes (with its '\n') at c->in. */
static void conn_dispatch(struct ctl_conn *c, size_t n)
{
	struct ctl_server *s = c->srv;
	char reason[CTL_REASON_MAX];
	struct ctl_req req;
	struct ucred cred;
	int r;

	r = ctl_req_parse(c->in, n, &req, reason, sizeof(reason));
	c->inlen -= n;
	memmove(c->in, c->in + n, c->inlen);
	if (r < 0) {
		conn_bad_request(c, reason);
		return;
	}
	if (req.cmd == CTL_PING)
		return; /* a keep-alive: its bytes were the point */
	c->pending = 1;
	cred = c->cred;
	s->fn(s->ud, c->id, &cred, &req);
}

/* Dispatches buffered lines until one is outstanding or none is left. */
static void conn_take_lines(struct ctl_conn *c)
{
	char *nl;

	while (!c->closing && c->inlen > 0) {
		nl = memchr(c->in, '\n', c->inlen);
		if (c->pending) {
			/* Keep-alives may pass a request in flight. */
			if (!nl || (size_t)(nl - c->in) != 4 ||
			    memcmp(c->in, "ping", 4) != 0)
				break;
			c->inlen -= 5;
			memmove(c->in, c->in + 5, c->inlen);
			continue;
		}
		if (c->discarding) {
			size_t drop = nl ? (size_t)(nl - c->in) + 1 : c->inlen;

			c->inlen -= drop;
			memmove(c->in, c->in + drop, c->inlen);
			c->discarding = !nl;
			continue;
		}
		if (!nl && c->inlen < CTL_LINE_MAX)
			break;
		if (!nl) {
			c->inlen = 0;
			c->discarding = 1;
			conn_bad_request(c, "request longer than 512 bytes");
			continue;
		}
		conn_dispatch(c, (size_t)(nl - c->in) + 1);
	}
}

static int conn_read(struct ctl_conn *c)
{
	ssize_t n;

	if (c->eof || c->closing || c->inlen >= CTL_LINE_MAX)
		return 0;
	n = fault_recv(c->fd, c->in + c->inlen, CTL_LINE_MAX - c->inlen,
		       MSG_DONTWAIT);
	if (n == -1 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	if (n == -1)
		return -errno;
	if (n == 0)
		c->eof = 1;
	else
		c->last_in = ev_now(c->srv->event);
	c->inlen += (size_t)n;
	return 0;
}

/* A peer that is done sending and has nothing left to get can go. */
static int conn_finished(const struct ctl_conn *c)
{
	if (c->outlen > 0)
		return 0;
	if (c->closing)
		return 1;
	return !c->pending && c->eof && !memchr(c->in, '\n', c->inlen);
}

static int conn_io(struct ev_src *src, int fd, uint32_t revents, void *ud)
{
	struct ctl_conn *c = ud;

	if (revents & (EPOLLHUP | EPOLLERR)) {
		conn_close(c);
		return 0;
	}
	if ((revents & EPOLLIN) && conn_read(c) < 0) {
		conn_close(c);
		return 0;
	}
	conn_take_lines(c);
	if (conn_flush(c) < 0 || conn_finished(c)) {
		conn_close(c);
		return 0;
	}
	if (conn_update_events(c) < 0)
		conn_close(c);
	return 0;
}

static void reject_busy(int fd)
{
	static const char busy[] =
		"{\"ok\":false,\"error\":\"busy\",\"reason\":\"too many "
		"clients; try again later\"}\n";

	(void)send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static int conn_new(struct ctl_server *s, int fd)
{
	socklen_t len = sizeof(struct ucred);
	struct ctl_conn *c;
	int r;

	c = fault_calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (fault_getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->cred, &len) ==
	    -1) {
		r = -errno;
		goto out_free;
	}
	r = ev_add_io(s->event, &c->io, fd, EPOLLIN, conn_io, c);
	if (r < 0)
		goto out_free;
	c->srv = s;
	c->fd = fd;
	c->id = ++s->next_id;
	c->last_in = ev_now(s->event);
	TAILQ_INSERT_TAIL(&s->conns, c, entry);
	s->nconns++;
	return 0;
out_free:
	free(c);
	return r;
}

static int on_resume(struct ev_src *src, uint64_t usec, void *ud)
{
	struct ctl_server *s = ud;

	s->pause_src = ev_src_free(s->pause_src);
	return ev_src_set_enabled(s->accept_src, EV_ON);
}

/* Out of fds: stop accepting for a while instead of spinning. */
static void accept_pause(struct ctl_server *s)
{
	if (s->pause_src)
		return;
	if (ev_add_time_relative(s->event, &s->pause_src, CTL_ACCEPT_PAUSE_USEC,
				 on_resume, s) < 0)
		return;
	(void)ev_src_set_enabled(s->accept_src, EV_OFF);
}

static int on_accept(struct ev_src *src, int lfd, uint32_t revents, void *ud)
{
	struct ctl_server *s = ud;
	int fd;

	fd = fault_accept4(lfd, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno == EMFILE || errno == ENFILE)
			accept_pause(s);
		return 0;
	}
	if (s->nconns >= CTL_MAX_CLIENTS) {
		reject_busy(fd);
		return 0;
	}
	if (conn_new(s, fd) < 0)
		close(fd);
	return 0;
}

int ctl_server_new(struct ev *e, const char *path, mode_t mode,
		   ctl_request_fn fn, void *ud, struct ctl_server **ret)
{
	struct ctl_server *s;
	int r;

	if (!e || !path || !fn || !ret || !path[0] ||
	    strlen(path) >= sizeof(s->path))
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	TAILQ_INIT(&s->conns);
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->fn = fn;
	s->ud = ud;
	s->event_max = CTL_OUTQ_MAX;
	s->fd = ctl_listen(path, mode ? mode : 0666);
	if (s->fd < 0) {
		r = s->fd;
		goto out_free;
	}
	r = ev_add_io(e, &s->accept_src, s->fd, EPOLLIN, on_accept, s);
	if (r < 0)
		goto out_close;
	s->event = ev_ref(e);
	*ret = s;
	return 0;
out_close:
	close(s->fd);
	unlink(path);
out_free:
	free(s);
	return r;
}

void ctl_server_free(struct ctl_server *s)
{
	struct ctl_conn *c, *next;

	if (!s)
		return;
	s->close_fn = NULL;
	for (c = TAILQ_FIRST(&s->conns); c; c = next) {
		next = TAILQ_NEXT(c, entry);
		conn_close(c);
	}
	ev_src_free(s->accept_src);
	ev_src_free(s->pause_src);
	close(s->fd);
	unlink(s->path);
	ev_unref(s->event);
	free(s);
}

int ctl_send(struct ctl_server *s, uint64_t conn_id, const char *json_line)
{
	struct ctl_conn *c = conn_find(s, conn_id);
	int r;

	if (!json_line || strchr(json_line, '\n'))
		return -EINVAL;
	if (!c)
		return -ENOENT;
	c->pending = 0;
	if (c->closing)
		return 0;
	r = conn_queue(c, json_line, strlen(json_line), CTL_OUTQ_HARD);
	if (r < 0) {
		c->outlen = 0;
		conn_linger(c, 0);
		return r == -ENOMEM ? r : -ENOBUFS;
	}
	/* A reply leaves now, not on a loop pass of its own (with two
	 * epoll changes) -- one per claim of a burst.  Whatever the socket
	 * does not take waits for EPOLLOUT; an error shows there too, and
	 * the connection is closed by conn_io(), never from here (we may
	 * be inside it).  Requests waiting behind this one, or a
	 * half-closed client to finish, still need that pass (EPOLLOUT
	 * brings it), so then the reply goes with it as before. */
	if (c->inlen == 0 && !c->eof)
		(void)conn_flush(c);
	(void)conn_update_events(c);
	return 0;
}

void ctl_server_on_close(struct ctl_server *s, ctl_close_fn fn)
{
	if (s)
		s->close_fn = fn;
}

uint64_t ctl_last_input(struct ctl_server *s, uint64_t conn_id)
{
	const struct ctl_conn *c = conn_find(s, conn_id);

	return c ? c->last_in : 0;
}

int ctl_push(struct ctl_server *s, uint64_t conn_id, const char *json_line)
{
	struct ctl_conn *c = conn_find(s, conn_id);

	if (!json_line || strchr(json_line, '\n'))
		return -EINVAL;
	if (!c)
		return -ENOENT;
	if (c->closing)
		return 0;
	if (conn_queue(c, json_line, strlen(json_line), CTL_OUTQ_HARD) < 0) {
		c->outlen = 0;
		conn_linger(c, 0);
		return -ENOBUFS;
	}
	(void)conn_update_events(c);
	return 0;
}

void ctl_hangup(struct ctl_server *s, uint64_t conn_id)
{
	struct ctl_conn *c = conn_find(s, conn_id);

	if (c && !c->closing)
		conn_linger(c, CTL_LINGER_USEC);
}

int ctl_watch(struct ctl_server *s, uint64_t conn_id)
{
	struct ctl_conn *c = conn_find(s, conn_id);

	if (!c)
		return -ENOENT;
	c->watcher = 1;
	return 0;
}

void ctl_server_set_event_queue(struct ctl_server *s, size_t bytes)
{
	if (s)
		s->event_max = bytes > CTL_OUTQ_MAX ? bytes : CTL_OUTQ_MAX;
}

static void conn_overflow(struct ctl_conn *c)
{
	char line[320];
	struct timespec ts;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	n = snprintf(line, sizeof(line),
		     "{\"event\":\"overflow\",\"vip\":null,\"node\":null,"
		     "\"prev\":null,\"term\":0,\"why\":\"client too slow: %u "
		     "bytes queued; watch --since the last seq to resume\","
		     "\"last_seq\":%llu,\"time\":%llu}",
		     (unsigned)c->srv->event_max,
		     (unsigned long long)c->last_seq,
		     (unsigned long long)ts.tv_sec * 1000 +
			     (unsigned long long)ts.tv_nsec / 1000000);
	if (n > 0 && (size_t)n < sizeof(line))
		(void)conn_queue(c, line, (size_t)n,
				 c->srv->event_max + CTL_OUTQ_HARD);
	conn_linger(c, CTL_LINGER_USEC);
}

void ctl_broadcast_seq(struct ctl_server *s, const char *json_line,
		       uint64_t seq)
{
	struct ctl_conn *c, *next;
	size_t n;

	if (!s || !json_line || strchr(json_line, '\n'))
		return;
	n = strlen(json_line);
	for (c = TAILQ_FIRST(&s->conns); c; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (!c->watcher || c->closing)
			continue;
		if (conn_queue(c, json_line, n, s->event_max) < 0) {
			conn_overflow(c);
			continue;
		}
		c->last_seq = seq;
		(void)conn_update_events(c);
	}
}

void ctl_broadcast(struct ctl_server *s, const char *json_line)
{
	ctl_broadcast_seq(s, json_line, 0);
}

unsigned ctl_server_clients(const struct ctl_server *s)
{
	return s ? s->nconns : 0;
}
