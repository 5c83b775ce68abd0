/*
 * test-setup.c - the xenstore layout written for a stub domain
 * (stubdom-proto/setup.h), checked through the eyes of each domain.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "stubdom-proto/setup.h"
#include "stubdom-proto/xs.h"
#include "tests/unit/proto/helpers.h"

#define UUID "00000000-0000-0000-0000-000000000005"
#define VM "/vm/" UUID "/image"
#define MINIOS_DM "/local/domain/0/device-model/5"
#define LINUX_DM "/local/domain/6/device-model/5"

static struct fx f;
static char err[512];
static const char *const args[] = {"-xen-domid", "5",  "-nodefaults", "-vnc",
				   "none",	 "-m", "48"};

static void setup(void)
{
	fx_open(&f);
	err[0] = '\0';
}

static void teardown(void)
{
	fx_close(&f);
}

static int write_layout(enum stubdom_kind kind, const char *const *argv,
			size_t argc)
{
	struct stubdom_setup s = {
	    .kind = kind,
	    .domid = T_GUEST,
	    .stub_domid = T_STUB,
	    .uuid = UUID,
	    .argv = argv,
	    .argc = argc,
	    .bios = "seabios",
	};

	return stubdom_setup_write(f.dom0, &s, err, sizeof(err));
}

static bool can_write(struct xsp *xs, const char *path)
{
	return xsp_write_str(xs, XSP_TXN_NONE, path, "x") == 0;
}

static bool can_read(struct xsp *xs, const char *path)
{
	char *v = NULL;
	int rc = xsp_read(xs, XSP_TXN_NONE, path, &v, NULL);

	free(v);
	return rc == 0;
}

START_TEST(minios_dmargs_are_the_arguments_space_separated_in_order)
{
	ck_assert_int_eq(write_layout(STUBDOM_MINIOS, args, 7), 0);
	ck_assert_str_eq(fx_read(f.stub, VM "/dmargs"),
			 "-xen-domid 5 -nodefaults -vnc none -m 48");
}
END_TEST

START_TEST(linux_dm_argv_has_one_zero_padded_key_per_argument)
{
	char **names;
	unsigned int n;

	ck_assert_int_eq(write_layout(STUBDOM_LINUX, args, 7), 0);
	ck_assert_int_eq(xsp_directory(f.stub, 0, VM "/dm-argv", &names, &n),
			 0);
	ck_assert_uint_eq(n, 7);
	free(names);
	ck_assert_str_eq(fx_read(f.stub, VM "/dm-argv/001"), "-xen-domid");
	ck_assert_str_eq(fx_read(f.stub, VM "/dm-argv/004"), "-vnc");
	ck_assert_str_eq(fx_read(f.stub, VM "/dm-argv/007"), "48");
}
END_TEST

START_TEST(a_shorter_linux_argv_leaves_no_stale_keys)
{
	char **names;
	unsigned int n;

	ck_assert_int_eq(write_layout(STUBDOM_LINUX, args, 7), 0);
	ck_assert_int_eq(write_layout(STUBDOM_LINUX, args, 2), 0);
	ck_assert_int_eq(xsp_directory(f.stub, 0, VM "/dm-argv", &names, &n),
			 0);
	ck_assert_uint_eq(n, 2);
	free(names);
}
END_TEST

START_TEST(target_and_bios_are_written)
{
	ck_assert_int_eq(write_layout(STUBDOM_MINIOS, args, 7), 0);
	ck_assert_str_eq(fx_read(f.stub, "/local/domain/6/target"), "5");
	ck_assert_str_eq(fx_read(f.guest, "/local/domain/5/hvmloader/bios"),
			 "seabios");
}
END_TEST

START_TEST(device_model_directory_is_fresh_and_where_each_kind_looks)
{
	ck_assert_int_eq(
	    xsp_write_str(f.dom0, 0, MINIOS_DM "/state", "running"), 0);
	ck_assert_int_eq(xsp_write_str(f.dom0, 0, MINIOS_DM "/stale", "1"), 0);
	ck_assert_int_eq(write_layout(STUBDOM_MINIOS, args, 7), 0);
	ck_assert_str_eq(fx_read(f.stub, MINIOS_DM "/state"), "");
	ck_assert_str_eq(fx_read(f.stub, MINIOS_DM "/command"), "");
	ck_assert_str_eq(fx_read(f.stub, MINIOS_DM "/parameter"), "");
	ck_assert_str_eq(fx_read(f.dom0, MINIOS_DM "/stale"), "<errno 2>");
	ck_assert_int_eq(write_layout(STUBDOM_LINUX, args, 7), 0);
	ck_assert_str_eq(fx_read(f.stub, LINUX_DM "/state"), "");
}
END_TEST

START_TEST(only_dom0_writes_argv_target_command_and_parameter)
{
	static const char *const nodes[] = {
	    VM "/dmargs", "/local/domain/6/target", MINIOS_DM "/command",
	    MINIOS_DM "/parameter", "/local/domain/5/hvmloader/bios"};
	unsigned int i;

	ck_assert_int_eq(write_layout(STUBDOM_MINIOS, args, 7), 0);
	/* As a real launcher does: the stub acts for its guest. */
	ck_assert_int_eq(xsp_set_target(f.dom0, T_STUB, T_GUEST), 0);
	for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		ck_assert_msg(!can_write(f.stub, nodes[i]), "stub wrote %s",
			      nodes[i]);
		ck_assert_msg(!can_write(f.guest, nodes[i]), "guest wrote %s",
			      nodes[i]);
		ck_assert_msg(can_read(f.stub, nodes[i]), "stub can't read %s",
			      nodes[i]);
	}
	ck_assert(!can_write(f.stub, MINIOS_DM "/new-node"));
	ck_assert(!can_write(f.stub, VM "/dmargs-extra"));
}
END_TEST

