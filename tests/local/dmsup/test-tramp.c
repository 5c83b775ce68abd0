/*
 * The exec trampoline as a program of its own (dmsup-restrict-exec(8),
 * docs/restrict.md): it links libc alone, sets the limits and
 * no_new_privs and execs the command; a step that fails exits 127
 * naming it on stderr; dmsup --restrict-exec, its fallback, does the
 * same; it answers --version and --help as dmsup-log does. No root
 * needed (no cgroup, no namespace).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/local/dmsup/harness.h"
#include "version.h"

#define TRAMP "dmsup-restrict-exec"

START_TEST(it_links_the_c_library_alone)
{
	char *out;

	/* What ldd prints: ld.so lists the libraries instead of running. */
	setenv("LD_TRACE_LOADED_OBJECTS", "1", 1);
	int rc = h_prog(&out, NULL, TRAMP, NULL);
	unsetenv("LD_TRACE_LOADED_OBJECTS");
	ck_assert_int_eq(rc, 0);
	ck_assert_msg(strstr(out, "libc.so"), "%s", out);
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
		ck_assert_msg(strstr(line, "libc.so") ||
				  strstr(line, "ld-linux") ||
				  strstr(line, "linux-vdso"),
			      "%s links %s", TRAMP, line);
	free(out);
}
END_TEST

START_TEST(it_sets_the_limits_and_no_new_privs_then_execs)
{
	char *out, *err;

	ck_assert_int_eq(
	    h_prog(&out, &err, TRAMP, "--restrict-exec", "--nproc", "4097",
		   "--fsize", "123456", "--cgroup", "", "--", "/bin/sh", "-c",
		   "cat /proc/self/limits /proc/self/status", NULL),
	    0);
	ck_assert_str_eq(err, "");
	ck_assert_msg(
	    strstr(out, "Max processes             4097                 4097"),
	    "%s", out);
	ck_assert_msg(
	    strstr(out,
		   "Max file size             123456               123456"),
	    "%s", out);
	ck_assert_msg(
	    strstr(out, "Max core file size        0                    0"),
	    "%s", out);
	ck_assert_msg(strstr(out, "NoNewPrivs:\t1"), "%s", out);
	free(out);
	free(err);
}
END_TEST

START_TEST(a_step_that_fails_exits_127_naming_it_on_stderr)
{
	char *err;

	ck_assert_int_eq(h_prog(NULL, &err, TRAMP, "--restrict-exec", "--",
				"/nonexistent/qemu", NULL),
			 127);
	ck_assert_str_eq(err, TRAMP ": /nonexistent/qemu: No such file or "
				    "directory\n");
	free(err);
	ck_assert_int_eq(h_prog(NULL, &err, TRAMP, "--restrict-exec",
				"--cgroup", "/nonexistent/cg", "--",
				"/bin/true", NULL),
			 127);
	ck_assert_str_eq(err, TRAMP ": /nonexistent/cg: No such file or "
				    "directory\n");
	free(err);
	ck_assert_int_eq(
	    h_prog(NULL, &err, TRAMP, "--restrict-exec", "--nproc", "5", NULL),
	    127);
	ck_assert_str_eq(err, TRAMP ": no command\n");
	free(err);
}
END_TEST

START_TEST(dmsup_restrict_exec_does_the_same_under_its_own_name)
{
	char *out, *err;

	ck_assert_int_eq(h_prog(&out, &err, "dmsup", "--restrict-exec",
				"--nproc", "4097", "--", "/bin/sh", "-c",
				"cat /proc/self/status", NULL),
			 0);
	ck_assert_msg(strstr(out, "NoNewPrivs:\t1"), "%s", out);
	free(out);
	free(err);
	ck_assert_int_eq(h_prog(NULL, &err, "dmsup", "--restrict-exec", "--",
				"/nonexistent/qemu", NULL),
			 127);
	ck_assert_str_eq(err, "dmsup --restrict-exec: /nonexistent/qemu: No "
			      "such file or directory\n");
	free(err);
}
END_TEST

START_TEST(version_help_and_usage_as_the_log_helper_has_them)
{
	char *out, *err;

	ck_assert_int_eq(h_prog(&out, NULL, "dmsup-log", "--help", NULL), 0);
	ck_assert_msg(!strncmp(out, "usage: dmsup-log --log-helper ", 30), "%s",
		      out);
	free(out);
	ck_assert_int_eq(h_prog(&out, NULL, "dmsup-log", "--version", NULL), 0);
	ck_assert_str_eq(out, "dmsup-log " DMSUP_VERSION "\n");
	free(out);
	ck_assert_int_eq(h_prog(&out, NULL, TRAMP, "--version", NULL), 0);
	ck_assert_str_eq(out, TRAMP " " DMSUP_VERSION "\n");
	free(out);
	ck_assert_int_eq(h_prog(&out, NULL, TRAMP, "--help", NULL), 0);
	ck_assert_msg(!strncmp(out, "usage: " TRAMP " --restrict-exec ", 33),
		      "%s", out);
	free(out);
	ck_assert_int_eq(h_prog(&out, &err, TRAMP, NULL), 2);
	ck_assert_str_eq(out, "");
	ck_assert_msg(strstr(err, "usage: " TRAMP), "%s", err);
	free(out);
	free(err);
	ck_assert_int_eq(h_prog(NULL, &err, TRAMP, "--log-helper", NULL), 2);
	ck_assert_msg(strstr(err, "usage: " TRAMP), "%s", err);
	free(err);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    it_links_the_c_library_alone,
	    it_sets_the_limits_and_no_new_privs_then_execs,
	    a_step_that_fails_exits_127_naming_it_on_stderr,
	    dmsup_restrict_exec_does_the_same_under_its_own_name,
	    version_help_and_usage_as_the_log_helper_has_them,
	};

	return h_main("dmsup-tramp", NULL, tests,
		      sizeof(tests) / sizeof(*tests));
}
