/*
 * xs-mem.c - an in-memory xenstore for unit tests ONLY (see xs-mem.h).
 *
 * A transaction works on a private copy of the tree and logs its changes;
 * at commit, every node it touched (and the parent of every node it wrote)
 * must still carry the generation it saw, or the commit fails with EAGAIN
 * and nothing is applied; otherwise the logged changes are replayed on the
 * shared tree, firing watches as they go.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/event.h>

#include "stubdom-proto/xs.h"
#include "tests/unit/proto/xs-mem.h"

#define MEM_TXN_MAX 10	     /* xenstored's default per-connection quota */
#define MEM_BATCH 64	     /* events delivered per loop wakeup */
#define MEM_NODE_OVERHEAD 16 /* a node's header against the entry quota */

struct mem_node {
	char *name;
	char *val;
	size_t len;
	struct xsp_perm perms[XSP_PERMS_MAX];
	unsigned int nperms;
	uint64_t gen;
	struct mem_node *parent, *kids, *next;
};

struct mem_event {
	TAILQ_ENTRY(mem_event) link;
	char *path;
	char *token;
};

struct mem_wreg {
	LIST_ENTRY(mem_wreg) link;
	char *path;
	char *token;
};

enum mem_op_kind { MEM_OP_WRITE, MEM_OP_MKDIR, MEM_OP_RM, MEM_OP_PERMS };

struct mem_op {
	STAILQ_ENTRY(mem_op) link;
	enum mem_op_kind kind;
	char *path;
	char *val;
	size_t len;
	struct xsp_perm perms[XSP_PERMS_MAX];
	unsigned int nperms;
};

struct mem_seen {
	LIST_ENTRY(mem_seen) link;
	char *path;
	uint64_t gen; /* 0: absent */
};

struct mem_txn {
	LIST_ENTRY(mem_txn) link;
	xsp_txn id;
	struct mem_node *root; /* the transaction's view, changes and all */
	struct mem_node *orig; /* the tree as it was at the start */
	STAILQ_HEAD(, mem_op) ops;
	LIST_HEAD(, mem_seen) seen;
};

struct mem_conn {
	LIST_ENTRY(mem_conn) link;
	struct xsp_mem_store *st;
	struct xsp *xs;
	unsigned int domid;
	struct event *ev;
	TAILQ_HEAD(, mem_event) queue;
	LIST_HEAD(, mem_wreg) watches;
	LIST_HEAD(, mem_txn) txns;
	unsigned int ntxns;
};

struct mem_target {
	unsigned int stub, target;
};

struct xsp_mem_store {
	struct mem_node *root;
	uint64_t gen;
	xsp_txn next_txn;
	LIST_HEAD(, mem_conn) conns;
	struct mem_target targets[64];
	unsigned int ntargets;
};

/* --- nodes --- */

static struct mem_node *mem_node_new(const char *name, struct mem_node *parent)
{
	struct mem_node *n = calloc(1, sizeof(*n));

	if (!n || !(n->name = strdup(name)) || !(n->val = strdup(""))) {
		if (n)
			free(n->name);
		free(n);
		return NULL;
	}
	n->parent = parent;
	if (parent) {
		struct mem_node **pp = &parent->kids;

		while (*pp)
			pp = &(*pp)->next;
		*pp = n;
		memcpy(n->perms, parent->perms, sizeof(n->perms));
		n->nperms = parent->nperms;
	} else {
		n->nperms = 1; /* the root: dom0's, nobody else's */
	}
	return n;
}

static void mem_node_free(struct mem_node *n)
{
	struct mem_node *k, *next;

	if (!n)
		return;
	for (k = n->kids; k; k = next) {
		next = k->next;
		mem_node_free(k);
	}
	free(n->name);
	free(n->val);
	free(n);
}

