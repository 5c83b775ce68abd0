/* One runner for the dmsup unit suites. */
#ifndef TESTS_UNIT_DMSUP_RUN_H
#define TESTS_UNIT_DMSUP_RUN_H

#include <check.h>
#include <stddef.h>

/* Runs @tests as one suite with the fixtures (may be NULL); returns the
 * exit status. */
int run_suite(const char *name, void (*setup)(void), void (*teardown)(void),
	      const TTest *const *tests, size_t n);

#endif
