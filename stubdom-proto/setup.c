/*
 * setup.c - writes the xenstore layout a stub domain reads at start
 * (see setup.h and docs/stubdom-protocols.md).
 *
 * Everything is checked before the transaction starts, so a value that
 * does not fit is a clear error and nothing at all is written.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stubdom-proto/setup.h"
#include "stubdom-proto/xs.h"

/* Any uuid in practice is 36 characters; this keeps every path built
 * here well inside STUBDOM_PATH_MAX. */
#define SETUP_UUID_MAX 128

struct setup_ctx {
	const struct stubdom_setup *s;
	char vm[STUBDOM_PATH_MAX];   /* /vm/<uuid>/image */
	char dm[STUBDOM_PATH_MAX];   /* the device-model directory */
	char path[STUBDOM_PATH_MAX]; /* scratch; names the failing node */
	char *dmargs;		     /* MiniOS: the joined command line */
	char *err;
	size_t errsz;
};

static int setup_fail(struct setup_ctx *x, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int setup_fail(struct setup_ctx *x, int rc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!x->err || !x->errsz)
		return rc;
	n = snprintf(x->err, x->errsz,
		     "dom %u: stub-domain setup: ", x->s->domid);
	if (n < 0 || (size_t)n >= x->errsz)
		return rc;
	va_start(ap, fmt);
	vsnprintf(x->err + n, x->errsz - (size_t)n, fmt, ap);
	va_end(ap);
	return rc;
}

