/*
 * libdmsup against the real dmsup daemon (and, for what dmsup never
 * does, a listening socket of the test's own that answers nothing or
 * hangs up): every call, dmsup's errors, 100 requests in flight on one
 * connection, a server that dies mid-request, the blocking call and its
 * timeout. Stand-in device models answer QMP (tests/local/dmsup/standin).
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "libdmsup/libdmsup.h"
#include "tests/local/dmsup/harness.h"

#define N_PIPELINED 100

/* What one request ended with. */
struct res {
	int calls;
	struct json_object *reply;
	char *error;
	int order; /* the how-many-th reply */
};

static int ended;

static void res_cb(void *arg, struct json_object *reply, const char *error)
{
	struct res *r = arg;

	r->calls++;
	r->order = ended++;
	r->reply = reply ? json_object_get(reply) : NULL;
	r->error = error ? strdup(error) : NULL;
}

static void res_clear(struct res *r)
{
	json_object_put(r->reply);
	free(r->error);
	memset(r, 0, sizeof(*r));
}

static struct event_base *base;
static struct dmsup_client *cl;

/* Each test runs in a process of its own (Check forks): the client and
 * the base end with it. */
static void setup(void)
{
	char *err;

	h_setup();
	base = event_base_new();
	cl = dmsup_client_new(base, H.ctl, &err);
	ck_assert_msg(cl, "%s", err);
	ended = 0;
}

/* Runs the loop until @r ended (the harness's timeout bounds it). */
static void run_until(struct res *r)
{
	while (!r->calls)
		ck_assert_int_eq(event_base_loop(base, EVLOOP_ONCE), 0);
}

/* One call through @send's request, its end. */
#define ASK(r, call)                                                           \
	do {                                                                   \
		res_clear(r);                                                  \
		ck_assert_int_eq((call), 0);                                   \
		run_until(r);                                                  \
		ck_assert_int_eq((r)->calls, 1);                               \
	} while (0)

#define assert_ok(r)                                                           \
	do {                                                                   \
		ck_assert_msg(!(r)->error, "error: %s", (r)->error);           \
		ck_assert(dmsup_reply_ok((r)->reply));                         \
	} while (0)

static void assert_refused(struct res *r, const char *step, const char *text)
{
	ck_assert_ptr_nonnull(r->reply);
	ck_assert(!dmsup_reply_ok(r->reply));
	ck_assert_str_eq(dmsup_reply_step(r->reply), step);
	ck_assert_msg(r->error && strstr(r->error, text), "'%s' lacks '%s'",
		      r->error, text);
}

static struct json_object *standin_config(const char *name)
{
	char *path = h_standin_config(name, 7, "[\"--qmp\"]", "");
	struct json_object *c = json_object_from_file(path);

	ck_assert_ptr_nonnull(c);
	free(path);
	return c;
}

START_TEST(hello_agrees_on_protocol_2)
{
	struct res r = {0};

	ck_assert_int_eq(dmsup_client_protocol(cl), 1);
	ASK(&r, dmsup_hello(cl, res_cb, &r));
	assert_ok(&r);
	ck_assert_int_eq(dmsup_client_protocol(cl), 2);
	ck_assert_ptr_nonnull(dmsup_json_string(r.reply, "version"));
	res_clear(&r);
}
END_TEST

