/*
 * dmsup under xl, without Xen: dmsup-qemu-dm run as libxl runs it (the
 * guest's QEMU argv, libxl's log as its stderr), a real dmsup adopting
 * it, and the stand-in as "the real QEMU". What xl itself adds (the
 * hypervisor, crash -> on_crash) is t-100 in the test bed.
 */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/local/dmsup/harness.h"

static char conf[512], xllog[512];

static void write_conf(const char *control, const char *extra)
{
	FILE *f = fopen(conf, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "# as an admin writes it\nqemu = %s\ncontrol = %s\n%s",
		H.standin, control, extra);
	fclose(f);
}

static void setup(void)
{
	h_setup();
	snprintf(conf, sizeof(conf), "%s/qemu-dm.conf", H.dir);
	snprintf(xllog, sizeof(xllog), "%s/qemu-dm-xl7.log", H.dir);
	write_conf(H.ctl, "timeout_ms = 20000\n");
}

/* Runs dmsup-qemu-dm as libxl does: QEMU's argv for domain 7 "NAME",
 * stdin /dev/null, stdout and stderr libxl's log; a dirty environment
 * (the caller's shell's, as libxl passes it). */
static pid_t run_dropin(const char *name, const char *extra)
{
	char prog[4200];
	pid_t pid;

	snprintf(prog, sizeof(prog), "%s/dmsup-qemu-dm", H.bin);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int log = open(xllog, O_WRONLY | O_CREAT | O_APPEND, 0600);
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		dup2(log, 1);
		dup2(log, 2);
		setenv("DMSUP_QEMU_DM_CONF", conf, 1);
		setenv("HOME", "/root", 1);
		setenv("SHLVL", "2", 1);
		execl(prog, prog, "-xen-domid", "7", "-no-shutdown", "-name",
		      name, "-machine", "xenfv", "--qmp", "--print-env", extra,
		      (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* The drop-in's process, once it runs the stand-in, reaped by us (its
 * parent, as libxl's middle process is). */
static void reap(pid_t pid)
{
	ck_assert(h_wait_gone(pid));
	waitpid(pid, NULL, 0);
}

static char *dmlog(const char *name)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s.log", H.logdir, name);
	return h_read_file(path);
}

static void wait_for_text(const char *path_fmt_name, const char *needle)
{
	for (int i = 0; i < H_TIMEOUT * 10; i++) {
		char *t = dmlog(path_fmt_name);
		bool found = t && strstr(t, needle);
		free(t);
		if (found)
			return;
		usleep(100000);
	}
	ck_abort_msg("'%s' never appeared in %s's log", needle, path_fmt_name);
}

/* libxl's log once @needle is in it (malloc'd). */
static char *xllog_with(const char *needle)
{
	for (int i = 0; i < H_TIMEOUT * 10; i++) {
		char *log = h_read_file(xllog);
		if (log && strstr(log, needle))
			return log;
		free(log);
		usleep(100000);
	}
	ck_abort_msg("'%s' never appeared in libxl's log", needle);
	return NULL;
}

static struct json_object *running(const char *name, pid_t pid)
{
	struct json_object *st = h_wait_state(name, "running");

	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(h_int(st, "pid"), pid);
	ck_assert_str_eq(h_str(st, "origin"), "xl");
	ck_assert_int_eq(h_int(st, "domid"), 7);
	return st;
}

/* Nothing of NAME is left in dmsup: no definition, no state file. */
static void assert_retired(const char *name)
{
	char path[600];
	struct stat sb;

	for (int i = 0; i < H_TIMEOUT * 10; i++) {
		if (h_dmctl(NULL, NULL, "status", name, NULL) != 0)
			break;
		usleep(100000);
	}
	h_dmctl_refused("no domain", "status", name, NULL);
	const char *sfx[] = {".json", ".run", ".fifo", ".qmp"};
	const char *dirs[] = {H.state, H.run};
	for (size_t i = 0; i < sizeof(sfx) / sizeof(*sfx); i++)
		for (size_t j = 0; j < 2; j++) {
			snprintf(path, sizeof(path), "%s/%s%s", dirs[j], name,
				 sfx[i]);
			ck_assert_msg(stat(path, &sb) != 0, "%s is left", path);
		}
}

START_TEST(qemu_gets_libxls_argv_plus_dmsups_monitor_and_a_clean_env)
{
	pid_t pid = run_dropin("xl7", NULL);

	json_object_put(running("xl7", pid));
	wait_for_text("xl7", "standin: env:");
	char *log = dmlog("xl7");
	ck_assert_ptr_nonnull(strstr(
	    log, " -xen-domid 7 -no-shutdown -name xl7 -machine xenfv --qmp "
		 "--print-env -chardev socket,id=dmsup-qmp,fd="));
	ck_assert_ptr_nonnull(
	    strstr(log, ",server=on,wait=off -mon chardev=dmsup-qmp,mode="
			"control\n"));
	ck_assert_ptr_nonnull(strstr(log, "standin: env: PATH=/usr/local/"
					  "sbin:/usr/local/bin:"));
	ck_assert_ptr_nonnull(strstr(log, "standin: env: XEN_DOMAIN_ID=7\n"));
	ck_assert_ptr_null(strstr(log, "HOME="));
	ck_assert_ptr_null(strstr(log, "SHLVL="));
	ck_assert_ptr_null(strstr(log, "DMSUP_QEMU_DM_CONF="));
	/* dmsup's start header: libxl's argv, an argument a line. */
	ck_assert_msg(strstr(log, " UTC: xl7 (domid 7): spawn 1 with "
				  "arguments:\n") &&
			  strstr(log, "\ndmsup:   -xen-domid\ndmsup:   7\n"),
		      "no start header: %s", log);
	free(log);
	/* libxl's log says where the output went. */
	log = h_read_file(xllog);
	ck_assert_ptr_nonnull(strstr(log, "supervised by dmsup; QEMU's output "
					  "is in "));
	free(log);
	kill(pid, SIGKILL);
	reap(pid);
}
END_TEST

START_TEST(sighup_from_the_toolstack_is_a_stop_that_leaves_nothing)
{
	pid_t pid = run_dropin("xl7", NULL);

	json_object_put(running("xl7", pid));
	ck_assert_int_eq(kill(pid, SIGHUP), 0);
	reap(pid);
	assert_retired("xl7");
}
END_TEST

START_TEST(qmp_quit_is_a_stop_by_the_toolstack)
{
	pid_t pid = run_dropin("xl7", NULL);

	json_object_put(running("xl7", pid));
	/* The stand-in says SHUTDOWN host-qmp-quit, then exits 0. */
	h_dmctl(NULL, NULL, "qmp", "xl7", "quit", NULL);
	reap(pid);
	assert_retired("xl7");
}
END_TEST

START_TEST(kill_9_is_a_crash_kept_until_stopped_and_never_restarted)
{
	pid_t pid = run_dropin("xl7", NULL);

	json_object_put(running("xl7", pid));
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	reap(pid);
	struct json_object *st = h_wait_state("xl7", "crashed");
	ck_assert_ptr_nonnull(st);
	ck_assert_str_eq(h_str(st, "step"), "run");
	ck_assert_ptr_nonnull(strstr(h_str(st, "log_tail"), "standin: up"));
	json_object_put(st);
	/* Not restarted: QEMU under a live guest would lose its state. */
	sleep(2);
	st = h_status("xl7");
	ck_assert_str_eq(h_str(st, "state"), "crashed");
	ck_assert_int_eq(h_int(st, "spawns"), 1);
	json_object_put(st);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "xl7", NULL), 0);
	assert_retired("xl7");
}
END_TEST

