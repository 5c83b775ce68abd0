/*
 * Unit tests of the stub keeper (stubkeep/stubkeep.c, stubkeep/stubcons.c):
 * the console ring's arithmetic on indices the stub writes (untrusted),
 * how Xen's view of the stub reads as the keeper's verdict, and the
 * keeper's command line. The keeper against real Xen: t-82.
 */
#include <check.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <xenctrl.h>

#include "stubkeep/stubcons.h"
#include "stubkeep/stubdom-build.h"
#include "stubkeep/stubkeep.h"
#include "stubkeep/stubxcons.h"
#include "tests/unit/qmp/check-main.h"

#define RING 2048u /* the size of a console's out[] */

/* ---- the ring ---- */

START_TEST(pending_is_what_lies_between_consumer_and_producer)
{
	ck_assert_int_eq(stubcons_ring_pending(10, 15, RING), 5);
}
END_TEST

START_TEST(nothing_is_pending_when_the_indices_are_equal)
{
	ck_assert_int_eq(stubcons_ring_pending(4096, 4096, RING), 0);
}
END_TEST

START_TEST(pending_counts_across_the_indices_wraparound)
{
	ck_assert_int_eq(stubcons_ring_pending(0xfffffffeu, 3, RING), 5);
}
END_TEST

START_TEST(a_full_ring_is_readable_whole)
{
	ck_assert_int_eq(stubcons_ring_pending(100, 100 + RING, RING), RING);
}
END_TEST

START_TEST(a_producer_more_than_a_ring_ahead_is_a_protocol_error)
{
	ck_assert_int_eq(stubcons_ring_pending(100, 101 + RING, RING), -1);
	ck_assert_int_eq(stubcons_ring_pending(0, 0x80000000u, RING), -1);
}
END_TEST

START_TEST(a_producer_behind_the_consumer_is_a_protocol_error)
{
	ck_assert_int_eq(stubcons_ring_pending(10, 9, RING), -1);
}
END_TEST

START_TEST(copy_wraps_at_the_end_of_the_ring)
{
	const char ring[8] = "abcdefgh";
	char buf[8] = {0};

	ck_assert_uint_eq(stubcons_ring_copy(ring, 8, 6, 4, buf), 4);
	ck_assert_mem_eq(buf, "ghab", 4);
}
END_TEST

START_TEST(copy_masks_a_free_running_index)
{
	const char ring[8] = "abcdefgh";
	char buf[8] = {0};

	stubcons_ring_copy(ring, 8, 8 * 1000 + 2, 3, buf);
	ck_assert_mem_eq(buf, "cde", 3);
}
END_TEST

START_TEST(copy_of_a_whole_ring_returns_every_byte_once)
{
	const char ring[8] = "abcdefgh";
	char buf[8] = {0};

	stubcons_ring_copy(ring, 8, 5, 8, buf);
	ck_assert_mem_eq(buf, "fghabcde", 8);
}
END_TEST

/* ---- one pass over a console page ---- */

static struct xencons_interface page;
static char out[sizeof(page.out)];

/* The stub's side: writes text at its producer index. */
static void stub_writes(const char *text)
{
	for (const char *p = text; *p; p++)
		page.out[page.out_prod++ & (sizeof(page.out) - 1)] = *p;
}

START_TEST(take_copies_what_the_stub_wrote_and_publishes_the_consumer)
{
	uint32_t cons = 0;

	memset(&page, 0, sizeof(page));
	stub_writes("stub: qemu running\n");
	ck_assert_int_eq(stubcons_ring_take(&page, &cons, out), 19);
	ck_assert_mem_eq(out, "stub: qemu running\n", 19);
	ck_assert_uint_eq(cons, 19);
	ck_assert_uint_eq(page.out_cons, 19);
	ck_assert_int_eq(stubcons_ring_take(&page, &cons, out), 0);
}
END_TEST

START_TEST(take_after_a_producer_out_of_bounds_resyncs_and_reads_on)
{
	uint32_t cons = 0;

	memset(&page, 0, sizeof(page));
	page.out_prod = 100000; /* far beyond one ring */
	ck_assert_int_eq(stubcons_ring_take(&page, &cons, out), -1);
	ck_assert_uint_eq(cons, 100000);
	ck_assert_uint_eq(page.out_cons, 100000);
	stub_writes("ok\n");
	ck_assert_int_eq(stubcons_ring_take(&page, &cons, out), 3);
	ck_assert_mem_eq(out, "ok\n", 3);
}
END_TEST

