/*
 * test-xs.c - the xenstore interface (stubdom-proto/xs.h) over the
 * in-memory xenstore, which is itself specified here: the handshake tests
 * are only as good as the fake's likeness to xenstored.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/event.h>

#include "stubdom-proto/xs.h"
#include "tests/unit/proto/helpers.h"
#include "tests/unit/proto/xs-mem.h"

static struct fx f;

static void setup(void)
{
	fx_open(&f);
}

static void teardown(void)
{
	fx_close(&f);
}

static void put(struct xsp *xs, const char *path, const char *val)
{
	ck_assert_int_eq(xsp_write_str(xs, XSP_TXN_NONE, path, val), 0);
}

static void perms(struct xsp *xs, const char *path, unsigned int owner,
		  unsigned int dflt, unsigned int dom, unsigned int acc)
{
	struct xsp_perm p[] = {{owner, dflt}, {dom, acc}};

	ck_assert_int_eq(xsp_set_perms(xs, XSP_TXN_NONE, path, p, 2), 0);
}

/* --- watches --- */

START_TEST(watch_fires_once_on_registration)
{
	struct rec r = {0};

	ck_assert_int_eq(xsp_watch(f.dom0, "/a/b", rec_cb, &r, NULL), 0);
	ck_assert_uint_eq(r.n, 0); /* never from inside xsp_watch */
	fx_settle(&f);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq(r.paths[0], "/a/b");
}
END_TEST

START_TEST(watch_fires_on_node_and_children_not_siblings)
{
	struct rec r = {0};

	ck_assert_int_eq(xsp_watch(f.dom0, "/a/b", rec_cb, &r, NULL), 0);
	fx_settle(&f);
	r.n = 0;
	put(f.dom0, "/a/b", "1");
	put(f.dom0, "/a/b/c/d", "2");
	put(f.dom0, "/a/bc", "3");
	put(f.dom0, "/a", "4");
	fx_settle(&f);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_str_eq(r.paths[0], "/a/b");
	ck_assert_str_eq(r.paths[1], "/a/b/c/d");
}
END_TEST

START_TEST(removing_a_parent_fires_watches_below_it)
{
	struct rec r = {0};

	put(f.dom0, "/a/b/c", "1");
	ck_assert_int_eq(xsp_watch(f.dom0, "/a/b/c", rec_cb, &r, NULL), 0);
	fx_settle(&f);
	r.n = 0;
	ck_assert_int_eq(xsp_rm(f.dom0, XSP_TXN_NONE, "/a"), 0);
	fx_settle(&f);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq(r.paths[0], "/a/b/c");
	ck_assert_str_eq(fx_read(f.dom0, "/a/b/c"), "<errno 2>");
}
END_TEST

START_TEST(no_callback_after_unwatch_even_for_queued_events)
{
	struct rec r = {0};
	struct xsp_watch *w;

	ck_assert_int_eq(xsp_watch(f.dom0, "/a", rec_cb, &r, &w), 0);
	put(f.dom0, "/a", "1");
	xsp_unwatch(f.dom0, w);
	put(f.dom0, "/a", "2");
	fx_settle(&f);
	ck_assert_uint_eq(r.n, 0);
}
END_TEST

START_TEST(watcher_without_read_access_gets_no_change_events)
{
	struct rec r = {0};

	put(f.dom0, "/secret", "x");
	ck_assert_int_eq(xsp_watch(f.guest, "/secret", rec_cb, &r, NULL), 0);
	fx_settle(&f);
	r.n = 0;
	put(f.dom0, "/secret", "y");
	fx_settle(&f);
	ck_assert_uint_eq(r.n, 0);
}
END_TEST

