/*
 * Files dmsup and dmctl read or write: only regular files are read, never
 * blocking and size-capped; nothing dmsup writes in its own dirs follows a
 * planted symlink.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/local/dmsup/harness.h"

static char *tmp_path(const char *name)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/%s", H.dir, name), 0);
	return p;
}

/* dmctl must refuse @file for @cmd at once, naming it and @why. */
static void assert_file_refused(const char *cmd, const char *file,
				const char *why)
{
	char *err = NULL;
	int rc = h_dmctl(NULL, &err, cmd, file, NULL);

	ck_assert_int_eq(rc, 1);
	ck_assert_msg(strstr(err, file) && strstr(err, why),
		      "'%s' lacks '%s' or '%s'", err, file, why);
	free(err);
}

START_TEST(a_fifo_as_config_is_refused_by_start_and_plan)
{
	char *fifo = tmp_path("fifo.json");

	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	assert_file_refused("start", fifo, "not a regular file");
	assert_file_refused("plan", fifo, "not a regular file");
	free(fifo);
}
END_TEST

START_TEST(dev_zero_as_config_is_refused_by_start_and_plan)
{
	assert_file_refused("start", "/dev/zero", "not a regular file");
	assert_file_refused("plan", "/dev/zero", "not a regular file");
}
END_TEST

START_TEST(a_config_over_one_mib_is_refused)
{
	char *big = tmp_path("big.json");
	FILE *f = fopen(big, "w");

	ck_assert_ptr_nonnull(f);
	fputs("{\"name\": \"", f);
	for (int i = 0; i < 1100 * 1024; i++)
		fputc('a', f);
	fputs("\"}", f);
	fclose(f);
	assert_file_refused("start", big, "larger than");
	assert_file_refused("plan", big, "larger than");
	free(big);
}
END_TEST

START_TEST(a_fifo_planted_as_state_json_does_not_hang_dmsup)
{
	char *cfg = h_config("good", 3, ""), fifo[400];

	h_start(cfg);
	h_stop_dmsup(SIGKILL);
	snprintf(fifo, sizeof(fifo), "%s/evil.json", H.state);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	h_start_dmsup();
	struct json_object *st = h_status("good");
	ck_assert_ptr_nonnull(st);
	ck_assert_str_eq(h_str(st, "state"), "running");
	json_object_put(st);
	free(cfg);
}
END_TEST

START_TEST(a_symlink_planted_as_state_json_is_not_followed)
{
	char *cfg = h_config("good", 3, ""), link[400];

	h_start(cfg);
	h_stop_dmsup(SIGKILL);
	snprintf(link, sizeof(link), "%s/other.json", H.state);
	ck_assert_int_eq(symlink(cfg, link), 0);
	h_start_dmsup();
	ck_assert_ptr_null(h_status("other"));
	struct json_object *st = h_status("good");
	ck_assert_ptr_nonnull(st);
	json_object_put(st);
	free(cfg);
}
END_TEST