START_TEST(take_ignores_the_consumer_index_the_stub_overwrote)
{
	uint32_t cons = 0;

	memset(&page, 0, sizeof(page));
	stub_writes("abc");
	page.out_cons = 2; /* the stub's lie */
	ck_assert_int_eq(stubcons_ring_take(&page, &cons, out), 3);
	ck_assert_mem_eq(out, "abc", 3);
}
END_TEST

/* ---- the verdict ---- */

static char why[64];

START_TEST(a_running_stub_lives)
{
	ck_assert(!stubkeep_judge(true, XEN_DOMINF_running, why, sizeof(why)));
}
END_TEST

START_TEST(a_paused_stub_lives)
{
	ck_assert(!stubkeep_judge(true, XEN_DOMINF_paused, why, sizeof(why)));
}
END_TEST

static uint32_t shutdown_flags(unsigned int reason)
{
	return XEN_DOMINF_shutdown | reason << XEN_DOMINF_shutdownshift;
}

START_TEST(a_stub_that_powered_off_shut_down)
{
	ck_assert(stubkeep_judge(true, shutdown_flags(SHUTDOWN_poweroff), why,
				 sizeof(why)));
	ck_assert_str_eq(why, "shut down (poweroff)");
}
END_TEST

START_TEST(a_crashed_stub_shut_down_with_reason_crash)
{
	ck_assert(stubkeep_judge(true, shutdown_flags(SHUTDOWN_crash), why,
				 sizeof(why)));
	ck_assert_str_eq(why, "shut down (crash)");
}
END_TEST

START_TEST(an_unknown_shutdown_reason_is_given_as_its_number)
{
	ck_assert(stubkeep_judge(true, shutdown_flags(77), why, sizeof(why)));
	ck_assert_str_eq(why, "shut down (reason 77)");
}
END_TEST

START_TEST(a_dying_stub_was_destroyed)
{
	ck_assert(stubkeep_judge(true, XEN_DOMINF_dying, why, sizeof(why)));
	ck_assert_str_eq(why, "was destroyed");
}
END_TEST

START_TEST(a_stub_xen_does_not_know_was_destroyed)
{
	ck_assert(stubkeep_judge(false, 0, why, sizeof(why)));
	ck_assert_str_eq(why, "was destroyed");
}
END_TEST

/* ---- the command line ---- */

/* ---- consoles 1 and 2: the in[] ring dom0 writes ---- */

START_TEST(room_is_the_ring_less_what_the_stub_has_not_read)
{
	ck_assert_int_eq(stubxcons_ring_room(0, 0, 1024), 1024);
	ck_assert_int_eq(stubxcons_ring_room(1000, 400, 1024), 424);
	ck_assert_int_eq(stubxcons_ring_room(1424, 400, 1024), 0);
	/* Across the indices' wrap. */
	ck_assert_int_eq(stubxcons_ring_room(3, 0xfffffffeu, 1024), 1019);
}
END_TEST

START_TEST(a_consumer_ahead_of_us_or_too_far_behind_is_refused)
{
	ck_assert_int_eq(stubxcons_ring_room(10, 11, 1024), -1);
	ck_assert_int_eq(stubxcons_ring_room(1025, 0, 1024), -1);
}
END_TEST

START_TEST(put_wraps_at_the_end_of_the_ring)
{
	char ring[8];

	memset(ring, '.', sizeof(ring));
	stubxcons_ring_put(ring, 8, 8 * 3 + 6, "abcd", 4);
	ck_assert_mem_eq(ring, "cd....ab", 8);
}
END_TEST

static struct stubkeep_opts o;
static char err[256];

/* Parses "--stub-keeper" followed by args (NULL-terminated). getopt
 * wants char *[]; with "+" it changes neither strings nor their order. */
static int parse(const char *const *args)
{
	static char *argv[64]; /* o.dm_argv points into it */
	int argc = 0;

	while (args[argc] && argc < 63) {
		argv[argc] = (char *)args[argc];
		argc++;
	}
	argv[argc] = NULL;
	return stubkeep_parse(argc, argv, &o, err, sizeof(err));
}

#define PARSE(...)                                                             \
	parse((const char *const[]){"--stub-keeper", __VA_ARGS__, NULL})

START_TEST(a_linux_keeper_takes_qemu_arguments_after_the_separator)
{
	ck_assert_int_eq(PARSE("--kind", "linux", "--target", "7", "--kernel",
			       "/k", "--memory", "192", "--", "-xen-domid", "7",
			       "-m", "48"),
			 0);
	ck_assert_int_eq(o.kind, STUBDOM_LINUX);
	ck_assert_uint_eq(o.target, 7);
	ck_assert_str_eq(o.kernel, "/k");
	ck_assert_uint_eq(o.memory_mib, 192);
	ck_assert_uint_eq(o.dm_argc, 4);
	ck_assert_str_eq(o.dm_argv[0], "-xen-domid");
	ck_assert_str_eq(o.dm_argv[3], "48");
}
END_TEST

