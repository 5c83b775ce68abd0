/* Control-protocol frames: what goes in comes out, and nothing else. */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "libdmsup/frame.h"
#include "tests/unit/dmsup/run.h"

static struct evbuffer *buf;

static void setup(void)
{
	buf = evbuffer_new();
}

static void teardown(void)
{
	evbuffer_free(buf);
}

static void put_raw(uint32_t len, const char *body, size_t body_len)
{
	uint32_t be = htonl(len);

	evbuffer_add(buf, &be, sizeof(be));
	evbuffer_add(buf, body, body_len);
}

START_TEST(object_round_trips)
{
	struct json_object *in = json_tokener_parse("{\"cmd\": \"status\"}");
	struct json_object *out;
	const char *err;

	ck_assert_int_eq(frame_put(buf, in), 0);
	ck_assert_int_eq(frame_take(buf, &out, &err), 1);
	ck_assert(json_object_equal(in, out));
	ck_assert_int_eq(evbuffer_get_length(buf), 0);
	json_object_put(in);
	json_object_put(out);
}
END_TEST

START_TEST(data_that_looks_like_a_frame_stays_data)
{
	/* A string holding a length prefix and a forged request. */
	static const char evil[] = "\0\0\0\x11{\"cmd\": \"stop\"}";
	struct json_object *in = json_object_new_object(), *out, *v;
	const char *err;

	json_object_object_add(
	    in, "error", json_object_new_string_len(evil, sizeof(evil) - 1));
	ck_assert_int_eq(frame_put(buf, in), 0);
	ck_assert_int_eq(frame_take(buf, &out, &err), 1);
	ck_assert(json_object_object_get_ex(out, "error", &v));
	ck_assert_int_eq(json_object_get_string_len(v), sizeof(evil) - 1);
	json_object_put(out);
	ck_assert_int_eq(frame_take(buf, &out, &err), 0);
	json_object_put(in);
}
END_TEST

START_TEST(partial_frame_waits_for_the_rest)
{
	struct json_object *out;
	const char *err;

	put_raw(12, "{\"cmd\": ", 8);
	ck_assert_int_eq(frame_take(buf, &out, &err), 0);
	evbuffer_add(buf, "\"x\"}", 4);
	ck_assert_int_eq(frame_take(buf, &out, &err), 1);
	json_object_put(out);
}
END_TEST

START_TEST(length_over_one_mib_is_refused_without_waiting)
{
	struct json_object *out;
	const char *err;

	put_raw(FRAME_MAX + 1, "{", 1);
	ck_assert_int_eq(frame_take(buf, &out, &err), -1);
	ck_assert_str_eq(err, "frame longer than 1 MiB");
}
END_TEST

/* Each body, framed on its own, is refused as not one JSON object. */
static void assert_refused(const char *const *bodies, size_t n)
{
	struct json_object *out;
	const char *err;

	for (size_t i = 0; i < n; i++) {
		evbuffer_drain(buf, evbuffer_get_length(buf));
		put_raw((uint32_t)strlen(bodies[i]), bodies[i],
			strlen(bodies[i]));
		ck_assert_msg(frame_take(buf, &out, &err) == -1, "accepted: %s",
			      bodies[i]);
		ck_assert_str_eq(err, "frame is not one JSON object");
	}
}

START_TEST(body_that_is_not_one_object_is_refused)
{
	static const char *const bodies[] = {"[1]", "{} {}", "{\"a\":", "",
					     "\"s\""};

	assert_refused(bodies, sizeof(bodies) / sizeof(*bodies));
}
END_TEST

START_TEST(body_that_is_not_standard_json_is_refused)
{
	static const char *const bodies[] = {
	    "{\"a\": NaN}", "{\"a\": Infinity}", "{\"a\": [1, -Infinity]}",
	    "{\"a\": 1,}", "{\"a\": \"\xff\"}"};

	assert_refused(bodies, sizeof(bodies) / sizeof(*bodies));
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    object_round_trips,
	    data_that_looks_like_a_frame_stays_data,
	    partial_frame_waits_for_the_rest,
	    length_over_one_mib_is_refused_without_waiting,
	    body_that_is_not_one_object_is_refused,
	    body_that_is_not_standard_json_is_refused,
	};

	return run_suite("dmsup-frame", setup, teardown, tests,
			 sizeof(tests) / sizeof(*tests));
}
