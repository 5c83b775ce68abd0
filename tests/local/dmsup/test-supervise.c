/* dmsup supervising real QEMU processes: start, status, QMP, crash, stop. */
#include <check.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/local/dmsup/harness.h"

START_TEST(start_blocks_until_ready_and_status_shows_running_with_pid)
{
	char *cfg = h_config("vm1", 11, "");
	char *out;

	ck_assert_int_eq(h_dmctl(&out, NULL, "start", cfg, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "vm1 (domid 11): running, pid "));
	free(out);
	struct json_object *st = h_status("vm1");
	ck_assert_str_eq(h_str(st, "state"), "running");
	ck_assert(h_alive((pid_t)h_int(st, "pid")));
	json_object_put(st);
	ck_assert_int_eq(h_dmctl(&out, NULL, "list", NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "vm1"));
	ck_assert_ptr_nonnull(strstr(out, "running"));
	free(out);
	free(cfg);
}
END_TEST

START_TEST(qmp_passthrough_returns_qemus_answer)
{
	char *cfg = h_config("vm1", 11,
			     "\"machine\": \"pc\", "
			     "\"extra_args\": [\"-S\"]");
	char *out;

	ck_assert_int_eq(h_dmctl(NULL, NULL, "start", cfg, NULL), 0);
	ck_assert_int_eq(
	    h_dmctl(&out, NULL, "--json", "qmp", "vm1", "query-status", NULL),
	    0);
	/* -S: the guest has not started. */
	ck_assert_ptr_nonnull(strstr(out, "\"status\":\"prelaunch\""));
	free(out);
	ck_assert_int_eq(h_dmctl(&out, NULL, "qmp", "vm1", "query-name", NULL),
			 0);
	ck_assert_ptr_nonnull(strstr(out, "vm1"));
	free(out);
	free(cfg);
}
END_TEST

START_TEST(qmp_passthrough_passes_arguments)
{
	char *cfg = h_config("vm1", 11, ""), *out;

	h_start(cfg);
	ck_assert_int_eq(h_dmctl(&out, NULL, "--json", "qmp", "vm1",
				 "human-monitor-command",
				 "{\"command-line\": \"info name\"}", NULL),
			 0);
	ck_assert_str_eq(out, "\"vm1\\r\\n\"\n");
	free(out);
	free(cfg);
}
END_TEST

START_TEST(qmp_error_from_qemu_is_reported)
{
	char *cfg = h_config("vm1", 11, "");
	char *err;

	ck_assert_int_eq(h_dmctl(NULL, NULL, "start", cfg, NULL), 0);
	ck_assert_int_eq(
	    h_dmctl(NULL, &err, "qmp", "vm1", "no-such-command", NULL), 1);
	ck_assert_ptr_nonnull(strstr(err, "CommandNotFound"));
	free(err);
	free(cfg);
}
END_TEST

START_TEST(kill_9_is_reported_as_crash_with_signal_and_log_tail)
{
	/* QMP tracing gives QEMU something to say on stderr. */
	char *cfg = h_config("vm1", 11,
			     "\"extra_args\": [\"-trace\", "
			     "\"qmp_*capabilities\"]");

	pid_t pid = h_start(cfg);
	struct json_object *st;
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	st = h_wait_state("vm1", "crashed");
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(h_int(st, "signal"), 9);
	ck_assert_str_eq(h_str(st, "exit"), "killed by signal 9 (Killed)");
	ck_assert_ptr_nonnull(
	    strstr(h_str(st, "log_tail"), "qmp_exit_qmp_capabilities"));
	json_object_put(st);
	char *out;
	ck_assert_int_eq(h_dmctl(&out, NULL, "status", "vm1", NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "crashed"));
	ck_assert_ptr_nonnull(strstr(out, "killed by signal 9"));
	ck_assert_ptr_nonnull(strstr(out, "log tail:"));
	free(out);
	free(cfg);
}
END_TEST

