/*
 * Runtime files apart from definitions (dmsup -r): a device model's .run,
 * sentinel FIFO and QMP socket are in the runtime directory, its
 * definition in the state directory; a device model an older dmsup
 * started, with its runtime files in the state directory, is reattached
 * from there and its next run is in the runtime directory; paths too
 * long for a unix socket are refused with the reason.
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

static const char *const runtime[] = {".run", ".fifo", ".qmp"};
#define N_RUNTIME (sizeof(runtime) / sizeof(*runtime))

static bool exists(const char *dir, const char *name, const char *suffix)
{
	char path[600];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s%s", dir, name, suffix);
	return lstat(path, &st) == 0;
}

/* Every runtime file of @name is in @in, none in @not_in. */
static void assert_runtime_files(const char *name, const char *in,
				 const char *not_in)
{
	for (size_t i = 0; i < N_RUNTIME; i++) {
		ck_assert_msg(exists(in, name, runtime[i]), "no %s/%s%s", in,
			      name, runtime[i]);
		ck_assert_msg(!exists(not_in, name, runtime[i]), "%s/%s%s",
			      not_in, name, runtime[i]);
	}
}

static void assert_no_runtime_files(const char *name)
{
	for (size_t i = 0; i < N_RUNTIME; i++)
		ck_assert_msg(!exists(H.run, name, runtime[i]) &&
				  !exists(H.state, name, runtime[i]),
			      "%s%s is left", name, runtime[i]);
}

/* dmsup's stderr so far, malloc'd. */
static char *dmsup_log(void)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/dmsup.stderr", H.dir);
	return h_read_file(path);
}

START_TEST(runtime_files_are_in_the_runtime_dir_the_definition_is_not)
{
	char *cfg = h_config("vm1", 1, "");

	h_start(cfg);
	assert_runtime_files("vm1", H.run, H.state);
	ck_assert(exists(H.state, "vm1", ".json"));
	ck_assert(!exists(H.run, "vm1", ".json"));
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "vm1", NULL), 0);
	assert_no_runtime_files("vm1");
	free(cfg);
}
END_TEST

/*
 * An upgrade from a dmsup that kept runtime files beside the definitions:
 * moved there while no dmsup runs (the same device model, FIFO and QMP
 * socket, as an older dmsup left them).
 */
START_TEST(an_older_layout_is_reattached_and_its_next_run_moves)
{
	char *cfg = h_config("vm1", 1, ""), from[600], to[600], *log;
	pid_t pid = h_start(cfg);

	h_stop_dmsup(SIGKILL);
	for (size_t i = 0; i < N_RUNTIME; i++) {
		snprintf(from, sizeof(from), "%s/vm1%s", H.run, runtime[i]);
		snprintf(to, sizeof(to), "%s/vm1%s", H.state, runtime[i]);
		ck_assert_int_eq(rename(from, to), 0);
	}
	h_start_dmsup();
	struct json_object *st = h_status("vm1");
	ck_assert_str_eq(h_str(st, "state"), "running");
	ck_assert_int_eq(h_int(st, "pid"), pid);
	json_object_put(st);
	ck_assert_int_eq(
	    h_dmctl(NULL, NULL, "qmp", "vm1", "query-status", NULL), 0);
	log = dmsup_log();
	ck_assert_msg(log && strstr(log, "an older dmsup's layout"), "%s",
		      log ? log : "");
	free(log);
	/* Its end removes them there; the next run is in the runtime dir. */
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "vm1", NULL), 0);
	ck_assert(h_wait_gone(pid));
	assert_no_runtime_files("vm1");
	h_start(cfg);
	assert_runtime_files("vm1", H.run, H.state);
	free(cfg);
}
END_TEST

/* Runs another dmsup with @ctl and @run; its exit status, *err_r its
 * stderr. */
static int run_dmsup(const char *ctl, const char *run, char **err_r)
{
	return h_dmsup_args(err_r, "-f", "-s", ctl, "-r", run, "-d", H.state,
			    "-l", H.logdir, NULL);
}

/* "<H.dir>/xxx...": @len bytes long. */
static void long_path(char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len + 1, "%s/", H.dir);

	ck_assert_int_lt(n, len);
	memset(buf + n, 'x', len - n);
	buf[len] = '\0';
}

START_TEST(a_control_socket_path_too_long_is_refused_at_start)
{
	char ctl[200], *err;

	long_path(ctl, 120);
	ck_assert_int_eq(run_dmsup(ctl, H.run, &err), 1);
	ck_assert_msg(err && strstr(err, "the control socket") &&
			  strstr(err, "is 120 bytes long, a unix socket path "
				      "holds at most 107"),
		      "%s", err ? err : "");
	free(err);
}
END_TEST

START_TEST(a_runtime_dir_with_no_room_for_a_socket_is_refused_at_start)
{
	char run[200], *err;

	long_path(run, 110);
	ck_assert_int_eq(run_dmsup(H.ctl, run, &err), 1);
	ck_assert_msg(err && strstr(err, "no QMP socket fits in it"), "%s",
		      err ? err : "");
	free(err);
}
END_TEST

/* A runtime dir of 70 bytes leaves 32 for a name: a warning at start,
 * and a longer name is refused when defined, naming the socket and the
 * limit. */
START_TEST(a_name_too_long_for_its_qmp_socket_is_refused_when_defined)
{
	static const char name[] = "a-name-of-forty-bytes-for-a-qmp-socket-x";
	char *cfg, *err = NULL, *log, path[512];

	h_stop_dmsup(SIGTERM);
	long_path(H.run, 70);
	h_start_dmsup();
	log = dmsup_log();
	ck_assert_msg(log && strstr(log, "warning: the runtime directory") &&
			  strstr(log, "longer than 32 bytes cannot get a QMP "
				      "socket"),
		      "%s", log ? log : "");
	free(log);
	cfg = h_config(name, 3, "");
	ck_assert_int_eq(h_dmctl(NULL, &err, "start", cfg, NULL), 1);
	ck_assert_msg(strstr(err, "cannot define ") && strstr(err, name) &&
			  strstr(err, "QMP socket ") &&
			  strstr(err, "is 115 bytes long, a unix socket path "
				      "holds at most 107"),
		      "%s", err);
	free(err);
	free(cfg);
	/* Refused when defined: nothing is kept that could never start. */
	snprintf(path, sizeof(path), "%s/%s.json", H.state, name);
	ck_assert_msg(access(path, F_OK) != 0, "%s was saved", path);
	ck_assert_int_eq(h_dmctl(NULL, &err, "status", name, NULL), 1);
	ck_assert_msg(strstr(err, "no domain"), "%s", err);
	free(err);
	/* A short name still starts there. */
	cfg = h_config("vm1", 1, "");
	h_start(cfg);
	free(cfg);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    runtime_files_are_in_the_runtime_dir_the_definition_is_not,
	    an_older_layout_is_reattached_and_its_next_run_moves,
	    a_control_socket_path_too_long_is_refused_at_start,
	    a_runtime_dir_with_no_room_for_a_socket_is_refused_at_start,
	    a_name_too_long_for_its_qmp_socket_is_refused_when_defined,
	};
	return h_main("rundir", NULL, tests, sizeof(tests) / sizeof(*tests));
}
