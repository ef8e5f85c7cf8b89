/* SPDX-License-Identifier: MIT */
/*
 * libvip's internals shared by client.c (connections, requests) and
 * session.c (session claims).  Not installed; hidden from the ABI.
 */
#ifndef VIPD_LIB_CLIENT_H
#define VIPD_LIB_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include "lib/reply.h"
#include "proto/ctl.h"
#include "vip.h"

#define VIP_GRACE_MS 1000 /* beyond --wait, for vipd's own timeout reply */

struct vip_buf {
	char *p;    /* owned */
	size_t len; /* bytes held */
	size_t cap; /* bytes allocated */
};

struct vip_client {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd;		      /* request connection, -1 when none */
	int wfd;	      /* event connection, -1 when not watching */
	struct vip_buf rbuf;  /* unread input of fd */
	struct vip_buf wbuf;  /* unread input of wfd */
	char *event_line;     /* owned; the last event's raw line */
	char last_error[320]; /* "code: reason" or a local failure */
	char last_code[32];   /* vipd's code of the last refusal, or "" */
	char session[VIP_NAME_MAX]; /* VIP of the session fd serves, or "" */
	uint64_t event_seq;   /* of the last numbered event, 0: none */
	char event_inc[17];   /* its incarnation, "" before one */
};

__attribute__((format(printf, 2, 3))) void
error_msg(struct vip_client *c, const char *fmt, ...);
/* Records the reason and yields r, visibly to the static analyser (which
 * does not follow a va_list function's return value). */
#define set_error(c, r, ...) (error_msg((c), __VA_ARGS__), (r))

/* Monotonic ms deadline of a timeout (< 0: none, -1). */
int64_t deadline_of(int timeout_ms);
/* Connected non-blocking fd, or -errno (-ECONNREFUSED: nobody there). */
int unix_connect(const char *path);
void buf_reset(struct vip_buf *b);
/* Reads what is available; 0 on data, -EAGAIN, -ECONNRESET or -errno. */
int buf_fill(struct vip_buf *b, int fd);
/* Takes one complete line (without '\n') as a new string, or NULL. */
char *buf_take_line(struct vip_buf *b, int *ret);
int write_all(int fd, const char *s, size_t n, int64_t deadline);
/* Reads one line of fd into *ret (malloc'd) by deadline.  0 or -errno. */
int read_line(struct vip_buf *b, int fd, int64_t deadline, char **ret);
/* Maps a parsed reply to 0 or -errno, keeping vipd's reason. */
int reply_result(struct vip_client *c, const char *line, struct reply *ret);
/* Closes the request connection. */
void conn_reset(struct vip_client *c);
/* Sends req and parses vipd's answer into *rep (and its raw line into
 * *ret_line, if not NULL).  0, or -errno with last_error set. */
int request(struct vip_client *c, const struct ctl_req *req, int timeout_ms,
	    struct reply *rep, char **ret_line);

#endif
