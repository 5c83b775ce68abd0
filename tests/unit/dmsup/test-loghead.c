/* The start header of a device model's log (dmsup/loghead.c): what
 * `dmctl log` shows of a spawn before QEMU's own output. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "dmsup/loghead.h"
#include "tests/unit/dmsup/run.h"

START_TEST(header_names_the_spawn_and_each_argument_on_a_line)
{
	char *const argv[] = {(char *)"/usr/bin/qemu-system-i386",
			      (char *)"-xen-domid",
			      (char *)"7",
			      (char *)"-m",
			      (char *)"512",
			      NULL};
	char *text = loghead_format("vm1", 7, 2, 86400, argv);

	ck_assert_str_eq(text, "dmsup: 1970-01-02 00:00:00 UTC: vm1 (domid 7): "
			       "spawn 2 with arguments:\n"
			       "dmsup:   /usr/bin/qemu-system-i386\n"
			       "dmsup:   -xen-domid\n"
			       "dmsup:   7\n"
			       "dmsup:   -m\n"
			       "dmsup:   512\n");
	free(text);
}
END_TEST

START_TEST(an_argument_cannot_forge_a_log_line)
{
	char *const argv[] = {(char *)"/q", (char *)"a\ndmsup: fake\\", NULL};
	char *text = loghead_format("vm1", 7, 1, 0, argv);

	ck_assert_ptr_nonnull(
	    strstr(text, "dmsup:   a\\x0admsup: fake\\x5c\n"));
	ck_assert_ptr_null(strstr(text, "\ndmsup: fake"));
	free(text);
}
END_TEST

START_TEST(a_huge_command_line_is_capped)
{
	char **argv = calloc(301, sizeof(*argv));
	char *big = malloc(5000);

	memset(big, 'x', 4999);
	big[4999] = '\0';
	for (int i = 0; i < 300; i++)
		argv[i] = big;
	char *text = loghead_format("vm1", 7, 1, 0, argv);
	ck_assert_uint_le(strlen(text), LOGHEAD_MAX + 128);
	ck_assert_ptr_nonnull(strstr(text, "x...\n"));
	ck_assert_ptr_nonnull(strstr(text, "more arguments)\n"));
	/* Each line fits one atomic pipe write. */
	for (char *l = text; *l; l = strchr(l, '\n') + 1)
		ck_assert_uint_lt(strcspn(l, "\n"), 4096);
	free(text);
	free(big);
	free(argv);
}
END_TEST

START_TEST(a_full_pipe_drops_the_header_without_blocking)
{
	char *const argv[] = {(char *)"/q", NULL};
	int p[2];
	char buf[65536];

	ck_assert_int_eq(pipe(p), 0);
	memset(buf, 'y', sizeof(buf));
	/* Fill it (non-blocking for the fill), then the header must not
	 * wait for a reader. */
	loghead_write(p[1], "vm1", 7, 1, argv);
	ck_assert_int_gt(read(p[0], buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "spawn 1 with arguments"));
	ck_assert_int_eq(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
	while (write(p[1], buf, sizeof(buf)) > 0)
		;
	ck_assert_int_eq(fcntl(p[1], F_SETFL, 0), 0);
	loghead_write(p[1], "vm1", 7, 2, argv);
	/* And the end is left blocking, as QEMU gets it. */
	ck_assert_int_eq(fcntl(p[1], F_GETFL) & O_NONBLOCK, 0);
	close(p[0]);
	close(p[1]);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    header_names_the_spawn_and_each_argument_on_a_line,
	    an_argument_cannot_forge_a_log_line,
	    a_huge_command_line_is_capped,
	    a_full_pipe_drops_the_header_without_blocking,
	};

	return run_suite("dmsup-loghead", NULL, NULL, tests,
			 sizeof(tests) / sizeof(*tests));
}
