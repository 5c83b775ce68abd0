/* NAME.run as re-read at reattach (dmsup/runfile.c): what persist_save_run
 * writes is taken; anything else is refused naming the field. */
#include <check.h>
#include <json-c/json.h>
#include <string.h>

#include "dmsup/runfile.h"
#include "tests/unit/dmsup/run.h"

static int check_text(const char *text, char *err)
{
	struct json_object *o = json_tokener_parse(text);
	int rc = runfile_check(o, err, 128);

	json_object_put(o);
	return rc;
}

START_TEST(what_dmsup_writes_is_taken)
{
	char err[128];

	ck_assert_int_eq(
	    check_text("{\"pid\": 1234, \"pid_start\": 99, \"log_pid\": 1235, "
		       "\"log_start\": 100, \"started\": 1700000000, "
		       "\"spawns\": 3, \"state\": \"running\"}",
		       err),
	    0);
	/* A start --restore under way names its save file. */
	ck_assert_int_eq(check_text("{\"pid\": 1, \"state\": \"starting\", "
				    "\"restore\": \"/var/lib/vm1.save\"}",
				    err),
			 0);
	/* Files of an older dmsup have fewer fields. */
	ck_assert_int_eq(check_text("{\"pid\": 1}", err), 0);
}
END_TEST

START_TEST(a_bad_field_is_refused_by_name)
{
	static const struct {
		const char *text, *field;
	} bad[] = {
	    {"{\"pid\": 1, \"state\": null}", "state"},
	    {"{\"pid\": 1, \"state\": \"crashed\"}", "state"},
	    {"{\"pid\": 1, \"state\": 3}", "state"},
	    {"{\"pid\": \"1\"}", "pid"},
	    {"{\"pid\": 0}", "pid"},
	    {"{\"pid\": -5}", "pid"},
	    {"{\"pid\": 99999999999}", "pid"},
	    {"{\"pid\": 1.5}", "pid"},
	    {"{\"pid\": 1, \"spawns\": -1}", "spawns"},
	    {"{\"pid\": 1, \"pid_start\": 1e300}", "pid_start"},
	    {"{\"pid\": 1, \"started\": 99999999999999999999}", "started"},
	    {"{\"pid\": 1, \"extra\": 1}", "extra"},
	    {"{\"pid\": 1, \"restore\": \"vm1.save\"}", "restore"},
	    {"{\"pid\": 1, \"restore\": 7}", "restore"},
	    {"{\"state\": \"running\"}", "pid"},
	    {"[1]", "object"},
	    {"null", "object"},
	};
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		ck_assert_msg(check_text(bad[i].text, err) == -1, "%s taken",
			      bad[i].text);
		ck_assert_msg(strstr(err, bad[i].field), "%s: '%s'",
			      bad[i].text, err);
	}
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    what_dmsup_writes_is_taken,
	    a_bad_field_is_refused_by_name,
	};

	return run_suite("dmsup-runfile", NULL, NULL, tests,
			 sizeof(tests) / sizeof(*tests));
}
