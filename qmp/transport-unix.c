/* libqmp transport over a unix stream socket, with SCM_RIGHTS fd passing. */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "qmp/qmp.h"
#include "qmp/transport.h"

struct qmp_transport_unix {
	struct qmp_transport base; /* first: the ops see this */
	int fd;
	struct event *ev_read;
	struct event *ev_write;
	qmp_transport_notify_fn notify;
	void *arg;
};

static struct qmp_transport_unix *qmp_transport_unix_of(struct qmp_transport *t)
{
	return (struct qmp_transport_unix *)t;
}

static void qmp_transport_unix_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct qmp_transport_unix *u = arg;

	u->notify(&u->base,
		  (what & EV_READ) ? QMP_TRANSPORT_READ : QMP_TRANSPORT_WRITE,
		  u->arg);
}

static int qmp_transport_unix_start(struct qmp_transport *t,
				    struct event_base *base,
				    qmp_transport_notify_fn notify, void *arg)
{
	struct qmp_transport_unix *u = qmp_transport_unix_of(t);

	if (u->ev_read)
		return QMP_E_STATE;
	u->notify = notify;
	u->arg = arg;
	u->ev_read = event_new(base, u->fd, EV_READ | EV_PERSIST,
			       qmp_transport_unix_io_cb, u);
	u->ev_write = event_new(base, u->fd, EV_WRITE | EV_PERSIST,
				qmp_transport_unix_io_cb, u);
	if (!u->ev_read || !u->ev_write || event_add(u->ev_read, NULL) < 0)
		return QMP_E_NOMEM;
	return 0;
}

static void qmp_transport_unix_want_write(struct qmp_transport *t, int on)
{
	struct qmp_transport_unix *u = qmp_transport_unix_of(t);

	if (!u->ev_write)
		return;
	if (on)
		event_add(u->ev_write, NULL);
	else
		event_del(u->ev_write);
}

static ssize_t qmp_transport_unix_read(struct qmp_transport *t, void *buf,
				       size_t len)
{
	struct qmp_transport_unix *u = qmp_transport_unix_of(t);
	ssize_t r;

	do
		r = read(u->fd, buf, len);
	while (r < 0 && errno == EINTR);
	return r;
}

static ssize_t qmp_transport_unix_sendfd(int sock, const void *buf, size_t len,
					 int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr msg = {
	    .msg_iov = &iov,
	    .msg_iovlen = 1,
	    .msg_control = ctl.buf,
	    .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *cmsg;

	memset(&ctl, 0, sizeof(ctl));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL);
}

static ssize_t qmp_transport_unix_write(struct qmp_transport *t,
					const void *buf, size_t len, int fd)
{
	struct qmp_transport_unix *u = qmp_transport_unix_of(t);
	ssize_t r;

	do {
		if (fd >= 0)
			r = qmp_transport_unix_sendfd(u->fd, buf, len, fd);
		else
			r = send(u->fd, buf, len, MSG_NOSIGNAL);
	} while (r < 0 && errno == EINTR);
	return r;
}

static void qmp_transport_unix_close(struct qmp_transport *t)
{
	struct qmp_transport_unix *u = qmp_transport_unix_of(t);

	if (u->ev_read)
		event_free(u->ev_read);
	if (u->ev_write)
		event_free(u->ev_write);
	close(u->fd);
	free(u);
}

static const struct qmp_transport_ops qmp_transport_unix_ops = {
    .name = "unix",
    .start = qmp_transport_unix_start,
    .want_write = qmp_transport_unix_want_write,
    .read = qmp_transport_unix_read,
    .write = qmp_transport_unix_write,
    .close = qmp_transport_unix_close,
    .passes_fds = 1,
};

struct qmp_transport *qmp_transport_unix_adopt_fd(int fd)
{
	struct qmp_transport_unix *u;
	int flags;

	u = calloc(1, sizeof(*u));
	flags = fcntl(fd, F_GETFL);
	if (!u || flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		free(u);
		close(fd);
		return NULL;
	}
	u->base.ops = &qmp_transport_unix_ops;
	u->fd = fd;
	return &u->base;
}

int qmp_transport_unix_connect(const char *path, struct qmp_transport **t_r)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, r, saved;

	*t_r = NULL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return QMP_E_INVAL;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return QMP_E_SYS;
	do
		r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return QMP_E_SYS;
	}
	*t_r = qmp_transport_unix_adopt_fd(fd);
	return *t_r ? 0 : QMP_E_NOMEM;
}