START_TEST(dmctl_stop_of_a_running_xl_device_model_is_refused)
{
	pid_t pid = run_dropin("xl7", NULL);

	json_object_put(running("xl7", pid));
	h_dmctl_refused("belongs to xl: stop it with xl destroy", "stop", "xl7",
			NULL);
	ck_assert(h_alive(pid));
	kill(pid, SIGKILL);
	reap(pid);
}
END_TEST

START_TEST(a_dmsup_restart_keeps_the_adopted_device_model)
{
	pid_t pid = run_dropin("xl7", NULL);

	json_object_put(running("xl7", pid));
	h_stop_dmsup(SIGKILL);
	h_start_dmsup();
	json_object_put(running("xl7", pid));
	char *out = NULL;
	ck_assert_int_eq(
	    h_dmctl(&out, NULL, "qmp", "xl7", "query-status", NULL), 0);
	free(out);
	/* Its end is still told from a crash after the restart. */
	kill(pid, SIGHUP);
	reap(pid);
	assert_retired("xl7");
}
END_TEST

START_TEST(without_dmsup_qemu_runs_unsupervised_with_a_warning)
{
	char *log;
	pid_t pid;

	write_conf("/nonexistent/control", "timeout_ms = 500\n");
	pid = run_dropin("xl7", NULL);
	/* The stand-in itself says it runs, with libxl's argv only. */
	log = xllog_with("standin: up");
	ck_assert_ptr_nonnull(strstr(
	    log, "dmsup-qemu-dm: warning: dmsup did not adopt domain 7 (xl7): "
		 "cannot connect to /nonexistent/control"));
	ck_assert_ptr_null(strstr(log, "dmsup-qmp"));
	/* libxl's environment goes through untouched. */
	ck_assert_ptr_nonnull(strstr(log, "standin: env: SHLVL=2"));
	free(log);
	kill(pid, SIGKILL);
	reap(pid);
}
END_TEST

