/* The save file's sync off the loop (dmsup/savesync.c): the outcome comes
 * from the loop after the data is synced, never from savesync_start
 * itself; a cancel tells ECANCELED at once and nothing later; a bad fd
 * is refused; the caller's fd stays open. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>

#include "dmsup/savesync.h"
#include "tests/unit/dmsup/run.h"

static struct event_base *base;
static char path[64];
static int fd = -1;
static int told, told_err;

static void setup(void)
{
	snprintf(path, sizeof(path), "/tmp/test-savesync.XXXXXX");
	fd = mkostemp(path, O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "state", 5), 5);
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	told = 0;
	told_err = -1;
}

static void teardown(void)
{
	close(fd);
	unlink(path);
	event_base_free(base);
}

static void done_cb(void *arg, int err)
{
	told++;
	told_err = err;
	if (arg)
		event_base_loopbreak(base);
}

/* Runs the loop until told, at most about 10 s. */
static void run_until_told(void)
{
	struct timeval tv = {0, 10000};

	for (int i = 0; i < 1000 && !told; i++)
		event_base_loopexit(base, &tv), event_base_dispatch(base);
}

START_TEST(the_outcome_comes_from_the_loop)
{
	ck_assert_ptr_nonnull(savesync_start(base, fd, done_cb, base));
	ck_assert_int_eq(told, 0);
	run_until_told();
	ck_assert_int_eq(told, 1);
	ck_assert_int_eq(told_err, 0);
	/* The caller's fd is still its own. */
	ck_assert_int_eq(fcntl(fd, F_GETFD), FD_CLOEXEC);
}
END_TEST

START_TEST(a_cancel_tells_once_at_once)
{
	struct savesync *s = savesync_start(base, fd, done_cb, NULL);

	ck_assert_ptr_nonnull(s);
	savesync_cancel(s);
	ck_assert_int_eq(told, 1);
	ck_assert_int_eq(told_err, ECANCELED);
	/* The thread's end is only cleaned up. */
	for (int i = 0; i < 20; i++) {
		struct timeval tv = {0, 20000};

		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
	ck_assert_int_eq(told, 1);
	savesync_cancel(NULL);
}
END_TEST

START_TEST(a_bad_fd_is_refused)
{
	errno = 0;
	ck_assert_ptr_null(savesync_start(base, -1, done_cb, base));
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(told, 0);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    the_outcome_comes_from_the_loop,
	    a_cancel_tells_once_at_once,
	    a_bad_fd_is_refused,
	};

	return run_suite("dmsup-savesync", setup, teardown, tests,
			 sizeof(tests) / sizeof(*tests));
}
