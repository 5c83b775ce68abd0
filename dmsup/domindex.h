/*
 * The domain registry's index: domains by name and by domid, so that
 * finding one costs the same with 10 or 10,000 of them (issue 13).
 *
 * Two chained hash tables over nodes embedded in their owners (struct
 * domain's ix): adding, moving and removing never allocate but to grow
 * the buckets, so only an add can fail. The index holds no string of
 * its own: a node's name is its owner's, and the owner says when that
 * pointer changes (domindex_rename).
 *
 * A name is meant to be unique and a domid is not: several definitions
 * may carry the same domid and the one running wins. Ties go to the
 * node added last, the one sup->domains lists first.
 */
#ifndef DMSUP_DOMINDEX_H
#define DMSUP_DOMINDEX_H

#include <stdbool.h>
#include <stddef.h>

struct domindex_node {
	struct domindex_node *name_next, *domid_next;
	const char *name;	/* the owner's; NULL: not indexed */
	size_t hash;		/* of name */
	int domid;		/* 0 (or less): in no domid chain */
	unsigned long long seq; /* the order of adding: the later wins */
};

/* Zeroed is empty; the buckets are freed again once it is empty. */
struct domindex {
	struct domindex_node **by_name, **by_domid;
	size_t n_buckets; /* a power of two; 0 while empty */
	size_t n;
	unsigned long long seq;
};

/* Is the owner of @node running (it wins its domid over idle ones)? */
typedef bool domindex_active_fn(const struct domindex_node *node);

/* Adds @node (zeroed or removed) under @name (not NULL, kept by the
 * owner) and @domid. 0, or -1 out of memory (@node left out). */
int domindex_add(struct domindex *ix, struct domindex_node *node,
		 const char *name, int domid);
/* Takes @node out (a node not in, or removed already, is left alone). */
void domindex_remove(struct domindex *ix, struct domindex_node *node);
/* The owner's name is @name now (another string, or another name). */
void domindex_rename(struct domindex *ix, struct domindex_node *node,
		     const char *name);
void domindex_set_domid(struct domindex *ix, struct domindex_node *node,
			int domid);

/* The node named @name, or NULL. */
struct domindex_node *domindex_find_name(const struct domindex *ix,
					 const char *name);
/* The node that @active says runs with @domid, else an idle one with
 * it, or NULL (also for a domid <= 0). */
struct domindex_node *domindex_find_domid(const struct domindex *ix, int domid,
					  domindex_active_fn *active);

/* Frees the buckets (the nodes are the owners'); leaves @ix empty. */
void domindex_dispose(struct domindex *ix);

#endif