START_TEST(insta_crashing_dm_is_spawned_five_times_then_failed)
{
	char count[400], *cfg;

	snprintf(count, sizeof(count),
		 "[\"--count\", \"%s/spawns\", "
		 "\"--exit\", \"3\"]",
		 H.dir);
	cfg =
	    h_standin_config("crashy", 12, count, "\"restart\": \"on-crash\"");
	char *err;
	ck_assert_int_eq(h_dmctl(NULL, &err, "start", cfg, NULL), 1);
	ck_assert_ptr_nonnull(strstr(err, "crashy (domid 12)"));
	ck_assert_ptr_nonnull(strstr(err, "exited with status 3"));
	free(err);
	struct json_object *st = h_wait_state("crashy", "failed");
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(h_int(st, "spawns"), 5);
	ck_assert_ptr_nonnull(strstr(h_str(st, "error"), "giving up"));
	json_object_put(st);
	snprintf(count, sizeof(count), "%s/spawns", H.dir);
	char *spawns = h_read_file(count);
	ck_assert_str_eq(spawns, "spawn\nspawn\nspawn\nspawn\nspawn\n");
	free(spawns);
	free(cfg);
}
END_TEST

START_TEST(crash_without_restart_policy_stays_crashed)
{
	char *cfg = h_standin_config("once", 13, "[\"--exit\", \"1\"]", "");

	ck_assert_int_eq(h_dmctl(NULL, NULL, "start", cfg, NULL), 1);
	struct json_object *st = h_status("once");
	ck_assert_str_eq(h_str(st, "state"), "crashed");
	ck_assert_int_eq(h_int(st, "exit_status"), 1);
	ck_assert_int_eq(h_int(st, "spawns"), 1);
	json_object_put(st);
	free(cfg);
}
END_TEST

START_TEST(stop_leaves_nothing_behind)
{
	char *cfg = h_config("vm1", 11, "");
	char path[512], *out;

	pid_t pid = h_start(cfg);
	struct json_object *st;
	ck_assert_int_eq(h_dmctl(&out, NULL, "stop", "vm1", NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "vm1 (domid 11): stopped"));
	free(out);
	ck_assert(!h_alive(pid));
	/* Neither QEMU nor the log helper is left. */
	snprintf(path, sizeof(path), "%s/vm1", H.run);
	ck_assert_int_eq(h_count_procs(path), 0);
	snprintf(path, sizeof(path), "--log-helper %s vm1", H.logdir);
	ck_assert_int_eq(h_count_procs(path), 0);
	static const char *const gone[] = {".fifo", ".qmp", ".run"};
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/vm1%s", H.run, gone[i]);
		ck_assert_msg(access(path, F_OK) != 0, "%s is left", path);
	}
	st = h_status("vm1");
	ck_assert_str_eq(h_str(st, "state"), "stopped");
	json_object_put(st);
	free(cfg);
}
END_TEST

START_TEST(stop_kills_a_dm_that_ignores_quit_and_sigterm)
{
	/* SIGSTOP: neither QMP quit nor SIGTERM can end it; SIGKILL must. */
	char *cfg = h_config("vm1", 11, "\"stop_timeout\": 1");

	pid_t pid = h_start(cfg);
	struct json_object *st;
	kill(pid, SIGSTOP);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "vm1", NULL), 0);
	ck_assert(!h_alive(pid));
	st = h_status("vm1");
	ck_assert_str_eq(h_str(st, "state"), "stopped");
	ck_assert_int_eq(h_int(st, "signal"), 9);
	json_object_put(st);
	free(cfg);
}
END_TEST

START_TEST(set_on_a_stopped_domain_applies_at_next_start)
{
	char *cfg = h_config("vm1", 11, "");
	char *out;

	ck_assert_int_eq(h_dmctl(NULL, NULL, "start", cfg, NULL), 0);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "vm1", NULL), 0);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "set", "vm1", "memory=24", NULL),
			 0);
	/* It persists: a restarted dmsup still has it. */
	h_stop_dmsup(SIGTERM);
	h_start_dmsup();
	ck_assert_int_eq(h_dmctl(NULL, NULL, "start", "vm1", NULL), 0);
	ck_assert_int_eq(h_dmctl(&out, NULL, "--json", "qmp", "vm1",
				 "query-memory-size-summary", NULL),
			 0);
	ck_assert_ptr_nonnull(strstr(out, "\"base-memory\":25165824"));
	free(out);
	free(cfg);
}
END_TEST

START_TEST(log_shows_what_the_dm_wrote)
{
	char *cfg = h_standin_config("talk", 14, "[\"--qmp\"]", "");
	char *out;

	ck_assert_int_eq(h_dmctl(NULL, NULL, "start", cfg, NULL), 0);
	/* The log helper writes what it reads when it gets the CPU: the
	 * line may land just after ready. */
	for (double end = h_now() + H_TIMEOUT;; poll(NULL, 0, 20)) {
		ck_assert_int_eq(
		    h_dmctl(&out, NULL, "log", "-n", "1", "talk", NULL), 0);
		if (!strcmp(out, "standin: up\n") || h_now() > end)
			break;
		free(out);
	}
	ck_assert_str_eq(out, "standin: up\n");
	free(out);
	free(cfg);
}
END_TEST