START_TEST(a_symlink_planted_as_the_log_is_not_followed)
{
	char *cfg = h_standin_config(
	    "lnk", 4, "[\"--stderr-bytes\", \"4096\", \"--qmp\"]", "");
	char *target = tmp_path("target"), link[400];
	FILE *f = fopen(target, "w");

	ck_assert_ptr_nonnull(f);
	fclose(f);
	snprintf(link, sizeof(link), "%s/lnk.log", H.logdir);
	ck_assert_int_eq(symlink(target, link), 0);
	h_start(cfg);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "lnk", NULL), 0);
	struct stat st;
	ck_assert_int_eq(stat(target, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	free(target);
	free(cfg);
}
END_TEST

START_TEST(a_symlink_planted_as_the_state_temp_file_is_not_followed)
{
	char *target = tmp_path("target"), link[400];
	FILE *f = fopen(target, "w");

	ck_assert_ptr_nonnull(f);
	fclose(f);
	/* Each file's temporary one is beside it: the definition's in the
	 * state directory, the .run's in the runtime directory. */
	snprintf(link, sizeof(link), "%s/tmpd.json.tmp", H.state);
	ck_assert_int_eq(symlink(target, link), 0);
	snprintf(link, sizeof(link), "%s/tmpd.run.tmp", H.run);
	ck_assert_int_eq(symlink(target, link), 0);
	char *cfg = h_config("tmpd", 5, "");
	h_start(cfg);
	struct stat st;
	ck_assert_int_eq(stat(target, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	free(target);
	free(cfg);
}
END_TEST

/* A sentinel that cannot be removed (here a directory in its place; on a
 * read-only state dir EROFS): the client hears why, not mkfifo's EEXIST. */
START_TEST(a_sentinel_that_cannot_be_removed_names_the_real_cause)
{
	char *cfg = h_config("ro", 6, ""), fifo[400], *err = NULL;

	snprintf(fifo, sizeof(fifo), "%s/ro.fifo", H.run);
	ck_assert_int_eq(mkdir(fifo, 0700), 0);
	ck_assert_int_eq(h_dmctl(NULL, &err, "start", cfg, NULL), 1);
	ck_assert_msg(strstr(err, "sentinel FIFO: Is a directory"), "%s", err);
	free(err);
	free(cfg);
}
END_TEST

/* What status showed after a crash, again after dmsup restarts. */
START_TEST(a_crash_report_survives_a_restart_of_dmsup)
{
	char *cfg = h_standin_config("once", 13, "[\"--exit\", \"1\"]", "");

	ck_assert_int_eq(h_dmctl(NULL, NULL, "start", cfg, NULL), 1);
	struct json_object *before = h_status("once");
	ck_assert_str_eq(h_str(before, "state"), "crashed");
	h_stop_dmsup(SIGTERM);
	h_start_dmsup();
	struct json_object *after = h_status("once");
	ck_assert_ptr_nonnull(after);
	static const char *const keys[] = {"state", "exit", "error", "step",
					   "log_tail"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++)
		ck_assert_str_eq(h_str(after, keys[i]), h_str(before, keys[i]));
	ck_assert_int_eq(h_int(after, "exit_status"), 1);
	ck_assert_int_eq(h_int(after, "spawns"), h_int(before, "spawns"));
	json_object_put(before);
	json_object_put(after);
	/* And it starts again as a crashed domain does. */
	ck_assert_int_eq(h_dmctl(NULL, NULL, "start", "once", NULL), 1);
	free(cfg);
}
END_TEST

/* A hostile NAME.last is checked: nothing out of range is believed. */
START_TEST(a_garbled_last_file_is_ignored)
{
	char *cfg = h_config("g", 14, ""), path[400];

	h_start(cfg);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "g", NULL), 0);
	h_stop_dmsup(SIGTERM);
	snprintf(path, sizeof(path), "%s/g.last", H.state);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\"state\": \"running\", \"spawns\": -5, \"exit\": 3}", f);
	fclose(f);
	h_start_dmsup();
	struct json_object *st = h_status("g");
	ck_assert_str_eq(h_str(st, "state"), "defined");
	ck_assert_int_eq(h_int(st, "spawns"), 0);
	json_object_put(st);
	free(cfg);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    a_fifo_as_config_is_refused_by_start_and_plan,
	    dev_zero_as_config_is_refused_by_start_and_plan,
	    a_config_over_one_mib_is_refused,
	    a_fifo_planted_as_state_json_does_not_hang_dmsup,
	    a_symlink_planted_as_state_json_is_not_followed,
	    a_symlink_planted_as_the_log_is_not_followed,
	    a_symlink_planted_as_the_state_temp_file_is_not_followed,
	    a_sentinel_that_cannot_be_removed_names_the_real_cause,
	    a_crash_report_survives_a_restart_of_dmsup,
	    a_garbled_last_file_is_ignored,
	};

	return h_main("dmsup-files", NULL, tests,
		      sizeof(tests) / sizeof(*tests));
}
