/*
 * Unit tests: the exact shortfall, and recognising QEMU's "failed to
 * populate ram" in a device model's log. The log lines are made with the
 * format strings QEMU 7.2's Xen build prints (checked below against the
 * installed binary, package qemu-system-xen).
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plan/plan.h"
#include "tests/unit/qmp/check-main.h"

#define QEMU_XEN "/usr/libexec/xen-qemu-system-i386"

/* The formats, as in QEMU 7.2: error_setg in xen_ram_alloc (reported with
 * the program's name and, for a -device, its option as prefixes), and the
 * log trace backend's line for trace event xen_ram_alloc, with and without
 * the "-msg timestamp" style prefix. */
#define FMT_FAILED "xen: failed to populate ram at %lx"
#define FMT_TRACE "xen_ram_alloc requested: 0x%lx, size 0x%lx"
#define FMT_TRACE_TS "%d@%zu.%06zu:xen_ram_alloc requested: 0x%lx, size 0x%lx"

static struct plan_log_scan scan;
static char line[512];

static void setup(void)
{
	plan_log_scan_init(&scan);
}

static void feed(const char *s)
{
	plan_log_scan_line(&scan, s, strlen(s));
}

static void feed_trace(unsigned long addr, unsigned long bytes)
{
	snprintf(line, sizeof(line), FMT_TRACE "\n", addr, bytes);
	feed(line);
}

static void feed_failure(const char *prefix, unsigned long addr)
{
	int n = snprintf(line, sizeof(line), "%s", prefix);

	snprintf(line + n, sizeof(line) - (size_t)n, FMT_FAILED "\n", addr);
	feed(line);
}

START_TEST(the_installed_qemu_prints_the_messages_the_scanner_knows)
{
	/* as compiled in: the error has no newline, the trace lines do */
	static const char *const fmts[] = {FMT_FAILED, FMT_TRACE "\n",
					   FMT_TRACE_TS "\n"};
	struct stat st;
	const char *map;
	size_t i;
	int fd = open(QEMU_XEN, O_RDONLY | O_CLOEXEC);

	ck_assert_msg(fd >= 0, "%s is not installed", QEMU_XEN);
	ck_assert_int_eq(fstat(fd, &st), 0);
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	ck_assert(map != MAP_FAILED);
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
		ck_assert_msg(memmem(map, (size_t)st.st_size, fmts[i],
				     strlen(fmts[i]) + 1),
			      "%s does not print \"%s\"", QEMU_XEN, fmts[i]);
	munmap((void *)map, (size_t)st.st_size);
}
END_TEST

START_TEST(a_failure_after_its_trace_gives_the_pages_it_needed)
{
	feed_trace(0x3000000, 0x1000000);
	feed_trace(0x4000000, 0x10000);
	feed_trace(0x4040000, 0x40000);
	feed_failure("xen-qemu-system-i386: -device e1000,id=nic0,netdev=net0,"
		     "mac=00:16:3e:5a:00:01: ",
		     0x4040000);
	ck_assert(scan.failed);
	ck_assert_uint_eq(scan.failed_addr, 0x4040000);
	ck_assert_uint_eq(scan.failed_pages, 0x40000 / 4096);
	ck_assert_uint_eq(scan.requests, 3);
	ck_assert_uint_eq(scan.requested_pages,
			  (0x1000000 + 0x10000 + 0x40000) / 4096);
}
END_TEST

START_TEST(a_timestamped_trace_is_understood)
{
	snprintf(line, sizeof(line), FMT_TRACE_TS, 4242, (size_t)1764000000,
		 (size_t)12345, 0x5000000ul, 0x2000ul);
	feed(line);
	feed_failure("xen-qemu-system-i386: ", 0x5000000);
	ck_assert(scan.failed);
	ck_assert_uint_eq(scan.failed_pages, 2);
}
END_TEST

START_TEST(a_failure_without_trace_is_recognised_with_unknown_size)
{
	feed("VNC server running on 127.0.0.1:5900\n");
	feed_failure("xen-qemu-system-i386: ", 0x3000000);
	ck_assert(scan.failed);
	ck_assert_uint_eq(scan.failed_addr, 0x3000000);
	ck_assert_uint_eq(scan.failed_pages, 0);
}
END_TEST

START_TEST(a_trace_of_another_address_does_not_size_the_failure)
{
	feed_trace(0x3000000, 0x1000000);
	feed_failure("", 0x4000000);
	ck_assert(scan.failed);
	ck_assert_uint_eq(scan.failed_pages, 0);
}
END_TEST

