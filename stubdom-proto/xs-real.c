/*
 * xs-real.c - the xenstore interface over libxenstore.
 *
 * Requests are libxenstore's synchronous request/reply calls: one bounded
 * round trip to xenstored each, as in every toolstack. Watch events come
 * through xs_fileno(): libxenstore's reader thread keeps that fd readable
 * while events are queued, and xs_check_watch() takes them without
 * blocking. The fd belongs to the libxenstore handle; we only watch it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <xenstore.h>

#include "stubdom-proto/xs.h"

/* Events taken per wakeup: the fd stays readable while more are queued,
 * so a flood of events cannot starve the rest of the loop. */
#define XS_REAL_BATCH 64

struct xs_real {
	struct xs_handle *h;
	struct xsp *xs;
	struct event *ev;
};

static int xs_real_err(void)
{
	if (errno == 0)
		return -EIO;
	return -errno;
}

static int xs_real_read(void *be, xsp_txn t, const char *path, char **val_r,
			size_t *len_r)
{
	struct xs_real *r = be;
	unsigned int len;
	char *v;

	errno = 0;
	v = xs_read(r->h, t, path, &len);
	if (!v)
		return xs_real_err();
	*val_r = v; /* libxenstore NUL-terminates */
	*len_r = len;
	return 0;
}

static int xs_real_write(void *be, xsp_txn t, const char *path, const char *val,
			 size_t len)
{
	struct xs_real *r = be;

	errno = 0;
	return xs_write(r->h, t, path, val, (unsigned int)len) ? 0
							       : xs_real_err();
}

static int xs_real_mkdir(void *be, xsp_txn t, const char *path)
{
	struct xs_real *r = be;

	errno = 0;
	return xs_mkdir(r->h, t, path) ? 0 : xs_real_err();
}

static int xs_real_rm(void *be, xsp_txn t, const char *path)
{
	struct xs_real *r = be;

	errno = 0;
	return xs_rm(r->h, t, path) ? 0 : xs_real_err();
}

static int xs_real_directory(void *be, xsp_txn t, const char *path,
			     char ***names_r, unsigned int *n_r)
{
	struct xs_real *r = be;
	char **names;

	errno = 0;
	names = xs_directory(r->h, t, path, n_r);
	if (!names)
		return xs_real_err();
	*names_r = names; /* one allocation, as xsp_directory promises */
	return 0;
}

static int xs_real_get_perms(void *be, xsp_txn t, const char *path,
			     struct xsp_perm **perms_r, unsigned int *n_r)
{
	struct xs_real *r = be;
	struct xs_permissions *p;
	struct xsp_perm *out;
	unsigned int n, i;

	errno = 0;
	p = xs_get_permissions(r->h, t, path, &n);
	if (!p)
		return xs_real_err();
	if (n == 0 || n > XSP_PERMS_MAX) {
		free(p);
		return -E2BIG;
	}
	out = calloc(n, sizeof(*out));
	if (!out) {
		free(p);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		out[i].domid = p[i].id;
		out[i].perms = p[i].perms & XSP_PERM_RW;
	}
	free(p);
	*perms_r = out;
	*n_r = n;
	return 0;
}

static int xs_real_set_perms(void *be, xsp_txn t, const char *path,
			     const struct xsp_perm *perms, unsigned int n)
{
	struct xs_real *r = be;
	struct xs_permissions p[XSP_PERMS_MAX];
	unsigned int i;

	for (i = 0; i < n; i++) {
		p[i].id = perms[i].domid;
		p[i].perms = perms[i].perms;
	}
	errno = 0;
	return xs_set_permissions(r->h, t, path, p, n) ? 0 : xs_real_err();
}

static int xs_real_set_target(void *be, unsigned int stub, unsigned int target)
{
	struct xs_real *r = be;

	errno = 0;
	return xs_set_target(r->h, stub, target) ? 0 : xs_real_err();
}

static int xs_real_txn_start(void *be, xsp_txn *t_r)
{
	struct xs_real *r = be;
	xs_transaction_t t;

	errno = 0;
	t = xs_transaction_start(r->h);
	if (t == XBT_NULL)
		return xs_real_err();
	*t_r = t;
	return 0;
}

static int xs_real_txn_end(void *be, xsp_txn t, bool abort)
{
	struct xs_real *r = be;

	errno = 0;
	return xs_transaction_end(r->h, t, abort) ? 0 : xs_real_err();
}

static void xs_real_fd_cb(evutil_socket_t fd, short what, void *arg)
{
	struct xs_real *r = arg;
	char **ev;
	int i;

	for (i = 0; i < XS_REAL_BATCH; i++) {
		ev = xs_check_watch(r->h);
		if (!ev) {
			/* EAGAIN: drained. Anything else: the connection is
			 * gone; stop listening rather than spin on it. */
			if (errno != EAGAIN)
				event_del(r->ev);
			return;
		}
		if (xsp_deliver(r->xs, ev[XS_WATCH_PATH], ev[XS_WATCH_TOKEN])) {
			free(ev); /* the connection was closed under us */
			return;
		}
		free(ev);
	}
}

static int xs_real_watch(void *be, const char *path, const char *token)
{
	struct xs_real *r = be;

	errno = 0;
	return xs_watch(r->h, path, token) ? 0 : xs_real_err();
}

static int xs_real_unwatch(void *be, const char *path, const char *token)
{
	struct xs_real *r = be;

	errno = 0;
	return xs_unwatch(r->h, path, token) ? 0 : xs_real_err();
}

static void xs_real_close(void *be)
{
	struct xs_real *r = be;

	if (r->ev)
		event_free(r->ev);
	xs_close(r->h);
	free(r);
}

static const struct xsp_backend_ops xs_real_ops = {
    .read = xs_real_read,
    .write = xs_real_write,
    .mkdir = xs_real_mkdir,
    .rm = xs_real_rm,
    .directory = xs_real_directory,
    .get_perms = xs_real_get_perms,
    .set_perms = xs_real_set_perms,
    .set_target = xs_real_set_target,
    .txn_start = xs_real_txn_start,
    .txn_end = xs_real_txn_end,
    .watch = xs_real_watch,
    .unwatch = xs_real_unwatch,
    .close = xs_real_close,
};

struct xsp *xsp_real_open(struct event_base *base, int *err_r)
{
	struct xs_real *r = calloc(1, sizeof(*r));
	int fd, rc = -ENOMEM;

	if (!r)
		goto fail;
	errno = 0;
	r->h = xs_open(XS_UNWATCH_FILTER);
	if (!r->h) {
		rc = xs_real_err();
		goto fail;
	}
	fd = xs_fileno(r->h);
	if (fd < 0) {
		rc = xs_real_err();
		goto fail;
	}
	/* libxenstore's pipe is not close-on-exec; make it so. */
	fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
	r->ev = event_new(base, fd, EV_READ | EV_PERSIST, xs_real_fd_cb, r);
	if (!r->ev || event_add(r->ev, NULL) < 0)
		goto fail;
	r->xs = xsp_new(base, &xs_real_ops, r);
	if (!r->xs)
		goto fail;
	return r->xs;
fail:
	if (r) {
		if (r->ev)
			event_free(r->ev);
		if (r->h)
			xs_close(r->h);
		free(r);
	}
	if (err_r)
		*err_r = rc;
	return NULL;
}