START_TEST(every_call_against_dmsup)
{
	struct res r = {0};

	/* A real QEMU: hotplug, save and resume are QEMU's to do. */
	char *path = h_config("vm1", 11, "\"machine\": \"pc-i440fx-3.1\"");
	ASK(&r, dmsup_define(cl, json_object_from_file(path), res_cb, &r));
	free(path);
	assert_ok(&r);
	ck_assert_str_eq(
	    dmsup_json_string(dmsup_reply_domain(r.reply), "state"), "defined");
	ASK(&r, dmsup_start(cl, "vm1", -1, res_cb, &r));
	assert_ok(&r);
	struct json_object *d = dmsup_reply_domain(r.reply);
	ck_assert_str_eq(dmsup_json_string(d, "state"), "running");
	ck_assert(h_alive((pid_t)dmsup_json_int(d, "pid")));
	ASK(&r, dmsup_status(cl, "vm1", res_cb, &r));
	assert_ok(&r);
	ck_assert_str_eq(dmsup_json_string(dmsup_reply_domain(r.reply), "name"),
			 "vm1");
	ASK(&r, dmsup_list(cl, res_cb, &r));
	assert_ok(&r);
	struct json_object *all = json_object_object_get(r.reply, "domains");
	ck_assert_int_eq(json_object_array_length(all), 1);
	ASK(&r, dmsup_qmp(cl, "vm1", "query-status", NULL, res_cb, &r));
	assert_ok(&r);
	ck_assert(json_object_object_get_ex(r.reply, "return", NULL));
	ASK(&r, dmsup_nic_attach(cl, "vm1", "e1000", "00:16:3e:00:00:01",
				 "nic9", res_cb, &r));
	assert_ok(&r);
	ck_assert_str_eq(dmsup_json_string(r.reply, "id"), "nic9");
	ASK(&r, dmsup_nic_detach(cl, "vm1", "nic9", res_cb, &r));
	assert_ok(&r);
	ASK(&r, dmsup_save(cl, "vm1", res_cb, &r));
	assert_ok(&r);
	ASK(&r, dmsup_status(cl, "vm1", res_cb, &r));
	ck_assert(json_object_get_boolean(
	    json_object_object_get(dmsup_reply_domain(r.reply), "paused")));
	ASK(&r, dmsup_resume(cl, "vm1", res_cb, &r));
	assert_ok(&r);
	ASK(&r,
	    dmsup_pci_attach(cl, "vm1", "0000:03:00.0,msitrans=1", res_cb, &r));
	assert_refused(&r, "request", "unknown option 'msitrans'");
	ASK(&r, dmsup_pci_detach(cl, "vm1", "zz", res_cb, &r));
	ck_assert(!dmsup_reply_ok(r.reply));
	ASK(&r, dmsup_stop(cl, "vm1", res_cb, &r));
	assert_ok(&r);
	ck_assert_str_eq(
	    dmsup_json_string(dmsup_reply_domain(r.reply), "state"), "stopped");
	ASK(&r, dmsup_undefine(cl, "vm1", res_cb, &r));
	assert_ok(&r);
	ASK(&r, dmsup_status(cl, "vm1", res_cb, &r));
	assert_refused(&r, "request", "no domain 'vm1'");
	res_clear(&r);
}
END_TEST

START_TEST(start_config_and_the_errors_of_dmsup)
{
	struct res r = {0};
	struct json_object *bad = standin_config("vm2");

	json_object_object_add(bad, "vcpus", json_object_new_int(0));
	ASK(&r, dmsup_start_config(cl, bad, res_cb, &r));
	assert_refused(&r, "config", "field 'vcpus'");
	ASK(&r, dmsup_start_config(cl, standin_config("vm2"), res_cb, &r));
	assert_ok(&r);
	ASK(&r, dmsup_start(cl, "vm2", -1, res_cb, &r));
	assert_refused(&r, "start", "already running");
	ASK(&r, dmsup_stop(cl, "nope", res_cb, &r));
	assert_refused(&r, "request", "no domain 'nope'");
	ASK(&r, dmsup_request(cl, json_tokener_parse("{\"cmd\": \"reboot\"}"),
			      res_cb, &r));
	assert_refused(&r, "request", "unknown command 'reboot'");
	ASK(&r, dmsup_stop(cl, "vm2", res_cb, &r));
	assert_ok(&r);
	/* The library's start binds a domid as dmctl start --domid does. */
	ASK(&r, dmsup_start(cl, "vm2", 33, res_cb, &r));
	assert_ok(&r);
	ck_assert_int_eq(dmsup_json_int(dmsup_reply_domain(r.reply), "domid"),
			 33);
	ASK(&r, dmsup_stop(cl, "vm2", res_cb, &r));
	assert_ok(&r);
	res_clear(&r);
}
END_TEST

