/* libdmsup without a daemon: the page answer's value, the accessors. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "libdmsup/libdmsup.h"
#include "tests/unit/dmsup/run.h"

START_TEST(page_answer_values_are_what_dmsup_parses)
{
	char buf[300];

	ck_assert_int_eq(
	    dmsup_page_answer_value(buf, sizeof(buf), 7, true, NULL), 0);
	ck_assert_str_eq(buf, "7 granted");
	ck_assert_int_eq(dmsup_page_answer_value(buf, sizeof(buf), 7, false,
						 "pool exhausted"),
			 0);
	ck_assert_str_eq(buf, "7 refused pool exhausted");
	ck_assert_int_eq(
	    dmsup_page_answer_value(buf, sizeof(buf), 8, false, NULL), 0);
	ck_assert_str_eq(buf, "8 refused");
	/* What dmsup would ignore is never written. */
	ck_assert_int_eq(
	    dmsup_page_answer_value(buf, sizeof(buf), 0, true, NULL), -1);
	ck_assert_int_eq(
	    dmsup_page_answer_value(buf, sizeof(buf), 0x80000000u, true, NULL),
	    -1);
	ck_assert_int_eq(
	    dmsup_page_answer_value(buf, sizeof(buf), 1, false, "two\nlines"),
	    -1);
	ck_assert_int_eq(
	    dmsup_page_answer_value(buf, sizeof(buf), 1, false, "two  spaces"),
	    -1);
	char longtext[260];
	memset(longtext, 'a', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = 0;
	ck_assert_int_eq(
	    dmsup_page_answer_value(buf, sizeof(buf), 1, false, longtext), -1);
	char *err;
	ck_assert_int_eq(dmsup_page_answer(-1, 1, true, NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "bad domid"));
	free(err);
}
END_TEST

START_TEST(reply_accessors_take_only_their_type)
{
	struct json_object *r =
	    json_tokener_parse("{\"ok\": false, \"error\": \"e\", \"step\": 3, "
			       "\"domain\": {\"domid\": 5, \"name\": 7}}");

	ck_assert(!dmsup_reply_ok(r));
	ck_assert_str_eq(dmsup_reply_error(r), "e");
	ck_assert_ptr_null(dmsup_reply_step(r));
	struct json_object *d = dmsup_reply_domain(r);
	ck_assert_int_eq(dmsup_json_int(d, "domid"), 5);
	ck_assert_ptr_null(dmsup_json_string(d, "name"));
	ck_assert_int_eq(dmsup_json_int(d, "pid"), -1);
	ck_assert(!dmsup_reply_ok(NULL));
	ck_assert_ptr_null(dmsup_reply_domain(NULL));
	json_object_put(r);
	r = json_tokener_parse("{\"ok\": \"true\"}");
	ck_assert(!dmsup_reply_ok(r));
	json_object_put(r);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    page_answer_values_are_what_dmsup_parses,
	    reply_accessors_take_only_their_type,
	};

	return run_suite("libdmsup-pure", NULL, NULL, tests,
			 sizeof(tests) / sizeof(*tests));
}