static int setup_path(struct setup_ctx *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Formats x->path; -E2BIG if it would not fit. */
static int setup_path(struct setup_ctx *x, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(x->path, sizeof(x->path), fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= sizeof(x->path) ? -E2BIG : 0;
}

int stubdom_setup_dm_path(enum stubdom_kind kind, unsigned int domid,
			  unsigned int stub_domid, char *buf, size_t size)
{
	/* qemu-traditional looks under dom0's tree even inside MiniOS. */
	unsigned int home = kind == STUBDOM_MINIOS ? 0 : stub_domid;
	int n = snprintf(buf, size, "/local/domain/%u/device-model/%u", home,
			 domid);

	return n < 0 || (size_t)n >= size ? -E2BIG : 0;
}

/* Checks one node to be written, naming it in the error. */
static int setup_check_node(struct setup_ctx *x, size_t len)
{
	int rc = xsp_check_write(x->path, len);

	if (rc == -E2BIG && xsp_check_path(x->path) == 0)
		return setup_fail(x, rc,
				  "%s: value of %zu bytes exceeds xenstore's "
				  "limit of %zu bytes for this node",
				  x->path, len, xsp_value_max(x->path));
	if (rc)
		return setup_fail(x, rc, "%s: not a valid xenstore path",
				  x->path);
	return 0;
}

/* MiniOS splits dmargs on spaces: an argument that is empty or holds a
 * space cannot be carried, and must not be silently split. */
static int setup_join_dmargs(struct setup_ctx *x)
{
	const struct stubdom_setup *s = x->s;
	size_t i, len = 0;
	char *p;

	for (i = 0; i < s->argc; i++) {
		if (!s->argv[i] || !*s->argv[i] || strchr(s->argv[i], ' '))
			return setup_fail(x, -EINVAL,
					  "argument %zu (\"%s\") cannot be "
					  "carried in space-separated dmargs",
					  i + 1, s->argv[i] ? s->argv[i] : "");
		len += strlen(s->argv[i]) + 1;
	}
	x->dmargs = p = malloc(len + 1);
	if (!p)
		return setup_fail(x, -ENOMEM, "out of memory");
	*p = '\0';
	for (i = 0; i < s->argc; i++) {
		if (i)
			*p++ = ' ';
		p = stpcpy(p, s->argv[i]);
	}
	return 0;
}

static int setup_check(struct setup_ctx *x)
{
	const struct stubdom_setup *s = x->s;
	size_t i;
	int rc;

	if (!s->uuid || !*s->uuid || strlen(s->uuid) > SETUP_UUID_MAX ||
	    strchr(s->uuid, '/') ||
	    snprintf(x->vm, sizeof(x->vm), "/vm/%s/image", s->uuid) >=
		(int)sizeof(x->vm) ||
	    xsp_check_path(x->vm))
		return setup_fail(x, -EINVAL, "invalid uuid \"%s\"",
				  s->uuid ? s->uuid : "");
	stubdom_setup_dm_path(s->kind, s->domid, s->stub_domid, x->dm,
			      sizeof(x->dm));
	if (s->kind == STUBDOM_MINIOS) {
		rc = setup_join_dmargs(x);
		if (!rc)
			rc = setup_path(x, "%s/dmargs", x->vm);
		if (!rc)
			rc = setup_check_node(x, strlen(x->dmargs));
		if (rc)
			return rc;
	} else {
		if (s->argc > STUBDOM_ARGC_MAX)
			return setup_fail(x, -E2BIG,
					  "%zu arguments, dm-argv takes at "
					  "most %d",
					  s->argc, STUBDOM_ARGC_MAX);
		for (i = 0; i < s->argc; i++) {
			if (!s->argv[i])
				return setup_fail(
				    x, -EINVAL, "argument %zu is NULL", i + 1);
			setup_path(x, "%s/dm-argv/%03zu", x->vm, i + 1);
			rc = setup_check_node(x, strlen(s->argv[i]));
			if (rc)
				return rc;
		}
	}
	if (s->bios) {
		setup_path(x, "/local/domain/%u/hvmloader/bios", s->domid);
		rc = setup_check_node(x, strlen(s->bios));
		if (rc)
			return rc;
	}
	return 0;
}

/* Writes one node and gives it its permissions. */
static int setup_node(struct xsp *xs, xsp_txn t, struct setup_ctx *x,
		      const char *val, const struct xsp_perm *perms,
		      unsigned int n)
{
	int rc = val ? xsp_write_str(xs, t, x->path, val)
		     : xsp_mkdir(xs, t, x->path);

	if (!rc)
		rc = xsp_set_perms(xs, t, x->path, perms, n);
	if (rc && rc != -EAGAIN)
		setup_fail(x, rc, "%s: %s", x->path, strerror(-rc));
	return rc;
}

/* Removes x->path; a node that was never there is fine. */
static int setup_rm(struct xsp *xs, xsp_txn t, struct setup_ctx *x)
{
	int rc = xsp_rm(xs, t, x->path);

	if (rc == -ENOENT)
		return 0;
	if (rc)
		setup_fail(x, rc, "%s: %s", x->path, strerror(-rc));
	return rc;
}

static int setup_argv(struct xsp *xs, xsp_txn t, struct setup_ctx *x,
		      const struct xsp_perm *ro, unsigned int n)
{
	const struct stubdom_setup *s = x->s;
	int rc = 0;
	size_t i;

	if (s->kind == STUBDOM_MINIOS) {
		setup_path(x, "%s/dmargs", x->vm);
		return setup_node(xs, t, x, x->dmargs, ro, n);
	}
	/* Stale keys from a longer argv would be read as arguments. */
	setup_path(x, "%s/dm-argv", x->vm);
	rc = setup_rm(xs, t, x);
	if (!rc)
		rc = setup_node(xs, t, x, NULL, ro, n);
	for (i = 0; !rc && i < s->argc; i++) {
		setup_path(x, "%s/dm-argv/%03zu", x->vm, i + 1);
		rc = setup_node(xs, t, x, s->argv[i], ro, n);
	}
	return rc;
}

static int setup_dm_dir(struct xsp *xs, xsp_txn t, struct setup_ctx *x,
			const struct xsp_perm *ro, const struct xsp_perm *rw)
{
	static const char *const ro_nodes[] = {"command", "parameter"};
	unsigned int i;
	int rc;

	/* A fresh directory: nothing stale (a "running" state from an
	 * earlier device model) may answer for this one. */
	snprintf(x->path, sizeof(x->path), "%s", x->dm);
	rc = setup_rm(xs, t, x);
	if (!rc)
		rc = setup_node(xs, t, x, NULL, ro, 2);
	for (i = 0; !rc && i < 2; i++) {
		setup_path(x, "%s/%s", x->dm, ro_nodes[i]);
		rc = setup_node(xs, t, x, "", ro, 2);
	}
	if (!rc) {
		setup_path(x, "%s/state", x->dm);
		rc = setup_node(xs, t, x, "", rw, 2);
	}
	/* The Linux stub's vchan server publishes its ring under here. */
	if (!rc && x->s->kind == STUBDOM_LINUX) {
		setup_path(x, "%s/qmp-vchan", x->dm);
		rc = setup_node(xs, t, x, NULL, rw, 2);
	}
	return rc;
}

static int setup_body(struct xsp *xs, xsp_txn t, void *arg)
{
	struct setup_ctx *x = arg;
	const struct stubdom_setup *s = x->s;
	const struct xsp_perm ro[] = {{0, XSP_PERM_NONE},
				      {s->stub_domid, XSP_PERM_READ}};
	const struct xsp_perm rw[] = {{0, XSP_PERM_NONE},
				      {s->stub_domid, XSP_PERM_RW}};
	const struct xsp_perm bios[] = {{0, XSP_PERM_NONE},
					{s->domid, XSP_PERM_READ},
					{s->stub_domid, XSP_PERM_READ}};
	char val[16];
	int rc;

	rc = setup_argv(xs, t, x, ro, 2);
	if (rc)
		return rc;
	setup_path(x, "/local/domain/%u/target", s->stub_domid);
	snprintf(val, sizeof(val), "%u", s->domid);
	rc = setup_node(xs, t, x, val, ro, 2);
	if (rc)
		return rc;
	if (s->bios) {
		setup_path(x, "/local/domain/%u/hvmloader/bios", s->domid);
		rc = setup_node(xs, t, x, s->bios, bios, 3);
		if (rc)
			return rc;
	}
	return setup_dm_dir(xs, t, x, ro, rw);
}

int stubdom_setup_write(struct xsp *xs, const struct stubdom_setup *s,
			char *err, size_t errsz)
{
	struct setup_ctx x = {.s = s, .err = err, .errsz = errsz};
	int rc;

	if (err && errsz)
		err[0] = '\0';
	if (s->domid == 0 || s->stub_domid == 0 || s->domid == s->stub_domid)
		return setup_fail(&x, -EINVAL, "bad domids (guest %u, stub %u)",
				  s->domid, s->stub_domid);
	rc = setup_check(&x);
	if (!rc) {
		rc = xsp_txn_run(xs, setup_body, &x, XSP_TXN_TRIES_DEFAULT);
		if (rc == -EAGAIN)
			setup_fail(&x, rc,
				   "transaction conflicted %d times in a row",
				   XSP_TXN_TRIES_DEFAULT);
	}
	free(x.dmargs);
	return rc;
}