START_TEST(a_linux_stub_boots_with_the_image_command_line_by_default)
{
	ck_assert_int_eq(PARSE("--kind", "linux", "--target", "7", "--kernel",
			       "/k", "--memory", "192", "--", "x"),
			 0);
	ck_assert_str_eq(o.cmdline, STUBDOM_BUILD_DEFAULT_CMDLINE);
	ck_assert_uint_eq(o.timeout_s, STUBKEEP_DEFAULT_TIMEOUT_S);
}
END_TEST

START_TEST(options_after_the_separator_belong_to_qemu)
{
	ck_assert_int_eq(PARSE("--kind", "minios", "--target", "7", "--kernel",
			       "/k", "--memory", "32", "--", "--memory", "1"),
			 0);
	ck_assert_uint_eq(o.memory_mib, 32);
	ck_assert_uint_eq(o.dm_argc, 2);
	ck_assert_ptr_null(o.cmdline);
}
END_TEST

START_TEST(every_option_is_taken)
{
	ck_assert_int_eq(PARSE("--kind", "minios", "--target", "9", "--kernel",
			       "/k", "--ramdisk", "/r", "--cmdline", "c",
			       "--memory", "128", "--name", "n", "--bios",
			       "seabios", "--build-timeout", "5", "--", "x"),
			 0);
	ck_assert_str_eq(o.ramdisk, "/r");
	ck_assert_str_eq(o.cmdline, "c");
	ck_assert_str_eq(o.name, "n");
	ck_assert_str_eq(o.bios, "seabios");
	ck_assert_uint_eq(o.timeout_s, 5);
}
END_TEST

START_TEST(the_disks_are_taken_in_order_as_the_stubs_vbds)
{
	ck_assert_int_eq(PARSE("--kind", "linux", "--target", "7", "--kernel",
			       "/k", "--memory", "192", "--vbd", "disk:/a",
			       "--vbd", "disk-ro:/b:c", "--vbd", "cdrom:/d.iso",
			       "--dev-timeout", "240", "--", "x"),
			 0);
	ck_assert_uint_eq(o.n_vbd, 3);
	ck_assert_str_eq(o.vbd[0].path, "/a");
	ck_assert(!o.vbd[0].readonly && !o.vbd[0].cdrom);
	ck_assert_str_eq(o.vbd[1].path, "/b:c");
	ck_assert(o.vbd[1].readonly && !o.vbd[1].cdrom);
	ck_assert_str_eq(o.vbd[2].path, "/d.iso");
	ck_assert(o.vbd[2].cdrom);
	ck_assert_uint_eq(o.dev_timeout_s, 240);
}
END_TEST

START_TEST(a_vbd_is_a_kind_and_an_absolute_path)
{
	ck_assert_int_eq(PARSE("--kind", "linux", "--target", "7", "--kernel",
			       "/k", "--memory", "192", "--vbd", "disk:a", "--",
			       "x"),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "--vbd disk:a: disk:PATH"));
	ck_assert_int_eq(PARSE("--kind", "linux", "--target", "7", "--kernel",
			       "/k", "--memory", "192", "--vbd", "tape:/a",
			       "--", "x"),
			 -1);
	ck_assert_int_eq(PARSE("--kind", "minios", "--target", "7", "--kernel",
			       "/k", "--memory", "32", "--vbd", "disk:/a", "--",
			       "x"),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "only with --kind linux"));
	/* An empty CD drive: a place, no image. */
	ck_assert_int_eq(PARSE("--kind", "linux", "--target", "7", "--kernel",
			       "/k", "--memory", "192", "--vbd", "disk:/a",
			       "--vbd", "cdrom-empty", "--", "x"),
			 0);
	ck_assert_uint_eq(o.n_vbd, 2);
	ck_assert_ptr_null(o.vbd[1].path);
	ck_assert(o.vbd[1].cdrom);
}
END_TEST

START_TEST(the_nics_are_taken_in_order_as_the_stubs_vifs)
{
	ck_assert_int_eq(PARSE("--kind", "linux", "--target", "7", "--kernel",
			       "/k", "--memory", "192", "--vif",
			       "mac=00:16:3e:00:07:00,bridge=xenbr0", "--vif",
			       "mac=00:16:3E:00:07:01,bridge=br-test.1", "--",
			       "x"),
			 0);
	ck_assert_uint_eq(o.n_vif, 2);
	ck_assert_str_eq(o.vif[0].mac, "00:16:3e:00:07:00");
	ck_assert_str_eq(o.vif[0].bridge, "xenbr0");
	ck_assert_str_eq(o.vif[1].mac, "00:16:3E:00:07:01");
	ck_assert_str_eq(o.vif[1].bridge, "br-test.1");
}
END_TEST

