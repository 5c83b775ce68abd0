/* dmsup-config(5) for the stub kinds: their fields, defaults, refusals,
 * and the command lines (QEMU's and the stub keeper's) built from them. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dmsup/argv.h"
#include "dmsup/config.h"
#include "tests/unit/dmsup/run.h"

#define LINUX "\"domid\": 5, \"name\": \"vm5\", \"kind\": \"stubdom-linux\""
#define MINIOS                                                                 \
	"\"domid\": 5, \"name\": \"vm5\", \"kind\": \"stubdom-minios\", "      \
	"\"stubdom_kernel\": \"/boot/ioemu\""

static void assert_error(const char *text, const char *expected)
{
	struct dm_config cfg;
	char *err = NULL;

	ck_assert_int_eq(config_from_string(&cfg, text, &err), -1);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, expected), "error '%s' lacks '%s'", err,
		      expected);
	free(err);
}

static char *joined(char **argv)
{
	size_t len = 1;
	char *out;

	for (char **p = argv; *p; p++)
		len += strlen(*p) + 1;
	out = calloc(1, len);
	for (char **p = argv; *p; p++) {
		strcat(out, *p);
		strcat(out, p[1] ? " " : "");
	}
	argv_free(argv);
	return out;
}

/* build: 0 the QEMU argv, 1 the spawned one, 2 that of a restore. */
static char *argv_of(const char *config, int spawn)
{
	struct dm_config cfg;
	char *err, *s;

	ck_assert_int_eq(config_from_string(&cfg, config, &err), 0);
	struct argv_keeper_run run = {
	    "/sbin/dmsup", spawn == 2 ? "/run/x.keep" : NULL, spawn == 2};

	s = joined(spawn ? argv_build_spawn(&cfg, "/run/x.qmp", &run)
			 : argv_build(&cfg, "/run/x.qmp"));
	config_dispose(&cfg);
	return s;
}

START_TEST(linux_stub_needs_no_qemu_and_gets_the_image_defaults)
{
	struct dm_config cfg;
	char *err;

	ck_assert_int_eq(config_from_string(&cfg, "{" LINUX "}", &err), 0);
	ck_assert(config_is_stub(&cfg));
	ck_assert_int_eq(config_kind(&cfg), DM_KIND_STUBDOM_LINUX);
	ck_assert_ptr_null(cfg.qemu);
	ck_assert_str_eq(cfg.stubdom_kernel, DMSUP_STUBDOM_DIR "/vmlinuz");
	ck_assert_str_eq(cfg.stubdom_ramdisk, DMSUP_STUBDOM_DIR "/initrd");
	ck_assert_str_eq(cfg.stubdom_cmdline, DMSUP_STUBDOM_LINUX_CMDLINE);
	ck_assert_int_eq(cfg.stubdom_memory, 0);
	ck_assert_int_eq(cfg.ready_timeout, 30);
	ck_assert_int_eq(cfg.stop_timeout, 30);
	config_dispose(&cfg);
}
END_TEST

START_TEST(the_image_default_follows_dmsups_stubdom_dir)
{
	struct dm_config cfg;
	char *err;

	ck_assert_int_eq(config_set_stubdom_dir("relative/dir"), -1);
	ck_assert_int_eq(config_set_stubdom_dir("/a,b"), -1);
	ck_assert_int_eq(config_set_stubdom_dir("/srv/stub"), 0);
	ck_assert_int_eq(config_from_string(&cfg, "{" LINUX "}", &err), 0);
	ck_assert_str_eq(cfg.stubdom_kernel, "/srv/stub/vmlinuz");
	ck_assert_str_eq(cfg.stubdom_ramdisk, "/srv/stub/initrd");
	/* The kind's default is dropped from the stored form at `set kind`
	 * against the directory in use. */
	ck_assert_int_eq(config_set(&cfg, "qemu=/q", &err), 0);
	ck_assert_int_eq(config_set(&cfg, "kind=dom0", &err), 0);
	ck_assert_ptr_null(cfg.stubdom_ramdisk);
	config_dispose(&cfg);
	ck_assert_int_eq(config_set_stubdom_dir(DMSUP_STUBDOM_DIR), 0);
	ck_assert_str_eq(config_stubdom_dir(), DMSUP_STUBDOM_DIR);
}
END_TEST

