/* The domain registry's index (see domindex.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmsup/domindex.h"

#define DOMINDEX_MIN_BUCKETS 16
#define DOMINDEX_MAX_BUCKETS ((size_t)1 << 28)

/* FNV-1a, 64 bits. */
static size_t domindex_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

static struct domindex_node **domindex_name_slot(const struct domindex *ix,
						 size_t hash)
{
	return &ix->by_name[hash & (ix->n_buckets - 1)];
}

/* Domids are small and dense: they are their own hash. */
static struct domindex_node **domindex_domid_slot(const struct domindex *ix,
						  int domid)
{
	return &ix->by_domid[(size_t)domid & (ix->n_buckets - 1)];
}

static void domindex_push_name(struct domindex *ix, struct domindex_node *node)
{
	struct domindex_node **slot = domindex_name_slot(ix, node->hash);

	node->name_next = *slot;
	*slot = node;
}

static void domindex_push_domid(struct domindex *ix, struct domindex_node *node)
{
	struct domindex_node **slot;

	if (node->domid <= 0)
		return;
	slot = domindex_domid_slot(ix, node->domid);
	node->domid_next = *slot;
	*slot = node;
}

static void domindex_unlink_name(struct domindex *ix,
				 struct domindex_node *node)
{
	struct domindex_node **pp = domindex_name_slot(ix, node->hash);

	while (*pp && *pp != node)
		pp = &(*pp)->name_next;
	if (*pp)
		*pp = node->name_next;
	node->name_next = NULL;
}

static void domindex_unlink_domid(struct domindex *ix,
				  struct domindex_node *node)
{
	if (node->domid <= 0)
		return;
	struct domindex_node **pp = domindex_domid_slot(ix, node->domid);
	while (*pp && *pp != node)
		pp = &(*pp)->domid_next;
	if (*pp)
		*pp = node->domid_next;
	node->domid_next = NULL;
}

/* Moves every node into @n_buckets buckets. 0, or -1 (left as it was). */
static int domindex_resize(struct domindex *ix, size_t n_buckets)
{
	struct domindex old = *ix;
	struct domindex_node *node, *next;

	ix->by_name = calloc(n_buckets, sizeof(*ix->by_name));
	ix->by_domid = calloc(n_buckets, sizeof(*ix->by_domid));
	if (!ix->by_name || !ix->by_domid) {
		free(ix->by_name);
		free(ix->by_domid);
		*ix = old;
		return -1;
	}
	ix->n_buckets = n_buckets;
	/* Every node is in the name table: relinking from it is enough. */
	for (size_t b = 0; b < old.n_buckets; b++)
		for (node = old.by_name[b]; node; node = next) {
			next = node->name_next;
			domindex_push_name(ix, node);
			domindex_push_domid(ix, node);
		}
	free(old.by_name);
	free(old.by_domid);
	return 0;
}

int domindex_add(struct domindex *ix, struct domindex_node *node,
		 const char *name, int domid)
{
	/* Growing keeps chains short; failing to only makes them longer. */
	if (ix->n >= ix->n_buckets && ix->n_buckets < DOMINDEX_MAX_BUCKETS &&
	    domindex_resize(ix, ix->n_buckets ? 2 * ix->n_buckets
					      : DOMINDEX_MIN_BUCKETS) &&
	    !ix->n_buckets)
		return -1;
	node->name = name;
	node->hash = domindex_hash(name);
	node->domid = domid;
	node->seq = ++ix->seq;
	domindex_push_name(ix, node);
	domindex_push_domid(ix, node);
	ix->n++;
	return 0;
}

void domindex_remove(struct domindex *ix, struct domindex_node *node)
{
	if (!node->name)
		return;
	domindex_unlink_name(ix, node);
	domindex_unlink_domid(ix, node);
	node->name = NULL;
	node->domid = 0;
	if (!--ix->n)
		domindex_dispose(ix);
}

void domindex_rename(struct domindex *ix, struct domindex_node *node,
		     const char *name)
{
	if (!node->name)
		return;
	domindex_unlink_name(ix, node);
	node->name = name;
	node->hash = domindex_hash(name);
	domindex_push_name(ix, node);
}

void domindex_set_domid(struct domindex *ix, struct domindex_node *node,
			int domid)
{
	if (!node->name || node->domid == domid)
		return;
	domindex_unlink_domid(ix, node);
	node->domid = domid;
	domindex_push_domid(ix, node);
}

struct domindex_node *domindex_find_name(const struct domindex *ix,
					 const char *name)
{
	struct domindex_node *best = NULL;
	size_t hash;

	if (!ix->n)
		return NULL;
	hash = domindex_hash(name);
	for (struct domindex_node *n = *domindex_name_slot(ix, hash); n;
	     n = n->name_next)
		if (n->hash == hash && !strcmp(n->name, name) &&
		    (!best || n->seq > best->seq))
			best = n;
	return best;
}

struct domindex_node *domindex_find_domid(const struct domindex *ix, int domid,
					  domindex_active_fn *active)
{
	struct domindex_node *run = NULL, *idle = NULL;

	if (domid <= 0 || !ix->n)
		return NULL;
	for (struct domindex_node *n = *domindex_domid_slot(ix, domid); n;
	     n = n->domid_next) {
		if (n->domid != domid)
			continue;
		if (active(n)) {
			if (!run || n->seq > run->seq)
				run = n;
		} else if (!idle || n->seq > idle->seq) {
			idle = n;
		}
	}
	return run ? run : idle;
}

void domindex_dispose(struct domindex *ix)
{
	free(ix->by_name);
	free(ix->by_domid);
	ix->by_name = ix->by_domid = NULL;
	ix->n_buckets = ix->n = 0;
}