/* Each refused --vif, and the reason the keeper gives for it. */
START_TEST(a_vif_is_a_unicast_mac_and_a_bridge_name)
{
	static const struct {
		const char *spec, *why;
	} bad[] = {
	    {"00:16:3e:00:07:00", "mac=MAC,bridge=BRIDGE"},
	    {"bridge=xenbr0,mac=00:16:3e:00:07:00", "mac=MAC,bridge=BRIDGE"},
	    {"mac=00:16:3e:00:07,bridge=xenbr0", "not a unicast"},
	    {"mac=00:16:3e:00:07:0g,bridge=xenbr0", "not a unicast"},
	    {"mac=01:16:3e:00:07:00,bridge=xenbr0", "not a unicast"},
	    {"mac=00-16-3e-00-07-00,bridge=xenbr0", "not a unicast"},
	    {"mac=00:16:3e:00:07:00,bridge=", "not an interface name"},
	    {"mac=00:16:3e:00:07:00,bridge=a/b", "not an interface name"},
	    {"mac=00:16:3e:00:07:00,bridge=..", "not an interface name"},
	    {"mac=00:16:3e:00:07:00,bridge=a-name-too-long0", "not an "
							      "interface"},
	    {"mac=00:16:3e:00:07:00,bridge=xenbr0,x", "not an interface"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		ck_assert_int_eq(PARSE("--kind", "linux", "--target", "7",
				       "--kernel", "/k", "--memory", "192",
				       "--vif", bad[i].spec, "--", "x"),
				 -1);
		ck_assert_msg(strstr(err, bad[i].spec) &&
				  strstr(err, bad[i].why),
			      "'%s': '%s'", bad[i].spec, err);
	}
}
END_TEST

START_TEST(vifs_are_only_for_a_linux_stub_and_at_most_16)
{
	const char *args[64] = {
	    "--stub-keeper", "--kind", "linux",	   "--target", "7",
	    "--kernel",	     "/k",     "--memory", "192"};
	size_t n = 9;

	ck_assert_int_eq(PARSE("--kind", "minios", "--target", "7", "--kernel",
			       "/k", "--memory", "32", "--vif",
			       "mac=00:16:3e:00:07:00,bridge=xenbr0", "--",
			       "x"),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "--vif: only with --kind linux"));
	for (int i = 0; i < 17; i++) {
		args[n++] = "--vif";
		args[n++] = "mac=00:16:3e:00:07:00,bridge=xenbr0";
	}
	args[n++] = "--";
	args[n++] = "x";
	ck_assert_int_eq(parse(args), -1);
	ck_assert_ptr_nonnull(strstr(err, "more than 16 NICs"));
}
END_TEST

START_TEST(qemu_arguments_without_the_separator_are_refused)
{
	ck_assert_int_eq(PARSE("--kind", "linux", "--target", "7", "--kernel",
			       "/k", "--memory", "192", "xenfv"),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "\"--\""));
}
END_TEST

START_TEST(no_qemu_arguments_is_refused)
{
	ck_assert_int_eq(PARSE("--kind", "linux", "--target", "7", "--kernel",
			       "/k", "--memory", "192", "--"),
			 -1);
}
END_TEST

START_TEST(an_unknown_kind_is_refused)
{
	ck_assert_int_eq(PARSE("--kind", "hvm", "--target", "7", "--kernel",
			       "/k", "--memory", "192", "--", "x"),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "--kind hvm"));
}
END_TEST

START_TEST(domain_0_is_no_target)
{
	ck_assert_int_eq(PARSE("--kind", "linux", "--target", "0", "--kernel",
			       "/k", "--memory", "192", "--", "x"),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "--target 0"));
}
END_TEST

START_TEST(a_missing_memory_is_refused)
{
	ck_assert_int_eq(PARSE("--kind", "linux", "--target", "7", "--kernel",
			       "/k", "--", "x"),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "--memory"));
}
END_TEST

START_TEST(an_unknown_option_is_named)
{
	ck_assert_int_eq(PARSE("--kind", "linux", "--colour", "red", "--", "x"),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "--colour"));
}
END_TEST