START_TEST(the_stub_writes_its_state_and_the_guest_nothing)
{
	ck_assert_int_eq(write_layout(STUBDOM_LINUX, args, 7), 0);
	ck_assert(can_write(f.stub, LINUX_DM "/state"));
	ck_assert(!can_write(f.guest, LINUX_DM "/state"));
	ck_assert(!can_read(f.guest, LINUX_DM "/command"));
	ck_assert(!can_read(f.guest, VM "/dm-argv/001"));
	ck_assert(!can_read(f.other, LINUX_DM "/state"));
	ck_assert(!can_read(f.other, "/local/domain/5/hvmloader/bios"));
}
END_TEST

START_TEST(oversized_dmargs_is_a_clear_error_and_nothing_is_written)
{
	static char arg[600];
	const char *big[8];
	char size[32];
	unsigned int i;

	memset(arg, 'a', sizeof(arg) - 1);
	snprintf(size, sizeof(size), "%zu bytes", 8 * (sizeof(arg) - 1) + 7);
	for (i = 0; i < 8; i++)
		big[i] = arg;
	ck_assert_int_eq(write_layout(STUBDOM_MINIOS, big, 8), -E2BIG);
	ck_assert_msg(strstr(err, "dom 5") && strstr(err, VM "/dmargs") &&
			  strstr(err, size) && strstr(err, "limit of"),
		      "unclear error: %s", err);
	ck_assert_str_eq(fx_read(f.dom0, VM "/dmargs"), "<errno 2>");
	ck_assert_str_eq(fx_read(f.dom0, "/local/domain/6/target"),
			 "<errno 2>");
	ck_assert_str_eq(fx_read(f.dom0, MINIOS_DM "/state"), "<errno 2>");
}
END_TEST

START_TEST(oversized_linux_argument_names_its_key)
{
	static char arg[5000];
	const char *argv[] = {"-m", "48", arg};

	memset(arg, 'a', sizeof(arg) - 1);
	ck_assert_int_eq(write_layout(STUBDOM_LINUX, argv, 3), -E2BIG);
	ck_assert_msg(strstr(err, VM "/dm-argv/003"), "unclear error: %s", err);
	ck_assert_str_eq(fx_read(f.dom0, VM "/dm-argv/001"), "<errno 2>");
}
END_TEST

START_TEST(minios_refuses_an_argument_that_spaces_would_split)
{
	const char *argv[] = {"-name", "my guest"};

	ck_assert_int_eq(write_layout(STUBDOM_MINIOS, argv, 2), -EINVAL);
	ck_assert_msg(strstr(err, "my guest"), "unclear error: %s", err);
	ck_assert_str_eq(fx_read(f.dom0, VM "/dmargs"), "<errno 2>");
}
END_TEST

START_TEST(a_bad_uuid_is_refused)
{
	struct stubdom_setup s = {STUBDOM_MINIOS, T_GUEST, T_STUB, "../x",
				  args,		  7,	   NULL};

	ck_assert_int_eq(stubdom_setup_write(f.dom0, &s, err, sizeof(err)),
			 -EINVAL);
	ck_assert_msg(strstr(err, "uuid"), "unclear error: %s", err);
}
END_TEST

static Suite *setup_suite(void)
{
	Suite *s = suite_create("setup");
	TCase *tc = tcase_create("stub-domain layout");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(
	    tc, minios_dmargs_are_the_arguments_space_separated_in_order);
	tcase_add_test(tc, linux_dm_argv_has_one_zero_padded_key_per_argument);
	tcase_add_test(tc, a_shorter_linux_argv_leaves_no_stale_keys);
	tcase_add_test(tc, target_and_bios_are_written);
	tcase_add_test(
	    tc, device_model_directory_is_fresh_and_where_each_kind_looks);
	tcase_add_test(tc, only_dom0_writes_argv_target_command_and_parameter);
	tcase_add_test(tc, the_stub_writes_its_state_and_the_guest_nothing);
	tcase_add_test(
	    tc, oversized_dmargs_is_a_clear_error_and_nothing_is_written);
	tcase_add_test(tc, oversized_linux_argument_names_its_key);
	tcase_add_test(tc, minios_refuses_an_argument_that_spaces_would_split);
	tcase_add_test(tc, a_bad_uuid_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return fx_run(setup_suite());
}