START_TEST(a_hundred_requests_in_flight_on_one_connection)
{
	static struct res r[N_PIPELINED];

	for (int i = 0; i < N_PIPELINED; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		ck_assert_int_eq(dmsup_status(cl, NULL, res_cb, &r[i]), 0);
	}
	ck_assert_uint_eq(dmsup_client_pending(cl), N_PIPELINED);
	while (ended < N_PIPELINED)
		ck_assert_int_eq(event_base_loop(base, EVLOOP_ONCE), 0);
	for (int i = 0; i < N_PIPELINED; i++) {
		ck_assert_int_eq(r[i].calls, 1);
		assert_ok(&r[i]);
		/* dmsup answers in order; each went to its own request. */
		ck_assert_int_eq(r[i].order, i);
		ck_assert_int_eq(dmsup_json_int(r[i].reply, "req_id"), i + 1);
		res_clear(&r[i]);
	}
	ck_assert_uint_eq(dmsup_client_pending(cl), 0);
}
END_TEST

static void event_cb(void *arg, struct json_object *ev)
{
	const char *want = arg;
	struct json_object *d = dmsup_reply_domain(ev);

	if (!strcmp(dmsup_json_string(ev, "event"), "state") &&
	    !strcmp(dmsup_json_string(d, "state"), want))
		ended = 1000;
}

START_TEST(watch_delivers_the_state_events)
{
	struct res r = {0}, s = {0};
	char *err;
	struct dmsup_client *other = dmsup_client_new(base, H.ctl, &err);

	ck_assert_ptr_nonnull(other);
	ASK(&r, dmsup_start_config(cl, standin_config("vm3"), res_cb, &r));
	assert_ok(&r);
	dmsup_client_on_event(other, event_cb, (char *)"stopped");
	res_clear(&s);
	ck_assert_int_eq(dmsup_watch(other, "vm3", res_cb, &s), 0);
	run_until(&s);
	assert_ok(&s);
	ASK(&r, dmsup_stop(cl, "vm3", res_cb, &r));
	assert_ok(&r);
	while (ended < 1000)
		ck_assert_int_eq(event_base_loop(base, EVLOOP_ONCE), 0);
	dmsup_client_free(other);
	res_clear(&r);
	res_clear(&s);
}
END_TEST

/* A server of the test's own: listens at @path; accepts one client. */
static int listen_at(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	return fd;
}

START_TEST(a_server_that_dies_mid_request_fails_each_request_once)
{
	static struct res r[3];
	char path[400], buf[64], *err;

	snprintf(path, sizeof(path), "%s/dying", H.dir);
	int l = listen_at(path);
	struct dmsup_client *c = dmsup_client_new(base, path, &err);
	ck_assert_ptr_nonnull(c);
	for (int i = 0; i < 3; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		ck_assert_int_eq(dmsup_status(c, NULL, res_cb, &r[i]), 0);
	}
	int s = accept(l, NULL, NULL);
	event_base_loop(base, EVLOOP_NONBLOCK); /* the requests go out */
	ck_assert_int_gt(read(s, buf, sizeof(buf)), 0);
	close(s); /* mid-request: no reply */
	while (ended < 3)
		ck_assert_int_eq(event_base_loop(base, EVLOOP_ONCE), 0);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(r[i].calls, 1);
		ck_assert_ptr_null(r[i].reply);
		ck_assert_str_eq(r[i].error, "dmsup closed the connection");
		res_clear(&r[i]);
	}
	/* Closed: a new request is refused at once, nothing is called. */
	ck_assert_int_eq(dmsup_status(c, NULL, res_cb, &r[0]), -1);
	event_base_loop(base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(r[0].calls, 0);
	dmsup_client_free(c);
	close(l);
}
END_TEST

