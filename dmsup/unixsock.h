/*
 * Unix stream sockets the daemon creates for others: a listening socket
 * bound by dmsup and handed to QEMU (so nobody polls for QEMU's socket to
 * appear), and fds sent with a message (SCM_RIGHTS).
 */
#ifndef DMSUP_UNIXSOCK_H
#define DMSUP_UNIXSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A socket listening at @path (mode 0600, a stale socket there replaced;
 * anything else there is refused with EEXIST). O_CLOEXEC, blocking, so
 * that QEMU's accept() waits as it expects. The fd, or -1 with errno. */
int unixsock_listen(const char *path);

/* Whether something listens at @path: 1 if a connect is taken (or the
 * backlog is full), 0 if nothing is there or a stale socket refuses; -1
 * with EEXIST if @path is not a socket. Never waits. */
int unixsock_answers(const char *path);

/* Sends @len bytes of @buf with @n fds attached, on a non-blocking
 * socket. The bytes sent (maybe fewer than @len: the caller queues the
 * rest; the fds went with the first byte), or -1 with errno. */
ssize_t unixsock_send_fds(int sock, const void *buf, size_t len, const int *fds,
			  int n);

/* Reads up to @len bytes from the non-blocking @sock, and the fds that
 * came with them (SCM_RIGHTS, O_CLOEXEC): up to @max into @fds, *nfds_r
 * of them; any beyond are closed and *over_r is set. The bytes read
 * (0 at the end), or -1 with errno (EAGAIN: nothing yet). */
ssize_t unixsock_recv_fds(int sock, void *buf, size_t len, int *fds, int max,
			  int *nfds_r, bool *over_r);

#endif
