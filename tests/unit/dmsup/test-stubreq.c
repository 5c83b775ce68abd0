/* The daemon's side of a Linux stub's save (dmsup/kind/stubreq.c),
 * against a scripted keeper in a child process speaking stubctl.h's
 * protocol (the real keeper and stub: tests/xen/t-119): the file's fd
 * reaches the keeper, "saved N" comes back as the bytes, and each way it
 * can go wrong (an error, a keeper that goes, one that stays silent, no
 * socket) ends in one error naming the domain, from the loop. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "dmsup/kind/stubreq.h"
#include "dmsup/unixsock.h"
#include "tests/unit/dmsup/run.h"

static struct event_base *base;
static char dir[64], sock[96], file[96];
static int lfd = -1, fd = -1;
static pid_t keeper;
static int told;
static int64_t told_bytes;
static char told_err[1024];
static struct stubreq *ss;

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test-stubreq.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/vm.keep", dir);
	snprintf(file, sizeof(file), "%s/vm.save", dir);
	lfd = unixsock_listen(sock);
	ck_assert_int_ge(lfd, 0);
	fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	base = event_base_new();
	told = 0;
	told_bytes = -1;
	told_err[0] = '\0';
	keeper = 0;
	ss = NULL;
}

static void teardown(void)
{
	stubreq_free(ss);
	if (keeper > 0) {
		kill(keeper, SIGKILL);
		waitpid(keeper, NULL, 0);
	}
	close(lfd);
	close(fd);
	unlink(file);
	unlink(sock);
	rmdir(dir);
	event_base_free(base);
}

/* The keeper's side, blocking: accept, take "save" and its fd, then act
 * as @mode says. */
static void keeper_run(const char *mode)
{
	char buf[64];
	int fds[1], n = 0, c;
	bool over;
	ssize_t r;

	c = accept(lfd, NULL, NULL);
	if (c < 0)
		_exit(2);
	do
		r = unixsock_recv_fds(c, buf, sizeof(buf), fds, 1, &n, &over);
	while (r < 0 && errno == EAGAIN);
	if (r != 5 || memcmp(buf, "save\n", 5) || n != 1)
		_exit(3);
	if (!strcmp(mode, "close"))
		_exit(0);
	if (!strcmp(mode, "silent"))
		for (;;)
			pause();
	if (!strcmp(mode, "error")) {
		(void)!write(c, "error no save console\n", 22);
		_exit(0);
	}
	/* Console 1's bytes into the fd the daemon sent. */
	(void)!write(fds[0], "state", 5);
	(void)!write(c, "ok\n", 3);
	r = read(c, buf, sizeof(buf));
	if (r != 4 || memcmp(buf, "end\n", 4))
		_exit(4);
	(void)!write(c, "saved 5\n", 8);
	r = read(c, buf, sizeof(buf)); /* until the daemon closes */
	_exit(0);
}

static void keeper_start(const char *mode)
{
	keeper = fork();
	ck_assert_int_ge(keeper, 0);
	if (!keeper)
		keeper_run(mode);
}

static void told_cb(void *arg, int64_t bytes, const char *err)
{
	told++;
	told_bytes = bytes;
	snprintf(told_err, sizeof(told_err), "%s", err ? err : "");
	event_base_loopbreak(base);
}

static void ready_end_cb(void *arg, int64_t bytes, const char *err)
{
	told_cb(arg, bytes, err);
	if (!err)
		stubreq_end(ss, told_cb);
}

/* Runs the loop until told @n times, at most about 10 s. */
static void run_until(int n)
{
	struct timeval tv = {0, 10000};

	for (int i = 0; i < 1000 && told < n; i++)
		event_base_loopexit(base, &tv), event_base_dispatch(base);
}

static void begin(int timeout_s, stubreq_fn *ready)
{
	char err[512];

	ss = stubreq_begin(base, "domain vm (domid 7)", sock, fd, timeout_s,
			   ready, NULL, err, sizeof(err));
	ck_assert_msg(ss != NULL, "%s", err);
	ck_assert_int_eq(told, 0); /* never from stubreq_begin */
}

START_TEST(the_file_reaches_the_keeper_and_its_count_comes_back)
{
	char buf[16] = "";

	keeper_start("ok");
	begin(10, ready_end_cb);
	run_until(2);
	ck_assert_int_eq(told, 2);
	ck_assert_str_eq(told_err, "");
	ck_assert_int_eq(told_bytes, 5);
	int rd = open(file, O_RDONLY | O_CLOEXEC);

	ck_assert_int_eq(pread(rd, buf, 5, 0), 5);
	close(rd);
	ck_assert_str_eq(buf, "state");
}
END_TEST

START_TEST(the_keepers_error_is_said_with_the_domain)
{
	keeper_start("error");
	begin(10, told_cb);
	run_until(1);
	ck_assert_int_eq(told, 1);
	ck_assert_str_eq(told_err, "domain vm (domid 7): the stub keeper: "
				   "no save console");
}
END_TEST

START_TEST(a_keeper_that_goes_fails_the_save)
{
	keeper_start("close");
	begin(10, told_cb);
	run_until(1);
	ck_assert_int_eq(told, 1);
	ck_assert_ptr_nonnull(
	    strstr(told_err, "the stub keeper closed its control socket"));
}
END_TEST

START_TEST(a_silent_keeper_times_out)
{
	keeper_start("silent");
	begin(1, told_cb);
	run_until(1);
	ck_assert_int_eq(told, 1);
	ck_assert_str_eq(told_err, "domain vm (domid 7): the stub keeper did "
				   "not answer 'save' within 1 s");
}
END_TEST

START_TEST(no_keeper_socket_is_said_at_once)
{
	char err[512];

	unlink(sock);
	ck_assert_ptr_null(stubreq_begin(base, "domain vm (domid 7)", sock, fd,
					 1, told_cb, NULL, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "domain vm (domid 7): the stub "
					  "keeper's socket"));
	ck_assert_int_eq(told, 0);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    the_file_reaches_the_keeper_and_its_count_comes_back,
	    the_keepers_error_is_said_with_the_domain,
	    a_keeper_that_goes_fails_the_save,
	    a_silent_keeper_times_out,
	    no_keeper_socket_is_said_at_once,
	};

	return run_suite("dmsup-stubreq", setup, teardown, tests,
			 sizeof(tests) / sizeof(*tests));
}