static struct mem_node *mem_node_copy(const struct mem_node *n,
				      struct mem_node *parent)
{
	struct mem_node *c = calloc(1, sizeof(*c)), **pp;
	const struct mem_node *k;

	if (!c)
		abort(); /* a unit-test fake: out of memory ends the test */
	*c = *n;
	c->parent = parent;
	c->kids = c->next = NULL;
	c->name = strdup(n->name);
	c->val = malloc(n->len + 1);
	if (!c->name || !c->val)
		abort();
	memcpy(c->val, n->val, n->len + 1);
	pp = &c->kids;
	for (k = n->kids; k; k = k->next) {
		*pp = mem_node_copy(k, c);
		pp = &(*pp)->next;
	}
	return c;
}

/* Walks `path` from `root`; with `deepest_r`, also returns the deepest
 * node that exists on the way (for permission checks on creation). */
static struct mem_node *mem_lookup(struct mem_node *root, const char *path,
				   struct mem_node **deepest_r)
{
	struct mem_node *n = root, *k = NULL;
	const char *p = path + 1, *end;
	size_t len;

	while (*p) {
		end = strchrnul(p, '/');
		len = (size_t)(end - p);
		for (k = n->kids; k; k = k->next)
			if (strlen(k->name) == len && !memcmp(k->name, p, len))
				break;
		if (!k)
			break;
		n = k;
		p = *end ? end + 1 : end;
	}
	if (deepest_r)
		*deepest_r = n;
	return *p ? NULL : n;
}

static void mem_path_of(const struct mem_node *n, char *buf, size_t size)
{
	if (!n->parent) {
		strcpy(buf, "/");
		return;
	}
	mem_path_of(n->parent, buf, size);
	if (strcmp(buf, "/"))
		strncat(buf, "/", size - strlen(buf) - 1);
	strncat(buf, n->name, size - strlen(buf) - 1);
}

/* --- permissions --- */

static unsigned int mem_target_of(const struct xsp_mem_store *st,
				  unsigned int domid)
{
	unsigned int i;

	for (i = 0; i < st->ntargets; i++)
		if (st->targets[i].stub == domid)
			return st->targets[i].target;
	return UINT32_MAX;
}

static bool mem_is(const struct mem_conn *c, unsigned int domid)
{
	return domid == c->domid || domid == mem_target_of(c->st, c->domid);
}

static bool mem_owner(const struct mem_conn *c, const struct mem_node *n)
{
	return c->domid == 0 || mem_is(c, n->perms[0].domid);
}

static unsigned int mem_access(const struct mem_conn *c,
			       const struct xsp_perm *perms, unsigned int n)
{
	unsigned int i;

	if (c->domid == 0 || mem_is(c, perms[0].domid))
		return XSP_PERM_RW;
	for (i = 1; i < n; i++)
		if (mem_is(c, perms[i].domid))
			return perms[i].perms;
	return perms[0].perms;
}

static bool mem_may(const struct mem_conn *c, const struct mem_node *n,
		    unsigned int want)
{
	return (mem_access(c, n->perms, n->nperms) & want) == want;
}

/* A missing node is EACCES, not ENOENT, to whoever cannot read its
 * deepest existing ancestor: no peeking at other domains' trees. */
static int mem_find(const struct mem_conn *c, struct mem_node *root,
		    const char *path, unsigned int want, struct mem_node **n_r)
{
	struct mem_node *deepest, *n = mem_lookup(root, path, &deepest);

	if (!n)
		return mem_may(c, deepest, XSP_PERM_READ) ? -ENOENT : -EACCES;
	if (!mem_may(c, n, want))
		return -EACCES;
	*n_r = n;
	return 0;
}

/* --- watches --- */

static void mem_queue(struct mem_conn *c, const char *path, const char *token)
{
	struct mem_event *e = calloc(1, sizeof(*e));

	if (!e || !(e->path = strdup(path)) || !(e->token = strdup(token)))
		abort();
	TAILQ_INSERT_TAIL(&c->queue, e, link);
	event_active(c->ev, 0, 0);
}