START_TEST(fail_closed_fails_the_start_without_dmsup)
{
	int status;
	pid_t pid;

	write_conf("/nonexistent/control",
		   "timeout_ms = 500\non_no_dmsup = fail-closed\n");
	pid = run_dropin("xl7", NULL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	char *log = h_read_file(xllog);
	ck_assert_ptr_nonnull(strstr(log, "failing the start (on_no_dmsup = "
					  "fail-closed)"));
	free(log);
}
END_TEST

START_TEST(a_name_taken_by_a_dmsup_definition_is_refused_clearly)
{
	char *cfg = h_config("xl7", 30, "");
	pid_t pid;

	ck_assert_int_eq(h_dmctl(NULL, NULL, "start", cfg, NULL), 0);
	pid = run_dropin("xl7", NULL);
	char *log = xllog_with("standin: up");
	ck_assert_ptr_nonnull(strstr(log, "the name is taken by a dmsup "
					  "definition (running)"));
	free(log);
	/* The definition is untouched. */
	struct json_object *st = h_status("xl7");
	ck_assert_str_eq(h_str(st, "origin"), "dmsup");
	ck_assert_int_eq(h_int(st, "domid"), 30);
	json_object_put(st);
	kill(pid, SIGKILL);
	reap(pid);
	free(cfg);
}
END_TEST

START_TEST(a_config_that_is_a_fifo_is_refused_not_waited_on)
{
	int status;
	pid_t pid;

	unlink(conf);
	ck_assert_int_eq(mkfifo(conf, 0600), 0);
	pid = run_dropin("xl7", NULL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	char *log = h_read_file(xllog);
	ck_assert_ptr_nonnull(strstr(log, "not a regular file"));
	free(log);
}
END_TEST

int main(void)
{
	const TTest *tests[] = {
	    qemu_gets_libxls_argv_plus_dmsups_monitor_and_a_clean_env,
	    sighup_from_the_toolstack_is_a_stop_that_leaves_nothing,
	    qmp_quit_is_a_stop_by_the_toolstack,
	    kill_9_is_a_crash_kept_until_stopped_and_never_restarted,
	    dmctl_stop_of_a_running_xl_device_model_is_refused,
	    a_dmsup_restart_keeps_the_adopted_device_model,
	    without_dmsup_qemu_runs_unsupervised_with_a_warning,
	    fail_closed_fails_the_start_without_dmsup,
	    a_name_taken_by_a_dmsup_definition_is_refused_clearly,
	    a_config_that_is_a_fifo_is_refused_not_waited_on,
	};

	return h_main("dmsup-adopt", setup, tests,
		      sizeof(tests) / sizeof(tests[0]));
}
