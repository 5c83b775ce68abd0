/* The main() of every libqmp Check program: run the suite, print Check's
 * summary, exit non-zero on any failure. */
#ifndef TESTS_QMP_CHECK_MAIN_H
#define TESTS_QMP_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

static inline int check_main_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