/* Each spawn starts with a header: when, which spawn, each argument on a
 * line of its own (as libxl logs its command line). */
START_TEST(log_starts_with_the_spawn_and_its_command_line)
{
	char *cfg = h_standin_config("head", 15, "[\"--qmp\"]", "");
	char *out, want[4200];

	ck_assert_int_eq(h_dmctl(NULL, NULL, "start", cfg, NULL), 0);
	ck_assert_int_eq(h_dmctl(&out, NULL, "log", "-n", "200", "head", NULL),
			 0);
	ck_assert_msg(strstr(out, " UTC: head (domid 15): spawn 1 with "
				  "arguments:\n"),
		      "no header: %s", out);
	snprintf(want, sizeof(want), "\ndmsup:   %s\n", H.standin);
	ck_assert_msg(strstr(out, want), "no %s: %s", H.standin, out);
	ck_assert_msg(strstr(out, "\ndmsup:   --qmp\n"), "no --qmp line: %s",
		      out);
	/* QEMU's own output follows the header. */
	ck_assert_ptr_nonnull(strstr(strstr(out, "--qmp"), "standin: up"));
	free(out);
	free(cfg);
}
END_TEST

START_TEST(no_qmp_greeting_before_ready_timeout_fails_the_start)
{
	char *cfg = h_standin_config("mute", 15, "[]", "\"ready_timeout\": 1");
	char *err, needle[512];

	ck_assert_int_eq(h_dmctl(NULL, &err, "start", cfg, NULL), 1);
	ck_assert_ptr_nonnull(strstr(err, "domain mute (domid 15): qmp failed: "
					  "not ready: no QMP greeting before "
					  "the readiness timeout"));
	free(err);
	struct json_object *st = h_status("mute");
	ck_assert_str_eq(h_str(st, "state"), "failed");
	json_object_put(st);
	/* The unready device model was stopped, not left behind. */
	snprintf(needle, sizeof(needle), "%s/mute.fifo", H.run);
	ck_assert_int_eq(h_count_procs(needle), 0);
	free(cfg);
}
END_TEST

START_TEST(status_watch_prints_each_state_change)
{
	char *cfg = h_config("vm1", 11, "");
	int out;

	pid_t pid = h_start(cfg);
	pid_t watch = h_dmctl_bg(&out, "status", "--watch", "vm1", NULL);
	ck_assert(h_read_until(out, "vm1 (domid 11): running"));
	kill(pid, SIGKILL);
	ck_assert(h_read_until(out, "vm1 (domid 11): crashed: killed by "
				    "signal 9 (Killed)"));
	kill(watch, SIGTERM);
	waitpid(watch, NULL, 0);
	close(out);
	free(cfg);
}
END_TEST

START_TEST(log_follow_prints_new_lines_as_they_come)
{
	char *cfg = h_config("vm1", 11,
			     "\"extra_args\": [\"-trace\", "
			     "\"qmp_enter_query_name\"]");
	int out;

	h_start(cfg);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "qmp", "vm1", "query-name", NULL),
			 0);
	pid_t follow = h_dmctl_bg(&out, "log", "-f", "-n", "1", "vm1", NULL);
	/* Once it has printed the tail, it is following. */
	ck_assert(h_read_until(out, "qmp_enter_query_name"));
	ck_assert_int_eq(h_dmctl(NULL, NULL, "qmp", "vm1", "query-name", NULL),
			 0);
	ck_assert(h_read_until(out, "qmp_enter_query_name"));
	/* The end of the device model shows in the stream. */
	struct json_object *st = h_status("vm1");
	kill((pid_t)h_int(st, "pid"), SIGKILL);
	json_object_put(st);
	ck_assert(h_read_until(out, "vm1 (domid 11): crashed: killed by "
				    "signal 9 (Killed)"));
	kill(follow, SIGTERM);
	waitpid(follow, NULL, 0);
	close(out);
	free(cfg);
}
END_TEST

