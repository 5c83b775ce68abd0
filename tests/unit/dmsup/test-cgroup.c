/*
 * The device model's cgroup, its pure part (dmsup/cgroup.c): the name
 * (a hash of the runtime dir, so two dmsups never share one), and the
 * base "auto" finds in mountinfo and /proc/self/cgroup texts.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "dmsup/cgroup.h"
#include "tests/unit/dmsup/run.h"

/* A hybrid host (this build machine's kind) and a unified one. */
static const char hybrid[] =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    "30 22 0:26 / /sys/fs/cgroup ro shared:9 - tmpfs tmpfs ro,mode=755\n"
    "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
    "41 30 0:38 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n";
static const char unified[] =
    "25 1 0:23 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 "
    "rw,nsdelegate\n";
/* Inside a container: the mount's root is a cgroup below the host's. */
static const char nested[] = "25 1 0:23 /lxc/c1 /sys/fs/cgroup rw - cgroup2 "
			     "cgroup2 rw\n";

START_TEST(the_name_is_the_run_dirs_hash_and_the_domain)
{
	char p[DMCG_PATH_MAX];

	/* FNV-1a's published values. */
	ck_assert_uint_eq(dmcg_hash(""), 0x811c9dc5u);
	ck_assert_uint_eq(dmcg_hash("a"), 0xe40c292cu);
	ck_assert_uint_eq(dmcg_hash("foobar"), 0xbf9cf968u);
	ck_assert_int_eq(
	    dmcg_path("/sys/fs/cgroup", "/run/dmsup", "vm1", p, sizeof(p)), 0);
	char want[128];
	snprintf(want, sizeof(want), "/sys/fs/cgroup/dmsup-%08x-vm1",
		 dmcg_hash("/run/dmsup"));
	ck_assert_str_eq(p, want);
	/* Another dmsup (another runtime dir), the same name: another one. */
	char q[DMCG_PATH_MAX];
	dmcg_path("/sys/fs/cgroup", "/tmp/t/run", "vm1", q, sizeof(q));
	ck_assert_str_ne(p, q);
	ck_assert_int_eq(
	    dmcg_path("/sys/fs/cgroup", "/run/dmsup", "vm1", p, 20), -1);
}
END_TEST

START_TEST(auto_is_dmsups_own_cgroup_on_the_cgroup2_mount)
{
	char b[DMCG_PATH_MAX], why[256];

	ck_assert_int_eq(dmcg_base_parse(hybrid, "1:cpu:/\n0::/\n", b,
					 sizeof(b), why, sizeof(why)),
			 0);
	ck_assert_str_eq(b, "/sys/fs/cgroup/unified");
	ck_assert_int_eq(dmcg_base_parse(unified,
					 "0::/system.slice/dmsup.service\n", b,
					 sizeof(b), why, sizeof(why)),
			 0);
	ck_assert_str_eq(b, "/sys/fs/cgroup/system.slice/dmsup.service");
	ck_assert_int_eq(dmcg_base_parse(nested, "0::/lxc/c1/dm\n", b,
					 sizeof(b), why, sizeof(why)),
			 0);
	ck_assert_str_eq(b, "/sys/fs/cgroup/dm");
	/* In a leaf named supervisor (DelegateSubgroup=supervisor): its
	 * parent, which then holds no process of dmsup's. */
	ck_assert_int_eq(
	    dmcg_base_parse(unified,
			    "0::/system.slice/dmsup.service/supervisor\n", b,
			    sizeof(b), why, sizeof(why)),
	    0);
	ck_assert_str_eq(b, "/sys/fs/cgroup/system.slice/dmsup.service");
	/* Only that name, and never above the mount. */
	dmcg_base_parse(unified, "0::/a/supervisors\n", b, sizeof(b), why,
			sizeof(why));
	ck_assert_str_eq(b, "/sys/fs/cgroup/a/supervisors");
	dmcg_base_parse(nested, "0::/lxc/c1/supervisor\n", b, sizeof(b), why,
			sizeof(why));
	ck_assert_str_eq(b, "/sys/fs/cgroup");
}
END_TEST

START_TEST(auto_says_what_the_host_lacks)
{
	char b[DMCG_PATH_MAX], why[256];
	static const char v1[] =
	    "41 30 0:38 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n";

	ck_assert_int_eq(
	    dmcg_base_parse(v1, "0::/\n", b, sizeof(b), why, sizeof(why)), -1);
	ck_assert_str_eq(why, "the host has no cgroup2 mount");
	ck_assert_int_eq(dmcg_base_parse(unified, "1:cpu:/\n", b, sizeof(b),
					 why, sizeof(why)),
			 -1);
	ck_assert_str_eq(why,
			 "dmsup's /proc/self/cgroup has no cgroup2 (0::) line");
	ck_assert_int_eq(dmcg_base_parse(nested, "0::/other\n", b, sizeof(b),
					 why, sizeof(why)),
			 -1);
	ck_assert(strstr(why, "not under the cgroup2 mount"));
	/* A prefix that is not a component does not count. */
	ck_assert_int_eq(dmcg_base_parse(nested, "0::/lxc/c10\n", b, sizeof(b),
					 why, sizeof(why)),
			 -1);
}
END_TEST

START_TEST(a_path_is_found_on_its_mount)
{
	static const char spaced[] =
	    "25 1 0:23 / /mnt/cg\\040two rw - cgroup2 cgroup2 rw\n";

	ck_assert_uint_eq(dmcg_mount_of(hybrid, "/sys/fs/cgroup/unified/x"),
			  strlen("/sys/fs/cgroup/unified"));
	ck_assert_uint_eq(dmcg_mount_of(hybrid, "/sys/fs/cgroup/pids/x"), 0);
	ck_assert_uint_eq(dmcg_mount_of(hybrid, "/sys/fs/cgroup/unifiedx"), 0);
	ck_assert_uint_eq(dmcg_mount_of(spaced, "/mnt/cg two/d"),
			  strlen("/mnt/cg two"));
}
END_TEST

START_TEST(the_configured_path_is_checked)
{
	ck_assert(dmcg_config_ok("auto"));
	ck_assert(dmcg_config_ok("off"));
	ck_assert(dmcg_config_ok("/sys/fs/cgroup/dm.slice"));
	ck_assert(!dmcg_config_ok("/"));
	ck_assert(!dmcg_config_ok("relative"));
	ck_assert(!dmcg_config_ok("/a/../b"));
	ck_assert(!dmcg_config_ok("/a/./b"));
	ck_assert(!dmcg_config_ok("/a//b"));
	ck_assert(!dmcg_config_ok("/a/b/"));
	ck_assert(!dmcg_config_ok("/a/.."));
	ck_assert(!dmcg_config_ok("/a\tb"));
	ck_assert(dmcg_config_ok("/a/..b"));
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    the_name_is_the_run_dirs_hash_and_the_domain,
	    auto_is_dmsups_own_cgroup_on_the_cgroup2_mount,
	    auto_says_what_the_host_lacks,
	    a_path_is_found_on_its_mount,
	    the_configured_path_is_checked,
	};

	return run_suite("dmsup-cgroup", NULL, NULL, tests,
			 sizeof(tests) / sizeof(*tests));
}
