/* SPDX-License-Identifier: MIT */
/*
 * Loading vipd.conf into a struct conf: parse, resolve, validate, and
 * hand back either a whole config or nothing. Every problem found is
 * written to the caller's stream as "file:line:col: message", one a line.
 */
#ifndef VIPD_DAEMON_CONF_PARSE_H
#define VIPD_DAEMON_CONF_PARSE_H

#include <stddef.h>
#include <stdio.h>

#include "core/conf.h"

#define CONF_DEFAULT_GROUP "vipd"
#define CONF_DEFAULT_SOCKET "/run/vipd/vipd.sock"
#define CONF_DEFAULT_LEASE_MS 0 /* auto: from corosync's timing */
#define CONF_DEFAULT_LEASE_MARK 0x10000000U
#define CONF_DEFAULT_HANDOFF_PORT 5407
#define CONF_DEFAULT_ANNOUNCE_COUNT 3
#define CONF_DEFAULT_ANNOUNCE_MS 100
#define CONF_INCLUDE_DEPTH 8	    /* files open at once, the first included */
#define CONF_FILE_MAX 1048576 /* bytes of one file (1 MiB) */
#define CONF_ERRORS_MAX 50	    /* errors written before giving up */

/* conf_load_buffer_flags() flags */
#define CONF_LOAD_NO_INCLUDE 0x1 /* refuse include: touch no file (fuzzing) */
/* user and group names resolve to CONF_ID_NO_NSS without asking NSS, which
 * reads /etc/passwd and friends on every call (fuzzing) */
#define CONF_LOAD_NO_NSS 0x2
#define CONF_ID_NO_NSS 65534U

/*
 * Loads the file at path into *ret, following includes relative to the
 * including file's directory. Returns 0 with *ret filled (free it with
 * conf_free()); -EINVAL after writing every error to errs (which may be
 * NULL to stay quiet); or -errno (-ENOENT, -EACCES, -EISDIR, -EFBIG past
 * CONF_FILE_MAX, -ENOMEM, ...) if the file can't be read, writing nothing.
 * On failure *ret is zeroed: never half a config.
 */
int conf_load(const char *path, struct conf *ret, FILE *errs);

/*
 * As conf_load(), from buf[0..len) (not NUL-terminated, may hold any
 * byte) named name in messages and for relative includes. Returns 0,
 * -EINVAL or -ENOMEM.
 */
int conf_load_buffer(const char *name, const char *buf, size_t len,
		     struct conf *ret, FILE *errs);

/* As conf_load_buffer(), with CONF_LOAD_* flags. */
int conf_load_buffer_flags(const char *name, const char *buf, size_t len,
			   unsigned flags, struct conf *ret, FILE *errs);

/* Frees what c owns and zeroes it; c itself is the caller's. NULL-safe. */
void conf_free(struct conf *c);

/* Returns the index in c->nodes of the node called name, or -1. */
int conf_node_index(const struct conf *c, const char *name);
/* Index in c->nodes of the node with corosync id `id`, or -1. */
int conf_node_index_by_id(const struct conf *c, uint32_t id);

/* Returns the index in c->nodes of this node (c->node), or -1. */
int conf_self_index(const struct conf *c);

#endif
