/* The xenstore values other domains write (dmsup/kind/xsval.c): a domid
 * or a state is taken only in its one plain spelling. */
#include <check.h>
#include <string.h>

#include "dmsup/kind/xsval.h"
#include "tests/unit/dmsup/run.h"

static int parse(enum xsval_field f, const char *s, int *v, char *err)
{
	return xsval_parse(f, s, strlen(s), v, err, 128);
}

START_TEST(plain_domids_are_taken)
{
	char err[128];
	int v = -1;

	ck_assert_int_eq(parse(XSVAL_DM_DOMID, "7", &v, err), 0);
	ck_assert_int_eq(v, 7);
	ck_assert_int_eq(parse(XSVAL_TARGET, "32751", &v, err), 0);
	ck_assert_int_eq(v, 32751);
}
END_TEST

START_TEST(other_spellings_of_a_domid_are_refused_naming_the_field)
{
	static const char *const bad[] = {
	    "",	   "0",	  "07",	   "+7",    "-7",     " 7", "7 ",
	    "7\n", "0x7", "32752", "99999", "123456", "7a", "1e3",
	};
	char err[128];
	size_t i;
	int v = -1;

	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		ck_assert_msg(parse(XSVAL_DM_DOMID, bad[i], &v, err) == -1,
			      "'%s' taken", bad[i]);
		ck_assert_ptr_nonnull(strstr(err, "device-model-domid"));
		ck_assert_int_eq(parse(XSVAL_TARGET, bad[i], &v, err), -1);
		ck_assert_ptr_nonnull(strstr(err, "target"));
	}
	/* An embedded NUL is not the end of the value. */
	ck_assert_int_eq(xsval_parse(XSVAL_DM_DOMID, "7\0008", 3, &v, err, 128),
			 -1);
}
END_TEST

START_TEST(state_is_running_only_when_exactly_running)
{
	char err[128];
	int v = -1;

	ck_assert_int_eq(parse(XSVAL_STATE, "running", &v, err), 0);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(parse(XSVAL_STATE, "starting", &v, err), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(parse(XSVAL_STATE, "Running", &v, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "state"));
	ck_assert_int_eq(parse(XSVAL_STATE, "running ", &v, err), -1);
	ck_assert_int_eq(
	    xsval_parse(XSVAL_STATE, "running\0x", 9, &v, err, 128), -1);
	ck_assert_int_eq(parse(XSVAL_STATE, "", &v, err), -1);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    plain_domids_are_taken,
	    other_spellings_of_a_domid_are_refused_naming_the_field,
	    state_is_running_only_when_exactly_running,
	};

	return run_suite("dmsup-xsval", NULL, NULL, tests,
			 sizeof(tests) / sizeof(*tests));
}