START_TEST(the_real_dmsup_killed_mid_start_fails_the_start_once)
{
	struct res r = {0};
	/* No --qmp: the stand-in never answers QMP, start keeps waiting. */
	char *path = h_standin_config("vm4", 4, "[]", "");
	struct json_object *c = json_object_from_file(path);

	ck_assert_int_eq(dmsup_start_config(cl, c, res_cb, &r), 0);
	event_base_loop(base, EVLOOP_NONBLOCK); /* the request goes out */
	struct json_object *st = h_wait_state("vm4", "starting");

	ck_assert_ptr_nonnull(st);
	json_object_put(st);
	h_stop_dmsup(SIGKILL);
	run_until(&r);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_ptr_null(r.reply);
	ck_assert_ptr_nonnull(r.error);
	res_clear(&r);
	free(path);
}
END_TEST

START_TEST(the_blocking_call)
{
	struct json_object *reply;
	char *err;

	ck_assert_int_eq(dmsup_call(H.ctl,
				    json_tokener_parse("{\"cmd\": "
						       "\"status\"}"),
				    -1, &reply, &err),
			 0);
	ck_assert_ptr_null(err);
	ck_assert(json_object_object_get_ex(reply, "domains", NULL));
	json_object_put(reply);
	ck_assert_int_eq(
	    dmsup_call(H.ctl,
		       json_tokener_parse("{\"cmd\": \"stop\", \"domain\": "
					  "\"x\"}"),
		       60000, &reply, &err),
	    1);
	ck_assert_str_eq(err, "no domain 'x'");
	ck_assert_str_eq(dmsup_reply_step(reply), "request");
	json_object_put(reply);
	free(err);
	ck_assert_int_eq(dmsup_call("/nonexistent/control",
				    json_object_new_object(), -1, &reply, &err),
			 -1);
	ck_assert_ptr_nonnull(
	    strstr(err, "cannot reach dmsup at /nonexistent"));
	free(err);
}
END_TEST

START_TEST(the_blocking_call_times_out)
{
	struct json_object *reply;
	char path[400], *err;

	snprintf(path, sizeof(path), "%s/silent", H.dir);
	int l = listen_at(path); /* the connection waits in its backlog */
	ck_assert_int_eq(dmsup_call(path,
				    json_tokener_parse("{\"cmd\": \"status\"}"),
				    200, &reply, &err),
			 -1);
	ck_assert_ptr_null(reply);
	ck_assert_str_eq(err, "no reply from dmsup within 200 ms");
	free(err);
	close(l);
}
END_TEST

static struct dmsup_client *to_free;

static void free_cb(void *arg, struct json_object *reply, const char *error)
{
	res_cb(arg, reply, error);
	dmsup_client_free(to_free); /* the later requests end now, once */
}

START_TEST(freeing_the_client_in_a_callback_is_safe)
{
	static struct res r[3];
	char *err;

	to_free = dmsup_client_new(base, H.ctl, &err);
	memset(r, 0, sizeof(r));
	ck_assert_int_eq(dmsup_status(to_free, NULL, free_cb, &r[0]), 0);
	ck_assert_int_eq(dmsup_status(to_free, NULL, res_cb, &r[1]), 0);
	ck_assert_int_eq(dmsup_status(to_free, NULL, res_cb, &r[2]), 0);
	run_until(&r[0]);
	assert_ok(&r[0]);
	for (int i = 1; i < 3; i++) {
		ck_assert_int_eq(r[i].calls, 1);
		ck_assert_ptr_null(r[i].reply);
		ck_assert_str_eq(r[i].error, "the client was freed");
		res_clear(&r[i]);
	}
	res_clear(&r[0]);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    hello_agrees_on_protocol_2,
	    every_call_against_dmsup,
	    start_config_and_the_errors_of_dmsup,
	    a_hundred_requests_in_flight_on_one_connection,
	    watch_delivers_the_state_events,
	    a_server_that_dies_mid_request_fails_each_request_once,
	    the_real_dmsup_killed_mid_start_fails_the_start_once,
	    the_blocking_call,
	    the_blocking_call_times_out,
	    freeing_the_client_in_a_callback_is_safe,
	};

	return h_main("libdmsup", setup, tests, sizeof(tests) / sizeof(*tests));
}