START_TEST(save_and_restore_options_are_for_a_linux_stub)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	char num[16];

	ck_assert_int_ge(fd, 3);
	snprintf(num, sizeof(num), "%d", fd);
	ck_assert_int_eq(PARSE("--kind", "linux", "--target", "7", "--kernel",
			       "/k", "--memory", "192", "--ctl", "/run/a.keep",
			       "--restore-fd", num, "--", "x"),
			 0);
	ck_assert_str_eq(o.ctl, "/run/a.keep");
	ck_assert_int_eq(o.restore_fd, fd);
	close(fd);
	/* A closed fd is refused, as is either for MiniOS. */
	ck_assert_int_eq(PARSE("--kind", "linux", "--target", "7", "--kernel",
			       "/k", "--memory", "192", "--restore-fd", num,
			       "--", "x"),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "not an open fd"));
	ck_assert_int_eq(PARSE("--kind", "minios", "--target", "7", "--kernel",
			       "/k", "--memory", "192", "--ctl", "/run/a.keep",
			       "--", "x"),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "--ctl: only with --kind linux"));
}
END_TEST

static Suite *stubkeep_suite(void)
{
	Suite *s = suite_create("stubkeep");
	TCase *ring = tcase_create("console ring");
	TCase *judge = tcase_create("verdict");
	TCase *cli = tcase_create("command line");

	tcase_add_test(ring,
		       pending_is_what_lies_between_consumer_and_producer);
	tcase_add_test(ring, nothing_is_pending_when_the_indices_are_equal);
	tcase_add_test(ring, pending_counts_across_the_indices_wraparound);
	tcase_add_test(ring, a_full_ring_is_readable_whole);
	tcase_add_test(ring,
		       a_producer_more_than_a_ring_ahead_is_a_protocol_error);
	tcase_add_test(ring,
		       a_producer_behind_the_consumer_is_a_protocol_error);
	tcase_add_test(ring, copy_wraps_at_the_end_of_the_ring);
	tcase_add_test(ring, copy_masks_a_free_running_index);
	tcase_add_test(ring, copy_of_a_whole_ring_returns_every_byte_once);
	tcase_add_test(
	    ring, take_copies_what_the_stub_wrote_and_publishes_the_consumer);
	tcase_add_test(
	    ring, take_after_a_producer_out_of_bounds_resyncs_and_reads_on);
	tcase_add_test(ring,
		       take_ignores_the_consumer_index_the_stub_overwrote);
	tcase_add_test(ring, room_is_the_ring_less_what_the_stub_has_not_read);
	tcase_add_test(ring,
		       a_consumer_ahead_of_us_or_too_far_behind_is_refused);
	tcase_add_test(ring, put_wraps_at_the_end_of_the_ring);
	suite_add_tcase(s, ring);
	tcase_add_test(judge, a_running_stub_lives);
	tcase_add_test(judge, a_paused_stub_lives);
	tcase_add_test(judge, a_stub_that_powered_off_shut_down);
	tcase_add_test(judge, a_crashed_stub_shut_down_with_reason_crash);
	tcase_add_test(judge,
		       an_unknown_shutdown_reason_is_given_as_its_number);
	tcase_add_test(judge, a_dying_stub_was_destroyed);
	tcase_add_test(judge, a_stub_xen_does_not_know_was_destroyed);
	suite_add_tcase(s, judge);
	tcase_add_test(cli,
		       a_linux_keeper_takes_qemu_arguments_after_the_separator);
	tcase_add_test(
	    cli, a_linux_stub_boots_with_the_image_command_line_by_default);
	tcase_add_test(cli, options_after_the_separator_belong_to_qemu);
	tcase_add_test(cli, every_option_is_taken);
	tcase_add_test(cli, the_disks_are_taken_in_order_as_the_stubs_vbds);
	tcase_add_test(cli, a_vbd_is_a_kind_and_an_absolute_path);
	tcase_add_test(cli, the_nics_are_taken_in_order_as_the_stubs_vifs);
	tcase_add_test(cli, a_vif_is_a_unicast_mac_and_a_bridge_name);
	tcase_add_test(cli, vifs_are_only_for_a_linux_stub_and_at_most_16);
	tcase_add_test(cli, qemu_arguments_without_the_separator_are_refused);
	tcase_add_test(cli, no_qemu_arguments_is_refused);
	tcase_add_test(cli, an_unknown_kind_is_refused);
	tcase_add_test(cli, domain_0_is_no_target);
	tcase_add_test(cli, a_missing_memory_is_refused);
	tcase_add_test(cli, an_unknown_option_is_named);
	tcase_add_test(cli, save_and_restore_options_are_for_a_linux_stub);
	suite_add_tcase(s, cli);
	return s;
}

int main(void)
{
	return check_main_run(stubkeep_suite());
}
