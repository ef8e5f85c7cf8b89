/* SPDX-License-Identifier: MIT */
/* The metrics endpoint: GET /metrics over HTTP/1.x, nothing else. */
#ifndef VIPD_CONTROL_HTTP_H
#define VIPD_CONTROL_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "ev/ev.h"

struct http;

/* Makes the body of GET /metrics: a malloc'd buffer of *len bytes, or
 * NULL (the answer is then 503). */
typedef char *(*http_body_fn)(void *ud, size_t *len);

/* Listens on TCP addr (4 or 16 bytes of family AF_INET or AF_INET6):port.
 * 0 and *ret, or -errno of socket, bind or listen, -ENOMEM. */
int http_new(struct ev *e, int family, const void *addr, uint16_t port,
	     http_body_fn body, void *ud, struct http **ret);
/* Closes every connection and the listener.  NULL-safe. */
void http_free(struct http *h);

#endif