/* Is `a` the same node as `b` or one of its ancestors? */
static bool mem_under(const char *a, const char *b)
{
	size_t la = strlen(a);

	if (!strcmp(a, "/"))
		return true;
	return !strncmp(a, b, la) && (b[la] == '\0' || b[la] == '/');
}

/* Fires the watches for a change of `path` (perms: the node's, before a
 * removal); `removed` also fires the watches below it. */
static void mem_fire(struct xsp_mem_store *st, const char *path,
		     const struct xsp_perm *perms, unsigned int nperms,
		     bool removed)
{
	struct mem_conn *c;
	struct mem_wreg *w;

	LIST_FOREACH(c, &st->conns, link)
	{
		if (!(mem_access(c, perms, nperms) & XSP_PERM_READ))
			continue;
		LIST_FOREACH(w, &c->watches, link)
		{
			if (mem_under(w->path, path))
				mem_queue(c, path, w->token);
			else if (removed && mem_under(path, w->path))
				mem_queue(c, w->path, w->token);
		}
	}
}

static void mem_deliver_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mem_conn *c = arg;
	struct mem_event *e;
	int i, rc;

	for (i = 0; i < MEM_BATCH && (e = TAILQ_FIRST(&c->queue)); i++) {
		TAILQ_REMOVE(&c->queue, e, link);
		rc = xsp_deliver(c->xs, e->path, e->token);
		free(e->path);
		free(e->token);
		free(e);
		if (rc)
			return; /* the connection is gone */
	}
	if (!TAILQ_EMPTY(&c->queue))
		event_active(c->ev, 0, 0);
}

void xsp_mem_special(struct xsp_mem_store *st, const char *event)
{
	struct mem_conn *c;
	struct mem_wreg *w;

	LIST_FOREACH(c, &st->conns, link)
	{
		if (c->domid != 0)
			continue;
		LIST_FOREACH(w, &c->watches, link)
		if (!strcmp(w->path, event))
			mem_queue(c, event, w->token);
	}
}

/* --- the operations, on a tree: the shared one (fire) or a copy --- */

static void mem_touch(struct xsp_mem_store *st, struct mem_node *n)
{
	n->gen = ++st->gen;
}

static int mem_do_write(struct mem_conn *c, struct mem_node *root,
			const char *path, const char *val, size_t len,
			bool keep, bool fire)
{
	struct mem_node *deepest, *n = mem_lookup(root, path, &deepest);
	char buf[XSP_ABS_PATH_MAX + 2];
	const char *p;
	size_t plen;

	if (n && !mem_may(c, n, XSP_PERM_WRITE))
		return -EACCES;
	if (!n && !mem_may(c, deepest, XSP_PERM_WRITE))
		return -EACCES;
	if (n && keep)
		return 0; /* mkdir of an existing node */
	while (!n) {
		/* Create the next missing component below `deepest`; the
		 * event for `path` covers the watchers of the new parents. */
		mem_path_of(deepest, buf, sizeof(buf));
		p = path + (strcmp(buf, "/") ? strlen(buf) : 0) + 1;
		plen = (size_t)(strchrnul(p, '/') - p);
		memcpy(buf, p, plen);
		buf[plen] = '\0';
		deepest = mem_node_new(buf, deepest);
		if (!deepest)
			return -ENOMEM;
		/* Unprivileged domains own what they create. */
		if (c->domid != 0)
			deepest->perms[0].domid = c->domid;
		mem_touch(c->st, deepest);
		mem_touch(c->st, deepest->parent);
		n = mem_lookup(root, path, &deepest);
	}
	if (!keep) {
		char *v = malloc(len + 1);

		if (!v)
			return -ENOMEM;
		memcpy(v, val, len);
		v[len] = '\0';
		free(n->val);
		n->val = v;
		n->len = len;
	}
	mem_touch(c->st, n);
	if (fire)
		mem_fire(c->st, path, n->perms, n->nperms, false);
	return 0;
}

