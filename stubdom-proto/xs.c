/*
 * xs.c - the backend-independent half of the xenstore interface: argument
 * and limit checks, transaction retry, and the watch registry that maps
 * the tokens a backend reports back to callbacks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "stubdom-proto/xs.h"

struct xsp_watch {
	TAILQ_ENTRY(xsp_watch) link;
	char *path;
	char token[32];
	xsp_watch_fn *cb;
	void *arg;
};

struct xsp {
	struct event_base *base;
	const struct xsp_backend_ops *ops;
	void *be;
	TAILQ_HEAD(, xsp_watch) watches;
	unsigned long long next_token;
	/* A callback may close the connection while a backend is delivering;
	 * the free then waits until the delivery returns. */
	unsigned int delivering;
	bool closed;
};

struct xsp *xsp_new(struct event_base *base, const struct xsp_backend_ops *ops,
		    void *be)
{
	struct xsp *xs = calloc(1, sizeof(*xs));

	if (!xs)
		return NULL;
	xs->base = base;
	xs->ops = ops;
	xs->be = be;
	TAILQ_INIT(&xs->watches);
	return xs;
}

struct event_base *xsp_event_base(const struct xsp *xs)
{
	return xs->base;
}

static void xsp_watch_free(struct xsp *xs, struct xsp_watch *w)
{
	TAILQ_REMOVE(&xs->watches, w, link);
	free(w->path);
	free(w);
}

static void xsp_free(struct xsp *xs)
{
	xs->ops->close(xs->be);
	free(xs);
}

void xsp_close(struct xsp *xs)
{
	struct xsp_watch *w;

	if (!xs || xs->closed)
		return;
	xs->closed = true;
	/* The backend forgets its watches when it closes; here only the
	 * registry goes, so that no callback runs after this call. */
	while ((w = TAILQ_FIRST(&xs->watches)))
		xsp_watch_free(xs, w);
	if (!xs->delivering)
		xsp_free(xs);
}

/* Returns -1 when the callback closed the connection: the backend must
 * then stop touching it (its private state is gone too). */
int xsp_deliver(struct xsp *xs, const char *path, const char *token)
{
	struct xsp_watch *w;

	if (xs->closed)
		return -1;
	TAILQ_FOREACH(w, &xs->watches, link)
	{
		if (!strcmp(w->token, token))
			break;
	}
	if (!w)
		return 0; /* removed since the event was queued */
	xs->delivering++;
	w->cb(xs, path, w->arg);
	xs->delivering--;
	if (xs->closed) {
		if (!xs->delivering)
			xsp_free(xs);
		return -1;
	}
	return 0;
}

/* --- limits --- */

static bool xsp_valid_chars(const char *p)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "0123456789-/_@";

	return p[strspn(p, ok)] == '\0';
}

int xsp_check_path(const char *path)
{
	size_t len, rel;
	unsigned int domid;
	int off = 0;

	if (!path || path[0] != '/')
		return -EINVAL;
	len = strlen(path);
	if ((len > 1 && path[len - 1] == '/') || strstr(path, "//") ||
	    !xsp_valid_chars(path))
		return -EINVAL;
	if (len > XSP_ABS_PATH_MAX)
		return -E2BIG;
	/* xenstored counts a domain's own subtree relative to its home. */
	rel = len;
	if (sscanf(path, "/local/domain/%5u/%n", &domid, &off) == 1 && off > 0)
		rel = len - (size_t)off;
	if (rel > XSP_REL_PATH_MAX)
		return -E2BIG;
	return 0;
}

size_t xsp_value_max(const char *path)
{
	size_t len = strlen(path) + 1;

	return len >= XSP_PAYLOAD_MAX ? 0 : XSP_PAYLOAD_MAX - len;
}

int xsp_check_write(const char *path, size_t len)
{
	int rc = xsp_check_path(path);

	if (rc)
		return rc;
	return len > xsp_value_max(path) ? -E2BIG : 0;
}

/* --- requests --- */

int xsp_read(struct xsp *xs, xsp_txn t, const char *path, char **val_r,
	     size_t *len_r)
{
	size_t len;
	int rc = xsp_check_path(path);

	*val_r = NULL;
	if (rc)
		return rc;
	rc = xs->ops->read(xs->be, t, path, val_r, &len);
	if (!rc && len_r)
		*len_r = len;
	return rc;
}

