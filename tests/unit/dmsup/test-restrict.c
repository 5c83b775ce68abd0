/*
 * The restrict policy's pure part (dmsup/restrict.c): the section's
 * parsing and checks, the uid of each mode against a made-up user
 * database, and the command line that applies it.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "dmsup/argv.h"
#include "dmsup/restrict-seen.h"
#include "dmsup/restrict.h"
#include "tests/unit/dmsup/run.h"

/* The host: libxl's range base at 60000 (group 60000) and a shared
 * user 59999. */
static int fake_users(const char *name, uid_t *uid_r, gid_t *gid_r)
{
	if (!strcmp(name, RESTRICT_RANGE_USER)) {
		*uid_r = 60000;
		*gid_r = 60000;
		return 0;
	}
	if (!strcmp(name, RESTRICT_SHARED_USER) || !strcmp(name, "qemu")) {
		*uid_r = 59999;
		*gid_r = 59998;
		return 0;
	}
	return -1;
}

static int no_users(const char *name, uid_t *uid_r, gid_t *gid_r)
{
	return -1;
}

static void parse(struct dm_config *cfg, const char *restrict_json, bool xen)
{
	char text[1024], *err = NULL;

	snprintf(text, sizeof(text),
		 "{\"name\": \"vm\", \"domid\": 5, \"xen\": %s, \"qemu\": "
		 "\"/usr/bin/qemu\"%s%s}",
		 xen ? "true" : "false",
		 *restrict_json ? ", \"restrict\": " : "", restrict_json);
	ck_assert_msg(!config_from_string(cfg, text, &err), "%s", err);
}

static char *refused(const char *restrict_json, const char *extra)
{
	char text[1024], *err = NULL;
	struct dm_config cfg;

	snprintf(
	    text, sizeof(text),
	    "{\"name\": \"vm\", \"domid\": 5, \"qemu\": \"/usr/bin/qemu\", "
	    "\"restrict\": %s%s}",
	    restrict_json, extra);
	ck_assert_int_eq(config_from_string(&cfg, text, &err), -1);
	ck_assert_ptr_nonnull(err);
	return err;
}

START_TEST(the_default_is_auto_with_its_limits)
{
	struct dm_config cfg;

	parse(&cfg, "", true);
	ck_assert_str_eq(cfg.rst.mode, "auto");
	ck_assert_int_eq(cfg.rst.nproc, 256);
	ck_assert_int_eq(cfg.rst.fsize_mib, -1);
	ck_assert_int_eq(cfg.rst.reap_timeout, 10);
	ck_assert_str_eq(cfg.rst.sandbox, RESTRICT_SANDBOX);
	ck_assert_str_eq(cfg.rst.cgroup, "auto");
	ck_assert_int_eq(cfg.rst.memory_mib, 0); /* no memory.max */
	/* Serialised back with its defaults, and read again the same. */
	struct json_object *j = config_to_json(&cfg), *r;
	ck_assert(json_object_object_get_ex(j, "restrict", &r));
	ck_assert_str_eq(
	    json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN),
	    "{\"mode\":\"auto\",\"nproc\":256,\"sandbox\":\"" RESTRICT_SANDBOX
	    "\",\"reap_timeout\":10,\"cgroup\":\"auto\"}");
	json_object_put(j);
	config_dispose(&cfg);
}
END_TEST

