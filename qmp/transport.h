/*
 * libqmp transports: how bytes move between libqmp and a QEMU monitor.
 *
 * The protocol code (qmp.c) only sees this ops table, so a new transport
 * (libxenvchan for Linux stub domains) plugs in without touching it.
 * A transport embeds `struct qmp_transport` as its first member.
 *
 * Contract:
 *  - start() registers the transport's own events on `base` and from then
 *    on calls notify(t, QMP_TRANSPORT_READ, arg) whenever read() may make
 *    progress (data or EOF), and notify(t, QMP_TRANSPORT_WRITE, arg) when
 *    write() may make progress while want_write(t, 1) is in effect.
 *    notify is never called from within start/want_write/read/write.
 *  - read() returns > 0 bytes, 0 on EOF, or -1 with errno (EAGAIN: nothing
 *    now).
 *  - write() returns the bytes written (> 0) or -1 with errno (EAGAIN: no
 *    room now). If fd >= 0, it is passed to the peer with the first byte
 *    written (SCM_RIGHTS); a transport that cannot pass fds says so with
 *    passes_fds = 0 (qmp_execute then refuses fds) and fails such a write
 *    with EOPNOTSUPP. The caller keeps fd.
 *  - close() unregisters everything, closes the transport's fds and frees
 *    it. It is called exactly once by the owner.
 */
#ifndef QMP_TRANSPORT_H
#define QMP_TRANSPORT_H

#include <sys/types.h>

struct event_base;
struct qmp_transport;

#define QMP_TRANSPORT_READ 0x1
#define QMP_TRANSPORT_WRITE 0x2

typedef void (*qmp_transport_notify_fn)(struct qmp_transport *t, int what,
					void *arg);

struct qmp_transport_ops {
	const char *name; /* for log lines, e.g. "unix" */
	int (*start)(struct qmp_transport *t, struct event_base *base,
		     qmp_transport_notify_fn notify, void *arg);
	void (*want_write)(struct qmp_transport *t, int on);
	ssize_t (*read)(struct qmp_transport *t, void *buf, size_t len);
	ssize_t (*write)(struct qmp_transport *t, const void *buf, size_t len,
			 int fd);
	void (*close)(struct qmp_transport *t);
	int passes_fds; /* write() can pass an fd (qmp_execute checks) */
};

struct qmp_transport {
	const struct qmp_transport_ops *ops;
};

/*
 * Unix stream socket transport.
 *
 * qmp_transport_unix_adopt_fd: wrap an already connected stream socket,
 * taking ownership of fd (also on failure, when it is closed). The fd is
 * made O_NONBLOCK and FD_CLOEXEC. Returns NULL on allocation failure.
 *
 * qmp_transport_unix_connect: connect to `path` (non-blocking socket,
 * SOCK_CLOEXEC). Returns 0 and the transport in *t_r, or QMP_E_SYS with
 * errno (ENOENT, ECONNREFUSED, ...), QMP_E_INVAL (path too long) or
 * QMP_E_NOMEM.
 */
struct qmp_transport *qmp_transport_unix_adopt_fd(int fd);
int qmp_transport_unix_connect(const char *path, struct qmp_transport **t_r);

#endif