START_TEST(given_timeouts_win_over_the_kind_defaults)
{
	struct dm_config cfg;
	char *err;

	ck_assert_int_eq(config_from_string(&cfg,
					    "{" LINUX
					    ", \"ready_timeout\": 120, "
					    "\"stop_timeout\": 5}",
					    &err),
			 0);
	ck_assert_int_eq(cfg.ready_timeout, 120);
	ck_assert_int_eq(cfg.stop_timeout, 5);
	config_dispose(&cfg);
}
END_TEST

START_TEST(minios_stub_requires_a_kernel)
{
	assert_error("{\"domid\": 5, \"name\": \"vm5\", "
		     "\"kind\": \"stubdom-minios\"}",
		     "field 'stubdom_kernel': required with kind "
		     "'stubdom-minios'");
}
END_TEST

START_TEST(dom0_still_requires_qemu)
{
	assert_error("{\"domid\": 5, \"name\": \"vm5\"}",
		     "field 'qemu': required");
}
END_TEST

START_TEST(stub_fields_are_refused_with_kind_dom0)
{
	assert_error("{\"domid\": 5, \"name\": \"vm5\", \"qemu\": \"/q\", "
		     "\"stubdom_memory\": 64}",
		     "field 'stubdom_memory': only with kind");
	assert_error("{\"domid\": 5, \"name\": \"vm5\", \"qemu\": \"/q\", "
		     "\"stubdom_kernel\": \"/k\"}",
		     "field 'stubdom_kernel': only with kind");
}
END_TEST

START_TEST(stub_kinds_require_xen)
{
	assert_error("{" LINUX ", \"xen\": false}",
		     "field 'xen': kind 'stubdom-linux' requires xen: true");
}
END_TEST

START_TEST(what_a_stub_cannot_do_yet_is_refused_by_field)
{
	assert_error("{" MINIOS ", \"disks\": [{\"path\": \"/d\"}]}",
		     "field 'disks': not supported with kind 'stubdom-minios'");
	assert_error("{" MINIOS ", \"nics\": [{}]}",
		     "field 'nics': not supported with kind 'stubdom-minios'");
	assert_error("{" LINUX ", \"vnc\": \"127.0.0.1:1\"}",
		     "field 'vnc': '127.0.0.1:1' is not supported");
	assert_error("{" MINIOS ", \"serial\": \"pty\"}",
		     "field 'serial': 'pty' is not supported");
}
END_TEST

START_TEST(minios_refuses_an_argument_with_a_space)
{
	assert_error("{" MINIOS ", \"extra_args\": [\"-a\", \"b c\"]}",
		     "field 'extra_args[1]': 'b c' is empty or has a space");
}
END_TEST

START_TEST(stubdom_memory_is_bounded)
{
	assert_error("{" LINUX ", \"stubdom_memory\": -1}",
		     "field 'stubdom_memory': expected an integer from 0");
}
END_TEST

START_TEST(set_kind_drops_what_only_followed_the_old_kind)
{
	struct dm_config cfg;
	char *err;

	ck_assert_int_eq(config_from_string(&cfg, "{" LINUX "}", &err), 0);
	ck_assert_int_eq(config_set(&cfg, "kind=dom0", &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "field 'qemu': required"));
	free(err);
	ck_assert_int_eq(config_set(&cfg, "qemu=/q", &err), 0);
	ck_assert_int_eq(config_set(&cfg, "kind=dom0", &err), 0);
	ck_assert_ptr_null(cfg.stubdom_kernel);
	ck_assert_int_eq(cfg.ready_timeout, 60);
	ck_assert_int_eq(config_set(&cfg, "kind=stubdom-linux", &err), 0);
	ck_assert_int_eq(cfg.ready_timeout, 30);
	ck_assert_str_eq(cfg.stubdom_kernel, DMSUP_STUBDOM_DIR "/vmlinuz");
	config_dispose(&cfg);
}
END_TEST

START_TEST(linux_stub_qemu_argv_is_libxls_without_our_qmp_socket)
{
	char *s = argv_of("{" LINUX ", \"memory\": 64}", 0);

	ck_assert_str_eq(s, "stubdom-dm -xen-domid 5 -no-shutdown -nodefaults "
			    "-no-user-config -name vm5 -vnc none -display none "
			    "-serial none -device VGA,vgamem_mb=16 "
			    "-boot order=c -net none "
			    "-machine xenfv,suppress-vmdesc=on -m 48");
	free(s);
}
END_TEST

START_TEST(minios_stub_qemu_argv_is_qemu_traditional_style)
{
	char *s = argv_of("{" MINIOS ", \"vcpus\": 6, \"boot\": \"dc\", "
			  "\"extra_args\": [\"-localtime\"]}",
			  0);

	ck_assert_str_eq(s, "stubdom-dm -d 5 -domain-name vm5 -nographic "
			    "-videoram 16 -std-vga -boot dc -acpi -vcpus 6 "
			    "-vcpu_avail 0x3f -net none -localtime -M xenfv");
	free(s);
}
END_TEST

