/*
 * Local tests: qmp-call's vchan:DOMID:XSPATH addresses, as far as they go
 * without Xen (docs/qmp-call.1). Talking over a real vchan is tested in
 * the test bed (tests/xen/t-70-qmp-vchan.sh).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/qmp/check-main.h"

struct outcome {
	int status; /* exit status, -1 if killed */
	char out[1024];
	char err[1024];
};

/* The text of a temporary file, then gone. */
static void slurp(FILE *f, char *buf, size_t cap)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Run build/bin/qmp-call (next to this test's tree) with argv[1...]. */
static void qmp_call(struct outcome *o, const char *const argv[])
{
	posix_spawn_file_actions_t fa;
	FILE *out = tmpfile(), *err = tmpfile();
	char exe[PATH_MAX], prog[PATH_MAX + 32];
	ssize_t r = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int status;
	pid_t pid;

	ck_assert(out && err && r > 0);
	exe[r] = '\0';
	snprintf(prog, sizeof(prog), "%s/../../../bin/qmp-call", dirname(exe));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fileno(out), 1);
	posix_spawn_file_actions_adddup2(&fa, fileno(err), 2);
	ck_assert_int_eq(
	    posix_spawn(&pid, prog, &fa, NULL, (char *const *)argv, NULL), 0);
	posix_spawn_file_actions_destroy(&fa);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	o->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	slurp(out, o->out, sizeof(o->out));
	slurp(err, o->err, sizeof(o->err));
}

START_TEST(malformed_vchan_address_is_a_usage_error)
{
	const char *argv[] = {"qmp-call", "vchan:x:/local/domain/1/qmp",
			      "query-status", NULL};
	struct outcome o;

	qmp_call(&o, argv);
	ck_assert_int_eq(o.status, 2);
	ck_assert_str_eq(o.out, "");
	ck_assert_msg(strstr(o.err, "vchan:x:/local/domain/1/qmp: not "
				    "vchan:DOMID:XSPATH"),
		      "%s", o.err);
}
END_TEST

START_TEST(xenstore_path_libxenvchan_would_truncate_is_a_usage_error)
{
	char addr[80] = "vchan:1:/";
	const char *argv[] = {"qmp-call", addr, "query-status", NULL};
	struct outcome o;

	memset(addr + strlen(addr), 'p', 49); /* a 50-byte path */
	qmp_call(&o, argv);
	ck_assert_int_eq(o.status, 2);
	ck_assert_msg(strstr(o.err, "at most 49 bytes"), "%s", o.err);
}
END_TEST

START_TEST(vchan_server_never_published_is_a_connection_failure)
{
	/* No server here (no Xen at all, or nothing at that path): retried
	 * until the timeout, then reported like a refused unix socket. */
	const char *argv[] = {"qmp-call",     "-t",
			      "0.5",	      "vchan:0:/local/domain/0/none",
			      "query-status", NULL};
	struct outcome o;

	qmp_call(&o, argv);
	ck_assert_int_eq(o.status, 3);
	ck_assert_str_eq(o.out, "");
	ck_assert_msg(strstr(o.err, "qmp-call: vchan:0:/local/domain/0/none: "
				    "cannot connect: "),
		      "%s", o.err);
}
END_TEST

static Suite *qmp_call_vchan_suite(void)
{
	Suite *s = suite_create("qmp-call-vchan");
	TCase *tc = tcase_create("address");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, malformed_vchan_address_is_a_usage_error);
	tcase_add_test(
	    tc, xenstore_path_libxenvchan_would_truncate_is_a_usage_error);
	tcase_add_test(tc,
		       vchan_server_never_published_is_a_connection_failure);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(qmp_call_vchan_suite());
}
