/* SPDX-License-Identifier: MIT */
/* The control socket's listening end. */
#ifndef VIPD_CONTROL_LISTEN_H
#define VIPD_CONTROL_LISTEN_H

#include <sys/types.h>

/*
 * Listens on a non-blocking Unix stream socket at path with mode,
 * creating a missing parent directory (0755) and unlinking a stale socket.
 * Returns the fd, -EADDRINUSE if a live process answers there, -EEXIST if
 * path is not a socket, or -errno of mkdir, socket, bind, chmod, listen.
 */
int ctl_listen(const char *path, mode_t mode);

#endif