START_TEST(minios_without_vga_says_so)
{
	char *s = argv_of("{" MINIOS ", \"vga\": \"none\", "
			  "\"serial\": \"null\"}",
			  0);

	ck_assert_ptr_nonnull(strstr(s, " -serial null -vga none -boot c "));
	ck_assert_ptr_nonnull(strstr(s, " -vcpu_avail 0x1 "));
	ck_assert_ptr_null(strstr(s, "-videoram"));
	free(s);
}
END_TEST

START_TEST(stub_kind_spawns_the_keeper_with_the_qemu_args)
{
	char *s = argv_of("{" LINUX ", \"memory\": 64, "
			  "\"stubdom_memory\": 100}",
			  1);

	/* The stub's memory is the plan's: its own plus the videoram. */
	ck_assert_str_eq(
	    s, "/sbin/dmsup --stub-keeper --kind linux --target 5 "
	       "--kernel " DMSUP_STUBDOM_DIR
	       "/vmlinuz --ramdisk " DMSUP_STUBDOM_DIR
	       "/initrd --cmdline " DMSUP_STUBDOM_LINUX_CMDLINE
	       " --memory 116 -- -xen-domid 5 -no-shutdown -nodefaults "
	       "-no-user-config -name vm5 -vnc none -display none "
	       "-serial none -device VGA,vgamem_mb=16 -boot order=c "
	       "-net none -machine xenfv,suppress-vmdesc=on -m 48");
	free(s);
}
END_TEST

/* The disks are the stub's vbds in config order: the keeper attaches
 * the images, QEMU in the stub opens /dev/xvdX in the image's format. */
START_TEST(linux_stub_disks_are_its_vbds)
{
	char *s = argv_of(
	    "{" LINUX ", \"ready_timeout\": 200, \"disks\": ["
	    "{\"path\": \"/i/a.qcow2\", \"format\": \"qcow2\"},"
	    "{\"path\": \"/i/b\", \"vdev\": \"sda\", \"readonly\": true},"
	    "{\"path\": \"/i/c.iso\", \"media\": \"cdrom\"}]}",
	    1);

	ck_assert_ptr_nonnull(
	    strstr(s, " --vbd disk:/i/a.qcow2 --vbd disk-ro:/i/b "
		      "--vbd cdrom:/i/c.iso --dev-timeout 200 -- "));
	ck_assert_ptr_nonnull(strstr(s, " -drive file=/dev/xvda,if=ide,index=0,"
					"media=disk,format=qcow2,"));
	ck_assert_ptr_nonnull(
	    strstr(s, " -drive file=/dev/xvdb,id=scsi0-hd0,"));
	ck_assert_ptr_nonnull(strstr(s, ",file=/dev/xvdc,format=raw "));
	ck_assert_ptr_null(strstr(s, "file=/i/"));
	free(s);
}
END_TEST

START_TEST(linux_stub_nics_are_its_vifs_and_taps_in_the_stub)
{
	char *s = argv_of("{" LINUX ", \"nics\": [{\"bridge\": \"brt\"},"
			  "{\"model\": \"rtl8139\", "
			  "\"mac\": \"00:16:3e:aa:bb:cc\"}]}",
			  1);

	ck_assert_ptr_nonnull(
	    strstr(s, " --vif mac=00:16:3e:00:05:00,bridge=brt "
		      "--vif mac=00:16:3e:aa:bb:cc,bridge=xenbr0 "
		      "--dev-timeout 30 -- "));
	ck_assert_ptr_nonnull(
	    strstr(s, " -device e1000,id=nic0,netdev=net0,"
		      "mac=00:16:3e:00:05:00 -netdev type=tap,id=net0,"
		      "ifname=vif5.0-emu,br=brt,script=no,downscript=no "));
	ck_assert_ptr_nonnull(
	    strstr(s, " -device rtl8139,id=nic1,netdev=net1,"
		      "mac=00:16:3e:aa:bb:cc -netdev type=tap,id=net1,"
		      "ifname=vif5.1-emu,br=xenbr0,script=no,downscript=no"));
	free(s);
}
END_TEST

START_TEST(linux_stub_nics_take_only_the_tap_backend)
{
	assert_error("{" LINUX ", \"nics\": [{}, {\"backend\": \"none\"}]}",
		     "field 'nics[1].backend': 'none' is not supported with "
		     "kind 'stubdom-linux'");
}
END_TEST