static int mem_do_rm(struct mem_conn *c, struct mem_node *root,
		     const char *path, bool fire)
{
	struct mem_node *deepest, *n = mem_lookup(root, path, &deepest);
	struct mem_node **pp;
	struct xsp_perm perms[XSP_PERMS_MAX];
	unsigned int nperms;

	if (!strcmp(path, "/"))
		return -EINVAL;
	if (!n) {
		/* Already gone is fine if the parent exists (as xenstored). */
		char buf[XSP_ABS_PATH_MAX + 2];
		size_t plen = (size_t)(strrchr(path, '/') - path);

		memcpy(buf, path, plen);
		strcpy(buf + plen, plen ? "" : "/");
		return mem_lookup(root, buf, NULL) ? 0 : -ENOENT;
	}
	if (!mem_may(c, n, XSP_PERM_WRITE))
		return -EACCES;
	for (pp = &n->parent->kids; *pp != n; pp = &(*pp)->next)
		;
	*pp = n->next;
	mem_touch(c->st, n->parent);
	memcpy(perms, n->perms, sizeof(perms));
	nperms = n->nperms;
	mem_node_free(n);
	if (fire)
		mem_fire(c->st, path, perms, nperms, true);
	return 0;
}

static int mem_do_set_perms(struct mem_conn *c, struct mem_node *root,
			    const char *path, const struct xsp_perm *perms,
			    unsigned int nperms, bool fire)
{
	struct mem_node *n;
	int rc = mem_find(c, root, path, XSP_PERM_WRITE, &n);

	if (rc)
		return rc;
	if (!mem_owner(c, n))
		return -EACCES;
	if (c->domid != 0 && perms[0].domid != n->perms[0].domid)
		return -EPERM; /* only dom0 gives a node away */
	memcpy(n->perms, perms, nperms * sizeof(*perms));
	n->nperms = nperms;
	mem_touch(c->st, n);
	if (fire)
		mem_fire(c->st, path, n->perms, n->nperms, false);
	return 0;
}

/* --- transactions --- */

static struct mem_txn *mem_txn_find(struct mem_conn *c, xsp_txn t)
{
	struct mem_txn *x;

	LIST_FOREACH(x, &c->txns, link)
	if (x->id == t)
		return x;
	return NULL;
}

static void mem_seen1(struct mem_txn *x, const char *path)
{
	struct mem_seen *s;
	struct mem_node *n;

	LIST_FOREACH(s, &x->seen, link)
	if (!strcmp(s->path, path))
		return;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(path)))
		abort();
	n = mem_lookup(x->orig, path, NULL);
	s->gen = n ? n->gen : 0;
	LIST_INSERT_HEAD(&x->seen, s, link);
}

/* Records what a transaction saw of a node and of its parent. */
static void mem_seen(struct mem_txn *x, const char *path)
{
	char buf[XSP_ABS_PATH_MAX + 2];
	const char *slash = strrchr(path, '/');

	mem_seen1(x, path);
	if (slash && slash != path) {
		memcpy(buf, path, (size_t)(slash - path));
		buf[slash - path] = '\0';
		mem_seen1(x, buf);
	}
}

static int mem_log(struct mem_txn *x, enum mem_op_kind kind, const char *path,
		   const char *val, size_t len, const struct xsp_perm *perms,
		   unsigned int nperms)
{
	struct mem_op *op = calloc(1, sizeof(*op));

	if (!op || !(op->path = strdup(path)))
		abort();
	op->kind = kind;
	if (val) {
		op->val = malloc(len + 1);
		if (!op->val)
			abort();
		memcpy(op->val, val, len);
		op->len = len;
	}
	if (perms)
		memcpy(op->perms, perms, nperms * sizeof(*perms));
	op->nperms = nperms;
	STAILQ_INSERT_TAIL(&x->ops, op, link);
	return 0;
}

