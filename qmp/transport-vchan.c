/*
 * libqmp transport over libxenvchan (client side): QMP to a QEMU in a
 * Linux stub domain. See transport-vchan.h and docs/qmp-vchan.md.
 *
 * libxenvchan has one notification fd, its event channel: it becomes
 * readable when the peer wrote, consumed, or went away. The event must be
 * acknowledged (libxenvchan_wait: read the pending port and unmask it),
 * and one notification may stand for more than the owner reads in one
 * go. So after every event the transport looks at the ring itself, and
 * keeps reporting (one loop turn at a time, through a "kick" event) for as
 * long as bytes or room remain: the ring is the level, the event only the
 * edge.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <libxenvchan.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <xentoollog.h>

#include "qmp/internal.h"
#include "qmp/qmp.h"
#include "qmp/transport-vchan.h"
#include "qmp/transport.h"

struct qmp_transport_vchan {
	struct qmp_transport base; /* first: the ops see this */
	struct libxenvchan *ctrl;
	struct event *ev_evtchn; /* the event channel's fd */
	struct event *ev_kick;	 /* look at the ring again next turn */
	int want_write;
	qmp_transport_notify_fn notify;
	void *arg;
};

static struct qmp_transport_vchan *
qmp_transport_vchan_of(struct qmp_transport *t)
{
	return (struct qmp_transport_vchan *)t;
}

/* libxenvchan and the libraries under it log failures through this; we
 * report them ourselves (errno, our own messages), so it stays quiet. */
static void qmp_transport_vchan_vmessage(struct xentoollog_logger *logger,
					 xentoollog_level level, int errnoval,
					 const char *context,
					 const char *format, va_list al)
{
}

static void qmp_transport_vchan_destroy(struct xentoollog_logger *logger)
{
}

static struct xentoollog_logger qmp_transport_vchan_quiet = {
    .vmessage = qmp_transport_vchan_vmessage,
    .destroy = qmp_transport_vchan_destroy,
};

/* Report what may make progress now. notify may close (and free) the
 * transport: the kick is armed before, and event_free drops it then. */
static void qmp_transport_vchan_service(struct qmp_transport_vchan *v)
{
	int data, space = 0, open, what;

	/* Both queries also ask the peer to notify us of the next change. */
	data = libxenvchan_data_ready(v->ctrl);
	open = libxenvchan_is_open(v->ctrl);
	if (v->want_write)
		space = libxenvchan_buffer_space(v->ctrl);
	what = qmp_vchan_ready_mask(data, space, open, v->want_write);
	if (!what)
		return;
	event_active(v->ev_kick, 0, 0);
	v->notify(&v->base, what, v->arg);
}

static void qmp_transport_vchan_evtchn_cb(evutil_socket_t fd, short what,
					  void *arg)
{
	struct qmp_transport_vchan *v = arg;

	/* Acknowledge (the fd is non-blocking: EAGAIN if already done). */
	libxenvchan_wait(v->ctrl);
	qmp_transport_vchan_service(v);
}

static void qmp_transport_vchan_kick_cb(evutil_socket_t fd, short what,
					void *arg)
{
	qmp_transport_vchan_service(arg);
}

static int qmp_transport_vchan_start(struct qmp_transport *t,
				     struct event_base *base,
				     qmp_transport_notify_fn notify, void *arg)
{
	struct qmp_transport_vchan *v = qmp_transport_vchan_of(t);
	int fd = libxenvchan_fd_for_select(v->ctrl);
	int flags;

	if (v->ev_evtchn)
		return QMP_E_STATE;
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return QMP_E_SYS;
	v->notify = notify;
	v->arg = arg;
	v->ev_evtchn = event_new(base, fd, EV_READ | EV_PERSIST,
				 qmp_transport_vchan_evtchn_cb, v);
	v->ev_kick = event_new(base, -1, 0, qmp_transport_vchan_kick_cb, v);
	if (!v->ev_evtchn || !v->ev_kick || event_add(v->ev_evtchn, NULL) < 0)
		return QMP_E_NOMEM;
	/* The server may have written before we listened. */
	event_active(v->ev_kick, 0, 0);
	return 0;
}

