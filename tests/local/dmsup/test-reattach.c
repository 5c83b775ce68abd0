/* A dmsup killed with SIGKILL and started again takes up where it was. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/local/dmsup/harness.h"

#define N_DMS 20

static pid_t pids[N_DMS];

static void start_all(void)
{
	for (int i = 0; i < N_DMS; i++) {
		char name[16];
		snprintf(name, sizeof(name), "vm%d", i);
		char *cfg = h_config(name, 100 + i, "");
		pids[i] = h_start(cfg);
		free(cfg);
	}
}

START_TEST(twenty_dms_are_reattached_with_the_same_pids)
{
	char needle[512];

	start_all();
	h_stop_dmsup(SIGKILL);
	/* Nothing died with dmsup. */
	for (int i = 0; i < N_DMS; i++)
		ck_assert(h_alive(pids[i]));
	h_start_dmsup();
	for (int i = 0; i < N_DMS; i++) {
		char name[16];
		snprintf(name, sizeof(name), "vm%d", i);
		struct json_object *st = h_status(name);
		ck_assert_str_eq(h_str(st, "state"), "running");
		ck_assert_int_eq(h_int(st, "pid"), pids[i]);
		/* The spawn count status showed before the restart. */
		ck_assert_int_eq(h_int(st, "spawns"), 1);
		json_object_put(st);
		ck_assert(h_alive(pids[i]));
	}
	/* One QEMU and one log helper per domain: none started twice. */
	snprintf(needle, sizeof(needle), "%s/", H.run);
	ck_assert_int_eq(h_count_procs(needle), N_DMS);
	snprintf(needle, sizeof(needle), "--log-helper %s", H.logdir);
	ck_assert_int_eq(h_count_procs(needle), N_DMS);
}
END_TEST

START_TEST(death_of_a_reattached_dm_is_detected)
{
	start_all();
	h_stop_dmsup(SIGKILL);
	h_start_dmsup();
	ck_assert_int_eq(kill(pids[7], SIGKILL), 0);
	struct json_object *st = h_wait_state("vm7", "crashed");
	ck_assert_ptr_nonnull(st);
	/* Not our child any more: how it died is not known, that it did is. */
	ck_assert_str_eq(
	    h_str(st, "exit"),
	    "died while dmsup was not its parent (status unknown)");
	json_object_put(st);
	for (int i = 0; i < N_DMS; i++)
		ck_assert(i == 7 || h_alive(pids[i]));
}
END_TEST

START_TEST(qmp_works_again_after_reattach)
{
	char *cfg = h_config("vm1", 1, ""), *out;

	h_start(cfg);
	h_stop_dmsup(SIGKILL);
	h_start_dmsup();
	ck_assert_int_eq(
	    h_dmctl(&out, NULL, "--json", "qmp", "vm1", "query-name", NULL), 0);
	ck_assert_str_eq(out, "{\"name\":\"vm1\"}\n");
	free(out);
	free(cfg);
}
END_TEST

START_TEST(dm_that_died_while_dmsup_was_down_is_reported_dead)
{
	char *cfg = h_config("vm1", 1, "\"restart\": \"on-crash\"");
	pid_t pid = h_start(cfg);

	h_stop_dmsup(SIGKILL);
	kill(pid, SIGKILL);
	ck_assert(h_wait_gone(pid));
	h_start_dmsup();
	struct json_object *st = h_status("vm1");
	/* Reported, not silently restarted. */
	ck_assert_str_eq(h_str(st, "state"), "crashed");
	ck_assert_str_eq(h_str(st, "exit"), "died while dmsup was not running");
	ck_assert_int_eq(h_int(st, "spawns"), 1);
	json_object_put(st);
	char path[512];
	snprintf(path, sizeof(path), "%s/vm1.fifo", H.run);
	ck_assert_int_ne(access(path, F_OK), 0);
	free(cfg);
}
END_TEST

START_TEST(log_capture_goes_on_across_a_dmsup_restart)
{
	char *cfg = h_config("vm1", 1,
			     "\"extra_args\": [\"-trace\", "
			     "\"qmp_enter_query_name\"]");
	char *out;

	h_start(cfg);
	h_stop_dmsup(SIGKILL);
	h_start_dmsup();
	ck_assert_int_eq(h_dmctl(NULL, NULL, "qmp", "vm1", "query-name", NULL),
			 0);
	/* The trace line was written while no dmsup had been there before. */
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "vm1", NULL), 0);
	ck_assert_int_eq(h_dmctl(&out, NULL, "log", "vm1", NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "qmp_enter_query_name"));
	free(out);
	free(cfg);
}
END_TEST

START_TEST(dm_that_was_starting_is_still_starting_after_reattach)
{
	/* The stand-in never answers QMP: it stays starting. */
	char *cfg = h_standin_config("slow", 3, "[]", "");
	int out;

	pid_t start = h_dmctl_bg(&out, "start", cfg, NULL);
	struct json_object *st = h_wait_state("slow", "starting");
	ck_assert_ptr_nonnull(st);
	pid_t pid = (pid_t)h_int(st, "pid");
	json_object_put(st);
	h_stop_dmsup(SIGKILL);
	waitpid(start, NULL, 0);
	close(out);
	h_start_dmsup();
	st = h_status("slow");
	/* Not running: it never was ready. Not spawned again either. */
	ck_assert_str_eq(h_str(st, "state"), "starting");
	ck_assert_int_eq(h_int(st, "pid"), pid);
	ck_assert_int_eq(h_int(st, "spawns"), 1);
	json_object_put(st);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "slow", NULL), 0);
	ck_assert(!h_alive(pid));
	free(cfg);
}
END_TEST

/* A .run that is not what dmsup writes is not believed: the domain comes
 * back defined (nothing adopted, nothing killed) and dmsup keeps serving. */
START_TEST(a_tampered_run_file_is_ignored)
{
	char *cfg = h_config("vm1", 1, ""), path[512];
	pid_t pid = h_start(cfg);
	FILE *f;

	h_stop_dmsup(SIGKILL);
	snprintf(path, sizeof(path), "%s/vm1.run", H.run);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "{\"pid\": %d, \"state\": null}", (int)pid);
	fclose(f);
	h_start_dmsup();
	struct json_object *st = h_status("vm1");
	ck_assert_ptr_nonnull(st);
	ck_assert_str_eq(h_str(st, "state"), "defined");
	json_object_put(st);
	ck_assert(h_alive(pid));
	kill(pid, SIGKILL);
	ck_assert(h_wait_gone(pid));
	free(cfg);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    twenty_dms_are_reattached_with_the_same_pids,
	    death_of_a_reattached_dm_is_detected,
	    qmp_works_again_after_reattach,
	    dm_that_died_while_dmsup_was_down_is_reported_dead,
	    log_capture_goes_on_across_a_dmsup_restart,
	    dm_that_was_starting_is_still_starting_after_reattach,
	    a_tampered_run_file_is_ignored,
	};

	return h_main("dmsup-reattach", NULL, tests,
		      sizeof(tests) / sizeof(*tests));
}