static void mem_txn_free(struct mem_conn *c, struct mem_txn *x)
{
	struct mem_op *op;
	struct mem_seen *s;

	LIST_REMOVE(x, link);
	c->ntxns--;
	while ((op = STAILQ_FIRST(&x->ops))) {
		STAILQ_REMOVE_HEAD(&x->ops, link);
		free(op->path);
		free(op->val);
		free(op);
	}
	while ((s = LIST_FIRST(&x->seen))) {
		LIST_REMOVE(s, link);
		free(s->path);
		free(s);
	}
	mem_node_free(x->root);
	mem_node_free(x->orig);
	free(x);
}

static int mem_txn_start(void *be, xsp_txn *t_r)
{
	struct mem_conn *c = be;
	struct mem_txn *x;

	if (c->ntxns >= MEM_TXN_MAX)
		return -ENOSPC;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->id = ++c->st->next_txn ? c->st->next_txn : ++c->st->next_txn;
	x->root = mem_node_copy(c->st->root, NULL);
	x->orig = mem_node_copy(c->st->root, NULL);
	STAILQ_INIT(&x->ops);
	LIST_INIT(&x->seen);
	LIST_INSERT_HEAD(&c->txns, x, link);
	c->ntxns++;
	*t_r = x->id;
	return 0;
}

static int mem_replay(struct mem_conn *c, const struct mem_op *op)
{
	struct mem_node *root = c->st->root;

	switch (op->kind) {
	case MEM_OP_WRITE:
		return mem_do_write(c, root, op->path, op->val, op->len, false,
				    true);
	case MEM_OP_MKDIR:
		return mem_do_write(c, root, op->path, "", 0, true, true);
	case MEM_OP_RM:
		return mem_do_rm(c, root, op->path, true);
	case MEM_OP_PERMS:
		return mem_do_set_perms(c, root, op->path, op->perms,
					op->nperms, true);
	}
	return -EINVAL;
}

static int mem_txn_end(void *be, xsp_txn t, bool abort)
{
	struct mem_conn *c = be;
	struct mem_txn *x = mem_txn_find(c, t);
	struct mem_seen *s;
	struct mem_node *n;
	struct mem_op *op;
	int rc = 0;

	if (!x)
		return -ENOENT;
	if (abort)
		goto out;
	LIST_FOREACH(s, &x->seen, link)
	{
		n = mem_lookup(c->st->root, s->path, NULL);
		if ((n ? n->gen : 0) != s->gen) {
			rc = -EAGAIN;
			goto out;
		}
	}
	STAILQ_FOREACH(op, &x->ops, link)
	{
		rc = mem_replay(c, op);
		if (rc)
			break; /* cannot happen: the same checks passed above */
	}
out:
	mem_txn_free(c, x);
	return rc;
}

/* Resolves `t` to the tree to work on; records the access and, for a
 * change, logs it for the commit. */
static int mem_tree(struct mem_conn *c, xsp_txn t, const char *path,
		    struct mem_node **root_r, struct mem_txn **x_r)
{
	struct mem_txn *x = NULL;

	if (t != XSP_TXN_NONE) {
		x = mem_txn_find(c, t);
		if (!x)
			return -ENOENT;
		mem_seen(x, path);
	}
	*root_r = x ? x->root : c->st->root;
	*x_r = x;
	return 0;
}

/* --- the backend ops --- */

/* The node at `path`, if the connection may read it. */
static int mem_readable(struct mem_conn *c, xsp_txn t, const char *path,
			struct mem_node **n_r)
{
	struct mem_node *root;
	struct mem_txn *x;
	int rc = mem_tree(c, t, path, &root, &x);

	return rc ? rc : mem_find(c, root, path, XSP_PERM_READ, n_r);
}