static void qmp_transport_vchan_want_write(struct qmp_transport *t, int on)
{
	struct qmp_transport_vchan *v = qmp_transport_vchan_of(t);

	v->want_write = on;
	if (on && v->ev_kick)
		event_active(v->ev_kick, 0, 0);
}

static ssize_t qmp_transport_vchan_read(struct qmp_transport *t, void *buf,
					size_t len)
{
	struct qmp_transport_vchan *v = qmp_transport_vchan_of(t);
	int r;

	r = libxenvchan_read(v->ctrl, buf, len > INT_MAX ? INT_MAX : len);
	return qmp_vchan_io_result(r, libxenvchan_is_open(v->ctrl), 0);
}

static ssize_t qmp_transport_vchan_write(struct qmp_transport *t,
					 const void *buf, size_t len, int fd)
{
	struct qmp_transport_vchan *v = qmp_transport_vchan_of(t);
	int r;

	if (fd >= 0) {
		errno = EOPNOTSUPP;
		return -1;
	}
	r = libxenvchan_write(v->ctrl, buf, len > INT_MAX ? INT_MAX : len);
	return qmp_vchan_io_result(r, libxenvchan_is_open(v->ctrl), 1);
}

static void qmp_transport_vchan_close(struct qmp_transport *t)
{
	struct qmp_transport_vchan *v = qmp_transport_vchan_of(t);

	if (v->ev_evtchn)
		event_free(v->ev_evtchn);
	if (v->ev_kick)
		event_free(v->ev_kick);
	/* Tells the server (cli_live = 0 and an event) before unmapping. */
	libxenvchan_close(v->ctrl);
	free(v);
}

static const struct qmp_transport_ops qmp_transport_vchan_ops = {
    .name = "vchan",
    .start = qmp_transport_vchan_start,
    .want_write = qmp_transport_vchan_want_write,
    .read = qmp_transport_vchan_read,
    .write = qmp_transport_vchan_write,
    .close = qmp_transport_vchan_close,
    .passes_fds = 0,
};

int qmp_transport_vchan_connect(int domid, const char *xs_path,
				struct qmp_transport **t_r)
{
	struct qmp_transport_vchan *v;
	struct libxenvchan *ctrl;
	int saved;

	*t_r = NULL;
	if (domid < 0 || domid > QMP_VCHAN_DOMID_MAX || xs_path[0] != '/' ||
	    strlen(xs_path) > QMP_VCHAN_XS_PATH_MAX)
		return QMP_E_INVAL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return QMP_E_NOMEM;
	errno = 0;
	ctrl =
	    libxenvchan_client_init(&qmp_transport_vchan_quiet, domid, xs_path);
	if (!ctrl) {
		saved = errno ? errno : EPROTO; /* e.g. ring-ref "0" */
		free(v);
		errno = saved;
		return QMP_E_SYS;
	}
	/* client_init leaves `blocking` uninitialised: we never block. */
	ctrl->blocking = 0;
	if (!qmp_vchan_ring_fresh(ctrl->ring->left.prod,
				  ctrl->ring->right.cons)) {
		/* A server whose session is over but not yet torn down. */
		libxenvchan_close(ctrl);
		free(v);
		errno = EAGAIN;
		return QMP_E_SYS;
	}
	v->base.ops = &qmp_transport_vchan_ops;
	v->ctrl = ctrl;
	*t_r = &v->base;
	return 0;
}

int qmp_connect_vchan(struct qmp *q, int domid, const char *xs_path)
{
	struct qmp_transport *t;
	int rc, saved;

	/* Checked before connecting: a vchan connect is seen by the server. */
	if (strcmp(qmp_state_name_of(q), "idle"))
		return QMP_E_STATE;
	rc = qmp_transport_vchan_connect(domid, xs_path, &t);
	if (rc < 0) {
		saved = errno;
		qmp_logf(q, QMP_LOG_DEBUG, "connect vchan:%d:%s: %s", domid,
			 xs_path,
			 rc == QMP_E_SYS ? strerror(saved) : qmp_strerror(rc));
		errno = saved;
		return rc;
	}
	qmp_logf(q, QMP_LOG_DEBUG, "connected to vchan:%d:%s", domid, xs_path);
	return qmp_attach_transport(q, t);
}
