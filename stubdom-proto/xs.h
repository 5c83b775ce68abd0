/*
 * xs.h - an asynchronous xenstore interface for the whole project.
 *
 * One `struct xsp` is one connection to a xenstore, acting as one domain.
 * Requests (read, write, mkdir, rm, directory, permissions, transactions,
 * set_target) are synchronous request/reply over the connection, as with
 * every Xen toolstack: each is one bounded round trip and never sleeps.
 * Watch events are asynchronous: they arrive through the caller's libevent
 * event_base and are delivered to the watch's callback, never from inside
 * the call that registered the watch.
 *
 * Two backends sit behind the same ops table (struct xsp_backend_ops):
 *   xs-real.c              libxenstore (xsp_real_open)
 *   tests/unit/proto/xs-mem.c  an in-memory xenstored, for unit tests only
 * Code above this header never knows which one it talks to.
 *
 * The prefix is xsp_ ("xenstore proxy") because xs_ belongs to libxenstore.
 *
 * Errors: every function returning int returns 0 or a negative errno:
 *   -ENOENT   no such node        -EACCES  permission denied
 *   -EAGAIN   transaction conflict (xsp_txn_end only; retry the body)
 *   -E2BIG    value or path beyond xenstore's limits (nothing was written)
 *   -EINVAL   malformed path or argument
 *   -EIO      the connection failed
 */
#ifndef STUBDOM_PROTO_XS_H
#define STUBDOM_PROTO_XS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct xsp;
struct xsp_watch;

/* xenstore's wire limits (xen/io/xs_wire.h), restated so that the checks
 * do not depend on the Xen headers being installed. */
#define XSP_PAYLOAD_MAX 4096 /* one message: path + NUL + value */
#define XSP_ABS_PATH_MAX 3072
#define XSP_REL_PATH_MAX 2048 /* below /local/domain/<domid>/ */
/* xenstored's default quota on one node of an unprivileged domain (its
 * value, permissions and children's names together): a stub domain cannot
 * write a value near this size. Dom0 is not bound by it. */
#define XSP_ENTRY_QUOTA 2048

/* A transaction id; XSP_TXN_NONE means "outside any transaction". */
typedef uint32_t xsp_txn;
#define XSP_TXN_NONE 0u

/* Access bits, as xenstored's: the first entry of a permission list names
 * the owner (full access) and the access of every domain not listed;
 * the following entries give one domain's access each. Dom0 bypasses all. */
enum {
	XSP_PERM_NONE = 0,
	XSP_PERM_READ = 1,
	XSP_PERM_WRITE = 2,
	XSP_PERM_RW = 3,
};
#define XSP_PERMS_MAX 32 /* entries we accept per node */

struct xsp_perm {
	unsigned int domid;
	unsigned int perms; /* XSP_PERM_* */
};

/* A watch callback: `path` is the node that changed (or the watched path
 * itself, for the event that every registration fires once). An event
 * carries no value: read the node again, and trust nothing. */
typedef void xsp_watch_fn(struct xsp *xs, const char *path, void *arg);

/* --- Requests (one bounded round trip each) --- */

/* Reads a node's value into a malloc'd, NUL-terminated buffer (*val_r, to
 * free()); *len_r (may be NULL) gets its length without the NUL. */
int xsp_read(struct xsp *xs, xsp_txn t, const char *path, char **val_r,
	     size_t *len_r);
/* Writes a value, creating the node and missing parents. Checks the
 * limits first (xsp_check_write) and writes nothing if they are exceeded. */
int xsp_write(struct xsp *xs, xsp_txn t, const char *path, const char *val,
	      size_t len);
int xsp_write_str(struct xsp *xs, xsp_txn t, const char *path, const char *val);
int xsp_mkdir(struct xsp *xs, xsp_txn t, const char *path);
/* Removes a node and everything below it. */
int xsp_rm(struct xsp *xs, xsp_txn t, const char *path);
/* Lists a node's children: *names_r is a malloc'd array of *n_r pointers
 * into the same allocation: one free(*names_r) releases it all. */
int xsp_directory(struct xsp *xs, xsp_txn t, const char *path, char ***names_r,
		  unsigned int *n_r);
/* *perms_r is malloc'd (free()); at most XSP_PERMS_MAX entries. */
int xsp_get_perms(struct xsp *xs, xsp_txn t, const char *path,
		  struct xsp_perm **perms_r, unsigned int *n_r);
int xsp_set_perms(struct xsp *xs, xsp_txn t, const char *path,
		  const struct xsp_perm *perms, unsigned int n);
/* Tells xenstored that `stub` acts for `target` (dom0 only): the stub then
 * gets, in addition to its own, every access `target` has. */
int xsp_set_target(struct xsp *xs, unsigned int stub, unsigned int target);