static int mem_read(void *be, xsp_txn t, const char *path, char **val_r,
		    size_t *len_r)
{
	struct mem_node *n;
	int rc = mem_readable(be, t, path, &n);

	if (rc)
		return rc;
	*val_r = malloc(n->len + 1);
	if (!*val_r)
		return -ENOMEM;
	memcpy(*val_r, n->val, n->len + 1);
	*len_r = n->len;
	return 0;
}

static int mem_write(void *be, xsp_txn t, const char *path, const char *val,
		     size_t len)
{
	struct mem_conn *c = be;
	struct mem_node *root;
	struct mem_txn *x;
	int rc;

	/* xenstored's own limits, checked again behind the library's; the
	 * entry quota roughly: the value plus a node header. */
	if (strlen(path) + 1 + len > XSP_PAYLOAD_MAX)
		return -E2BIG;
	if (c->domid != 0 && len + MEM_NODE_OVERHEAD >= XSP_ENTRY_QUOTA)
		return -E2BIG;
	rc = mem_tree(c, t, path, &root, &x);
	if (!rc)
		rc = mem_do_write(c, root, path, val, len, false, !x);
	if (!rc && x)
		mem_log(x, MEM_OP_WRITE, path, val, len, NULL, 0);
	return rc;
}

static int mem_mkdir(void *be, xsp_txn t, const char *path)
{
	struct mem_conn *c = be;
	struct mem_node *root;
	struct mem_txn *x;
	int rc = mem_tree(c, t, path, &root, &x);

	if (!rc)
		rc = mem_do_write(c, root, path, "", 0, true, !x);
	if (!rc && x)
		mem_log(x, MEM_OP_MKDIR, path, NULL, 0, NULL, 0);
	return rc;
}

static int mem_rm(void *be, xsp_txn t, const char *path)
{
	struct mem_conn *c = be;
	struct mem_node *root;
	struct mem_txn *x;
	int rc = mem_tree(c, t, path, &root, &x);

	if (!rc)
		rc = mem_do_rm(c, root, path, !x);
	if (!rc && x)
		mem_log(x, MEM_OP_RM, path, NULL, 0, NULL, 0);
	return rc;
}

static int mem_directory(void *be, xsp_txn t, const char *path, char ***names_r,
			 unsigned int *n_r)
{
	struct mem_node *n, *k;
	unsigned int count = 0, i = 0;
	size_t size = 0;
	char **names, *p;
	int rc = mem_readable(be, t, path, &n);

	if (rc)
		return rc;
	for (k = n->kids; k; k = k->next, count++)
		size += strlen(k->name) + 1;
	/* One allocation: the pointers, then the strings. */
	names = malloc((count + 1) * sizeof(char *) + size);
	if (!names)
		return -ENOMEM;
	p = (char *)(names + count + 1);
	for (k = n->kids; k; k = k->next) {
		names[i++] = strcpy(p, k->name);
		p += strlen(k->name) + 1;
	}
	names[count] = NULL;
	*names_r = names;
	*n_r = count;
	return 0;
}

static int mem_get_perms(void *be, xsp_txn t, const char *path,
			 struct xsp_perm **perms_r, unsigned int *n_r)
{
	struct mem_node *n;
	int rc = mem_readable(be, t, path, &n);

	if (rc)
		return rc;
	*perms_r = malloc(n->nperms * sizeof(**perms_r));
	if (!*perms_r)
		return -ENOMEM;
	memcpy(*perms_r, n->perms, n->nperms * sizeof(**perms_r));
	*n_r = n->nperms;
	return 0;
}

static int mem_set_perms(void *be, xsp_txn t, const char *path,
			 const struct xsp_perm *perms, unsigned int nperms)
{
	struct mem_conn *c = be;
	struct mem_node *root;
	struct mem_txn *x;
	int rc = mem_tree(c, t, path, &root, &x);

	if (!rc)
		rc = mem_do_set_perms(c, root, path, perms, nperms, !x);
	if (!rc && x)
		mem_log(x, MEM_OP_PERMS, path, NULL, 0, perms, nperms);
	return rc;
}

