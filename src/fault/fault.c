// SPDX-License-Identifier: MIT
/*
 * The countdown behind fault.h.  The errno each call fails with is the
 * one the real call can return under the same shortage: ENOMEM for
 * allocations, EMFILE for open and accept, EIO for reads, ENOBUFS for
 * sockets.
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fault/fault.h"

static unsigned long countdown, calls;
static int fired;

void fault_arm(unsigned long n)
{
	countdown = n;
	calls = 0;
	fired = 0;
}

unsigned long fault_calls(void)
{
	return calls;
}

int fault_fired(void)
{
	return fired;
}

/* Whether this call is the one to fail; sets errno to err if so. */
static int hit(int err)
{
	calls++;
	if (!countdown || --countdown)
		return 0;
	fired = 1;
	errno = err;
	return 1;
}

void *fault_malloc(size_t n)
{
	return hit(ENOMEM) ? NULL : malloc(n);
}

void *fault_calloc(size_t n, size_t size)
{
	return hit(ENOMEM) ? NULL : calloc(n, size);
}

void *fault_realloc(void *p, size_t n)
{
	return hit(ENOMEM) ? NULL : realloc(p, n);
}

int fault_open(const char *path, int flags)
{
	return hit(EMFILE) ? -1 : open(path, flags);
}

int fault_fstat(int fd, struct stat *st)
{
	return hit(EIO) ? -1 : fstat(fd, st);
}

ssize_t fault_read(int fd, void *buf, size_t n)
{
	return hit(EIO) ? -1 : read(fd, buf, n);
}

int fault_accept4(int fd, int flags)
{
	return hit(EMFILE) ? -1 : accept4(fd, NULL, NULL, flags);
}

ssize_t fault_recv(int fd, void *buf, size_t n, int flags)
{
	return hit(ENOBUFS) ? -1 : recv(fd, buf, n, flags);
}

ssize_t fault_send(int fd, const void *buf, size_t n, int flags)
{
	return hit(ENOBUFS) ? -1 : send(fd, buf, n, flags);
}

int fault_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	return hit(ENOBUFS) ? -1 : getsockopt(fd, level, name, val, len);
}