START_TEST(crashed_dm_with_restart_policy_runs_again_and_all_is_reaped)
{
	char *cfg = h_config("vm1", 11, "\"restart\": \"on-crash\"");
	pid_t pid = h_start(cfg);

	kill(pid, SIGKILL);
	struct json_object *st = h_wait_state("vm1", "crashed");
	ck_assert_ptr_nonnull(st);
	json_object_put(st);
	st = h_wait_state("vm1", "running");
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(h_int(st, "spawns"), 2);
	ck_assert_int_ne(h_int(st, "pid"), pid);
	ck_assert(h_alive((pid_t)h_int(st, "pid")));
	json_object_put(st);
	/* Two QEMUs and two log helpers were spawned: all reaped (dmsup has
	 * no SIGCHLD handler, each child is reaped by its pidfd). */
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "vm1", NULL), 0);
	ck_assert(h_wait_childless(H.dmsup));
	free(cfg);
}
END_TEST

START_TEST(stop_of_a_crashed_dm_cancels_its_restart)
{
	char *cfg = h_config("vm1", 11, "\"restart\": \"on-crash\"");
	pid_t pid = h_start(cfg);
	char *out;

	kill(pid, SIGKILL);
	json_object_put(h_wait_state("vm1", "crashed"));
	ck_assert_int_eq(h_dmctl(&out, NULL, "stop", "vm1", NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "vm1 (domid 11): stopped"));
	free(out);
	struct json_object *st = h_status("vm1");
	ck_assert_str_eq(h_str(st, "state"), "stopped");
	ck_assert_int_eq(h_int(st, "spawns"), 1);
	json_object_put(st);
	free(cfg);
}
END_TEST

START_TEST(stop_while_starting_ends_the_start_and_the_dm)
{
	/* The stand-in never answers QMP: the start waits until stopped. */
	char *cfg = h_standin_config("mute", 15, "[]", "");
	char needle[512];
	int out;

	pid_t start = h_dmctl_bg(&out, "start", cfg, NULL);
	json_object_put(h_wait_state("mute", "starting"));
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "mute", NULL), 0);
	ck_assert(h_read_until(out, "domain mute (domid 15): start failed: "
				    "stopped before it was ready"));
	int status;
	ck_assert_int_eq(waitpid(start, &status, 0), start);
	ck_assert_int_eq(WEXITSTATUS(status), 1);
	close(out);
	snprintf(needle, sizeof(needle), "%s/mute.fifo", H.run);
	ck_assert_int_eq(h_count_procs(needle), 0);
	free(cfg);
}
END_TEST

START_TEST(ten_concurrent_starts_all_become_ready)
{
	pid_t starts[10];
	int outs[10];
	char *cfgs[10];

	for (int i = 0; i < 10; i++) {
		char name[16];
		snprintf(name, sizeof(name), "c%d", i);
		cfgs[i] = h_config(name, 20 + i, "");
		starts[i] = h_dmctl_bg(&outs[i], "start", cfgs[i], NULL);
	}
	for (int i = 0; i < 10; i++) {
		char expect[64];
		int status;
		snprintf(expect, sizeof(expect), "c%d (domid %d): running", i,
			 20 + i);
		ck_assert(h_read_until(outs[i], expect));
		ck_assert_int_eq(waitpid(starts[i], &status, 0), starts[i]);
		ck_assert_int_eq(WEXITSTATUS(status), 0);
		close(outs[i]);
		free(cfgs[i]);
	}
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    start_blocks_until_ready_and_status_shows_running_with_pid,
	    qmp_passthrough_returns_qemus_answer,
	    qmp_passthrough_passes_arguments,
	    qmp_error_from_qemu_is_reported,
	    kill_9_is_reported_as_crash_with_signal_and_log_tail,
	    insta_crashing_dm_is_spawned_five_times_then_failed,
	    crash_without_restart_policy_stays_crashed,
	    stop_leaves_nothing_behind,
	    stop_kills_a_dm_that_ignores_quit_and_sigterm,
	    set_on_a_stopped_domain_applies_at_next_start,
	    log_shows_what_the_dm_wrote,
	    log_starts_with_the_spawn_and_its_command_line,
	    no_qmp_greeting_before_ready_timeout_fails_the_start,
	    status_watch_prints_each_state_change,
	    log_follow_prints_new_lines_as_they_come,
	    crashed_dm_with_restart_policy_runs_again_and_all_is_reaped,
	    stop_of_a_crashed_dm_cancels_its_restart,
	    stop_while_starting_ends_the_start_and_the_dm,
	    ten_concurrent_starts_all_become_ready,
	};

	return h_main("dmsup-supervise", NULL, tests,
		      sizeof(tests) / sizeof(*tests));
}