static int mem_set_target(void *be, unsigned int stub, unsigned int target)
{
	struct mem_conn *c = be;
	struct xsp_mem_store *st = c->st;
	unsigned int i;

	if (c->domid != 0)
		return -EACCES;
	for (i = 0; i < st->ntargets; i++)
		if (st->targets[i].stub == stub)
			break;
	if (i == sizeof(st->targets) / sizeof(st->targets[0]))
		return -ENOSPC;
	st->targets[i].stub = stub;
	st->targets[i].target = target;
	if (i == st->ntargets)
		st->ntargets++;
	return 0;
}

static int mem_watch(void *be, const char *path, const char *token)
{
	struct mem_conn *c = be;
	struct mem_wreg *w = calloc(1, sizeof(*w));

	if (!w || !(w->path = strdup(path)) || !(w->token = strdup(token)))
		abort();
	LIST_INSERT_HEAD(&c->watches, w, link);
	mem_queue(c, path, token); /* every registration fires once */
	return 0;
}

static int mem_unwatch(void *be, const char *path, const char *token)
{
	struct mem_conn *c = be;
	struct mem_wreg *w;

	LIST_FOREACH(w, &c->watches, link)
	{
		if (!strcmp(w->path, path) && !strcmp(w->token, token)) {
			LIST_REMOVE(w, link);
			free(w->path);
			free(w->token);
			free(w);
			return 0;
		}
	}
	return -ENOENT;
}

static void mem_close(void *be)
{
	struct mem_conn *c = be;
	struct mem_event *e;
	struct mem_wreg *w;
	struct mem_txn *x;

	while ((e = TAILQ_FIRST(&c->queue))) {
		TAILQ_REMOVE(&c->queue, e, link);
		free(e->path);
		free(e->token);
		free(e);
	}
	while ((w = LIST_FIRST(&c->watches)))
		mem_unwatch(c, w->path, w->token);
	while ((x = LIST_FIRST(&c->txns)))
		mem_txn_free(c, x);
	LIST_REMOVE(c, link);
	event_free(c->ev);
	free(c);
}

static const struct xsp_backend_ops mem_ops = {
    .read = mem_read,
    .write = mem_write,
    .mkdir = mem_mkdir,
    .rm = mem_rm,
    .directory = mem_directory,
    .get_perms = mem_get_perms,
    .set_perms = mem_set_perms,
    .set_target = mem_set_target,
    .txn_start = mem_txn_start,
    .txn_end = mem_txn_end,
    .watch = mem_watch,
    .unwatch = mem_unwatch,
    .close = mem_close,
};

struct xsp_mem_store *xsp_mem_store_new(void)
{
	struct xsp_mem_store *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->root = mem_node_new("", NULL);
	if (!st->root) {
		free(st);
		return NULL;
	}
	LIST_INIT(&st->conns);
	return st;
}

void xsp_mem_store_free(struct xsp_mem_store *st)
{
	if (!st)
		return;
	mem_node_free(st->root);
	free(st);
}

struct xsp *xsp_mem_open(struct xsp_mem_store *st, struct event_base *base,
			 unsigned int domid)
{
	struct mem_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->st = st;
	c->domid = domid;
	TAILQ_INIT(&c->queue);
	LIST_INIT(&c->watches);
	LIST_INIT(&c->txns);
	c->ev = event_new(base, -1, 0, mem_deliver_cb, c);
	c->xs = c->ev ? xsp_new(base, &mem_ops, c) : NULL;
	if (!c->xs) {
		if (c->ev)
			event_free(c->ev);
		free(c);
		return NULL;
	}
	LIST_INSERT_HEAD(&st->conns, c, link);
	return c->xs;
}