START_TEST(minios_keeper_gets_only_what_is_configured)
{
	char *s = argv_of("{" MINIOS ", \"stubdom_memory\": 128, "
			  "\"stubdom_cmdline\": \"quiet x=\\\"a b\\\"\"}",
			  1);

	ck_assert_ptr_nonnull(
	    strstr(s, "/sbin/dmsup --stub-keeper --kind minios --target 5 "
		      "--kernel /boot/ioemu --cmdline quiet x=\"a b\" "
		      "--memory 144 -- -d 5 "));
	ck_assert_ptr_null(strstr(s, "--ramdisk"));
	free(s);
}
END_TEST

/* An empty CD drive keeps its place among the stub's vbds (xvdb here):
 * the keeper reserves it, QEMU gets the drive without a medium, and
 * cd-insert gives it a vbd later. */
START_TEST(linux_stub_empty_cd_keeps_its_vbd_name)
{
	char *s = argv_of("{" LINUX ", \"disks\": [{\"path\": \"/d.img\"}, "
			  "{\"media\": \"cdrom\", \"vdev\": \"hdc\"}]}",
			  1);

	ck_assert_ptr_nonnull(
	    strstr(s, " --vbd disk:/d.img --vbd cdrom-empty "));
	ck_assert_ptr_nonnull(strstr(s, " -drive if=none,readonly=on,id=ide-"));
	ck_assert_ptr_null(strstr(s, "/dev/xvdb"));
	free(s);
}
END_TEST

/* A Linux stub's restore: the keeper feeds its fd 4 to console 2, and
 * QEMU's -incoming is the protocol's placeholder, which the stub
 * replaces with fd:3; a save goes through the keeper's socket. */
START_TEST(linux_stub_restore_goes_through_the_keeper)
{
	char *s = argv_of("{" LINUX ", \"memory\": 64}", 2);

	ck_assert_ptr_nonnull(
	    strstr(s, " --ctl /run/x.keep --restore-fd 4 -- -xen-domid 5 "));
	ck_assert_str_eq(s + strlen(s) -
			     strlen(" -incoming $STUBDOM_RESTORE_INCOMING_ARG"),
			 " -incoming $STUBDOM_RESTORE_INCOMING_ARG");
	free(s);
	/* MiniOS restores differently (-loadvm): none of it. */
	s = argv_of("{" MINIOS "}", 2);
	ck_assert_ptr_null(strstr(s, "--ctl"));
	ck_assert_ptr_null(strstr(s, "-incoming"));
	free(s);
}
END_TEST

START_TEST(dom0_spawns_qemu_itself)
{
	char *s = argv_of("{\"domid\": 5, \"name\": \"vm5\", "
			  "\"qemu\": \"/usr/bin/qemu\"}",
			  1);

	ck_assert_ptr_nonnull(strstr(s, "/usr/bin/qemu -xen-domid 5 "));
	ck_assert_ptr_null(strstr(s, "--stub-keeper"));
	free(s);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    linux_stub_needs_no_qemu_and_gets_the_image_defaults,
	    the_image_default_follows_dmsups_stubdom_dir,
	    given_timeouts_win_over_the_kind_defaults,
	    minios_stub_requires_a_kernel,
	    dom0_still_requires_qemu,
	    stub_fields_are_refused_with_kind_dom0,
	    stub_kinds_require_xen,
	    what_a_stub_cannot_do_yet_is_refused_by_field,
	    minios_refuses_an_argument_with_a_space,
	    stubdom_memory_is_bounded,
	    set_kind_drops_what_only_followed_the_old_kind,
	    linux_stub_qemu_argv_is_libxls_without_our_qmp_socket,
	    minios_stub_qemu_argv_is_qemu_traditional_style,
	    minios_without_vga_says_so,
	    stub_kind_spawns_the_keeper_with_the_qemu_args,
	    linux_stub_disks_are_its_vbds,
	    linux_stub_nics_are_its_vifs_and_taps_in_the_stub,
	    linux_stub_nics_take_only_the_tap_backend,
	    minios_keeper_gets_only_what_is_configured,
	    linux_stub_empty_cd_keeps_its_vbd_name,
	    linux_stub_restore_goes_through_the_keeper,
	    dom0_spawns_qemu_itself,
	};

	return run_suite("dmsup-stubkind", NULL, NULL, tests,
			 sizeof(tests) / sizeof(*tests));
}
