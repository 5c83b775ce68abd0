/* dmsup-qemu-dm's pure parts: its config file, what it reads of libxl's
 * argv, and the argv QEMU gets (libxl's, then dmsup's monitor). */
#include <check.h>
#include <string.h>

#include "dropin/dropin.h"
#include "tests/unit/dmsup/run.h"

/* main's argv is not const; the literals here are. */
#define V(a) ((char *const *)(a))

static const char *refused(const char *text)
{
	static char err[256];
	struct dropin_conf c;

	err[0] = '\0';
	ck_assert_int_eq(dropin_conf_parse(&c, text, err, sizeof(err)), -1);
	return err;
}

START_TEST(conf_empty_gives_debians_defaults)
{
	struct dropin_conf c;
	char err[64];

	ck_assert_int_eq(dropin_conf_parse(&c, "", err, sizeof(err)), 0);
	ck_assert_str_eq(c.qemu, "/usr/libexec/xen-qemu-system-i386");
	ck_assert_str_eq(c.control, "/run/dmsup/control");
	ck_assert_int_eq(c.timeout_ms, 3000);
	ck_assert(!c.fail_closed);
	ck_assert(!c.crash_report);
}
END_TEST

START_TEST(conf_reads_every_key_with_comments_and_spaces)
{
	struct dropin_conf c;
	char err[64];
	const char *text = "# dmsup-qemu-dm\n"
			   "qemu = /opt/q/qemu\n"
			   "\tcontrol=/tmp/ctl  \n\n"
			   "timeout_ms = 250\r\n"
			   "on_no_dmsup = fail-closed\n"
			   "on_dm_crash = report";

	ck_assert_int_eq(dropin_conf_parse(&c, text, err, sizeof(err)), 0);
	ck_assert_str_eq(c.qemu, "/opt/q/qemu");
	ck_assert_str_eq(c.control, "/tmp/ctl");
	ck_assert_int_eq(c.timeout_ms, 250);
	ck_assert(c.fail_closed);
	ck_assert(c.crash_report);
}
END_TEST

START_TEST(conf_refuses_bad_lines_naming_them)
{
	ck_assert_str_eq(refused("qemu = relative/qemu"),
			 "line 1: qemu must be an absolute path of at most "
			 "255 bytes");
	ck_assert_str_eq(refused("\n\ntimeout_ms = 0"),
			 "line 3: timeout_ms must be a number from 1 to 60000");
	ck_assert_str_eq(refused("timeout_ms = 5s"),
			 "line 1: timeout_ms must be a number from 1 to 60000");
	ck_assert_str_eq(
	    refused("on_no_dmsup = maybe"),
	    "line 1: on_no_dmsup must be fail-open or fail-closed");
	ck_assert_str_eq(refused("on_dm_crash = restart"),
			 "line 1: on_dm_crash must be crash-domain or report");
	ck_assert_str_eq(refused("just words"), "line 1: expected key = value");
	ck_assert(strstr(refused("qemu_path = /x"), "unknown key"));
}
END_TEST

START_TEST(conf_refuses_a_socket_path_too_long_for_sun_path)
{
	char text[200];

	memset(text, 'a', sizeof(text));
	memcpy(text, "control = /", 11);
	text[sizeof(text) - 1] = '\0';
	ck_assert(strstr(refused(text), "at most 107 bytes"));
}
END_TEST

START_TEST(scan_finds_domid_and_name_of_libxls_argv)
{
	const char *argv[] = {"/usr/libexec/dmsup/dmsup-qemu-dm",
			      "-xen-domid",
			      "7",
			      "-no-shutdown",
			      "-name",
			      "hvm1",
			      "-machine",
			      "xenfv"};
	struct dropin_guest g;

	dropin_scan_argv(8, V(argv), &g);
	ck_assert_int_eq(g.domid, 7);
	ck_assert_str_eq(g.name, "hvm1");
}
END_TEST

START_TEST(scan_leaves_qdisk_backends_and_bad_domids_alone)
{
	const char *qdisk[] = {"x",	      "-xen-domid", "3",
			       "-xen-attach", "-name",	    "pv"};
	const char *bad[] = {"x", "-xen-domid", "0", "-name", "n"};
	const char *junk[] = {"x", "-xen-domid", "3x", "-name", "n"};
	const char *last[] = {"x", "-name", "n", "-xen-domid"};
	struct dropin_guest g;

	dropin_scan_argv(6, V(qdisk), &g);
	ck_assert_int_eq(g.domid, -1);
	dropin_scan_argv(5, V(bad), &g);
	ck_assert_int_eq(g.domid, -1);
	dropin_scan_argv(5, V(junk), &g);
	ck_assert_int_eq(g.domid, -1);
	dropin_scan_argv(4, V(last), &g);
	ck_assert_int_eq(g.domid, -1);
}
END_TEST

START_TEST(qemu_argv_is_libxls_plus_dmsups_monitor_only)
{
	const char *argv[] = {"/usr/libexec/dmsup/dmsup-qemu-dm", "-xen-domid",
			      "7", "-incoming", "fd:15"};
	char **v = dropin_qemu_argv("/usr/bin/q", 5, V(argv), 9);
	const char *want[] = {"/usr/bin/q",
			      "-xen-domid",
			      "7",
			      "-incoming",
			      "fd:15",
			      "-chardev",
			      "socket,id=dmsup-qmp,fd=9,server=on,wait=off",
			      "-mon",
			      "chardev=dmsup-qmp,mode=control",
			      NULL};

	ck_assert_ptr_nonnull(v);
	for (int i = 0; want[i]; i++)
		ck_assert_str_eq(v[i], want[i]);
	ck_assert_ptr_null(v[9]);
	dropin_argv_free(v, 5);
}
END_TEST

int main(void)
{
	const TTest *tests[] = {
	    conf_empty_gives_debians_defaults,
	    conf_reads_every_key_with_comments_and_spaces,
	    conf_refuses_bad_lines_naming_them,
	    conf_refuses_a_socket_path_too_long_for_sun_path,
	    scan_finds_domid_and_name_of_libxls_argv,
	    scan_leaves_qdisk_backends_and_bad_domids_alone,
	    qemu_argv_is_libxls_plus_dmsups_monitor_only,
	};

	return run_suite("dropin", NULL, NULL, tests,
			 sizeof(tests) / sizeof(tests[0]));
}
