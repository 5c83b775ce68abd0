/*
 * Unit tests: the Xen-free part of the vchan transport (qmp/vchan.c):
 * vchan:DOMID:XSPATH addresses, what a ring state lets the owner do, how
 * libxenvchan's results read as read(2)/write(2) results, and which rings
 * a new client may use. The transport itself needs real Xen: its tests
 * are in the test bed (tests/xen/t-70-qmp-vchan.sh).
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "qmp/qmp.h"
#include "qmp/transport-vchan.h"
#include "qmp/transport.h"
#include "tests/unit/qmp/check-main.h"

START_TEST(address_gives_domid_and_path)
{
	const char *path = NULL;
	int domid = -1;

	ck_assert_int_eq(qmp_vchan_parse_address(
			     "vchan:7:/local/domain/7/device-model/3/qmp-vchan",
			     &domid, &path),
			 1);
	ck_assert_int_eq(domid, 7);
	ck_assert_str_eq(path, "/local/domain/7/device-model/3/qmp-vchan");
}
END_TEST

START_TEST(address_of_dom0_is_accepted)
{
	const char *path = NULL;
	int domid = -1;

	ck_assert_int_eq(qmp_vchan_parse_address("vchan:0:/a", &domid, &path),
			 1);
	ck_assert_int_eq(domid, 0);
	ck_assert_str_eq(path, "/a");
}
END_TEST

START_TEST(unix_socket_path_is_not_a_vchan_address)
{
	const char *path = NULL;
	int domid = -1;

	ck_assert_int_eq(
	    qmp_vchan_parse_address("/run/xen/qmp-libxl-3", &domid, &path), 0);
	ck_assert_int_eq(qmp_vchan_parse_address("vchanx", &domid, &path), 0);
	ck_assert_ptr_null(path);
}
END_TEST

START_TEST(malformed_vchan_addresses_are_refused)
{
	static const char *const bad[] = {
	    "vchan:",
	    "vchan:7",
	    "vchan:7:",
	    "vchan::/a",
	    "vchan:-1:/a",
	    "vchan:+1:/a",
	    "vchan: 1:/a",
	    "vchan:1x:/a",
	    "vchan:32752:/a",		     /* DOMID_FIRST_RESERVED */
	    "vchan:99999999999999999999:/a", /* overflow */
	    "vchan:7:relative/path",
	};
	const char *path = NULL;
	int domid = -1;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(qmp_vchan_parse_address(bad[i], &domid, &path) ==
				  QMP_E_INVAL,
			      "%s accepted", bad[i]);
	ck_assert_ptr_null(path);
}
END_TEST

START_TEST(path_longer_than_libxenvchan_can_format_is_refused)
{
	char addr[128] = "vchan:1:/";
	const char *path = NULL;
	int domid = -1;

	/* "/" + 48 = 49 bytes: fits; one more would be truncated by
	 * libxenvchan into another node's name. */
	memset(addr + strlen(addr), 'p', 48);
	ck_assert_int_eq(qmp_vchan_parse_address(addr, &domid, &path), 1);
	ck_assert_uint_eq(strlen(path), QMP_VCHAN_XS_PATH_MAX);
	strcat(addr, "p");
	ck_assert_int_eq(qmp_vchan_parse_address(addr, &domid, &path),
			 QMP_E_INVAL);
}
END_TEST

START_TEST(bytes_in_the_ring_make_reading_progress)
{
	ck_assert_int_eq(qmp_vchan_ready_mask(1, 0, 1, 0), QMP_TRANSPORT_READ);
}
END_TEST

START_TEST(empty_ring_of_a_live_peer_reports_nothing)
{
	ck_assert_int_eq(qmp_vchan_ready_mask(0, 4096, 1, 0), 0);
}
END_TEST

START_TEST(room_is_reported_only_to_an_owner_that_wants_to_write)
{
	ck_assert_int_eq(qmp_vchan_ready_mask(0, 4096, 1, 1),
			 QMP_TRANSPORT_WRITE);
	ck_assert_int_eq(qmp_vchan_ready_mask(0, 0, 1, 1), 0);
	ck_assert_int_eq(qmp_vchan_ready_mask(5, 10, 1, 1),
			 QMP_TRANSPORT_READ | QMP_TRANSPORT_WRITE);
}
END_TEST