START_TEST(bad_sections_are_refused_naming_the_field)
{
	char *err;

	err = refused("{\"mode\": \"never\"}", "");
	ck_assert_msg(strstr(err,
			     "field 'restrict.mode': 'never' is not one "
			     "of 'auto', 'off', 'range', 'shared', 'user'"),
		      "%s", err);
	free(err);
	err = refused("{\"mode\": \"user\"}", "");
	ck_assert_msg(strstr(err, "field 'restrict.mode': 'user' needs "
				  "restrict.user or restrict.uid"),
		      "%s", err);
	free(err);
	err = refused("{\"uid\": 0}", "");
	ck_assert_msg(strstr(err, "field 'restrict.uid': expected an integer "
				  "from 1 to"),
		      "%s", err);
	free(err);
	err = refused("{\"nproc\": 1}", "");
	ck_assert_msg(strstr(err, "restrict.nproc"), "%s", err);
	free(err);
	err = refused("{\"colour\": 1}", "");
	ck_assert_msg(strstr(err, "field 'restrict.colour': unknown field"),
		      "%s", err);
	free(err);
	err = refused("{\"mode\": \"range\"}",
		      ", \"kind\": \"stubdom-linux\", \"vga\": \"none\"");
	ck_assert_msg(strstr(err, "only for kind 'dom0'"), "%s", err);
	free(err);
	err = refused("{\"mode\": \"shared\"}", ", \"origin\": \"xl\"");
	ck_assert_msg(strstr(err, "not for device models started by xl"), "%s",
		      err);
	free(err);
	err = refused("{\"mode\": \"range\"}", ", \"xen\": false");
	ck_assert_msg(strstr(err, "'range' needs xen: true"), "%s", err);
	free(err);
}
END_TEST

START_TEST(dmctl_set_changes_the_section)
{
	struct dm_config cfg;
	char *err = NULL;

	parse(&cfg, "", true);
	ck_assert_msg(!config_set(&cfg, "restrict={\"mode\": \"off\"}", &err),
		      "%s", err);
	ck_assert_str_eq(cfg.rst.mode, "off");
	ck_assert_int_eq(cfg.rst.nproc, 256);
	config_dispose(&cfg);
}
END_TEST

START_TEST(range_is_base_plus_domid)
{
	struct dm_config cfg;
	struct restrict_plan p;
	char err[256];

	parse(&cfg, "{\"mode\": \"range\"}", true);
	ck_assert_int_eq(
	    restrict_resolve(&cfg, true, fake_users, &p, err, sizeof(err)), 0);
	ck_assert(p.on);
	ck_assert(!p.shared);
	ck_assert_int_eq(p.uid, 60005);
	ck_assert_int_eq(p.gid, 60000);
	ck_assert(p.domid_restrict);
	ck_assert_str_eq(p.how, "range " RESTRICT_RANGE_USER " (60000) + 5");
	config_dispose(&cfg);
	/* An explicit base needs no user. */
	parse(&cfg, "{\"mode\": \"range\", \"uid\": 70000, \"gid\": 500}",
	      true);
	ck_assert_int_eq(
	    restrict_resolve(&cfg, true, no_users, &p, err, sizeof(err)), 0);
	ck_assert_int_eq(p.uid, 70005);
	ck_assert_int_eq(p.gid, 500);
	config_dispose(&cfg);
}
END_TEST

START_TEST(shared_and_user_take_the_user_as_it_is)
{
	struct dm_config cfg;
	struct restrict_plan p;
	char err[256];

	parse(&cfg, "{\"mode\": \"shared\"}", true);
	ck_assert_int_eq(
	    restrict_resolve(&cfg, true, fake_users, &p, err, sizeof(err)), 0);
	ck_assert(p.shared);
	ck_assert_int_eq(p.uid, 59999);
	ck_assert_int_eq(p.gid, 59998);
	config_dispose(&cfg);
	parse(&cfg, "{\"mode\": \"user\", \"user\": \"qemu\"}", false);
	ck_assert_int_eq(
	    restrict_resolve(&cfg, true, fake_users, &p, err, sizeof(err)), 0);
	ck_assert(!p.shared);
	ck_assert(!p.domid_restrict); /* no Xen */
	ck_assert_int_eq(p.uid, 59999);
	config_dispose(&cfg);
	parse(&cfg, "{\"mode\": \"user\", \"uid\": 4242}", false);
	ck_assert_int_eq(
	    restrict_resolve(&cfg, true, no_users, &p, err, sizeof(err)), 0);
	ck_assert_int_eq(p.uid, 4242);
	ck_assert_int_eq(p.gid, 4242);
	config_dispose(&cfg);
}
END_TEST

