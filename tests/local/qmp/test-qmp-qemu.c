/*
 * Local tests: libqmp against a real qemu-system-x86_64 (TCG, no Xen).
 * Each test starts its own QEMU in a private directory.
 */
#include <check.h>
#include <event2/event.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qmp/qmp.h"
#include "tests/unit/qmp/run-until.h"
#include "tests/local/qmp/qemu-proc.h"
#include "tests/unit/qmp/check-main.h"

#define WAIT_S 30

struct reply {
	int calls;
	int rc;
	int order;
	const char *cmd;
	struct json_object *ret; /* a reference of our own */
	char err_class[64];
};

static struct qemu_proc qemu;
static struct event_base *base;
static struct qmp *q;
static int sequence;
static int ready_calls, closed_calls, closed_rc, closed_order;
static char events_seen[1024];

static void reply_cb(struct qmp *qq, int rc, struct json_object *ret,
		     const struct qmp_error *err, void *arg)
{
	struct reply *r = arg;

	r->calls++;
	r->rc = rc;
	r->order = ++sequence;
	r->ret = ret ? json_object_get(ret) : NULL;
	if (err)
		snprintf(r->err_class, sizeof(r->err_class), "%s", err->class);
}

static void ready_cb(struct qmp *qq, void *arg)
{
	ready_calls++;
}

static void closed_cb(struct qmp *qq, int rc, const char *why, void *arg)
{
	closed_calls++;
	closed_rc = rc;
	closed_order = ++sequence;
}

static void event_cb(struct qmp *qq, const char *name, struct json_object *data,
		     const struct qmp_timestamp *ts, void *arg)
{
	size_t len = strlen(events_seen);

	snprintf(events_seen + len, sizeof(events_seen) - len, "%s ", name);
}

static const struct qmp_callbacks cbs = {
    .ready = ready_cb,
    .event = event_cb,
    .closed = closed_cb,
};

#define RUN_UNTIL(cond) RUN_UNTIL_S(base, WAIT_S, cond)

static void stop_qemu_at_exit(void)
{
	qemu_proc_stop(&qemu);
}

static void start(const char *const *machine)
{
	struct qmp_limits lim = {.handshake_timeout_ms = WAIT_S * 1000,
				 .command_timeout_ms = WAIT_S * 1000};
	char err[4096];

	atexit(stop_qemu_at_exit); /* also when an assertion fails */
	ck_assert_msg(qemu_proc_start(&qemu, machine, 0, err, sizeof(err)) == 0,
		      "%s", err);
	base = event_base_new();
	q = qmp_new(base, &cbs, &lim);
	ck_assert_int_eq(qmp_connect_unix(q, qemu.qmp), 0);
	RUN_UNTIL(ready_calls == 1);
}

static void setup_none(void)
{
	static const char *const machine[] = {"-M", "none", NULL};

	start(machine);
}

static void setup_pc_stopped(void)
{
	static const char *const machine[] = {"-M", "pc", "-S", NULL};

	start(machine);
}

static void teardown(void)
{
	qmp_free(q);
	event_base_free(base);
	qemu_proc_stop(&qemu);
}

/* Run one command to completion; the reply must be a success. */
static struct json_object *run(const char *cmd, struct json_object *args,
			       int fd, struct reply *r)
{
	ck_assert_int_eq(qmp_execute(q, cmd, args, fd, 0, reply_cb, r), 0);
	RUN_UNTIL(r->calls == 1);
	ck_assert_msg(r->rc == QMP_OK, "%s: rc %d %s", cmd, r->rc,
		      r->err_class);
	return r->ret;
}

static int member_int(struct json_object *o, const char *key)
{
	struct json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
	return json_object_get_int(v);
}

static const char *member_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
	return json_object_get_string(v);
}

