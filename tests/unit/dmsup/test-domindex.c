/* The domain registry's index (dmsup/domindex.c): domains by name and by
 * domid, the running one winning its domid over idle definitions. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmsup/domindex.h"
#include "tests/unit/dmsup/run.h"

#define MANY 10000

/* A stand-in for struct domain: its node first, so a node is its dom. */
struct dom {
	struct domindex_node ix;
	char name[32];
	bool active;
};

static bool dom_active(const struct domindex_node *node)
{
	return ((const struct dom *)node)->active;
}

static struct domindex ix;

static void teardown(void)
{
	domindex_dispose(&ix);
	memset(&ix, 0, sizeof(ix));
}

static void dom_add(struct dom *d, const char *name, int domid)
{
	if (name != d->name)
		snprintf(d->name, sizeof(d->name), "%s", name);
	ck_assert_int_eq(domindex_add(&ix, &d->ix, d->name, domid), 0);
}

/* vm1 with @ida and vm2, added after it, with @idb. */
static void dom_add_two(struct dom *a, int ida, struct dom *b, int idb)
{
	dom_add(a, "vm1", ida);
	dom_add(b, "vm2", idb);
}

static struct dom *find_name(const char *name)
{
	return (struct dom *)domindex_find_name(&ix, name);
}

static struct dom *find_domid(int domid)
{
	return (struct dom *)domindex_find_domid(&ix, domid, dom_active);
}

START_TEST(a_domain_is_found_by_its_name)
{
	struct dom a = {0}, b = {0};

	dom_add_two(&a, 5, &b, 6);
	ck_assert_ptr_eq(find_name("vm1"), &a);
	ck_assert_ptr_eq(find_name("vm2"), &b);
	ck_assert_ptr_null(find_name("vm3"));
	ck_assert_ptr_null(find_name("vm"));
	ck_assert_ptr_null(find_name(""));
}
END_TEST

START_TEST(a_domain_is_found_by_its_domid)
{
	struct dom a = {0}, b = {0};

	dom_add_two(&a, 5, &b, 0x7fef);
	ck_assert_ptr_eq(find_domid(5), &a);
	ck_assert_ptr_eq(find_domid(0x7fef), &b);
	ck_assert_ptr_null(find_domid(6));
}
END_TEST

START_TEST(a_definition_without_a_domid_is_not_found_by_domid_0)
{
	struct dom a = {0};

	dom_add(&a, "vm1", 0);
	ck_assert_ptr_null(find_domid(0));
	ck_assert_ptr_null(find_domid(-1));
	ck_assert_ptr_eq(find_name("vm1"), &a);
}
END_TEST

START_TEST(an_empty_index_finds_nothing)
{
	ck_assert_ptr_null(find_name("vm1"));
	ck_assert_ptr_null(find_domid(1));
}
END_TEST

START_TEST(the_running_domain_wins_its_domid_over_idle_ones)
{
	struct dom old = {0}, run = {0}, young = {0};

	dom_add(&old, "old", 7);
	dom_add(&run, "run", 7);
	dom_add(&young, "young", 7);
	/* None running: the one added last, as sup->domains lists it. */
	ck_assert_ptr_eq(find_domid(7), &young);
	run.active = true;
	ck_assert_ptr_eq(find_domid(7), &run);
	old.active = true;
	ck_assert_ptr_eq(find_domid(7), &run);
	run.active = false;
	ck_assert_ptr_eq(find_domid(7), &old);
}
END_TEST

START_TEST(a_removed_domain_is_found_no_more)
{
	struct dom a = {0}, b = {0};

	dom_add_two(&a, 5, &b, 5);
	domindex_remove(&ix, &b.ix);
	ck_assert_ptr_null(find_name("vm2"));
	ck_assert_ptr_eq(find_domid(5), &a);
	/* Twice is harmless. */
	domindex_remove(&ix, &b.ix);
	domindex_remove(&ix, &a.ix);
	ck_assert_ptr_null(find_name("vm1"));
	ck_assert_ptr_null(find_domid(5));
	ck_assert_uint_eq(ix.n, 0);
	/* Empty, the buckets are gone; it fills again. */
	ck_assert_ptr_null(ix.by_name);
	dom_add(&a, "vm1", 5);
	ck_assert_ptr_eq(find_name("vm1"), &a);
}
END_TEST

START_TEST(a_renamed_domain_is_found_by_its_new_name_only)
{
	struct dom a = {0};
	char *other = strdup("vm1");

	dom_add(&a, "vm1", 5);
	snprintf(a.name, sizeof(a.name), "vm9");
	domindex_rename(&ix, &a.ix, a.name);
	ck_assert_ptr_eq(find_name("vm9"), &a);
	ck_assert_ptr_null(find_name("vm1"));
	/* The same name in another string (a definition replaced). */
	snprintf(other, 4, "vm9");
	domindex_rename(&ix, &a.ix, other);
	memset(a.name, 0, sizeof(a.name));
	ck_assert_ptr_eq(find_name("vm9"), &a);
	ck_assert_ptr_eq(find_domid(5), &a);
	domindex_remove(&ix, &a.ix);
	free(other);
}
END_TEST

