/* The restore's state machine (dmsup/kind/dmrestore.c) against a fake
 * QMP layer that records each command and lets the test answer it: the
 * order of the commands, the wait for inmigrate, a load that ends before
 * migrate-incoming's reply, QEMU's reason for a failure, the timeout, and
 * no callback after dmrestore_free even with replies still to come. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "dmsup/kind/dmqmp.h"
#include "dmsup/kind/dmrestore.h"
#include "tests/unit/dmsup/run.h"

/* ---- the fake QMP layer ---- */

struct call {
	char cmd[64];
	dmqmp_reply_fn *cb;
	void *arg;
	off_t fd_pos; /* getfd: the fd's offset; -1: none */
};

static struct call calls[32];
static int n_calls;
static dmqmp_event_fn *sub_cb;
static void *sub_arg;
static int sub_token;

static int record(const char *cmd, dmqmp_reply_fn *cb, void *arg, int fd)
{
	struct call *c = &calls[n_calls++];

	ck_assert_int_lt(n_calls, 32);
	snprintf(c->cmd, sizeof(c->cmd), "%s", cmd);
	c->cb = cb;
	c->arg = arg;
	c->fd_pos = fd >= 0 ? lseek(fd, 0, SEEK_CUR) : -1;
	return 0;
}

int dmqmp_query(struct dmqmp *m, enum dmqmp_cmd query, dmqmp_reply_fn *cb,
		void *arg, const char **err_r)
{
	return record(query == DMQMP_QUERY_STATUS ? "query-status"
						  : "query-migrate",
		      cb, arg, -1);
}

int dmqmp_migrate_events(struct dmqmp *m, dmqmp_reply_fn *cb, void *arg,
			 const char **err_r)
{
	return record("migrate-set-capabilities", cb, arg, -1);
}

int dmqmp_getfd(struct dmqmp *m, int fd, const char *name, dmqmp_reply_fn *cb,
		void *arg, const char **err_r)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "getfd %s", name);
	return record(cmd, cb, arg, fd);
}

int dmqmp_migrate_incoming(struct dmqmp *m, const char *uri, dmqmp_reply_fn *cb,
			   void *arg, const char **err_r)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "migrate-incoming %s", uri);
	return record(cmd, cb, arg, -1);
}

struct dmqmp_sub *dmqmp_subscribe(struct dmqmp *m, const char *event,
				  const char *key, const char *value,
				  dmqmp_event_fn *cb, void *arg,
				  const char **err_r)
{
	ck_assert_str_eq(event, "MIGRATION");
	sub_cb = cb;
	sub_arg = arg;
	return (struct dmqmp_sub *)&sub_token;
}

void dmqmp_unsubscribe(struct dmqmp_sub *s)
{
	if (s)
		sub_cb = NULL;
}

/* ---- the test's side ---- */

static struct event_base *base;
static struct dmrestore *r;
static int told;
static char told_err[1024];
static char file[64];

static void done_cb(void *arg, const char *err)
{
	told++;
	snprintf(told_err, sizeof(told_err), "%s", err ? err : "ok");
}

static const struct dmrestore_args args = {"domid 3 (vm1)", file, 2, done_cb,
					   NULL};