START_TEST(release_domain_watch_fires_on_registration_and_release)
{
	struct rec r = {0}, g = {0};

	ck_assert_int_eq(xsp_watch(f.dom0, XSP_WATCH_RELEASE, rec_cb, &r, NULL),
			 0);
	ck_assert_int_eq(
	    xsp_watch(f.guest, XSP_WATCH_RELEASE, rec_cb, &g, NULL), 0);
	ck_assert_int_eq(xsp_watch(f.dom0, "@other", rec_cb, &r, NULL),
			 -EINVAL);
	fx_settle(&f);
	ck_assert_uint_eq(r.n, 1);
	xsp_mem_special(f.st, XSP_WATCH_RELEASE);
	fx_settle(&f);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_str_eq(r.paths[1], XSP_WATCH_RELEASE);
	ck_assert_uint_eq(g.n, 1); /* its registration only */
}
END_TEST

/* --- permissions --- */

START_TEST(dom0_only_node_refuses_other_domains)
{
	char *v;

	put(f.dom0, "/d/n", "v");
	perms(f.dom0, "/d/n", 0, XSP_PERM_NONE, T_STUB, XSP_PERM_READ);
	ck_assert_int_eq(xsp_read(f.guest, 0, "/d/n", &v, NULL), -EACCES);
	ck_assert_int_eq(xsp_write_str(f.guest, 0, "/d/n", "g"), -EACCES);
	ck_assert_int_eq(xsp_write_str(f.stub, 0, "/d/n", "s"), -EACCES);
	ck_assert_int_eq(xsp_rm(f.stub, 0, "/d/n"), -EACCES);
	ck_assert_str_eq(fx_read(f.stub, "/d/n"), "v");
	ck_assert_str_eq(fx_read(f.dom0, "/d/n"), "v");
}
END_TEST

START_TEST(write_permission_lets_a_domain_write_but_not_create_siblings)
{
	put(f.dom0, "/d/n", "v");
	perms(f.dom0, "/d", 0, XSP_PERM_NONE, T_STUB, XSP_PERM_READ);
	perms(f.dom0, "/d/n", 0, XSP_PERM_NONE, T_STUB, XSP_PERM_RW);
	ck_assert_int_eq(xsp_write_str(f.stub, 0, "/d/n", "s"), 0);
	ck_assert_str_eq(fx_read(f.dom0, "/d/n"), "s");
	ck_assert_int_eq(xsp_write_str(f.stub, 0, "/d/m", "s"), -EACCES);
}
END_TEST