START_TEST(a_missing_user_fails_the_start_by_name)
{
	struct dm_config cfg;
	struct restrict_plan p;
	char err[256];

	parse(&cfg, "{\"mode\": \"range\"}", true);
	ck_assert_int_eq(
	    restrict_resolve(&cfg, true, no_users, &p, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "restrict range: user " RESTRICT_RANGE_USER
			      " does not exist");
	config_dispose(&cfg);
	parse(&cfg, "{\"mode\": \"user\", \"user\": \"nobody-here\"}", false);
	ck_assert_int_eq(
	    restrict_resolve(&cfg, true, no_users, &p, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "restrict user: user nobody-here does not exist");
	config_dispose(&cfg);
	/* Not root: an explicit mode cannot be given. */
	parse(&cfg, "{\"mode\": \"user\", \"uid\": 4242}", false);
	ck_assert_int_eq(
	    restrict_resolve(&cfg, false, no_users, &p, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "dmsup is not root"), "%s", err);
	config_dispose(&cfg);
}
END_TEST

START_TEST(auto_is_on_where_the_host_has_the_users_and_says_why_not)
{
	struct dm_config cfg;
	struct restrict_plan p;
	char err[256];

	parse(&cfg, "", true);
	ck_assert_int_eq(
	    restrict_resolve(&cfg, true, fake_users, &p, err, sizeof(err)), 0);
	ck_assert(p.on);
	ck_assert_int_eq(p.uid, 60005);
	ck_assert_int_eq(
	    restrict_resolve(&cfg, true, no_users, &p, err, sizeof(err)), 0);
	ck_assert(!p.on);
	ck_assert_str_eq(p.off_why,
			 "auto: the host has no user " RESTRICT_RANGE_USER
			 " or " RESTRICT_SHARED_USER);
	ck_assert_int_eq(
	    restrict_resolve(&cfg, false, fake_users, &p, err, sizeof(err)), 0);
	ck_assert(!p.on);
	ck_assert_str_eq(p.off_why, "auto: dmsup is not root");
	config_dispose(&cfg);
	/* Without Xen there is no domid: only the shared user. */
	parse(&cfg, "", false);
	ck_assert_int_eq(
	    restrict_resolve(&cfg, true, fake_users, &p, err, sizeof(err)), 0);
	ck_assert(p.on && p.shared);
	config_dispose(&cfg);
}
END_TEST

START_TEST(fsize_is_zero_without_writable_disks_and_named_with_them)
{
	struct dm_config cfg;
	struct restrict_plan p;
	char err[256], text[512], *e = NULL;

	parse(&cfg, "{\"mode\": \"user\", \"uid\": 4242}", false);
	restrict_resolve(&cfg, true, no_users, &p, err, sizeof(err));
	ck_assert_int_eq(p.fsize, 0);
	for (int i = 0; i < p.n_missing; i++)
		ck_assert(!strstr(p.missing[i], "fsize"));
	config_dispose(&cfg);
	snprintf(text, sizeof(text),
		 "{\"name\": \"vm\", \"xen\": false, \"qemu\": \"/q\", "
		 "\"disks\": [{\"path\": \"/img\"}], \"restrict\": "
		 "{\"mode\": \"user\", \"uid\": 4242}}");
	ck_assert_msg(!config_from_string(&cfg, text, &e), "%s", e);
	restrict_resolve(&cfg, true, no_users, &p, err, sizeof(err));
	ck_assert_int_eq(p.fsize, -1);
	bool named = false;
	for (int i = 0; i < p.n_missing; i++)
		named |= strstr(p.missing[i], "fsize") != NULL;
	ck_assert(named);
	config_dispose(&cfg);
}
END_TEST

static int argv_find(char **v, const char *s);

START_TEST(the_cgroup_fields_are_checked_strictly)
{
	struct dm_config cfg;
	char *err;

	parse(&cfg, "{\"cgroup\": \"/sys/fs/cgroup/dm\", \"memory_mib\": 512}",
	      true);
	ck_assert_str_eq(cfg.rst.cgroup, "/sys/fs/cgroup/dm");
	ck_assert_int_eq(cfg.rst.memory_mib, 512);
	config_dispose(&cfg);
	parse(&cfg, "{\"cgroup\": \"off\"}", true);
	ck_assert_str_eq(cfg.rst.cgroup, "off");
	config_dispose(&cfg);
	static const char *const bad[] = {"\"cgroup\"",
					  "\"sys/fs/cgroup\"",
					  "\"/sys/fs/cgroup/\"",
					  "\"/sys/fs/../etc\"",
					  "\"/sys//fs\"",
					  "\"/sys/./fs\"",
					  "\"/sys/fs cgroup\"",
					  "\"on\"",
					  "\"/\""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char sec[128];
		snprintf(sec, sizeof(sec), "{\"cgroup\": %s}", bad[i]);
		err = refused(sec, "");
		ck_assert_msg(strstr(err, " is not 'auto', 'off' or the "
					  "absolute path of a cgroup2 "
					  "directory"),
			      "%s: %s", bad[i], err);
		ck_assert(strstr(err, "field 'restrict.cgroup'"));
		free(err);
	}
	err = refused("{\"memory_mib\": 0}", "");
	ck_assert_msg(strstr(err, "field 'restrict.memory_mib': expected an "
				  "integer from 1 to 1048576"),
		      "%s", err);
	free(err);
	err = refused("{\"memory_mib\": 1048577}", "");
	ck_assert_msg(strstr(err, "restrict.memory_mib"), "%s", err);
	free(err);
	err = refused("{\"memory_mib\": 64, \"cgroup\": \"off\"}", "");
	ck_assert_msg(strstr(err, "field 'restrict.memory_mib': a memory limit "
				  "needs a cgroup (restrict.cgroup is off)"),
		      "%s", err);
	free(err);
	err = refused("{\"cgroup\": \"/sys/fs/cgroup/dm\"}",
		      ", \"kind\": \"stubdom-linux\", \"vga\": \"none\"");
	ck_assert_msg(strstr(err, "field 'restrict.cgroup': a cgroup directory "
				  "is only for kind 'dom0' started by dmsup"),
		      "%s", err);
	free(err);
}
END_TEST

START_TEST(the_argv_enters_the_cgroup_in_the_trampoline)
{
	struct dm_config cfg;
	struct restrict_plan p;
	char err[256];

	parse(&cfg, "{\"mode\": \"range\"}", true);
	restrict_resolve(&cfg, true, fake_users, &p, err, sizeof(err));
	char **v = restrict_argv(argv_build(&cfg, "/q.qmp"), &p, "/r",
				 "/sys/fs/cgroup/dmsup-0badf00d-vm", "/d");
	int i = argv_find(v, "--cgroup"), dd = argv_find(v, "--");
	ck_assert_int_gt(i, 0);
	ck_assert_int_lt(i, dd); /* the trampoline's, not QEMU's */
	ck_assert_str_eq(v[i + 1], "/sys/fs/cgroup/dmsup-0badf00d-vm");
	argv_free(v);
	config_dispose(&cfg);
}
END_TEST

static int argv_find(char **v, const char *s)
{
	for (int i = 0; v[i]; i++)
		if (!strcmp(v[i], s))
			return i;
	return -1;
}

START_TEST(the_argv_carries_the_plan)
{
	struct dm_config cfg;
	struct restrict_plan p;
	char err[256];

	parse(&cfg, "{\"mode\": \"range\", \"nproc\": 64}", true);
	restrict_resolve(&cfg, true, fake_users, &p, err, sizeof(err));
	char **qemu = argv_build(&cfg, "/run/dmsup/vm.qmp");
	ck_assert_int_eq(argv_qmp_on_fd(qemu, 4), 0);
	char **v = restrict_argv(qemu, &p, "/run/dmsup/vm.root", "",
				 "/usr/libexec/dmsup/dmsup-restrict-exec");
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v[0], "/usr/libexec/dmsup/dmsup-restrict-exec");
	ck_assert_str_eq(v[1], "--restrict-exec");
	int i = argv_find(v, "--nproc");
	ck_assert_str_eq(v[i + 1], "64");
	i = argv_find(v, "--fsize");
	ck_assert_str_eq(v[i + 1], "0");
	i = argv_find(v, "--");
	ck_assert_str_eq(v[i + 1], "/usr/bin/qemu");
	/* No path in the chroot: QMP on the fd dmsup listens on. */
	ck_assert_int_ge(
	    argv_find(v, "socket,id=dmsup-qmp,fd=4,server=on,wait=off"), 0);
	for (int k = 0; v[k]; k++)
		ck_assert(!strstr(v[k], "vm.qmp"));
	i = argv_find(v, "-runas");
	ck_assert_str_eq(v[i + 1], "60005:60000");
	i = argv_find(v, "-chroot");
	ck_assert_str_eq(v[i + 1], "/run/dmsup/vm.root");
	i = argv_find(v, "-sandbox");
	ck_assert_str_eq(v[i + 1], RESTRICT_SANDBOX);
	ck_assert_int_ge(argv_find(v, "-xen-domid-restrict"), 0);
	argv_free(v);
	config_dispose(&cfg);
	/* Without Xen no -xen-domid-restrict. */
	parse(&cfg, "{\"mode\": \"user\", \"uid\": 4242}", false);
	restrict_resolve(&cfg, true, no_users, &p, err, sizeof(err));
	v = restrict_argv(argv_build(&cfg, "/q.qmp"), &p, "/r", "", "/d");
	ck_assert_int_lt(argv_find(v, "-xen-domid-restrict"), 0);
	ck_assert_int_ge(argv_find(v, "-runas"), 0);
	argv_free(v);
	/* A QEMU without seccomp (Debian's qemu-system-xen): no -sandbox,
	 * and status names it. */
	restrict_no_sandbox(&p);
	v = restrict_argv(argv_build(&cfg, "/q.qmp"), &p, "/r", "", "/d");
	ck_assert_int_lt(argv_find(v, "-sandbox"), 0);
	ck_assert_int_ge(argv_find(v, "-chroot"), 0);
	argv_free(v);
	bool named = false;
	for (int k = 0; k < p.n_missing; k++)
		named |= strstr(p.missing[k], "sandbox") != NULL;
	ck_assert(named);
	config_dispose(&cfg);
}
END_TEST

START_TEST(status_names_uid_chroot_and_what_is_missing)
{
	struct dm_config cfg;
	struct restrict_plan p;
	char err[256];

	parse(&cfg, "{\"mode\": \"range\"}", true);
	restrict_resolve(&cfg, true, fake_users, &p, err, sizeof(err));
	struct json_object *j = restrict_plan_json(&p, "/run/dmsup/vm.root"),
			   *v;
	ck_assert(json_object_object_get_ex(j, "uid", &v));
	ck_assert_int_eq(json_object_get_int(v), 60005);
	ck_assert(json_object_object_get_ex(j, "chroot", &v));
	ck_assert_str_eq(json_object_get_string(v), "/run/dmsup/vm.root");
	ck_assert(json_object_object_get_ex(j, "missing", &v));
	ck_assert_int_eq(json_object_array_length(v), 0); /* all given */
	ck_assert(json_object_object_get_ex(j, "mount_ns", &v));
	ck_assert(json_object_get_boolean(v));
	json_object_put(j);
	config_dispose(&cfg);
	parse(&cfg, "", true);
	restrict_resolve(&cfg, true, no_users, &p, err, sizeof(err));
	j = restrict_plan_json(&p, NULL);
	ck_assert(json_object_object_get_ex(j, "enabled", &v));
	ck_assert(!json_object_get_boolean(v));
	ck_assert(json_object_object_get_ex(j, "why", &v));
	ck_assert(strstr(json_object_get_string(v), "no user"));
	json_object_put(j);
	config_dispose(&cfg);
}
END_TEST

/* An adopted QEMU as /proc showed it: libxl's range uid of domid 5. */
static struct restrict_seen seen_range(void)
{
	struct restrict_seen s = {.uid = 60005, .gid = 60000};

	snprintf(s.root, sizeof(s.root), "/var/run/xen/qemu-root-5");
	s.domid_restrict = true;
	return s;
}

START_TEST(libxls_range_uid_is_reaped_another_is_not)
{
	struct restrict_seen s = seen_range();
	struct restrict_plan p;

	restrict_seen_plan(&s, 60000, 5, &p);
	ck_assert(p.on && !p.shared);
	ck_assert_int_eq(p.uid, 60005);
	ck_assert(p.domid_restrict);
	ck_assert(strstr(p.how, "range xen-qemuuser-range-base (60000) + 5"));
	/* Another domid's offset, no range user, or a shared uid: never
	 * reaped, another guest may run as it. */
	restrict_seen_plan(&s, 60000, 6, &p);
	ck_assert(p.on && p.shared);
	restrict_seen_plan(&s, 0, 5, &p);
	ck_assert(p.on && p.shared);
	ck_assert_str_eq(p.how, "libxl: uid 60005");
	s.uid = 0;
	restrict_seen_plan(&s, 60000, 5, &p);
	ck_assert(!p.on);
	ck_assert(strstr(p.off_why, "runs as root"));
}
END_TEST

START_TEST(libxls_restriction_in_status_is_what_proc_showed)
{
	struct restrict_seen s = seen_range();
	struct restrict_plan p;
	struct json_object *j, *v;

	restrict_seen_plan(&s, 60000, 5, &p);
	j = restrict_seen_json(&s, &p);
	ck_assert(json_object_object_get_ex(j, "by", &v));
	ck_assert_str_eq(json_object_get_string(v), "libxl");
	ck_assert(json_object_object_get_ex(j, "chroot", &v));
	ck_assert_str_eq(json_object_get_string(v), "/var/run/xen/qemu-root-5");
	ck_assert(json_object_object_get_ex(j, "reaped_by_dmsup", &v));
	ck_assert(json_object_get_boolean(v));
	ck_assert(!json_object_object_get_ex(j, "sandbox", &v));
	json_object_put(j);
	/* No chroot: none shown. */
	snprintf(s.root, sizeof(s.root), "/");
	j = restrict_seen_json(&s, &p);
	ck_assert(!json_object_object_get_ex(j, "chroot", &v));
	json_object_put(j);
}
END_TEST

START_TEST(this_process_reads_as_itself)
{
	struct restrict_seen s;

	ck_assert_int_eq(restrict_seen_read(getpid(), &s), 0);
	ck_assert_int_eq(s.uid, geteuid());
	ck_assert_int_eq(s.gid, getegid());
	ck_assert(s.root[0] == '/');
	ck_assert(!s.domid_restrict);
	ck_assert_int_eq(restrict_seen_read(0, &s), -1);
}
END_TEST

START_TEST(the_limits_read_are_the_processs_own)
{
	const rlim_t want = 12345 << 10;
	struct rlimit nproc, fsize;
	long long n, f;

	ck_assert_int_eq(getrlimit(RLIMIT_NPROC, &nproc), 0);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &fsize), 0);
	/* The soft limit lowered (the hard one may be below it already). */
	fsize.rlim_cur = fsize.rlim_max < want ? fsize.rlim_max : want;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &fsize), 0);
	ck_assert_int_eq(restrict_seen_limits(getpid(), &n, &f), 0);
	ck_assert_int_eq(f, (long long)fsize.rlim_cur);
	if (nproc.rlim_cur == RLIM_INFINITY)
		ck_assert_int_eq(n, -1);
	else
		ck_assert_int_eq(n, (long long)nproc.rlim_cur);
	ck_assert_int_eq(restrict_seen_limits(0, &n, &f), -1);
}
END_TEST