int xsp_write(struct xsp *xs, xsp_txn t, const char *path, const char *val,
	      size_t len)
{
	int rc = xsp_check_write(path, len);

	return rc ? rc : xs->ops->write(xs->be, t, path, val, len);
}

int xsp_write_str(struct xsp *xs, xsp_txn t, const char *path, const char *val)
{
	return xsp_write(xs, t, path, val, strlen(val));
}

int xsp_mkdir(struct xsp *xs, xsp_txn t, const char *path)
{
	int rc = xsp_check_path(path);

	return rc ? rc : xs->ops->mkdir(xs->be, t, path);
}

int xsp_rm(struct xsp *xs, xsp_txn t, const char *path)
{
	int rc = xsp_check_path(path);

	return rc ? rc : xs->ops->rm(xs->be, t, path);
}

int xsp_directory(struct xsp *xs, xsp_txn t, const char *path, char ***names_r,
		  unsigned int *n_r)
{
	int rc = xsp_check_path(path);

	*names_r = NULL;
	*n_r = 0;
	return rc ? rc : xs->ops->directory(xs->be, t, path, names_r, n_r);
}

int xsp_get_perms(struct xsp *xs, xsp_txn t, const char *path,
		  struct xsp_perm **perms_r, unsigned int *n_r)
{
	int rc = xsp_check_path(path);

	*perms_r = NULL;
	*n_r = 0;
	return rc ? rc : xs->ops->get_perms(xs->be, t, path, perms_r, n_r);
}

int xsp_set_perms(struct xsp *xs, xsp_txn t, const char *path,
		  const struct xsp_perm *perms, unsigned int n)
{
	int rc = xsp_check_path(path);
	unsigned int i;

	if (rc)
		return rc;
	if (n == 0 || n > XSP_PERMS_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (perms[i].perms & ~(unsigned int)XSP_PERM_RW)
			return -EINVAL;
	return xs->ops->set_perms(xs->be, t, path, perms, n);
}

int xsp_set_target(struct xsp *xs, unsigned int stub, unsigned int target)
{
	return xs->ops->set_target(xs->be, stub, target);
}

/* --- transactions --- */

int xsp_txn_start(struct xsp *xs, xsp_txn *t_r)
{
	return xs->ops->txn_start(xs->be, t_r);
}

int xsp_txn_end(struct xsp *xs, xsp_txn t, bool abort)
{
	return xs->ops->txn_end(xs->be, t, abort);
}

int xsp_txn_run(struct xsp *xs, xsp_txn_body_fn *body, void *arg,
		unsigned int max_tries)
{
	unsigned int i;
	xsp_txn t;
	int rc = -EAGAIN;

	for (i = 0; i < max_tries; i++) {
		rc = xsp_txn_start(xs, &t);
		if (rc)
			return rc;
		rc = body(xs, t, arg);
		if (rc) {
			xsp_txn_end(xs, t, true);
			return rc;
		}
		rc = xsp_txn_end(xs, t, false);
		if (rc != -EAGAIN)
			return rc;
	}
	return rc;
}

/* --- watches --- */

int xsp_watch(struct xsp *xs, const char *path, xsp_watch_fn *cb, void *arg,
	      struct xsp_watch **w_r)
{
	struct xsp_watch *w;
	int rc = !strcmp(path, XSP_WATCH_INTRODUCE) ||
			 !strcmp(path, XSP_WATCH_RELEASE)
		     ? 0
		     : xsp_check_path(path);

	if (rc)
		return rc;
	w = calloc(1, sizeof(*w));
	if (!w || !(w->path = strdup(path))) {
		free(w);
		return -ENOMEM;
	}
	snprintf(w->token, sizeof(w->token), "xsp-%llu", ++xs->next_token);
	w->cb = cb;
	w->arg = arg;
	TAILQ_INSERT_TAIL(&xs->watches, w, link);
	rc = xs->ops->watch(xs->be, path, w->token);
	if (rc) {
		xsp_watch_free(xs, w);
		return rc;
	}
	if (w_r)
		*w_r = w;
	return 0;
}

void xsp_unwatch(struct xsp *xs, struct xsp_watch *w)
{
	if (!w)
		return;
	/* Failure to unwatch leaves a stray registration in xenstored whose
	 * events no longer match any token: they are dropped on delivery. */
	xs->ops->unwatch(xs->be, w->path, w->token);
	xsp_watch_free(xs, w);
}