/* --- Transactions --- */

int xsp_txn_start(struct xsp *xs, xsp_txn *t_r);
/* Commits (abort == false) or abandons the transaction. -EAGAIN: another
 * change conflicted and nothing was applied; run the body again. */
int xsp_txn_end(struct xsp *xs, xsp_txn t, bool abort);

/* Runs body in a transaction and commits it, re-running it on -EAGAIN at
 * most max_tries times in all (no sleep between tries). A non-zero return
 * from body aborts the transaction and is returned. -EAGAIN if every try
 * conflicted. The body may run more than once: it must only do xenstore
 * requests through `t` and keep no other side effects. */
typedef int xsp_txn_body_fn(struct xsp *xs, xsp_txn t, void *arg);
#define XSP_TXN_TRIES_DEFAULT 16
int xsp_txn_run(struct xsp *xs, xsp_txn_body_fn *body, void *arg,
		unsigned int max_tries);

/* --- Watches (events delivered through the event_base) --- */

/* Registers a watch on `path` (the node, everything below it, and a first
 * event for the registration itself). `path` may also be one of xenstored's
 * special events, XSP_WATCH_INTRODUCE or XSP_WATCH_RELEASE (a domain came
 * or went; dom0 only). *w_r (may be NULL) identifies it for
 * xsp_unwatch. Events still queued for a watch that was removed are
 * dropped, so after xsp_unwatch its callback is never called again. */
int xsp_watch(struct xsp *xs, const char *path, xsp_watch_fn *cb, void *arg,
	      struct xsp_watch **w_r);
void xsp_unwatch(struct xsp *xs, struct xsp_watch *w);

#define XSP_WATCH_INTRODUCE "@introduceDomain"
#define XSP_WATCH_RELEASE "@releaseDomain"

/* --- Limits --- */

/* Checks a path against xenstore's syntax (absolute, [A-Za-z0-9/_@-],
 * no "//", no trailing "/") and length limits: at most XSP_ABS_PATH_MAX
 * in all, and XSP_REL_PATH_MAX below /local/domain/<domid>/ or, for a
 * path outside every domain's home, in all (xenstored's limit for
 * unprivileged domains, applied to everyone). 0, -EINVAL or -E2BIG. */
int xsp_check_path(const char *path);
/* As xsp_check_path, and the write request path + NUL + value must fit
 * in one message (XSP_PAYLOAD_MAX). */
int xsp_check_write(const char *path, size_t len);
/* The largest value that a write to `path` can carry. */
size_t xsp_value_max(const char *path);

/* --- Connections --- */

struct event_base *xsp_event_base(const struct xsp *xs);
/* Closes the connection and removes its watches. */
void xsp_close(struct xsp *xs);

/* The real backend: a connection to the local xenstored (or the xenbus
 * device in a domU) via libxenstore. NULL on failure, with *err_r set to
 * a negative errno. The handle's fd joins `base`; watch events are read
 * without blocking. */
struct xsp *xsp_real_open(struct event_base *base, int *err_r);

/* --- For backends only --- */

/* A backend implements these; `be` is its private state. Each returns 0
 * or a negative errno (see the top of this file). `watch`/`unwatch` take
 * the token that xsp_watch made up; the backend later calls
 * xsp_deliver(xs, path, token) from the event loop for each event. */
struct xsp_backend_ops {
	int (*read)(void *be, xsp_txn t, const char *path, char **val_r,
		    size_t *len_r);
	int (*write)(void *be, xsp_txn t, const char *path, const char *val,
		     size_t len);
	int (*mkdir)(void *be, xsp_txn t, const char *path);
	int (*rm)(void *be, xsp_txn t, const char *path);
	int (*directory)(void *be, xsp_txn t, const char *path, char ***names_r,
			 unsigned int *n_r);
	int (*get_perms)(void *be, xsp_txn t, const char *path,
			 struct xsp_perm **perms_r, unsigned int *n_r);
	int (*set_perms)(void *be, xsp_txn t, const char *path,
			 const struct xsp_perm *perms, unsigned int n);
	int (*set_target)(void *be, unsigned int stub, unsigned int target);
	int (*txn_start)(void *be, xsp_txn *t_r);
	int (*txn_end)(void *be, xsp_txn t, bool abort);
	int (*watch)(void *be, const char *path, const char *token);
	int (*unwatch)(void *be, const char *path, const char *token);
	void (*close)(void *be);
};

struct xsp *xsp_new(struct event_base *base, const struct xsp_backend_ops *ops,
		    void *be);
/* Returns -1 if the callback closed the connection: the backend's state
 * is then freed and it must return at once without touching it. */
int xsp_deliver(struct xsp *xs, const char *path, const char *token);

#endif