START_TEST(gone_peer_makes_reading_and_writing_progress)
{
	/* So that the owner reads the EOF and fails its pending write. */
	ck_assert_int_eq(qmp_vchan_ready_mask(0, 0, 0, 0), QMP_TRANSPORT_READ);
	ck_assert_int_eq(qmp_vchan_ready_mask(0, 0, 0, 1),
			 QMP_TRANSPORT_READ | QMP_TRANSPORT_WRITE);
}
END_TEST

START_TEST(bytes_moved_are_returned_as_is)
{
	ck_assert_int_eq(qmp_vchan_io_result(42, 1, 0), 42);
	ck_assert_int_eq(qmp_vchan_io_result(42, 0, 0), 42);
	ck_assert_int_eq(qmp_vchan_io_result(7, 1, 1), 7);
}
END_TEST

START_TEST(nothing_to_move_while_open_is_eagain)
{
	errno = 0;
	ck_assert_int_eq(qmp_vchan_io_result(0, 1, 0), -1);
	ck_assert_int_eq(errno, EAGAIN);
	errno = 0;
	ck_assert_int_eq(qmp_vchan_io_result(0, 1, 1), -1);
	ck_assert_int_eq(errno, EAGAIN);
}
END_TEST

START_TEST(read_from_a_gone_peer_is_eof)
{
	ck_assert_int_eq(qmp_vchan_io_result(-1, 0, 0), 0);
	ck_assert_int_eq(qmp_vchan_io_result(0, 0, 0), 0);
}
END_TEST

START_TEST(write_to_a_gone_peer_is_epipe)
{
	errno = 0;
	ck_assert_int_eq(qmp_vchan_io_result(-1, 0, 1), -1);
	ck_assert_int_eq(errno, EPIPE);
}
END_TEST

START_TEST(failure_while_open_is_eio)
{
	errno = 0;
	ck_assert_int_eq(qmp_vchan_io_result(-1, 1, 0), -1);
	ck_assert_int_eq(errno, EIO);
	errno = 0;
	ck_assert_int_eq(qmp_vchan_io_result(-1, 1, 1), -1);
	ck_assert_int_eq(errno, EIO);
}
END_TEST

START_TEST(unused_ring_is_fresh)
{
	ck_assert(qmp_vchan_ring_fresh(0, 0));
}
END_TEST

START_TEST(ring_a_previous_client_used_is_not_fresh)
{
	ck_assert(!qmp_vchan_ring_fresh(31, 0));  /* it sent a command */
	ck_assert(!qmp_vchan_ring_fresh(0, 120)); /* it read the greeting */
	ck_assert(!qmp_vchan_ring_fresh(31, 120));
}
END_TEST

static Suite *qmp_vchan_suite(void)
{
	Suite *s = suite_create("qmp-vchan");
	TCase *tc = tcase_create("address");

	tcase_add_test(tc, address_gives_domid_and_path);
	tcase_add_test(tc, address_of_dom0_is_accepted);
	tcase_add_test(tc, unix_socket_path_is_not_a_vchan_address);
	tcase_add_test(tc, malformed_vchan_addresses_are_refused);
	tcase_add_test(tc, path_longer_than_libxenvchan_can_format_is_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("ready");
	tcase_add_test(tc, bytes_in_the_ring_make_reading_progress);
	tcase_add_test(tc, empty_ring_of_a_live_peer_reports_nothing);
	tcase_add_test(tc,
		       room_is_reported_only_to_an_owner_that_wants_to_write);
	tcase_add_test(tc, gone_peer_makes_reading_and_writing_progress);
	suite_add_tcase(s, tc);
	tc = tcase_create("result");
	tcase_add_test(tc, bytes_moved_are_returned_as_is);
	tcase_add_test(tc, nothing_to_move_while_open_is_eagain);
	tcase_add_test(tc, read_from_a_gone_peer_is_eof);
	tcase_add_test(tc, write_to_a_gone_peer_is_epipe);
	tcase_add_test(tc, failure_while_open_is_eio);
	suite_add_tcase(s, tc);
	tc = tcase_create("fresh");
	tcase_add_test(tc, unused_ring_is_fresh);
	tcase_add_test(tc, ring_a_previous_client_used_is_not_fresh);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(qmp_vchan_suite());
}
