/*
 * Local tests: the qmp-call program, run as a user would, against a real
 * QEMU. They check its stdout, stderr and exit status (docs/qmp-call.1).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/local/qmp/qemu-proc.h"
#include "tests/unit/qmp/check-main.h"

#define WAIT_MS 30000

struct run {
	int status; /* exit status, or -1 if it did not exit */
	char out[16384];
	char err[4096];
};

static struct qemu_proc qemu;
static char qmp_call[PATH_MAX];

/* build/tests/local/qmp/test-qmp-call -> build/bin/qmp-call */
static void find_qmp_call(void)
{
	char exe[PATH_MAX];
	ssize_t r = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	ck_assert_int_gt(r, 0);
	exe[r] = 0;
	snprintf(qmp_call, sizeof(qmp_call), "%s/../../../bin/qmp-call",
		 dirname(exe));
	ck_assert_msg(access(qmp_call, X_OK) == 0, "%s: %s", qmp_call,
		      strerror(errno));
}

static void stop_qemu_at_exit(void)
{
	qemu_proc_stop(&qemu);
}

static void setup_qemu(void)
{
	static const char *const machine[] = {"-M", "none", NULL};
	char err[4096];

	find_qmp_call();
	atexit(stop_qemu_at_exit);
	ck_assert_msg(qemu_proc_start(&qemu, machine, 0, err, sizeof(err)) == 0,
		      "%s", err);
}

static void teardown_qemu(void)
{
	qemu_proc_stop(&qemu);
}

static void drain(int *fd, char *buf, size_t cap)
{
	size_t len = strlen(buf);
	ssize_t r = read(*fd, buf + len, cap - len - 1);

	if (r > 0) {
		buf[len + (size_t)r] = 0;
	} else if (r == 0 || errno != EINTR) {
		close(*fd);
		*fd = -1;
	}
}

/* Run qmp-call with args (NULL-terminated), collecting its output. */
static void run_qmp_call(struct run *res, const char *const *args)
{
	const char *argv[8] = {qmp_call};
	int out[2], err[2], n = 1, status;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	while (*args && n < 7)
		argv[n++] = *args++;
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(err, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		execv(qmp_call, (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	while (out[0] >= 0 || err[0] >= 0) {
		struct pollfd pfd[2] = {{.fd = out[0], .events = POLLIN},
					{.fd = err[0], .events = POLLIN}};

		ck_assert_msg(poll(pfd, 2, WAIT_MS) > 0, "qmp-call hangs");
		if (pfd[0].revents)
			drain(&out[0], res->out, sizeof(res->out));
		if (pfd[1].revents)
			drain(&err[0], res->err, sizeof(res->err));
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	res->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(prints_the_return_value_as_json)
{
	const char *args[] = {qemu.qmp, "query-status", NULL};
	struct json_object *ret, *status;
	struct run res;

	run_qmp_call(&res, args);
	ck_assert_int_eq(res.status, 0);
	ck_assert_str_eq(res.err, "");
	ret = json_tokener_parse(res.out);
	ck_assert_ptr_nonnull(ret);
	ck_assert(json_object_object_get_ex(ret, "status", &status));
	ck_assert_str_eq(json_object_get_string(status), "running");
	json_object_put(ret);
}
END_TEST

START_TEST(passes_the_arguments_json)
{
	const char *args[] = {qemu.qmp, "qom-list", "{\"path\": \"/machine\"}",
			      NULL};
	struct json_object *ret;
	struct run res;
	size_t i;

	run_qmp_call(&res, args);
	ck_assert_int_eq(res.status, 0);
	ret = json_tokener_parse(res.out);
	ck_assert(json_object_is_type(ret, json_type_array));
	ck_assert_int_gt(json_object_array_length(ret), 0);
	for (i = 0; i < json_object_array_length(ret); i++)
		ck_assert(json_object_object_get_ex(
		    json_object_array_get_idx(ret, i), "name", NULL));
	json_object_put(ret);
}
END_TEST

START_TEST(qemu_error_goes_to_stderr_with_status_1)
{
	const char *args[] = {qemu.qmp, "no-such-command", NULL};
	char want[256];
	struct run res;

	run_qmp_call(&res, args);
	ck_assert_int_eq(res.status, 1);
	ck_assert_str_eq(res.out, "");
	snprintf(want, sizeof(want),
		 "qmp-call: %s: no-such-command: "
		 "CommandNotFound: ",
		 qemu.qmp);
	ck_assert_msg(strncmp(res.err, want, strlen(want)) == 0, "stderr: %s",
		      res.err);
	ck_assert_int_eq(res.err[strlen(res.err) - 1], '\n');
}
END_TEST

START_TEST(invalid_arguments_json_exits_with_status_2)
{
	const char *args[] = {qemu.qmp, "qom-list", "{\"path\":", NULL};
	struct run res;

	run_qmp_call(&res, args);
	ck_assert_int_eq(res.status, 2);
	ck_assert_ptr_nonnull(strstr(res.err, "ARGUMENTS-JSON"));
}
END_TEST

START_TEST(silent_qemu_times_out_with_status_4)
{
	const char *args[] = {"-t", "0.5", qemu.qmp, "query-status", NULL};
	char want[256];
	struct run res;

	ck_assert_int_eq(kill(qemu.pid, SIGSTOP), 0);
	run_qmp_call(&res, args);
	ck_assert_int_eq(res.status, 4);
	snprintf(want, sizeof(want), "qmp-call: %s: ", qemu.qmp);
	ck_assert_msg(strncmp(res.err, want, strlen(want)) == 0, "stderr: %s",
		      res.err);
}
END_TEST

START_TEST(missing_socket_exits_with_status_3)
{
	const char *args[] = {"/nonexistent/qmp.sock", "query-status", NULL};
	struct run res;

	find_qmp_call();
	run_qmp_call(&res, args);
	ck_assert_int_eq(res.status, 3);
	ck_assert_str_eq(res.err, "qmp-call: /nonexistent/qmp.sock: cannot "
				  "connect: No such file or directory\n");
}
END_TEST

START_TEST(missing_command_prints_usage_with_status_2)
{
	const char *args[] = {"/nonexistent/qmp.sock", NULL};
	struct run res;

	find_qmp_call();
	run_qmp_call(&res, args);
	ck_assert_int_eq(res.status, 2);
	ck_assert_ptr_nonnull(strstr(res.err, "usage: qmp-call"));
}
END_TEST

static Suite *qmp_call_suite(void)
{
	Suite *s = suite_create("qmp-call");
	TCase *tc;

	tc = tcase_create("with-qemu");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup_qemu, teardown_qemu);
	tcase_add_test(tc, prints_the_return_value_as_json);
	tcase_add_test(tc, passes_the_arguments_json);
	tcase_add_test(tc, qemu_error_goes_to_stderr_with_status_1);
	tcase_add_test(tc, invalid_arguments_json_exits_with_status_2);
	tcase_add_test(tc, silent_qemu_times_out_with_status_4);
	suite_add_tcase(s, tc);

	tc = tcase_create("without-qemu");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, missing_socket_exits_with_status_3);
	tcase_add_test(tc, missing_command_prints_usage_with_status_2);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(qmp_call_suite());
}
