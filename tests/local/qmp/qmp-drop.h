/*
 * Dropping a QMP connection from QEMU's side while QEMU lives, for the
 * reconnect tests. QEMU has no QMP command that closes its own monitor's
 * connection, and `ss -K` does not work for unix sockets; so the test
 * takes a duplicate of QEMU's own end of the connection (pidfd_getfd(2),
 * which needs ptrace rights over QEMU: the tests run as its owner or
 * root) and shuts it down. QEMU then reads EOF on its connection, closes
 * it and accepts the next client, as after any peer's hang-up; its client
 * sees the connection end. Nothing of the client is touched.
 */
#ifndef TESTS_LOCAL_QMP_QMP_DROP_H
#define TESTS_LOCAL_QMP_QMP_DROP_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Shuts down every connection QEMU (@pid) accepted on its QMP socket
 * @path: the sockets of @pid bound to @path that are connected, not the
 * listener (/proc/net/unix and /proc/PID/fd). The number dropped, or -1
 * with a message in @err.
 */
int qmp_drop_server_side(pid_t pid, const char *path, char *err, size_t errlen);
/* A duplicate of the first such socket (O_CLOEXEC), e.g. to see what
 * waits in it for QEMU (ioctl SIOCINQ); -1 with a message in @err. */
int qmp_dup_server_side(pid_t pid, const char *path, char *err, size_t errlen);

#endif
