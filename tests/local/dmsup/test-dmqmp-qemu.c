/*
 * The daemon's QMP layer (dmsup/kind/dmqmp) against a real
 * qemu-system-x86_64 (TCG, no Xen): the typed vocabulary carries commands
 * and QEMU's events reach their subscribers. The machine is a stopped pc
 * with a USB controller: QEMU unplugs a USB device at device_del at once,
 * without a guest (a PCI device on pc would wait for the guest's ACPI).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include <json-c/json.h>

#include "dmsup/kind/dmqmp.h"
#include "tests/local/qmp/qemu-proc.h"
#include "tests/unit/qmp/check-main.h"
#include "tests/unit/qmp/run-until.h"

#define WAIT_S 30

/* One subscriber: its events, and its end. */
struct watcher {
	struct dmqmp_sub *sub;
	int events, ends;
	char event[64], path[128], why[256];
};

/* One command's answer. */
struct answer {
	int calls;
	char err[256];
	struct json_object *ret; /* a reference of our own */
};

static struct qemu_proc qemu;
static struct event_base *base;
static struct dmqmp *m;
static int ready_calls, lost_calls;

#define RUN_UNTIL(cond) RUN_UNTIL_S(base, WAIT_S, cond)

static void ready_cb(void *arg, const char *err)
{
	ck_assert_msg(!err, "not ready: %s", err);
	ready_calls++;
}

static void link_cb(void *arg, enum dmqmp_link_state state, const char *why)
{
	if (state == DMQMP_LINK_RECONNECTING || state == DMQMP_LINK_LOST)
		lost_calls++;
}

static void stop_qemu_at_exit(void)
{
	qemu_proc_stop(&qemu);
}

static void setup(void)
{
	static const char *const machine[] = {
	    "-M", "pc", "-S", "-device", "qemu-xhci,id=xhci", NULL};
	char err[4096];

	atexit(stop_qemu_at_exit); /* also when an assertion fails */
	ck_assert_msg(qemu_proc_start(&qemu, machine, 0, err, sizeof(err)) == 0,
		      "%s", err);
	base = event_base_new();
	m = dmqmp_connect(base, qemu.qmp, "test", WAIT_S, ready_cb, link_cb,
			  NULL);
	ck_assert_ptr_nonnull(m);
	RUN_UNTIL(ready_calls == 1);
}

/* Before a test's watchers go out of scope: each is told its end. */
static void free_link(void)
{
	dmqmp_free(m);
	m = NULL;
}

static void teardown(void)
{
	dmqmp_free(m);
	event_base_free(base);
	qemu_proc_stop(&qemu);
}

static void watcher_cb(void *arg, const char *event, struct json_object *data,
		       const char *why)
{
	struct watcher *w = arg;
	struct json_object *path;

	if (!event) {
		w->ends++;
		snprintf(w->why, sizeof(w->why), "%s", why);
		return;
	}
	w->events++;
	snprintf(w->event, sizeof(w->event), "%s", event);
	if (json_object_object_get_ex(data, "path", &path))
		snprintf(w->path, sizeof(w->path), "%s",
			 json_object_get_string(path));
}

static void watch(struct watcher *w, const char *event, const char *key,
		  const char *value)
{
	const char *err = NULL;

	w->sub = dmqmp_subscribe(m, event, key, value, watcher_cb, w, &err);
	ck_assert_msg(w->sub, "subscribe: %s", err);
}

static void answer_cb(void *arg, struct json_object *ret, const char *err)
{
	struct answer *a = arg;

	a->calls++;
	a->ret = ret ? json_object_get(ret) : NULL;
	snprintf(a->err, sizeof(a->err), "%s", err ? err : "");
}

/* Waits for @a's answer (@rc: what the call returned); it must be OK.
 * The answer's value is the caller's to keep or drop. */
static void wait_ok(const char *what, int rc, const char *err, struct answer *a)
{
	ck_assert_msg(rc == 0, "%s: %s", what, err);
	RUN_UNTIL(a->calls == 1);
	ck_assert_msg(!*a->err, "%s: %s", what, a->err);
}

/* As wait_ok, for an answer that says nothing more. */
static void wait_done(const char *what, int rc, const char *err,
		      struct answer *a)
{
	wait_ok(what, rc, err, a);
	json_object_put(a->ret);
	a->ret = NULL;
}

/* query-status's "status", e.g. "prelaunch", "paused", "running". */
static const char *status(void)
{
	static char text[64];
	struct answer a = {0};
	struct json_object *v;
	const char *err = NULL;
	int rc = dmqmp_query(m, DMQMP_QUERY_STATUS, answer_cb, &a, &err);

	wait_ok("query-status", rc, err, &a);
	ck_assert(json_object_object_get_ex(a.ret, "status", &v));
	snprintf(text, sizeof(text), "%s", json_object_get_string(v));
	json_object_put(a.ret);
	return text;
}

/* usb-kbd @id on the controller's bus. */
static void add_keyboard(const char *id)
{
	struct answer a = {0};
	const char *err = NULL;
	int rc = dmqmp_device_add(m, "usb-kbd", id,
				  json_tokener_parse("{\"bus\": \"xhci.0\"}"),
				  answer_cb, &a, &err);

	wait_done("device_add", rc, err, &a);
}