static void setup(void)
{
	base = event_base_new();
	n_calls = told = 0;
	sub_cb = NULL;
	told_err[0] = '\0';
	snprintf(file, sizeof(file), "/tmp/test-dmrestore.XXXXXX");
	int fd = mkostemp(file, O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(lseek(fd, 4096, SEEK_SET), 4096);
	r = dmrestore_start_take_fd(base, (struct dmqmp *)&sub_token, fd,
				    &args);
	ck_assert_ptr_nonnull(r);
}

static void teardown(void)
{
	dmrestore_free(r);
	event_base_free(base);
	unlink(file);
}

static void loop(void)
{
	event_base_loop(base, EVLOOP_NONBLOCK);
}

/* Answers call @i with @json (NULL: {}) or @err. */
static void reply(int i, const char *json, const char *err)
{
	struct json_object *ret =
	    err ? NULL : json_tokener_parse(json ? json : "{}");

	ck_assert_int_lt(i, n_calls);
	calls[i].cb(calls[i].arg, ret, err);
	json_object_put(ret);
}

static void migration(const char *status)
{
	char text[64];
	struct json_object *data;

	snprintf(text, sizeof(text), "{\"status\": \"%s\"}", status);
	data = json_tokener_parse(text);
	ck_assert_ptr_nonnull(sub_cb);
	sub_cb(sub_arg, "MIGRATION", data, NULL);
	json_object_put(data);
}

/* Up to migrate-incoming sent: calls 0..3. */
static void up_to_incoming(void)
{
	reply(0, "{\"status\": \"inmigrate\", \"running\": false}", NULL);
	reply(1, NULL, NULL);
	reply(2, NULL, NULL);
	ck_assert_int_eq(n_calls, 4);
}

START_TEST(commands_go_in_order_and_completed_is_ready)
{
	ck_assert_int_eq(n_calls, 1);
	ck_assert_str_eq(calls[0].cmd, "query-status");
	up_to_incoming();
	ck_assert_str_eq(calls[1].cmd, "migrate-set-capabilities");
	ck_assert_str_eq(calls[2].cmd, "getfd dmsup-restore");
	ck_assert_int_eq(calls[2].fd_pos, 4096); /* after the header */
	ck_assert_str_eq(calls[3].cmd, "migrate-incoming fd:dmsup-restore");
	reply(3, NULL, NULL);
	migration("setup");
	migration("active");
	loop();
	ck_assert_int_eq(told, 0);
	migration("completed");
	ck_assert_int_eq(told, 0); /* never synchronously */
	loop();
	ck_assert_int_eq(told, 1);
	ck_assert_str_eq(told_err, "ok");
	ck_assert_ptr_null(sub_cb);
}
END_TEST

START_TEST(query_status_is_repeated_until_inmigrate)
{
	reply(0, "{\"status\": \"prelaunch\"}", NULL);
	ck_assert_int_eq(n_calls, 1);
	for (int i = 0; i < 50 && n_calls == 1; i++) {
		usleep(10000);
		loop();
	}
	ck_assert_int_eq(n_calls, 2);
	ck_assert_str_eq(calls[1].cmd, "query-status");
	reply(1, "{\"status\": \"inmigrate\"}", NULL);
	ck_assert_str_eq(calls[2].cmd, "migrate-set-capabilities");
}
END_TEST

START_TEST(a_load_that_ends_before_the_reply_is_ready)
{
	up_to_incoming();
	migration("completed");
	loop();
	ck_assert_int_eq(told, 1);
	ck_assert_str_eq(told_err, "ok");
	reply(3, NULL, NULL); /* late: nothing more */
	loop();
	ck_assert_int_eq(told, 1);
	ck_assert_int_eq(n_calls, 4);
}
END_TEST

/* MIGRATION failed, query-migrate answered @json or @err: the outcome
 * names the file and has @want. */
static void failed_with(const char *json, const char *err, const char *want)
{
	up_to_incoming();
	reply(3, NULL, NULL);
	migration("failed");
	ck_assert_int_eq(n_calls, 5);
	ck_assert_str_eq(calls[4].cmd, "query-migrate");
	reply(4, json, err);
	loop();
	ck_assert_int_eq(told, 1);
	ck_assert_ptr_nonnull(strstr(told_err, file));
	ck_assert_msg(strstr(told_err, want), "%s", told_err);
}

START_TEST(failed_is_told_with_qemus_reason)
{
	failed_with("{\"status\": \"failed\", \"error-desc\": \"bad stream\"}",
		    NULL, "QEMU: bad stream");
}
END_TEST

START_TEST(failed_without_a_reason_still_names_the_file)
{
	failed_with(NULL, "the QMP connection ended", "QEMU could not load it");
}
END_TEST

START_TEST(a_command_error_fails_naming_the_step)
{
	reply(0, "{\"status\": \"inmigrate\"}", NULL);
	reply(1, NULL, "GenericError: no");
	loop();
	ck_assert_int_eq(told, 1);
	ck_assert_ptr_nonnull(strstr(told_err, "failed at events: "
					       "GenericError: no"));
	ck_assert_int_eq(n_calls, 2);
}
END_TEST

START_TEST(no_completed_in_time_fails)
{
	struct timeval tv = {3, 0};

	up_to_incoming();
	reply(3, NULL, NULL);
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	ck_assert_int_eq(told, 1);
	ck_assert_ptr_nonnull(strstr(told_err, "failed at loading: timed out"));
}
END_TEST

START_TEST(nothing_is_told_after_free_even_with_replies_pending)
{
	reply(0, "{\"status\": \"inmigrate\"}", NULL);
	dmrestore_free(r);
	r = NULL;
	reply(1, NULL, "cancelled"); /* the record goes with this reply */
	loop();
	ck_assert_int_eq(told, 0);
	ck_assert_int_eq(n_calls, 2);
}
END_TEST

/* ---- a restarted dmsup resumes (dmrestore_resume) ---- */

/* The setup's restore is dropped: a restarted dmsup starts afresh. */
static void resumed(void)
{
	dmrestore_free(r);
	n_calls = 0;
	r = dmrestore_resume(base, (struct dmqmp *)&sub_token, &args);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(n_calls, 1);
	ck_assert_str_eq(calls[0].cmd, "query-migrate");
}

START_TEST(resume_of_a_load_under_way_waits_for_completed)
{
	resumed();
	reply(0, "{\"status\": \"active\"}", NULL);
	loop();
	ck_assert_int_eq(told, 0);
	ck_assert_int_eq(n_calls, 1); /* nothing sent again */
	migration("completed");
	loop();
	ck_assert_int_eq(told, 1);
	ck_assert_str_eq(told_err, "ok");
}
END_TEST

START_TEST(resume_of_a_completed_load_is_ready)
{
	resumed();
	reply(0, "{\"status\": \"completed\"}", NULL);
	loop();
	ck_assert_int_eq(told, 1);
	ck_assert_str_eq(told_err, "ok");
}
END_TEST

/* The old dmsup died before migrate-incoming: never reported running. */
START_TEST(resume_of_a_load_never_begun_fails)
{
	resumed();
	reply(0, "{}", NULL); /* QEMU 7.2: no status before any migration */
	loop();
	ck_assert_int_eq(told, 1);
	ck_assert_msg(strstr(told_err, file) &&
			  strstr(told_err, "before QEMU began loading it"),
		      "%s", told_err);
	ck_assert_int_eq(n_calls, 1); /* no migrate-incoming of its own */
}
END_TEST

START_TEST(resume_of_a_failed_load_fails_with_qemus_reason)
{
	resumed();
	reply(0, "{\"status\": \"failed\"}", NULL);
	ck_assert_int_eq(n_calls, 2);
	reply(1, "{\"status\": \"failed\", \"error-desc\": \"bad stream\"}",
	      NULL);
	loop();
	ck_assert_int_eq(told, 1);
	ck_assert_msg(strstr(told_err, "QEMU: bad stream"), "%s", told_err);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    commands_go_in_order_and_completed_is_ready,
	    query_status_is_repeated_until_inmigrate,
	    a_load_that_ends_before_the_reply_is_ready,
	    failed_is_told_with_qemus_reason,
	    failed_without_a_reason_still_names_the_file,
	    a_command_error_fails_naming_the_step,
	    no_completed_in_time_fails,
	    nothing_is_told_after_free_even_with_replies_pending,
	    resume_of_a_load_under_way_waits_for_completed,
	    resume_of_a_completed_load_is_ready,
	    resume_of_a_load_never_begun_fails,
	    resume_of_a_failed_load_fails_with_qemus_reason,
	};

	return run_suite("dmsup-dmrestore", setup, teardown, tests,
			 sizeof(tests) / sizeof(*tests));
}