START_TEST(the_first_failure_is_kept)
{
	feed_trace(0x3000000, 0x8000);
	feed_failure("", 0x3000000);
	feed_trace(0x9000000, 0x100000);
	feed_failure("", 0x9000000);
	ck_assert_uint_eq(scan.failed_addr, 0x3000000);
	ck_assert_uint_eq(scan.failed_pages, 8);
}
END_TEST

START_TEST(other_lines_are_not_failures)
{
	feed("qemu-system-i386: terminating on signal 1 from pid 1 ()\n");
	feed("xen: failed to populate ram at \n");
	feed("xen: failed to populate ram at zz\n");
	feed("xen_ram_alloc requested: 0xZZ, size 0x10\n");
	feed("xen_ram_alloc requested: 0x10 size 0x10\n");
	feed("xen: failed to populate ram at 11111111111111111\n");
	ck_assert(!scan.failed);
	ck_assert_uint_eq(scan.requests, 0);
}
END_TEST

START_TEST(overlong_lines_are_ignored)
{
	static char big[8192];

	memset(big, 'x', sizeof(big));
	memcpy(big + 100, "xen: failed to populate ram at 10", 33);
	plan_log_scan_line(&scan, big, sizeof(big));
	ck_assert(!scan.failed);
}
END_TEST

START_TEST(a_buffer_of_crlf_lines_is_scanned_line_by_line)
{
	static const char buf[] =
	    "xen_ram_alloc requested: 0x4000000, size 0x20000\r\n"
	    "qemu: something else\r\n"
	    "xen-qemu-system-i386: xen: failed to populate ram at 4000000\r\n";

	plan_log_scan_buf(&scan, buf, sizeof(buf) - 1);
	ck_assert(scan.failed);
	ck_assert_uint_eq(scan.failed_pages, 32);
}
END_TEST

START_TEST(shortfall_is_what_the_limit_lacks)
{
	ck_assert_uint_eq(plan_shortfall(80, 1000, 950), 30);
	ck_assert_uint_eq(plan_shortfall(50, 1000, 950), 0);
	ck_assert_uint_eq(plan_shortfall(51, 1000, 950), 1);
	ck_assert_uint_eq(plan_shortfall(0, 0, 0), 0);
}
END_TEST

START_TEST(shortfall_counts_nothing_free_above_a_lowered_limit)
{
	/* the toolstack lowered max_pages below what the guest holds */
	ck_assert_uint_eq(plan_shortfall(64, 1000, 1200), 64);
}
END_TEST

START_TEST(one_rom_short_is_exactly_that_rom)
{
	struct plan_nic nic = {.model = "e1000"};
	struct plan_request req = {.memory_mib = 64,
				   .vga = PLAN_VGA_STDVGA,
				   .nics = &nic,
				   .nr_nics = 1};
	struct plan plan;
	struct plan_error err;
	uint64_t guest = 64 * 256, rom;

	ck_assert_int_eq(plan_compute(&req, &plan, &err), PLAN_OK);
	ck_assert_int_eq(plan_nic_pages(&nic, NULL, &rom, &err), PLAN_OK);
	ck_assert_uint_eq(plan_shortfall(plan.target_pages,
					 guest + plan.target_pages - rom,
					 guest),
			  rom);
}
END_TEST

static Suite *plan_log_suite(void)
{
	Suite *s = suite_create("plan-log");
	TCase *log = tcase_create("log");
	TCase *shortfall = tcase_create("shortfall");

	tcase_add_checked_fixture(log, setup, NULL);
	tcase_add_test(
	    log, the_installed_qemu_prints_the_messages_the_scanner_knows);
	tcase_add_test(log,
		       a_failure_after_its_trace_gives_the_pages_it_needed);
	tcase_add_test(log, a_timestamped_trace_is_understood);
	tcase_add_test(log,
		       a_failure_without_trace_is_recognised_with_unknown_size);
	tcase_add_test(log,
		       a_trace_of_another_address_does_not_size_the_failure);
	tcase_add_test(log, the_first_failure_is_kept);
	tcase_add_test(log, other_lines_are_not_failures);
	tcase_add_test(log, overlong_lines_are_ignored);
	tcase_add_test(log, a_buffer_of_crlf_lines_is_scanned_line_by_line);
	suite_add_tcase(s, log);
	tcase_add_test(shortfall, shortfall_is_what_the_limit_lacks);
	tcase_add_test(shortfall,
		       shortfall_counts_nothing_free_above_a_lowered_limit);
	tcase_add_test(shortfall, one_rom_short_is_exactly_that_rom);
	suite_add_tcase(s, shortfall);
	return s;
}

int main(void)
{
	return check_main_run(plan_log_suite());
}
