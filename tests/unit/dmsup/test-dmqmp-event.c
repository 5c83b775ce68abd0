/* QMP events to their subscribers (dmsup/kind/dmqmp-event.c): who gets
 * which event, when (always from the loop), and how each subscription
 * ends exactly once, also when a subscriber frees the hub. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include <json-c/json.h>

#include "dmsup/kind/dmqmp-event.h"
#include "tests/unit/dmsup/run.h"

/* What one subscriber saw, as "EVENT[:device] " and "end(WHY) ". */
struct seen {
	char log[512];
	struct dmqmp_sub *sub;
	int frees_hub;	 /* frees the hub at its first event */
	int unsubscribe; /* unsubscribes itself: 1 at an event, 2 at its end */
};

static struct event_base *base;
static struct dmqmp_events *hub;

static void setup(void)
{
	base = event_base_new();
	hub = dmqmp_events_new(base);
	ck_assert_ptr_nonnull(hub);
}

/* Before a test's subscribers go out of scope (also a teardown). */
static void free_hub(void)
{
	dmqmp_events_free(hub);
	hub = NULL;
}

static void teardown(void)
{
	dmqmp_events_free(hub);
	event_base_free(base);
}

static void seen_cb(void *arg, const char *event, struct json_object *data,
		    const char *why)
{
	struct seen *s = arg;
	size_t n = strlen(s->log);
	struct json_object *dev;
	const char *id = "";

	if (event && json_object_object_get_ex(data, "device", &dev))
		id = json_object_get_string(dev);
	if (event)
		snprintf(s->log + n, sizeof(s->log) - n, "%s%s%s ", event,
			 *id ? ":" : "", id);
	else
		snprintf(s->log + n, sizeof(s->log) - n, "end(%s) ", why);
	if (s->unsubscribe == (event ? 1 : 2))
		dmqmp_unsubscribe(s->sub);
	if (s->frees_hub && event)
		free_hub();
}

static void subscribe(struct seen *s, const char *event, const char *key,
		      const char *value)
{
	const char *err = NULL;

	s->sub =
	    dmqmp_events_subscribe(hub, event, key, value, seen_cb, s, &err);
	ck_assert_msg(s->sub, "subscribe: %s", err);
}

/* DEVICE_DELETED with data {"device": @json_device} (raw JSON). */
static void post_deleted(const char *json_device)
{
	char text[128];
	struct json_object *data;

	snprintf(text, sizeof(text), "{\"device\": %s}", json_device);
	data = json_tokener_parse(text);
	ck_assert_ptr_nonnull(data);
	dmqmp_events_post(hub, "DEVICE_DELETED", data);
	json_object_put(data);
}

static void run_loop(void)
{
	event_base_loop(base, EVLOOP_NONBLOCK);
}

START_TEST(an_event_reaches_its_subscriber_from_the_loop_only)
{
	struct seen a = {.sub = NULL};

	subscribe(&a, "DEVICE_DELETED", NULL, NULL);
	post_deleted("\"nic1\"");
	ck_assert_str_eq(a.log, "");
	run_loop();
	ck_assert_str_eq(a.log, "DEVICE_DELETED:nic1 ");
	free_hub();
	ck_assert_str_eq(a.log, "DEVICE_DELETED:nic1 end(cancelled) ");
}
END_TEST

START_TEST(the_filter_takes_the_name_and_a_string_field_of_the_data)
{
	struct seen a = {.sub = NULL}, all = {.sub = NULL};

	subscribe(&a, "DEVICE_DELETED", "device", "nic1");
	subscribe(&all, NULL, NULL, NULL);
	post_deleted("\"nic2\"");
	post_deleted("5"); /* QEMU's data is not trusted to be typed */
	post_deleted("{\"nic1\": 1}");
	dmqmp_events_post(hub, "STOP", NULL);
	dmqmp_events_post(hub, "DEVICE_DELETED", NULL);
	post_deleted("\"nic1\"");
	run_loop();
	ck_assert_str_eq(a.log, "DEVICE_DELETED:nic1 ");
	ck_assert_str_eq(all.log, "DEVICE_DELETED:nic2 DEVICE_DELETED:5 "
				  "DEVICE_DELETED:{ \"nic1\": 1 } STOP "
				  "DEVICE_DELETED DEVICE_DELETED:nic1 ");
	free_hub();
}
END_TEST