static bool names(const struct restrict_plan *p, const char *what)
{
	for (int i = 0; i < p->n_missing; i++)
		if (!strcmp(p->missing[i], what))
			return true;
	return false;
}

START_TEST(the_mount_namespace_is_made_by_the_trampoline)
{
	struct dm_config cfg;
	struct restrict_plan p;
	char err[256];

	parse(&cfg, "{\"mode\": \"range\"}", true);
	restrict_resolve(&cfg, true, fake_users, &p, err, sizeof(err));
	ck_assert(p.mntns);
	for (int k = 0; k < p.n_missing; k++)
		ck_assert_msg(!strstr(p.missing[k], "mount namespace") &&
				  !strstr(p.missing[k], "/tmp"),
			      "%s", p.missing[k]);
	char **v = restrict_argv(argv_build(&cfg, "/q.qmp"), &p,
				 "/run/dmsup/vm.root", "", "/d");
	int i = argv_find(v, "--mntns"), dd = argv_find(v, "--");
	ck_assert_int_gt(i, 0);
	ck_assert_int_lt(i, dd); /* the trampoline's, not QEMU's */
	ck_assert_str_eq(v[i + 1], "/run/dmsup/vm.root");
	argv_free(v);
	config_dispose(&cfg);
}
END_TEST

