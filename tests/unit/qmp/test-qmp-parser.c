/* Unit tests: libqmp framing (qmp/parser.c) fed bytes directly. */
#include <check.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "qmp/parser.h"
#include "qmp/qmp.h"
#include "tests/unit/qmp/check-main.h"

static struct qmp_parser *p;

static void setup(void)
{
	p = qmp_parser_new(0, 0);
	ck_assert_ptr_nonnull(p);
}

static void teardown(void)
{
	qmp_parser_free(p);
}

static void feed(const char *s, size_t len)
{
	ck_assert_int_eq(qmp_parser_feed(p, s, len), 0);
}

/* The next message, which must be there. */
static struct json_object *next_msg(void)
{
	struct json_object *msg = NULL;

	ck_assert_int_eq(qmp_parser_next(p, &msg), 1);
	ck_assert_ptr_nonnull(msg);
	return msg;
}

static void assert_int_member(struct json_object *msg, const char *key,
			      int want)
{
	struct json_object *v;

	ck_assert(json_object_object_get_ex(msg, key, &v));
	ck_assert_int_eq(json_object_get_int(v), want);
}

static void assert_needs_more(void)
{
	struct json_object *msg = NULL;

	ck_assert_int_eq(qmp_parser_next(p, &msg), 0);
	ck_assert_ptr_null(msg);
}

/* Feed s and expect a protocol error whose text contains `why`. */
static void assert_rejected(const char *s, size_t len, const char *why)
{
	struct json_object *msg = NULL;

	feed(s, len);
	ck_assert_int_eq(qmp_parser_next(p, &msg), QMP_E_PROTOCOL);
	ck_assert_ptr_null(msg);
	ck_assert_msg(strstr(qmp_parser_error(p), why), "error '%s' lacks '%s'",
		      qmp_parser_error(p), why);
}

START_TEST(one_message_is_returned_whole)
{
	struct json_object *msg;

	feed("{\"return\": {}, \"id\": 7}\r\n", 25);
	msg = next_msg();
	assert_int_member(msg, "id", 7);
	json_object_put(msg);
	assert_needs_more();
}
END_TEST

START_TEST(message_fed_one_byte_at_a_time_is_returned_once)
{
	const char *s =
	    "{\"return\": {\"status\": \"running\"}, \"id\": 3}\r\n";
	struct json_object *msg = NULL;
	size_t i, got = 0;

	for (i = 0; s[i]; i++) {
		feed(s + i, 1);
		if (qmp_parser_next(p, &msg) == 1) {
			got++;
			assert_int_member(msg, "id", 3);
			json_object_put(msg);
		}
	}
	ck_assert_uint_eq(got, 1);
}
END_TEST

START_TEST(two_messages_in_one_feed_come_out_in_order)
{
	struct json_object *a, *b;
	const char *s = "{\"id\": 1}\r\n{\"id\": 2}\r\n";

	feed(s, strlen(s));
	a = next_msg();
	b = next_msg();
	assert_int_member(a, "id", 1);
	assert_int_member(b, "id", 2);
	json_object_put(a);
	json_object_put(b);
	assert_needs_more();
}
END_TEST

START_TEST(message_split_across_feeds_with_next_one_joined)
{
	struct json_object *a, *b;

	feed("{\"id\": 1, \"return\": {\"a\": [1, 2", 31);
	assert_needs_more();
	feed("]}}\r\n{\"id\"", 10);
	a = next_msg();
	assert_int_member(a, "id", 1);
	assert_needs_more();
	feed(": 2}", 4);
	b = next_msg();
	assert_int_member(b, "id", 2);
	json_object_put(a);
	json_object_put(b);
}
END_TEST

START_TEST(mismatched_brackets_are_rejected)
{
	assert_rejected("{]", 2, "invalid JSON");
}
END_TEST

START_TEST(byte_0xff_is_rejected)
{
	assert_rejected("\xff", 1, "not a JSON object");
}
END_TEST

START_TEST(invalid_utf8_inside_a_string_is_rejected)
{
	assert_rejected("{\"a\": \"\xff\"}", 10, "invalid JSON");
}
END_TEST

/* Found by fuzz/fuzz-qmp-parser: json-c's own UTF-8 check looked at the
 * byte after the '}', so this message was lost when the bad byte came in
 * the same read, and delivered when it came in the next. */
