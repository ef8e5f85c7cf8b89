/* SPDX-License-Identifier: MIT */
/*
 * The fault-injection seam (STYLE.md): the allocations and the file and
 * socket calls of reload and of the control server go through these, so a
 * test can make the 1st, 2nd, ... of them fail and check that nothing
 * changed (SQLite's test_malloc.c).  Disarmed (always, outside tests) each
 * is the libc call after one test of a counter.
 */
#ifndef VIPD_FAULT_FAULT_H
#define VIPD_FAULT_FAULT_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

/* n > 0: the n-th call through the seam from now on fails, once, then the
 * seam is disarmed again.  0 disarms it.  Resets fault_calls(). */
void fault_arm(unsigned long n);

/* Calls through the seam since the last fault_arm(). */
unsigned long fault_calls(void);

/* Whether an armed fault has fired since the last fault_arm(). */
int fault_fired(void);

void *fault_malloc(size_t n);
void *fault_calloc(size_t n, size_t size);
void *fault_realloc(void *p, size_t n);
int fault_open(const char *path, int flags);
int fault_fstat(int fd, struct stat *st);
ssize_t fault_read(int fd, void *buf, size_t n);
int fault_accept4(int fd, int flags);
ssize_t fault_recv(int fd, void *buf, size_t n, int flags);
ssize_t fault_send(int fd, const void *buf, size_t n, int flags);
int fault_getsockopt(int fd, int level, int name, void *val, socklen_t *len);

#endif
