/* The user lookups a start makes (dmsup/usercache.c): each name is asked
 * once while the password file stays the same, again once it changes or
 * after a flush; a missing user is remembered as missing too. */
#include <check.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmsup/usercache.h"
#include "tests/unit/dmsup/run.h"

static char stamp[] = "/tmp/dmsup-usercache-XXXXXX";
static int asked;
static struct passwd qemu_user = {
    .pw_name = (char *)"qemu", .pw_uid = 131072, .pw_gid = 131072};

/* Knows one user, "qemu"; counts every question. */
static struct passwd *fake_source(const char *name)
{
	asked++;
	return !strcmp(name, "qemu") ? &qemu_user : NULL;
}

static void setup(void)
{
	int fd = mkstemp(stamp);

	ck_assert_int_ge(fd, 0);
	close(fd);
	usercache_set_source(fake_source, stamp);
	asked = 0;
}

static void teardown(void)
{
	usercache_set_source(NULL, NULL);
	unlink(stamp);
	strcpy(stamp, "/tmp/dmsup-usercache-XXXXXX");
}

static void append_line(void)
{
	FILE *f = fopen(stamp, "a");

	ck_assert_ptr_nonnull(f);
	fputs("qemu:x:131072:131072::/:/usr/sbin/nologin\n", f);
	fclose(f);
}

START_TEST(a_user_is_asked_once)
{
	uid_t u = 0;
	gid_t g = 0;

	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(usercache_getpw("qemu", &u, &g), 0);
		ck_assert_int_eq(u, 131072);
		ck_assert_int_eq(g, 131072);
	}
	ck_assert_int_eq(asked, 1);
}
END_TEST

START_TEST(a_missing_user_is_remembered_missing)
{
	uid_t u = 7;
	gid_t g = 7;

	ck_assert_int_eq(usercache_getpw("nobody-here", &u, &g), -1);
	ck_assert_int_eq(usercache_getpw("nobody-here", &u, &g), -1);
	ck_assert_int_eq(u, 7); /* untouched */
	ck_assert_int_eq(asked, 1);
}
END_TEST

START_TEST(a_changed_password_file_is_asked_again)
{
	uid_t u;
	gid_t g;

	ck_assert_int_eq(usercache_getpw("qemu", &u, &g), 0);
	append_line();
	ck_assert_int_eq(usercache_getpw("qemu", &u, &g), 0);
	ck_assert_int_eq(asked, 2);
}
END_TEST

START_TEST(a_flush_forgets)
{
	uid_t u;
	gid_t g;

	ck_assert_int_eq(usercache_getpw("qemu", &u, &g), 0);
	usercache_flush();
	ck_assert_int_eq(usercache_getpw("qemu", &u, &g), 0);
	ck_assert_int_eq(asked, 2);
}
END_TEST

START_TEST(more_names_than_slots_stay_correct)
{
	char name[32];
	uid_t u;
	gid_t g;

	for (int round = 0; round < 2; round++)
		for (int i = 0; i < USERCACHE_SLOTS * 2; i++) {
			snprintf(name, sizeof(name), "user%d", i);
			ck_assert_int_eq(usercache_getpw(name, &u, &g), -1);
		}
	ck_assert_int_eq(usercache_getpw("qemu", &u, &g), 0);
	ck_assert_int_eq(u, 131072);
	/* Every name was pushed out before it came round again. */
	ck_assert_int_eq(asked, USERCACHE_SLOTS * 4 + 1);
}
END_TEST

START_TEST(a_name_too_long_to_keep_is_asked_each_time)
{
	char name[100];
	uid_t u;
	gid_t g;

	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ck_assert_int_eq(usercache_getpw(name, &u, &g), -1);
	ck_assert_int_eq(usercache_getpw(name, &u, &g), -1);
	ck_assert_int_eq(asked, 2);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    a_user_is_asked_once,
	    a_missing_user_is_remembered_missing,
	    a_changed_password_file_is_asked_again,
	    a_flush_forgets,
	    more_names_than_slots_stay_correct,
	    a_name_too_long_to_keep_is_asked_each_time,
	};
	return run_suite("usercache", setup, teardown, tests,
			 sizeof(tests) / sizeof(tests[0]));
}
