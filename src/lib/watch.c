// SPDX-License-Identifier: MIT
/*
 * libvip's event stream: a second connection that asks vipd to watch
 * (from the start, or resuming after a numbered event) and then reads
 * one event per line.  Remembers the position (incarnation and sequence
 * number) of the last event it returned, for a later resume.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/client.h"

static int watch_line(struct vip_client *c, const char *req)
{
	int64_t deadline = deadline_of(VIP_WATCH_ACK_MS);
	struct reply rep;
	char *line = NULL;
	int fd, r;

	if (c->wfd >= 0)
		return -EALREADY;
	c->last_error[0] = '\0';
	c->last_code[0] = '\0';
	fd = unix_connect(c->path);
	if (fd < 0)
		return set_error(c, fd, "cannot connect to %s: %s", c->path,
				 strerror(-fd));
	r = write_all(fd, req, strlen(req), deadline);
	if (r == 0)
		r = read_line(&c->wbuf, fd, deadline, &line);
	if (r != 0) /* 0 or -errno */
		error_msg(c, "%s: %s", c->path, strerror(-r));
	else
		r = reply_result(c, line, &rep);
	if (r == 0 && !rep.watching)
		r = set_error(c, -EBADMSG, "vipd did not confirm the watch");
	free(line);
	if (r != 0) {
		close(fd);
		buf_reset(&c->wbuf);
		return r;
	}
	c->wfd = fd;
	return 0;
}

VIP_PUBLIC int vip_watch(struct vip_client *c)
{
	return c ? watch_line(c, "watch\n") : -EINVAL;
}

VIP_PUBLIC int vip_watch_since(struct vip_client *c, const char *incarnation,
			       uint64_t seq)
{
	struct ctl_req req = {.cmd = CTL_WATCH, .has_since = 1,
			      .since_seq = seq};
	char line[CTL_LINE_MAX + 1];

	if (!c || !incarnation ||
	    strlen(incarnation) >= sizeof(req.since_incarnation))
		return -EINVAL;
	strcpy(req.since_incarnation, incarnation);
	if (ctl_req_format(&req, line, sizeof(line)) < 0)
		return set_error(c, -EINVAL, "incarnation must be 16 hex "
				 "digits as vip_event_position() gives it");
	return watch_line(c, line);
}

VIP_PUBLIC int vip_client_fd(const struct vip_client *c)
{
	if (!c)
		return -EINVAL;
	return c->wfd >= 0 ? c->wfd : -ENOTCONN;
}

VIP_PUBLIC int vip_next_event(struct vip_client *c, struct vip_event *ret)
{
	char *line;
	int r;

	if (!c || !ret)
		return -EINVAL;
	if (c->wfd < 0)
		return -ENOTCONN;
	for (;;) {
		line = buf_take_line(&c->wbuf, &r);
		if (r < 0)
			return r;
		if (line)
			break;
		r = buf_fill(&c->wbuf, c->wfd);
		if (r < 0)
			return r;
	}
	free(c->event_line);
	c->event_line = line;
	ret->json = line;
	r = reply_parse_event(line, strlen(line), ret);
	if (r < 0)
		return set_error(c, r, "malformed event from vipd");
	(void)reply_event_position(line, strlen(line), &c->event_seq,
				   c->event_inc, sizeof(c->event_inc));
	return 0;
}

VIP_PUBLIC int vip_event_position(const struct vip_client *c, uint64_t *seq,
				  char *incarnation, size_t len)
{
	if (!c || !seq || !incarnation || len < sizeof(c->event_inc))
		return -EINVAL;
	if (!c->event_inc[0])
		return -ENOENT;
	*seq = c->event_seq;
	memcpy(incarnation, c->event_inc, sizeof(c->event_inc));
	return 0;
}