START_TEST(only_the_owner_changes_permissions_and_not_the_owner)
{
	struct xsp_perm give[] = {{T_GUEST, XSP_PERM_NONE}};
	struct xsp_perm keep[] = {{T_STUB, XSP_PERM_READ}};
	struct xsp_perm *p;
	unsigned int n;

	put(f.dom0, "/d/n", "v");
	perms(f.dom0, "/d/n", T_STUB, XSP_PERM_NONE, T_GUEST, XSP_PERM_RW);
	ck_assert_int_eq(xsp_set_perms(f.guest, 0, "/d/n", keep, 1), -EACCES);
	ck_assert_int_eq(xsp_set_perms(f.stub, 0, "/d/n", give, 1), -EPERM);
	ck_assert_int_eq(xsp_set_perms(f.stub, 0, "/d/n", keep, 1), 0);
	ck_assert_int_eq(xsp_get_perms(f.dom0, 0, "/d/n", &p, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(p[0].domid, T_STUB);
	ck_assert_uint_eq(p[0].perms, XSP_PERM_READ);
	free(p);
}
END_TEST

START_TEST(an_unprivileged_domain_owns_the_nodes_it_creates)
{
	struct xsp_perm *p;
	unsigned int n;

	put(f.dom0, "/home", "");
	perms(f.dom0, "/home", 0, XSP_PERM_NONE, T_STUB, XSP_PERM_RW);
	put(f.stub, "/home/mine", "x");
	ck_assert_int_eq(xsp_get_perms(f.dom0, 0, "/home/mine", &p, &n), 0);
	ck_assert_uint_eq(p[0].domid, T_STUB);
	free(p);
}
END_TEST

START_TEST(a_stub_domain_gets_its_targets_access)
{
	put(f.dom0, "/g/n", "v");
	perms(f.dom0, "/g/n", 0, XSP_PERM_NONE, T_GUEST, XSP_PERM_RW);
	ck_assert_int_eq(xsp_write_str(f.stub, 0, "/g/n", "s"), -EACCES);
	ck_assert_int_eq(xsp_set_target(f.stub, T_STUB, T_GUEST), -EACCES);
	ck_assert_int_eq(xsp_set_target(f.dom0, T_STUB, T_GUEST), 0);
	ck_assert_int_eq(xsp_write_str(f.stub, 0, "/g/n", "s"), 0);
	ck_assert_int_eq(xsp_write_str(f.other, 0, "/g/n", "o"), -EACCES);
}
END_TEST

START_TEST(missing_node_is_enoent_to_readers_and_eacces_to_others)
{
	char *v;

	put(f.dom0, "/d", "");
	perms(f.dom0, "/d", 0, XSP_PERM_NONE, T_STUB, XSP_PERM_READ);
	ck_assert_int_eq(xsp_read(f.stub, 0, "/d/none", &v, NULL), -ENOENT);
	ck_assert_int_eq(xsp_read(f.guest, 0, "/d/none", &v, NULL), -EACCES);
}
END_TEST

/* --- transactions --- */

START_TEST(conflicting_transaction_fails_with_eagain_and_applies_nothing)
{
	xsp_txn t;

	put(f.dom0, "/t/a", "0");
	ck_assert_int_eq(xsp_txn_start(f.dom0, &t), 0);
	ck_assert_str_eq(fx_read(f.dom0, "/t/a"), "0");
	ck_assert_int_eq(xsp_write_str(f.dom0, t, "/t/a", "txn"), 0);
	ck_assert_int_eq(xsp_write_str(f.dom0, t, "/t/b", "txn"), 0);
	put(f.dom0, "/t/a", "other");
	ck_assert_int_eq(xsp_txn_end(f.dom0, t, false), -EAGAIN);
	ck_assert_str_eq(fx_read(f.dom0, "/t/a"), "other");
	ck_assert_str_eq(fx_read(f.dom0, "/t/b"), "<errno 2>");
}
END_TEST

START_TEST(transaction_is_invisible_until_commit_and_fires_watches_then)
{
	struct rec r = {0};
	char *v;
	xsp_txn t;

	put(f.dom0, "/t", "");
	ck_assert_int_eq(xsp_watch(f.dom0, "/t", rec_cb, &r, NULL), 0);
	fx_settle(&f);
	r.n = 0;
	ck_assert_int_eq(xsp_txn_start(f.dom0, &t), 0);
	ck_assert_int_eq(xsp_write_str(f.dom0, t, "/t/a", "1"), 0);
	ck_assert_int_eq(xsp_read(f.dom0, t, "/t/a", &v, NULL), 0);
	ck_assert_str_eq(v, "1");
	free(v);
	ck_assert_str_eq(fx_read(f.dom0, "/t/a"), "<errno 2>");
	fx_settle(&f);
	ck_assert_uint_eq(r.n, 0);
	ck_assert_int_eq(xsp_txn_end(f.dom0, t, false), 0);
	ck_assert_str_eq(fx_read(f.dom0, "/t/a"), "1");
	fx_settle(&f);
	ck_assert(rec_has(&r, "/t/a"));
}
END_TEST

START_TEST(transaction_recreating_what_it_removed_commits_when_alone)
{
	xsp_txn t;

	put(f.dom0, "/t/dir/old", "1");
	ck_assert_int_eq(xsp_txn_start(f.dom0, &t), 0);
	ck_assert_int_eq(xsp_rm(f.dom0, t, "/t/dir"), 0);
	ck_assert_int_eq(xsp_write_str(f.dom0, t, "/t/dir/old", "2"), 0);
	ck_assert_int_eq(xsp_txn_end(f.dom0, t, false), 0);
	ck_assert_str_eq(fx_read(f.dom0, "/t/dir/old"), "2");
}
END_TEST

struct conflict_body {
	struct xsp *other;
	unsigned int runs;
	unsigned int conflicts; /* runs that get a concurrent write */
};

static int conflict_body(struct xsp *xs, xsp_txn t, void *arg)
{
	struct conflict_body *b = arg;
	char *v;
	int rc = xsp_read(xs, t, "/t/n", &v, NULL);

	if (rc)
		return rc;
	free(v);
	if (b->runs++ < b->conflicts)
		put(b->other, "/t/n", "interloper");
	return xsp_write_str(xs, t, "/t/n", "mine");
}

START_TEST(txn_run_retries_a_conflict_and_then_commits)
{
	struct conflict_body b = {f.stub, 0, 2};

	put(f.dom0, "/t/n", "0");
	perms(f.dom0, "/t/n", 0, XSP_PERM_NONE, T_STUB, XSP_PERM_RW);
	ck_assert_int_eq(xsp_txn_run(f.dom0, conflict_body, &b, 16), 0);
	ck_assert_uint_eq(b.runs, 3);
	ck_assert_str_eq(fx_read(f.dom0, "/t/n"), "mine");
}
END_TEST

START_TEST(txn_run_gives_up_after_the_bounded_number_of_tries)
{
	struct conflict_body b = {f.stub, 0, 1000};

	put(f.dom0, "/t/n", "0");
	perms(f.dom0, "/t/n", 0, XSP_PERM_NONE, T_STUB, XSP_PERM_RW);
	ck_assert_int_eq(xsp_txn_run(f.dom0, conflict_body, &b, 5), -EAGAIN);
	ck_assert_uint_eq(b.runs, 5);
	ck_assert_str_eq(fx_read(f.dom0, "/t/n"), "interloper");
}
END_TEST

/* --- limits --- */

START_TEST(value_filling_the_message_is_written_one_more_byte_is_refused)
{
	const char *path = "/lim/v";
	size_t max = XSP_PAYLOAD_MAX - strlen(path) - 1;
	char *big = malloc(max + 2), *v;
	size_t len;

	memset(big, 'x', max + 1);
	big[max + 1] = '\0';
	ck_assert_uint_eq(xsp_value_max(path), max);
	ck_assert_int_eq(xsp_write(f.dom0, 0, path, big, max + 1), -E2BIG);
	ck_assert_str_eq(fx_read(f.dom0, path), "<errno 2>");
	ck_assert_int_eq(xsp_write(f.dom0, 0, path, big, max), 0);
	ck_assert_int_eq(xsp_read(f.dom0, 0, path, &v, &len), 0);
	ck_assert_uint_eq(len, max);
	free(v);
	free(big);
}
END_TEST

START_TEST(an_unprivileged_domain_is_held_to_the_entry_quota)
{
	static char big[XSP_ENTRY_QUOTA];

	memset(big, 'x', sizeof(big) - 1);
	put(f.dom0, "/q", "");
	perms(f.dom0, "/q", 0, XSP_PERM_NONE, T_STUB, XSP_PERM_RW);
	ck_assert_int_eq(xsp_write_str(f.stub, 0, "/q", big), -E2BIG);
	ck_assert_int_eq(xsp_write_str(f.dom0, 0, "/q", big), 0);
}
END_TEST

START_TEST(paths_beyond_xenstores_limits_are_refused)
{
	char path[XSP_ABS_PATH_MAX + 64];
	size_t n;

	/* Relative to a domain's home: 2048 characters at most. */
	n = (size_t)snprintf(path, sizeof(path), "/local/domain/7/");
	memset(path + n, 'a', XSP_REL_PATH_MAX + 1);
	path[n + XSP_REL_PATH_MAX + 1] = '\0';
	ck_assert_int_eq(xsp_write_str(f.dom0, 0, path, "v"), -E2BIG);
	path[n + XSP_REL_PATH_MAX] = '\0';
	ck_assert_int_eq(xsp_check_path(path), 0);
	/* Outside a domain's home, the whole path counts. */
	path[0] = '/';
	memset(path + 1, 'b', XSP_REL_PATH_MAX);
	path[XSP_REL_PATH_MAX + 1] = '\0';
	ck_assert_int_eq(xsp_check_path(path), -E2BIG);
	path[XSP_REL_PATH_MAX] = '\0';
	ck_assert_int_eq(xsp_check_path(path), 0);
}
END_TEST

START_TEST(malformed_paths_are_refused)
{
	ck_assert_int_eq(xsp_write_str(f.dom0, 0, "relative", "v"), -EINVAL);
	ck_assert_int_eq(xsp_write_str(f.dom0, 0, "/a//b", "v"), -EINVAL);
	ck_assert_int_eq(xsp_write_str(f.dom0, 0, "/a/", "v"), -EINVAL);
	ck_assert_int_eq(xsp_write_str(f.dom0, 0, "/a b", "v"), -EINVAL);
	ck_assert_int_eq(xsp_write_str(f.dom0, 0, "/a-b_c@d/9", "v"), 0);
}
END_TEST

START_TEST(directory_lists_children_in_one_allocation)
{
	char **names;
	unsigned int n;

	put(f.dom0, "/dir/x", "");
	put(f.dom0, "/dir/y/z", "");
	ck_assert_int_eq(xsp_directory(f.dom0, 0, "/dir", &names, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(names[0], "x");
	ck_assert_str_eq(names[1], "y");
	free(names);
}
END_TEST

static void close_in_cb(struct xsp *xs, const char *path, void *arg)
{
	(*(unsigned int *)arg)++;
	xsp_close(xs);
}

START_TEST(closing_the_connection_from_a_watch_callback_is_safe)
{
	unsigned int calls = 0;
	struct xsp *c = xsp_mem_open(f.st, f.base, 0);

	ck_assert_int_eq(xsp_watch(c, "/w", close_in_cb, &calls, NULL), 0);
	ck_assert_int_eq(xsp_watch(c, "/w", close_in_cb, &calls, NULL), 0);
	put(f.dom0, "/w", "1");
	fx_settle(&f);
	ck_assert_uint_eq(calls, 1);
}
END_TEST

static Suite *xs_suite(void)
{
	Suite *s = suite_create("xs");
	TCase *tc = tcase_create("in-memory xenstore");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, watch_fires_once_on_registration);
	tcase_add_test(tc, watch_fires_on_node_and_children_not_siblings);
	tcase_add_test(tc, removing_a_parent_fires_watches_below_it);
	tcase_add_test(tc, no_callback_after_unwatch_even_for_queued_events);
	tcase_add_test(tc, watcher_without_read_access_gets_no_change_events);
	tcase_add_test(tc,
		       release_domain_watch_fires_on_registration_and_release);
	tcase_add_test(tc, dom0_only_node_refuses_other_domains);
	tcase_add_test(
	    tc, write_permission_lets_a_domain_write_but_not_create_siblings);
	tcase_add_test(tc,
		       only_the_owner_changes_permissions_and_not_the_owner);
	tcase_add_test(tc, an_unprivileged_domain_owns_the_nodes_it_creates);
	tcase_add_test(tc, a_stub_domain_gets_its_targets_access);
	tcase_add_test(tc,
		       missing_node_is_enoent_to_readers_and_eacces_to_others);
	tcase_add_test(
	    tc, conflicting_transaction_fails_with_eagain_and_applies_nothing);
	tcase_add_test(
	    tc, transaction_is_invisible_until_commit_and_fires_watches_then);
	tcase_add_test(
	    tc, transaction_recreating_what_it_removed_commits_when_alone);
	tcase_add_test(tc, txn_run_retries_a_conflict_and_then_commits);
	tcase_add_test(tc, txn_run_gives_up_after_the_bounded_number_of_tries);
	tcase_add_test(
	    tc, value_filling_the_message_is_written_one_more_byte_is_refused);
	tcase_add_test(tc, an_unprivileged_domain_is_held_to_the_entry_quota);
	tcase_add_test(tc, paths_beyond_xenstores_limits_are_refused);
	tcase_add_test(tc, malformed_paths_are_refused);
	tcase_add_test(tc, directory_lists_children_in_one_allocation);
	tcase_add_test(tc,
		       closing_the_connection_from_a_watch_callback_is_safe);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fx_run(xs_suite());
}
