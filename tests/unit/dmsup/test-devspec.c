/* xl's device specs and libxl's placement rules (dmsup/devspec.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dmsup/argv.h"
#include "dmsup/config.h"
#include "dmsup/devspec.h"
#include "tests/unit/dmsup/run.h"

#define MINIMAL "\"domid\": 5, \"name\": \"vm5\", \"qemu\": \"/usr/bin/qemu\""

static char *joined(const char *config)
{
	struct dm_config cfg;
	char *err, *out = calloc(1, 8192);

	ck_assert_msg(config_from_string(&cfg, config, &err) == 0, "%s", err);
	char **argv = argv_build(&cfg, "/run/x.qmp");
	for (char **p = argv; *p; p++) {
		strcat(out, *p);
		strcat(out, p[1] ? " " : "");
	}
	argv_free(argv);
	config_dispose(&cfg);
	return out;
}

START_TEST(vdev_gives_xens_device_numbers)
{
	int disk, devnum;

	ck_assert_int_eq(devspec_vdev("hda", &disk, &devnum), 0);
	ck_assert_int_eq(devnum, 768);
	ck_assert_int_eq(devspec_vdev("hdc", &disk, &devnum), 0);
	ck_assert_int_eq(disk, 2);
	ck_assert_int_eq(devnum, 5632);
	ck_assert_int_eq(devspec_vdev("xvda", &disk, &devnum), 0);
	ck_assert_int_eq(devnum, 51712);
	ck_assert_int_eq(devspec_vdev("sdb", &disk, &devnum), 0);
	ck_assert_int_eq(devnum, 2064);
	ck_assert_int_eq(devspec_vdev("hde", &disk, &devnum), -1);
	ck_assert_int_eq(devspec_vdev("vda", &disk, &devnum), -1);
}
END_TEST

START_TEST(cd_at_hdc_lands_at_ide1_unit0_with_libxls_id)
{
	char *s =
	    joined("{" MINIMAL ", \"disks\": [\"/srv/a.qcow2,qcow2,hda,w\","
		   " \"/srv/cd.iso,raw,hdc,ro,cdrom\"]}");
	ck_assert_ptr_nonnull(
	    strstr(s, "-drive file=/srv/a.qcow2,if=ide,index=0,media=disk,"
		      "format=qcow2,cache=writeback"));
	ck_assert_ptr_nonnull(
	    strstr(s, "-drive if=none,readonly=on,id=ide-5632,file=/srv/cd.iso,"
		      "format=raw -device ide-cd,id=ide-5632,drive=ide-5632,"
		      "bus=ide.1,unit=0"));
	free(s);
}
END_TEST

START_TEST(empty_cd_drive_and_keyvalue_spec)
{
	char *s = joined("{" MINIMAL ", \"disks\": [\"vdev=hdd,devtype=cdrom,"
			 "format=empty,target=\"]}");
	ck_assert_ptr_nonnull(
	    strstr(s, "-drive if=none,readonly=on,id=ide-5696 -device "
		      "ide-cd,id=ide-5696,drive=ide-5696,bus=ide.1,unit=1"));
	free(s);
}
END_TEST

START_TEST(sd_disk_is_scsi_and_vhd_is_vpc)
{
	char *s = joined("{" MINIMAL ", \"disks\": [{\"path\": \"/d.vhd\", "
			 "\"format\": \"vhd\", \"vdev\": \"sda\", "
			 "\"readonly\": true}]}");
	ck_assert_ptr_nonnull(strstr(s, "-display none -device lsi53c895a "));
	ck_assert_ptr_nonnull(
	    strstr(s, "-drive file=/d.vhd,id=scsi0-hd0,format=vpc,if=none,"
		      "readonly=on,cache=writeback -device "
		      "scsi-hd,drive=scsi0-hd0,scsi-id=0"));
	free(s);
}
END_TEST

static void assert_refused(const char *config, const char *msg)
{
	struct dm_config cfg;
	char *err = NULL;

	ck_assert_int_eq(config_from_string(&cfg, config, &err), -1);
	ck_assert_msg(strstr(err, msg), "'%s' lacks '%s'", err, msg);
	free(err);
}

START_TEST(bad_slots_are_refused_naming_the_field)
{
	assert_refused("{" MINIMAL ", \"disks\": [{\"path\": \"/a\", \"vdev\":"
		       " \"hda\"}, {\"path\": \"/b\", \"vdev\": \"xvda\"}]}",
		       "field 'disks[1].vdev': 'xvda' takes a slot");
	assert_refused("{" MINIMAL ", \"disks\": [{\"path\": \"/a\", \"vdev\":"
		       " \"xvde\"}]}",
		       "field 'disks[0].vdev': 'xvde' has no emulated slot");
	assert_refused("{" MINIMAL ", \"disks\": [{\"path\": \"/a\", "
		       "\"readonly\": true}]}",
		       "field 'disks[0].vdev': 'hda' is an IDE disk");
	assert_refused("{" MINIMAL ", \"disks\": [{}]}",
		       "field 'disks[0].path': required");
	assert_refused("{" MINIMAL ", \"disks\": [\"bogus=1\"]}",
		       "field 'disks[0]': 'bogus=1' is not an xl disk spec");
	assert_refused("{" MINIMAL ", \"nics\": [\"type=vif\"]}",
		       "field 'nics[0]': xl vif spec 'type=vif'");
}
END_TEST

START_TEST(nics_get_libxls_ids_tap_names_and_stable_macs)
{
	char *s =
	    joined("{" MINIMAL ", \"nics\": [\"model=e1000\", "
		   "\"model=rtl8139,bridge=br1,mac=00:16:3e:aa:bb:cc\"]}");
	ck_assert_ptr_nonnull(strstr(
	    s, "-device e1000,id=nic0,netdev=net0,mac=00:16:3e:00:05:00 "
	       "-netdev type=tap,id=net0,ifname=vif5.0-emu,br=xenbr0,script="));
	ck_assert_ptr_nonnull(strstr(
	    s, "-device rtl8139,id=nic1,netdev=net1,mac=00:16:3e:aa:bb:cc "
	       "-netdev type=tap,id=net1,ifname=vif5.1-emu,br=br1,script="));
	ck_assert_ptr_null(strstr(s, "type=user"));
	free(s);
}
END_TEST

START_TEST(bridges_reach_the_hook_through_the_environment)
{
	struct dm_config cfg;
	char *err;
	bool oom;

	ck_assert_int_eq(config_from_string(&cfg,
					    "{" MINIMAL
					    ", \"nics\": [{}, {\"bridge\": "
					    "\"br1\"}, {\"script\": \"no\"}]}",
					    &err),
			 0);
	char *env = devspec_bridges_env(&cfg, &oom);
	ck_assert_str_eq(env, "DMSUP_VIF_BRIDGES=vif5.0-emu=xenbr0 "
			      "vif5.1-emu=br1");
	free(env);
	config_dispose(&cfg);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    vdev_gives_xens_device_numbers,
	    cd_at_hdc_lands_at_ide1_unit0_with_libxls_id,
	    empty_cd_drive_and_keyvalue_spec,
	    sd_disk_is_scsi_and_vhd_is_vpc,
	    bad_slots_are_refused_naming_the_field,
	    nics_get_libxls_ids_tap_names_and_stable_macs,
	    bridges_reach_the_hook_through_the_environment,
	};
	return run_suite("dmsup-devspec", NULL, NULL, tests,
			 sizeof(tests) / sizeof(*tests));
}