START_TEST(message_before_invalid_utf8_in_the_same_read_is_returned)
{
	struct json_object *msg;

	feed("{\"id\": 3}\xa8]}", 12);
	msg = next_msg();
	assert_int_member(msg, "id", 3);
	json_object_put(msg);
	assert_rejected("", 0, "not a JSON object");
}
END_TEST

/* Also a json-c UTF-8 check: it refused a character split across reads. */
START_TEST(utf8_character_split_across_feeds_is_accepted)
{
	struct json_object *msg;

	feed("{\"a\": \"\xc3", 8);
	assert_needs_more();
	feed("\xa9\"}", 3);
	msg = next_msg();
	ck_assert_str_eq(
	    json_object_to_json_string_ext(
		msg, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
	    "{\"a\":\"\xc3\xa9\"}");
	json_object_put(msg);
}
END_TEST

START_TEST(overlong_utf8_is_rejected)
{
	assert_rejected("{\"a\": \"\xc0\xaf\"}", 11, "invalid UTF-8");
}
END_TEST

START_TEST(raw_control_character_inside_a_string_is_rejected)
{
	assert_rejected("{\"a\": \"x\x01y\"}", 12, "control character 0x01");
}
END_TEST

START_TEST(nul_byte_is_rejected)
{
	assert_rejected("{\"a\": \0}", 8, "control character 0x00");
}
END_TEST

START_TEST(top_level_array_is_rejected)
{
	assert_rejected("[1, 2]", 6, "not a JSON object");
}
END_TEST

START_TEST(top_level_number_is_rejected)
{
	assert_rejected("42\r\n", 4, "not a JSON object");
}
END_TEST

START_TEST(parser_stays_failed_after_an_error)
{
	struct json_object *msg = NULL;

	assert_rejected("{]", 2, "invalid JSON");
	feed("{\"id\": 1}", 9);
	ck_assert_int_eq(qmp_parser_next(p, &msg), QMP_E_PROTOCOL);
	ck_assert_ptr_null(msg);
}
END_TEST

/* A message of exactly `len` bytes: {"x":"aaaa..."} */
static char *message_of_size(size_t len)
{
	char *s = malloc(len + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, 'a', len);
	memcpy(s, "{\"x\":\"", 6);
	memcpy(s + len - 2, "\"}", 2);
	s[len] = 0;
	return s;
}

START_TEST(message_at_the_size_cap_is_accepted)
{
	char *s = message_of_size(1024);
	struct json_object *msg;

	qmp_parser_free(p);
	p = qmp_parser_new(1024, 0);
	feed(s, 1024);
	msg = next_msg();
	json_object_put(msg);
	free(s);
}
END_TEST

/* Found by fuzz/fuzz-qmp-parser: the "\r\n" QEMU sends after a message
 * counted towards its size when it came in the same read. */
START_TEST(message_at_the_size_cap_followed_by_crlf_is_accepted)
{
	char *s = message_of_size(1024), buf[1026];
	struct json_object *msg;

	qmp_parser_free(p);
	p = qmp_parser_new(1024, 0);
	memcpy(buf, s, 1024);
	memcpy(buf + 1024, "\r\n", 2);
	feed(buf, sizeof(buf));
	msg = next_msg();
	json_object_put(msg);
	assert_needs_more();
	free(s);
}
END_TEST

START_TEST(message_over_the_size_cap_is_rejected)
{
	char *s = message_of_size(1025);

	qmp_parser_free(p);
	p = qmp_parser_new(1024, 0);
	assert_rejected(s, 1025, "exceeds 1024 bytes");
	free(s);
}
END_TEST

START_TEST(unterminated_message_is_rejected_once_past_the_cap)
{
	char chunk[100];
	struct json_object *msg = NULL;
	int i, rc = 0;

	qmp_parser_free(p);
	p = qmp_parser_new(1024, 0);
	feed("{\"x\":\"", 6);
	memset(chunk, 'a', sizeof(chunk));
	for (i = 0; i < 20 && rc == 0; i++) {
		feed(chunk, sizeof(chunk));
		rc = qmp_parser_next(p, &msg);
	}
	ck_assert_int_eq(rc, QMP_E_PROTOCOL);
	ck_assert_int_le(i, 11);
}
END_TEST

START_TEST(default_cap_accepts_half_a_mebibyte)
{
	char *s = message_of_size(512 * 1024);
	struct json_object *msg;

	feed(s, 512 * 1024);
	msg = next_msg();
	json_object_put(msg);
	free(s);
}
END_TEST

/* A large reply must not stay allocated once it was handed out; a small
 * one keeps its buffer (no malloc per message). */
START_TEST(buffer_shrinks_back_once_a_large_message_is_consumed)
{
	char *s = message_of_size(256 * 1024);
	const char *small = "{\"return\": {}}";
	struct json_object *msg;

	feed(small, strlen(small));
	json_object_put(next_msg());
	ck_assert_int_eq(qmp_parser_next(p, &msg), 0);
	ck_assert_uint_le(qmp_parser_capacity(p), 1024);
	feed(s, 256 * 1024);
	ck_assert_uint_ge(qmp_parser_capacity(p), 256 * 1024);
	json_object_put(next_msg());
	ck_assert_int_eq(qmp_parser_next(p, &msg), 0);
	ck_assert_uint_eq(qmp_parser_capacity(p), 0);
	feed(small, strlen(small));
	json_object_put(next_msg());
	free(s);
}
END_TEST

/* A message cut by the read boundary keeps what arrived so far. */
START_TEST(partial_message_survives_the_shrink)
{
	char *s = message_of_size(64 * 1024);

	feed(s, 40 * 1024);
	struct json_object *msg;
	ck_assert_int_eq(qmp_parser_next(p, &msg), 0);
	feed(s + 40 * 1024, 24 * 1024);
	json_object_put(next_msg());
	free(s);
}
END_TEST

START_TEST(nesting_deeper_than_the_limit_is_rejected)
{
	char s[128];
	int i;

	qmp_parser_free(p);
	p = qmp_parser_new(0, 8);
	for (i = 0; i < 20; i++)
		memcpy(s + 5 * i, "{\"a\":", 5);
	assert_rejected(s, 100, "invalid JSON");
}
END_TEST

START_TEST(nesting_within_the_limit_is_accepted)
{
	const char *s = "{\"a\":{\"b\":{\"c\":[1]}}}";
	struct json_object *msg;

	qmp_parser_free(p);
	p = qmp_parser_new(0, 8);
	feed(s, strlen(s));
	msg = next_msg();
	json_object_put(msg);
}
END_TEST

START_TEST(two_messages_split_at_any_byte_come_out_whole)
{
	const char *s = "{\"id\": 1, \"return\": {\"s\": \"a\\\"}\"}}\r\n"
			"{\"id\": 2, \"return\": []}\r\n";
	size_t n = strlen(s), cut;

	for (cut = 0; cut <= n; cut++) {
		struct json_object *msg = NULL;
		int got = 0, rc;

		qmp_parser_free(p);
		p = qmp_parser_new(0, 0);
		feed(s, cut);
		while ((rc = qmp_parser_next(p, &msg)) == 1) {
			assert_int_member(msg, "id", ++got);
			json_object_put(msg);
		}
		ck_assert_int_eq(rc, 0);
		feed(s + cut, n - cut);
		while ((rc = qmp_parser_next(p, &msg)) == 1) {
			assert_int_member(msg, "id", ++got);
			json_object_put(msg);
		}
		ck_assert_int_eq(rc, 0);
		ck_assert_msg(got == 2, "cut at %zu: %d messages", cut, got);
	}
}
END_TEST

/* json-c alone accepts `{"a": 7` then `-}` as {"a": 7}; the same bytes in
 * one read are refused. Every split must give the one verdict. */
START_TEST(malformed_number_is_rejected_however_split)
{
	const char *s = "{\"a\": 7-}";
	size_t n = strlen(s), cut;

	/* Cut before the last byte: the first part is never a message. */
	for (cut = 0; cut < n; cut++) {
		struct json_object *msg = NULL;

		qmp_parser_free(p);
		p = qmp_parser_new(0, 0);
		feed(s, cut);
		ck_assert_int_eq(qmp_parser_next(p, &msg), 0);
		assert_rejected(s + cut, n - cut, "invalid JSON");
	}
}
END_TEST

/* A tab, CR or LF is a blank between tokens, never a string's byte. */
START_TEST(raw_blank_inside_a_string_is_rejected)
{
	assert_rejected("{\"a\": \"x\ty\"}", 12, "control character 0x09");
}
END_TEST

START_TEST(blanks_between_tokens_are_accepted)
{
	const char *s = "{\t\"id\"\r\n:\n7 }";
	struct json_object *msg;

	feed(s, strlen(s));
	msg = next_msg();
	assert_int_member(msg, "id", 7);
	json_object_put(msg);
}
END_TEST

/* Random bytes, biased towards JSON's own characters, in random slices:
 * the parser must only ever hand out objects, and must stop (error or
 * "need more") on every call. Deterministic seeds. */
START_TEST(random_input_yields_only_objects_or_errors)
{
	static const char alphabet[] = "{}[]\":,\\ \r\n0123456789-+.eE"
				       "truefalsnul\x01\x7f\xc3\xa9\xff";
	char buf[4096];
	unsigned seed;

	for (seed = 1; seed <= 300; seed++) {
		size_t len = 0, i;
		int rc = 0;

		srand(seed);
		qmp_parser_free(p);
		p = qmp_parser_new(2048, 16);
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = alphabet[rand() % (sizeof(alphabet) - 1)];
		while (len < sizeof(buf) && rc >= 0) {
			size_t n = 1 + (size_t)rand() % 64;
			struct json_object *msg = NULL;

			if (n > sizeof(buf) - len)
				n = sizeof(buf) - len;
			feed(buf + len, n);
			len += n;
			while ((rc = qmp_parser_next(p, &msg)) == 1) {
				ck_assert(
				    json_object_is_type(msg, json_type_object));
				json_object_put(msg);
			}
		}
	}
}
END_TEST

static Suite *parser_suite(void)
{
	Suite *s = suite_create("qmp-parser");
	TCase *tc = tcase_create("framing");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, one_message_is_returned_whole);
	tcase_add_test(tc, message_fed_one_byte_at_a_time_is_returned_once);
	tcase_add_test(tc, two_messages_in_one_feed_come_out_in_order);
	tcase_add_test(tc, message_split_across_feeds_with_next_one_joined);
	tcase_add_test(tc, mismatched_brackets_are_rejected);
	tcase_add_test(tc, byte_0xff_is_rejected);
	tcase_add_test(tc, invalid_utf8_inside_a_string_is_rejected);
	tcase_add_test(
	    tc, message_before_invalid_utf8_in_the_same_read_is_returned);
	tcase_add_test(tc, utf8_character_split_across_feeds_is_accepted);
	tcase_add_test(tc, overlong_utf8_is_rejected);
	tcase_add_test(tc, raw_control_character_inside_a_string_is_rejected);
	tcase_add_test(tc, nul_byte_is_rejected);
	tcase_add_test(tc, top_level_array_is_rejected);
	tcase_add_test(tc, top_level_number_is_rejected);
	tcase_add_test(tc, parser_stays_failed_after_an_error);
	tcase_add_test(tc, message_at_the_size_cap_is_accepted);
	tcase_add_test(tc,
		       message_at_the_size_cap_followed_by_crlf_is_accepted);
	tcase_add_test(tc, message_over_the_size_cap_is_rejected);
	tcase_add_test(tc, unterminated_message_is_rejected_once_past_the_cap);
	tcase_add_test(tc, default_cap_accepts_half_a_mebibyte);
	tcase_add_test(tc,
		       buffer_shrinks_back_once_a_large_message_is_consumed);
	tcase_add_test(tc, partial_message_survives_the_shrink);
	tcase_add_test(tc, nesting_deeper_than_the_limit_is_rejected);
	tcase_add_test(tc, nesting_within_the_limit_is_accepted);
	tcase_add_test(tc, two_messages_split_at_any_byte_come_out_whole);
	tcase_add_test(tc, random_input_yields_only_objects_or_errors);
	tcase_add_test(tc, malformed_number_is_rejected_however_split);
	tcase_add_test(tc, raw_blank_inside_a_string_is_rejected);
	tcase_add_test(tc, blanks_between_tokens_are_accepted);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(parser_suite());
}
