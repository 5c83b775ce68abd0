/*
 * The protocol handshake (docs/control-protocol.md, hello): dmsup picks
 * the highest version both speak and tells its version and features; a
 * client that never says hello is answered as before (protocol 1).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "libdmsup/frame.h"
#include "tests/local/dmsup/harness.h"

/* One request on a fresh connection, its reply. */
static struct json_object *ask(const char *text)
{
	struct json_object *req = json_tokener_parse(text), *reply = NULL;
	struct evbuffer *buf = evbuffer_new();
	const char *err;
	int fd = h_connect();

	ck_assert_ptr_nonnull(req);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(frame_put(buf, req), 0);
	while (evbuffer_get_length(buf))
		ck_assert_int_gt(evbuffer_write(buf, fd), 0);
	int r;
	while (!(r = frame_take(buf, &reply, &err)))
		ck_assert_int_gt(evbuffer_read(buf, fd, 4096), 0);
	ck_assert_int_eq(r, 1);
	close(fd);
	evbuffer_free(buf);
	json_object_put(req);
	return reply;
}

static bool has_string(struct json_object *arr, const char *s)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		if (!strcmp(json_object_get_string(
				json_object_array_get_idx(arr, i)),
			    s))
			return true;
	return false;
}

START_TEST(hello_picks_the_highest_common_protocol)
{
	struct json_object *r = ask("{\"cmd\": \"hello\", \"protocols\": [1, "
				    "2, 7], \"req_id\": \"h\"}"),
			   *features;

	ck_assert_msg(json_object_get_boolean(json_object_object_get(r, "ok")),
		      "%s", json_object_to_json_string(r));
	ck_assert_int_eq(h_int(r, "protocol"), 2);
	ck_assert_str_eq(h_str(r, "req_id"), "h");
	ck_assert_ptr_nonnull(h_str(r, "version"));
	ck_assert(json_object_object_get_ex(r, "features", &features));
	ck_assert(has_string(features, "req_id"));
	ck_assert(has_string(features, "restore"));
	ck_assert(has_string(features, "hello"));
	ck_assert(has_string(features, "status"));
	json_object_put(r);
	r = ask("{\"cmd\": \"hello\", \"protocols\": [1]}");
	ck_assert_int_eq(h_int(r, "protocol"), 1);
	json_object_put(r);
}
END_TEST

START_TEST(hello_without_a_common_protocol_is_refused)
{
	struct json_object *r = ask("{\"cmd\": \"hello\", \"protocols\": [9]}");

	ck_assert(!json_object_get_boolean(json_object_object_get(r, "ok")));
	ck_assert_str_eq(h_str(r, "step"), "request");
	ck_assert_ptr_nonnull(strstr(h_str(r, "error"), "protocols 1 to 2"));
	json_object_put(r);
	r = ask("{\"cmd\": \"hello\", \"protocols\": [\"2\"]}");
	ck_assert_ptr_nonnull(
	    strstr(h_str(r, "error"), "must be an array of integers"));
	json_object_put(r);
	r = ask("{\"cmd\": \"hello\"}");
	ck_assert_str_eq(h_str(r, "error"), "hello needs protocols");
	json_object_put(r);
}
END_TEST

START_TEST(a_client_without_hello_speaks_protocol_1)
{
	struct json_object *r = ask("{\"cmd\": \"status\"}");

	ck_assert(json_object_get_boolean(json_object_object_get(r, "ok")));
	ck_assert(json_object_object_get_ex(r, "domains", NULL));
	json_object_put(r);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    hello_picks_the_highest_common_protocol,
	    hello_without_a_common_protocol_is_refused,
	    a_client_without_hello_speaks_protocol_1,
	};

	return h_main("dmsup-hello", NULL, tests,
		      sizeof(tests) / sizeof(*tests));
}
