/* The guest's serial pty from QEMU's query-chardev (dmsup/kind/serialtty.c):
 * serial0's /dev/pts/N is found, anything else in its place is refused
 * naming what is wrong. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "dmsup/kind/serialtty.h"
#include "tests/unit/dmsup/run.h"

static char tty[SERIALTTY_MAX], err[160];

/* serialtty_find on the JSON text @json (a valid JSON document). */
static int find(const char *json)
{
	struct json_object *ret = json_tokener_parse(json);
	int rc;

	ck_assert_msg(ret || !strcmp(json, "null"), "bad test JSON %s", json);
	memset(tty, 0, sizeof(tty));
	err[0] = '\0';
	rc = serialtty_find(ret, "serial0", tty, err, sizeof(err));
	json_object_put(ret);
	return rc;
}

START_TEST(serial0s_pty_is_found_among_other_chardevs)
{
	ck_assert_int_eq(
	    find("[{\"frontend-open\": true, \"filename\": \"unix:/run/q.qmp,"
		 "server=on\", \"label\": \"compat_monitor0\"},"
		 " {\"frontend-open\": false, \"filename\": \"pty:/dev/pts/3\","
		 " \"label\": \"serial0\"}]"),
	    0);
	ck_assert_str_eq(tty, "/dev/pts/3");
	ck_assert_int_eq(find("[{\"label\": \"serial0\", \"filename\": "
			      "\"pty:/dev/pts/1234567\"}]"),
			 0);
	ck_assert_str_eq(tty, "/dev/pts/1234567");
}
END_TEST

START_TEST(a_label_that_only_starts_like_serial0_is_not_it)
{
	ck_assert_int_eq(find("[{\"label\": \"serial01\", \"filename\": "
			      "\"pty:/dev/pts/4\"}]"),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "no chardev serial0"));
}
END_TEST

START_TEST(an_answer_that_is_not_a_list_is_refused)
{
	static const char *const bad[] = {
	    "{\"label\": \"serial0\", \"filename\": \"pty:/dev/pts/3\"}",
	    "\"pty:/dev/pts/3\"", "null", "3"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		ck_assert_msg(find(bad[i]) == -1, "%s taken", bad[i]);
		ck_assert_ptr_nonnull(strstr(err, "not a list"));
	}
}
END_TEST

START_TEST(entries_of_the_wrong_shape_are_refused)
{
	ck_assert_int_eq(find("[3]"), -1);
	ck_assert_ptr_nonnull(strstr(err, "entry 0 has no label"));
	ck_assert_int_eq(
	    find("[{\"label\": 7, \"filename\": \"pty:/dev/pts/3\"}]"), -1);
	ck_assert_ptr_nonnull(strstr(err, "entry 0 has no label"));
	ck_assert_int_eq(find("[{\"label\": \"serial0\", \"filename\": 3}]"),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "serial0 has no filename"));
	ck_assert_int_eq(find("[{\"label\": \"serial0\"}]"), -1);
	ck_assert_ptr_nonnull(strstr(err, "serial0 has no filename"));
	ck_assert_str_eq(tty, "");
}
END_TEST

START_TEST(a_serial0_that_is_no_pty_is_refused_naming_it)
{
	ck_assert_int_eq(
	    find("[{\"label\": \"serial0\", \"filename\": \"null\"}]"), -1);
	ck_assert_ptr_nonnull(strstr(err, "serial0 is 'null', not a pty"));
}
END_TEST

/* The path is published for console clients to open: no other file. */
START_TEST(a_pty_path_other_than_dev_pts_number_is_refused)
{
	static const char *const bad[] = {
	    "pty:",
	    "pty:/dev/pts/",
	    "pty:/dev/pts/12345678",
	    "pty:/dev/pts/3x",
	    "pty:/dev/pts/../sda",
	    "pty:/etc/shadow",
	    "pty:dev/pts/3",
	    "pty:/dev/pts/-1",
	    "pty: /dev/pts/3",
	};
	char json[160];

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		snprintf(json, sizeof(json),
			 "[{\"label\": \"serial0\", \"filename\": \"%s\"}]",
			 bad[i]);
		ck_assert_msg(find(json) == -1, "%s taken", bad[i]);
		ck_assert_ptr_nonnull(strstr(err, "is not /dev/pts/<number>"));
		ck_assert_str_eq(tty, "");
	}
	/* An embedded NUL would end the C string early: refused too. */
	ck_assert_int_eq(find("[{\"label\": \"serial0\", \"filename\": "
			      "\"pty:/dev/pts/3\\u0000/x\"}]"),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "serial0 has no filename"));
}
END_TEST

/* Only the first 256 entries are read: a huge answer costs no more. */
START_TEST(at_most_256_entries_are_read)
{
	struct json_object *ret = json_object_new_array();
	struct json_object *c;

	for (int i = 0; i < 300; i++) {
		c = json_object_new_object();
		json_object_object_add(
		    c, "label",
		    json_object_new_string(i == 299 ? "serial0" : "other"));
		json_object_object_add(
		    c, "filename", json_object_new_string("pty:/dev/pts/9"));
		json_object_array_add(ret, c);
	}
	ck_assert_int_eq(serialtty_find(ret, "serial0", tty, err, sizeof(err)),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "in its first 256"));
	json_object_put(ret);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    serial0s_pty_is_found_among_other_chardevs,
	    a_label_that_only_starts_like_serial0_is_not_it,
	    an_answer_that_is_not_a_list_is_refused,
	    entries_of_the_wrong_shape_are_refused,
	    a_serial0_that_is_no_pty_is_refused_naming_it,
	    a_pty_path_other_than_dev_pts_number_is_refused,
	    at_most_256_entries_are_read,
	};

	return run_suite("dmsup-serialtty", NULL, NULL, tests,
			 sizeof(tests) / sizeof(*tests));
}
