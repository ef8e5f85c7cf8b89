/* SPDX-License-Identifier: MIT */
/* Metrics: counters the daemon reports into, and their Prometheus text. */
#ifndef VIPD_DAEMON_METRICS_H
#define VIPD_DAEMON_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "proto/ctl.h"

struct vipd;

/* 0 or -ENOMEM (then free with vipd_metrics_free()). */
int vipd_metrics_new(struct vipd *d);
void vipd_metrics_free(struct vipd *d);
/* Counts an ownership or membership event. */
void vipd_metrics_event(struct vipd *d, const struct core_event *ev);
/* The gate is refreshed at now to last until `until`: counts it and how
 * little time the previous refresh had left. */
void vipd_metrics_lease(struct vipd *d, uint64_t until, uint64_t now);
/* Counts a request's answer: result NULL for ok, else its error code
 * (a static string). */
void vipd_metrics_request(struct vipd *d, enum ctl_cmd cmd,
			  const char *result);
/* Opens the metrics-listen endpoint, if configured (before privileges
 * are dropped: a port below 1024 needs them).  0, or -errno with err. */
int vipd_metrics_listen(struct vipd *d, char *err, size_t len);
/* The metrics as Prometheus text (malloc'd, *ret_len bytes), or NULL
 * when out of memory. */
char *vipd_metrics_text(struct vipd *d, size_t *ret_len);

#endif