START_TEST(a_changed_domid_moves_the_domain)
{
	struct dom a = {0}, b = {0};

	dom_add_two(&a, 5, &b, 0);
	domindex_set_domid(&ix, &a.ix, 9);
	ck_assert_ptr_null(find_domid(5));
	ck_assert_ptr_eq(find_domid(9), &a);
	/* A definition bound to a domid at its start. */
	domindex_set_domid(&ix, &b.ix, 5);
	ck_assert_ptr_eq(find_domid(5), &b);
	domindex_set_domid(&ix, &a.ix, 0);
	ck_assert_ptr_null(find_domid(9));
	ck_assert_ptr_eq(find_name("vm1"), &a);
}
END_TEST

/* The added-last rule stays with the order of adding, not of moving. */
START_TEST(a_domid_change_keeps_the_order_of_adding)
{
	struct dom a = {0}, b = {0};

	dom_add_two(&a, 5, &b, 6);
	/* vm1 moves in with vm2, added after it: vm2 still wins. */
	domindex_set_domid(&ix, &a.ix, 6);
	ck_assert_ptr_eq(find_domid(6), &b);
	/* Moving out and back is no new adding. */
	domindex_set_domid(&ix, &b.ix, 5);
	domindex_set_domid(&ix, &b.ix, 6);
	ck_assert_ptr_eq(find_domid(6), &b);
}
END_TEST

START_TEST(ten_thousand_domains_are_each_found)
{
	struct dom *d = calloc(MANY, sizeof(*d));
	char name[32];

	for (int i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "dm-%d", i);
		dom_add(&d[i], name, i % 0x7fef + 1);
	}
	ck_assert_uint_eq(ix.n, MANY);
	ck_assert_uint_ge(ix.n_buckets, MANY);
	for (int i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "dm-%d", i);
		ck_assert_ptr_eq(find_name(name), &d[i]);
		ck_assert_ptr_eq(find_domid(i + 1), &d[i]);
	}
	/* Every other one gone: the rest still there. */
	for (int i = 0; i < MANY; i += 2)
		domindex_remove(&ix, &d[i].ix);
	for (int i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "dm-%d", i);
		ck_assert_ptr_eq(find_name(name), i % 2 ? &d[i] : NULL);
		ck_assert_ptr_eq(find_domid(i + 1), i % 2 ? &d[i] : NULL);
	}
	for (int i = 1; i < MANY; i += 2)
		domindex_remove(&ix, &d[i].ix);
	ck_assert_uint_eq(ix.n, 0);
	free(d);
}
END_TEST

/* Two nodes of one bucket: each found, and each found once the other
 * has gone. */
static void collide(struct domindex_node *chain, bool by_name)
{
	struct dom *a = (struct dom *)chain;
	struct dom *b =
	    (struct dom *)(by_name ? chain->name_next : chain->domid_next);
	int ida = a->ix.domid, idb = b->ix.domid;

	ck_assert_ptr_eq(find_name(a->name), a);
	ck_assert_ptr_eq(find_name(b->name), b);
	ck_assert_ptr_eq(find_domid(ida), a);
	ck_assert_ptr_eq(find_domid(idb), b);
	domindex_remove(&ix, &a->ix);
	ck_assert_ptr_null(find_name(a->name));
	ck_assert_ptr_eq(find_name(b->name), b);
	ck_assert_ptr_eq(find_domid(idb), b);
	dom_add(a, a->name, ida);
	domindex_remove(&ix, &b->ix);
	ck_assert_ptr_eq(find_name(a->name), a);
	ck_assert_ptr_eq(find_domid(ida), a);
	ck_assert_ptr_null(find_name(b->name));
	ck_assert_ptr_null(find_domid(idb));
}

START_TEST(domains_that_share_a_bucket_are_told_apart)
{
	enum { N = 64 };
	struct dom d[N];
	char name[32];
	size_t b;

	memset(d, 0, sizeof(d));
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		dom_add(&d[i], name, i + 1);
	}
	/* 64 names in 64 buckets: some share one (birthday). */
	for (b = 0; b < ix.n_buckets; b++)
		if (ix.by_name[b] && ix.by_name[b]->name_next)
			break;
	ck_assert_uint_lt(b, ix.n_buckets);
	collide(ix.by_name[b], true);
}
END_TEST

START_TEST(domids_that_share_a_bucket_are_told_apart)
{
	struct dom x = {0}, y = {0};

	dom_add(&x, "x", 1000);
	/* A bucket count apart: one bucket. */
	dom_add(&y, "y", 1000 + (int)ix.n_buckets);
	ck_assert_ptr_eq(ix.by_domid[1000 & (ix.n_buckets - 1)], &y.ix);
	collide(&y.ix, false);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    a_domain_is_found_by_its_name,
	    a_domain_is_found_by_its_domid,
	    a_definition_without_a_domid_is_not_found_by_domid_0,
	    an_empty_index_finds_nothing,
	    the_running_domain_wins_its_domid_over_idle_ones,
	    a_removed_domain_is_found_no_more,
	    a_renamed_domain_is_found_by_its_new_name_only,
	    a_changed_domid_moves_the_domain,
	    a_domid_change_keeps_the_order_of_adding,
	    ten_thousand_domains_are_each_found,
	    domains_that_share_a_bucket_are_told_apart,
	    domids_that_share_a_bucket_are_told_apart,
	};

	return run_suite("dmsup-domindex", NULL, teardown, tests,
			 sizeof(tests) / sizeof(*tests));
}