START_TEST(greeting_reports_the_installed_qemu_version)
{
	int major, minor, micro, want[3] = {-1, -1, -1};
	char line[256] = "";
	FILE *f = popen("qemu-system-x86_64 --version", "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	pclose(f);
	ck_assert_int_eq(sscanf(line, "QEMU emulator version %d.%d.%d",
				&want[0], &want[1], &want[2]),
			 3);
	ck_assert_int_eq(qmp_version(q, &major, &minor, &micro), 0);
	ck_assert_int_eq(major, want[0]);
	ck_assert_int_eq(minor, want[1]);
	ck_assert_int_eq(micro, want[2]);
	ck_assert_ptr_nonnull(strstr(line, qmp_package(q)));
}
END_TEST

START_TEST(query_status_reports_running)
{
	struct reply r = {0};
	struct json_object *ret = run("query-status", NULL, -1, &r);

	ck_assert_str_eq(member_str(ret, "status"), "running");
	json_object_put(ret);
}
END_TEST

START_TEST(query_version_matches_the_greeting)
{
	struct reply r = {0};
	struct json_object *ret = run("query-version", NULL, -1, &r), *qemuv;
	int major, minor, micro;

	qmp_version(q, &major, &minor, &micro);
	ck_assert(json_object_object_get_ex(ret, "qemu", &qemuv));
	ck_assert_int_eq(member_int(qemuv, "major"), major);
	ck_assert_int_eq(member_int(qemuv, "minor"), minor);
	ck_assert_int_eq(member_int(qemuv, "micro"), micro);
	ck_assert_str_eq(member_str(ret, "package"), qmp_package(q));
	json_object_put(ret);
}
END_TEST

START_TEST(qemu_error_comes_with_its_class)
{
	struct reply r = {0};

	ck_assert_int_eq(
	    qmp_execute(q, "no-such-command", NULL, -1, 0, reply_cb, &r), 0);
	RUN_UNTIL(r.calls == 1);
	ck_assert_int_eq(r.rc, QMP_E_QEMU);
	ck_assert_str_eq(r.err_class, "CommandNotFound");
}
END_TEST

START_TEST(schema_reply_fits_the_default_limits)
{
	struct reply r = {0};
	struct json_object *schema = run("query-qmp-schema", NULL, -1, &r);

	/* QEMU's largest reply: hundreds of entries, well over 64 KiB. */
	ck_assert(json_object_is_type(schema, json_type_array));
	ck_assert_int_gt(json_object_array_length(schema), 100);
	ck_assert_int_gt(strlen(json_object_to_json_string(schema)), 65536);
	json_object_put(schema);
}
END_TEST

START_TEST(hundred_pipelined_commands_are_all_answered)
{
	static struct reply r[100];
	int i, done = 0;

	/* Alternate two commands so a mismatched reply would show. */
	for (i = 0; i < 100; i++) {
		r[i].cmd = i % 2 ? "query-version" : "query-status";
		ck_assert_int_eq(
		    qmp_execute(q, r[i].cmd, NULL, -1, 0, reply_cb, &r[i]), 0);
	}
	ck_assert_uint_eq(qmp_pending_count(q), 100);
	RUN_UNTIL(qmp_pending_count(q) == 0);
	for (i = 0; i < 100; i++) {
		ck_assert_int_eq(r[i].calls, 1);
		ck_assert_int_eq(r[i].rc, QMP_OK);
		ck_assert(json_object_object_get_ex(
		    r[i].ret, i % 2 ? "qemu" : "status", NULL));
		json_object_put(r[i].ret);
		done++;
	}
	ck_assert_int_eq(done, 100);
}
END_TEST

START_TEST(add_fd_then_query_fdsets_shows_it)
{
	struct reply add = {0}, query = {0};
	struct json_object *args, *ret, *sets, *set, *fds;
	char path[160];
	int fd, qemu_fd;

	snprintf(path, sizeof(path), "%s/disk.img", qemu.dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	args = json_tokener_parse("{\"fdset-id\": 7, \"opaque\": \"disk\"}");
	ret = run("add-fd", args, fd, &add);
	close(fd);
	unlink(path);
	ck_assert_int_eq(member_int(ret, "fdset-id"), 7);
	qemu_fd = member_int(ret, "fd");
	json_object_put(ret);

	sets = run("query-fdsets", NULL, -1, &query);
	ck_assert_int_eq(json_object_array_length(sets), 1);
	set = json_object_array_get_idx(sets, 0);
	ck_assert_int_eq(member_int(set, "fdset-id"), 7);
	ck_assert(json_object_object_get_ex(set, "fds", &fds));
	ck_assert_int_eq(json_object_array_length(fds), 1);
	ck_assert_int_eq(member_int(json_object_array_get_idx(fds, 0), "fd"),
			 qemu_fd);
	ck_assert_str_eq(
	    member_str(json_object_array_get_idx(fds, 0), "opaque"), "disk");
	json_object_put(sets);
}
END_TEST

START_TEST(sigkill_with_commands_pending_fails_each_once_and_reports_it)
{
	static struct reply r[10];
	int i;

	/* A stopped QEMU cannot answer: the commands surely are pending. */
	ck_assert_int_eq(kill(qemu.pid, SIGSTOP), 0);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(qmp_execute(q, "query-status", NULL, -1, 0,
					     reply_cb, &r[i]),
				 0);
	ck_assert_int_eq(kill(qemu.pid, SIGKILL), 0);
	RUN_UNTIL(closed_calls == 1);
	ck_assert_int_eq(closed_rc, QMP_E_DISCONNECTED);
	for (i = 0; i < 10; i++) {
		ck_assert_int_eq(r[i].calls, 1);
		ck_assert_int_eq(r[i].rc, QMP_E_DISCONNECTED);
		ck_assert_int_lt(r[i].order, closed_order);
	}
	ck_assert_uint_eq(qmp_pending_count(q), 0);
	qmp_free(q);
	q = NULL;
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(r[i].calls, 1);
}
END_TEST

START_TEST(cont_and_stop_emit_RESUME_and_STOP)
{
	struct reply status = {0}, cont = {0}, stop = {0};
	struct json_object *ret = run("query-status", NULL, -1, &status);

	ck_assert_str_eq(member_str(ret, "status"), "prelaunch");
	json_object_put(ret);
	json_object_put(run("cont", NULL, -1, &cont));
	RUN_UNTIL(strstr(events_seen, "RESUME"));
	json_object_put(run("stop", NULL, -1, &stop));
	RUN_UNTIL(strstr(events_seen, "STOP"));
	ck_assert_str_eq(events_seen, "RESUME STOP ");
}
END_TEST

static Suite *qemu_suite(void)
{
	Suite *s = suite_create("qmp-qemu");
	TCase *tc;

	tc = tcase_create("machine-none");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup_none, teardown);
	tcase_add_test(tc, greeting_reports_the_installed_qemu_version);
	tcase_add_test(tc, query_status_reports_running);
	tcase_add_test(tc, query_version_matches_the_greeting);
	tcase_add_test(tc, qemu_error_comes_with_its_class);
	tcase_add_test(tc, schema_reply_fits_the_default_limits);
	tcase_add_test(tc, hundred_pipelined_commands_are_all_answered);
	tcase_add_test(tc, add_fd_then_query_fdsets_shows_it);
	tcase_add_test(
	    tc, sigkill_with_commands_pending_fails_each_once_and_reports_it);
	suite_add_tcase(s, tc);

	tc = tcase_create("machine-pc-stopped");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup_pc_stopped, teardown);
	tcase_add_test(tc, cont_and_stop_emit_RESUME_and_STOP);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(qemu_suite());
}