START_TEST(the_end_comes_once_from_the_loop_after_the_events_before_it)
{
	struct seen a = {.sub = NULL};

	subscribe(&a, "DEVICE_DELETED", NULL, NULL);
	post_deleted("\"nic1\"");
	dmqmp_events_end(hub, "QEMU closed the connection");
	dmqmp_events_end(hub, "a second reason");
	post_deleted("\"nic2\"");
	ck_assert_str_eq(a.log, "");
	run_loop();
	ck_assert_str_eq(
	    a.log, "DEVICE_DELETED:nic1 end(QEMU closed the connection) ");
	free_hub();
	ck_assert_str_eq(
	    a.log, "DEVICE_DELETED:nic1 end(QEMU closed the connection) ");
}
END_TEST

START_TEST(a_subscription_after_the_end_is_refused_with_its_reason)
{
	const char *err = NULL;
	struct seen a = {.sub = NULL};

	dmqmp_events_end(hub, "no QMP greeting before the readiness timeout");
	ck_assert_ptr_null(
	    dmqmp_events_subscribe(hub, NULL, NULL, NULL, seen_cb, &a, &err));
	ck_assert_str_eq(err, "no QMP greeting before the readiness timeout");
}
END_TEST

START_TEST(free_ends_every_subscription_before_it_returns_and_drops_events)
{
	struct seen a = {.sub = NULL}, b = {.sub = NULL};

	subscribe(&a, "DEVICE_DELETED", NULL, NULL);
	subscribe(&b, NULL, NULL, NULL);
	post_deleted("\"nic1\"");
	free_hub();
	ck_assert_str_eq(a.log, "end(cancelled) ");
	ck_assert_str_eq(b.log, "end(cancelled) ");
	run_loop();
	ck_assert_str_eq(a.log, "end(cancelled) ");
}
END_TEST

START_TEST(unsubscribe_also_drops_what_was_queued_and_the_end)
{
	struct seen a = {.sub = NULL}, b = {.sub = NULL};

	subscribe(&a, NULL, NULL, NULL);
	subscribe(&b, NULL, NULL, NULL);
	post_deleted("\"nic1\"");
	dmqmp_unsubscribe(a.sub);
	dmqmp_events_end(hub, "gone");
	run_loop();
	ck_assert_str_eq(a.log, "");
	ck_assert_str_eq(b.log, "DEVICE_DELETED:nic1 end(gone) ");
}
END_TEST

START_TEST(a_subscriber_may_unsubscribe_itself_from_its_callback)
{
	struct seen a = {.unsubscribe = 1}, b = {.unsubscribe = 2};

	subscribe(&a, NULL, NULL, NULL);
	subscribe(&b, NULL, NULL, NULL);
	dmqmp_events_post(hub, "STOP", NULL);
	dmqmp_events_post(hub, "RESUME", NULL);
	dmqmp_events_end(hub, "gone");
	run_loop();
	ck_assert_str_eq(a.log, "STOP ");
	ck_assert_str_eq(b.log, "STOP RESUME end(gone) "); /* then a no-op */
}
END_TEST

START_TEST(a_subscriber_may_free_the_hub_from_its_callback)
{
	struct seen a = {.frees_hub = 1}, b = {.sub = NULL};

	subscribe(&a, "DEVICE_DELETED", NULL, NULL);
	subscribe(&b, "DEVICE_DELETED", NULL, NULL);
	post_deleted("\"nic1\"");
	post_deleted("\"nic2\"");
	run_loop();
	ck_assert_ptr_null(hub);
	ck_assert_str_eq(a.log, "DEVICE_DELETED:nic1 end(cancelled) ");
	ck_assert_str_eq(b.log, "end(cancelled) ");
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    an_event_reaches_its_subscriber_from_the_loop_only,
	    the_filter_takes_the_name_and_a_string_field_of_the_data,
	    the_end_comes_once_from_the_loop_after_the_events_before_it,
	    a_subscription_after_the_end_is_refused_with_its_reason,
	    free_ends_every_subscription_before_it_returns_and_drops_events,
	    unsubscribe_also_drops_what_was_queued_and_the_end,
	    a_subscriber_may_unsubscribe_itself_from_its_callback,
	    a_subscriber_may_free_the_hub_from_its_callback,
	};

	return run_suite("dmsup-dmqmp-event", setup, teardown, tests,
			 sizeof(tests) / sizeof(*tests));
}