START_TEST(without_a_mount_namespace_auto_names_it_and_a_mode_refuses)
{
	struct dm_config cfg;
	struct restrict_plan p;
	char err[256];

	/* auto (the shared user here): runs without, and says why. */
	parse(&cfg, "", false);
	restrict_resolve(&cfg, true, fake_users, &p, err, sizeof(err));
	ck_assert(p.on && p.mntns);
	ck_assert_int_eq(restrict_no_mntns(&cfg, &p,
					   "unshare: Operation not permitted",
					   err, sizeof(err)),
			 0);
	ck_assert(!p.mntns);
	ck_assert(names(&p, "mount namespace (unshare: Operation not "
			    "permitted)"));
	ck_assert(names(&p, "private /tmp (no mount namespace)"));
	char **v =
	    restrict_argv(argv_build(&cfg, "/q.qmp"), &p, "/r", "", "/d");
	ck_assert_int_lt(argv_find(v, "--mntns"), 0);
	argv_free(v);
	struct json_object *j = restrict_plan_json(&p, "/r"), *m;
	ck_assert(json_object_object_get_ex(j, "mount_ns", &m));
	ck_assert(!json_object_get_boolean(m));
	json_object_put(j);
	config_dispose(&cfg);
	/* An explicit mode asked for all of it: the start fails. */
	parse(&cfg, "{\"mode\": \"user\", \"uid\": 1234}", false);
	restrict_resolve(&cfg, true, fake_users, &p, err, sizeof(err));
	ck_assert_int_eq(restrict_no_mntns(&cfg, &p,
					   "unshare: Operation not permitted",
					   err, sizeof(err)),
			 -1);
	ck_assert_str_eq(err, "no mount namespace (unshare: Operation not "
			      "permitted): restrict.mode user needs one (auto "
			      "runs without)");
	ck_assert(p.mntns && !names(&p, "private /tmp (no mount namespace)"));
	config_dispose(&cfg);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    the_default_is_auto_with_its_limits,
	    bad_sections_are_refused_naming_the_field,
	    dmctl_set_changes_the_section,
	    range_is_base_plus_domid,
	    shared_and_user_take_the_user_as_it_is,
	    a_missing_user_fails_the_start_by_name,
	    auto_is_on_where_the_host_has_the_users_and_says_why_not,
	    fsize_is_zero_without_writable_disks_and_named_with_them,
	    the_argv_carries_the_plan,
	    status_names_uid_chroot_and_what_is_missing,
	    the_cgroup_fields_are_checked_strictly,
	    the_argv_enters_the_cgroup_in_the_trampoline,
	    libxls_range_uid_is_reaped_another_is_not,
	    libxls_restriction_in_status_is_what_proc_showed,
	    this_process_reads_as_itself,
	    the_limits_read_are_the_processs_own,
	    the_mount_namespace_is_made_by_the_trampoline,
	    without_a_mount_namespace_auto_names_it_and_a_mode_refuses,
	};

	return run_suite("dmsup-restrict", NULL, NULL, tests,
			 sizeof(tests) / sizeof(*tests));
}