START_TEST(device_del_of_a_usb_device_delivers_DEVICE_DELETED_to_its_watcher)
{
	struct watcher kbd1 = {0}, kbd2 = {0}, stops = {0};
	struct answer del = {0};
	const char *err = NULL;
	int rc;

	add_keyboard("kbd1");
	add_keyboard("kbd2");
	watch(&kbd1, "DEVICE_DELETED", "device", "kbd1");
	watch(&kbd2, "DEVICE_DELETED", "device", "kbd2");
	watch(&stops, "STOP", NULL, NULL);
	rc = dmqmp_device_del(m, "kbd1", answer_cb, &del, &err);
	ck_assert_int_eq(kbd1.events, 0); /* never from the call itself */
	wait_done("device_del", rc, err, &del);
	RUN_UNTIL(kbd1.events == 1);
	ck_assert_str_eq(kbd1.event, "DEVICE_DELETED");
	ck_assert_str_eq(kbd1.path, "/machine/peripheral/kbd1");
	ck_assert_int_eq(kbd2.events, 0);
	ck_assert_int_eq(stops.events, 0);
	ck_assert_int_eq(kbd1.ends + kbd2.ends + stops.ends, 0);
	free_link();
	ck_assert_int_eq(kbd1.ends + kbd2.ends + stops.ends, 3);
}
END_TEST

/* The link only sees the connection end: it reconnects, keeping the
 * watchers, until its owner (who sees the death) frees it; they are then
 * told once why the connection ended. */
START_TEST(watchers_are_told_once_when_qemu_dies)
{
	struct watcher a = {0}, b = {0};
	const char *err = NULL;

	watch(&a, "DEVICE_DELETED", "device", "kbd1");
	watch(&b, NULL, NULL, NULL);
	qemu_proc_stop(&qemu);
	RUN_UNTIL(lost_calls == 1);
	ck_assert_int_eq(dmqmp_link_state(m), DMQMP_LINK_RECONNECTING);
	ck_assert_int_eq(
	    dmqmp_execute(m, "query-status", NULL, 5, answer_cb, NULL, &err),
	    -1);
	ck_assert_msg(strstr(err, "test is reconnecting"), "err: %s", err);
	ck_assert_int_eq(a.ends + b.ends, 0);
	free_link();
	ck_assert_int_eq(a.ends + b.ends, 2);
	ck_assert_int_eq(a.events, 0);
	ck_assert_msg(strstr(a.why, "onnection"), "why: %s", a.why);
	ck_assert_str_eq(a.why, b.why);
}
END_TEST

START_TEST(free_tells_a_waiting_watcher_cancelled_before_it_returns)
{
	struct watcher w = {0};

	add_keyboard("kbd1");
	watch(&w, "DEVICE_DELETED", "device", "kbd1");
	free_link();
	ck_assert_int_eq(w.ends, 1);
	ck_assert_str_eq(w.why, "cancelled");
}
END_TEST

START_TEST(cont_and_stop_change_the_status_and_send_their_events)
{
	struct watcher resumed = {0}, stopped = {0};
	struct answer cont = {0}, stop = {0};
	const char *err = NULL;
	int rc;

	ck_assert_str_eq(status(), "prelaunch");
	watch(&resumed, "RESUME", NULL, NULL);
	watch(&stopped, "STOP", NULL, NULL);
	rc = dmqmp_cont(m, answer_cb, &cont, &err);
	wait_done("cont", rc, err, &cont);
	RUN_UNTIL(resumed.events == 1);
	ck_assert_str_eq(status(), "running");
	rc = dmqmp_stop(m, answer_cb, &stop, &err);
	wait_done("stop", rc, err, &stop);
	RUN_UNTIL(stopped.events == 1);
	ck_assert_str_eq(status(), "paused");
	ck_assert_int_eq(resumed.events, 1);
	free_link();
}
END_TEST

START_TEST(quit_ends_qemu_after_its_SHUTDOWN_event)
{
	struct watcher w = {0};
	struct answer quit = {0};
	const char *err = NULL;
	int rc;

	watch(&w, "SHUTDOWN", NULL, NULL);
	rc = dmqmp_quit(m, answer_cb, &quit, &err);
	ck_assert_msg(rc == 0, "quit: %s", err);
	RUN_UNTIL(w.events == 1 && quit.calls == 1 && lost_calls == 1);
	free_link();
	ck_assert_int_eq(w.ends, 1);
	ck_assert_int_eq(w.events, 1);
	ck_assert_int_eq(quit.calls, 1); /* answered, or failed by the end */
	json_object_put(quit.ret);
}
END_TEST

static Suite *dmqmp_suite(void)
{
	Suite *s = suite_create("dmsup-dmqmp-qemu");
	TCase *tc = tcase_create("pc-stopped-with-xhci");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(
	    tc,
	    device_del_of_a_usb_device_delivers_DEVICE_DELETED_to_its_watcher);
	tcase_add_test(tc, watchers_are_told_once_when_qemu_dies);
	tcase_add_test(
	    tc, free_tells_a_waiting_watcher_cancelled_before_it_returns);
	tcase_add_test(tc,
		       cont_and_stop_change_the_status_and_send_their_events);
	tcase_add_test(tc, quit_ends_qemu_after_its_SHUTDOWN_event);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(dmqmp_suite());
}
