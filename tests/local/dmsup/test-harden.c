/*
 * Faults around the device model and the control socket that dmsup must
 * survive (issue 12): what a device model leaves behind when it dies.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/local/dmsup/harness.h"

/* A stand-in config whose DM forks a child holding its stderr (the
 * child's pid goes to *pidfile_r), then runs with @rest (JSON options). */
static char *holder_config(const char *name, const char *rest, char **pidfile_r)
{
	char args[1024];

	if (asprintf(pidfile_r, "%s/%s.holder", H.dir, name) < 0)
		ck_abort();
	snprintf(args, sizeof(args), "[\"--hold-stderr\", \"%s\", %s]",
		 *pidfile_r, rest);
	return h_standin_config(name, 31, args, "");
}

static pid_t holder_pid(const char *pidfile)
{
	char *s = h_read_file(pidfile);
	pid_t pid;

	ck_assert_ptr_nonnull(s);
	pid = atoi(s);
	free(s);
	ck_assert_int_gt(pid, 1);
	return pid;
}

START_TEST(crash_kills_what_the_dm_left_and_is_reported_at_once)
{
	char *pidfile, *err;
	char *cfg = holder_config("held", "\"--exit\", \"3\"", &pidfile);

	ck_assert_int_eq(h_dmctl(NULL, &err, "start", cfg, NULL), 1);
	ck_assert_ptr_nonnull(strstr(err, "exited with status 3"));
	/* The report waited for no one: the child was gone before it. */
	ck_assert_msg(!h_alive(holder_pid(pidfile)),
		      "the DM's child outlived the crash report");
	struct json_object *st = h_status("held");
	ck_assert_str_eq(h_str(st, "state"), "crashed");
	ck_assert_ptr_nonnull(strstr(h_str(st, "log_tail"), "exiting with 3"));
	json_object_put(st);
	free(err);
	free(pidfile);
	free(cfg);
}
END_TEST

START_TEST(stop_kills_what_the_dm_left)
{
	char *pidfile, *out;
	char *cfg = holder_config("held", "\"--qmp\"", &pidfile);

	h_start(cfg);
	pid_t holder = holder_pid(pidfile);
	ck_assert(h_alive(holder));
	ck_assert_int_eq(h_dmctl(&out, NULL, "stop", "held", NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "stopped"));
	ck_assert_msg(!h_alive(holder), "the DM's child outlived the stop");
	free(out);
	free(pidfile);
	free(cfg);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    crash_kills_what_the_dm_left_and_is_reported_at_once,
	    stop_kills_what_the_dm_left,
	};

	return h_main("dmsup-harden", NULL, tests,
		      sizeof(tests) / sizeof(tests[0]));
}
