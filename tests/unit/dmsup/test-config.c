/* dmsup-config(5): what a user sees for good and bad configurations. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dmsup/argv.h"
#include "dmsup/config.h"
#include "tests/unit/dmsup/run.h"

#define MINIMAL "\"domid\": 5, \"name\": \"vm5\", \"qemu\": \"/usr/bin/qemu\""

static char *parse_error(const char *text)
{
	struct dm_config cfg;
	char *err = NULL;

	ck_assert_int_eq(config_from_string(&cfg, text, &err), -1);
	ck_assert_ptr_nonnull(err);
	return err;
}

static void assert_error(const char *text, const char *expected)
{
	char *err = parse_error(text);
	ck_assert_msg(strstr(err, expected), "error '%s' lacks '%s'", err,
		      expected);
	free(err);
}

START_TEST(minimal_config_gets_documented_defaults)
{
	struct dm_config cfg;
	char *err;

	ck_assert_int_eq(config_from_string(&cfg, "{" MINIMAL "}", &err), 0);
	ck_assert_int_eq(cfg.domid, 5);
	ck_assert_str_eq(cfg.name, "vm5");
	ck_assert_str_eq(cfg.kind, "dom0");
	ck_assert(cfg.xen);
	ck_assert_str_eq(cfg.machine, "xenfv");
	ck_assert_int_eq(cfg.memory, 128);
	ck_assert_int_eq(cfg.vcpus, 1);
	ck_assert_str_eq(cfg.restart, "off");
	ck_assert_int_eq(cfg.ready_timeout, 60);
	ck_assert_int_eq(cfg.stop_timeout, 10);
	ck_assert_int_eq(cfg.log_files, 4);
	ck_assert_int_eq(cfg.log_size, 2 * 1024 * 1024);
	config_dispose(&cfg);
	config_dispose(&cfg);
}
END_TEST

START_TEST(machine_defaults_to_pc_without_xen)
{
	struct dm_config cfg;
	char *err;

	ck_assert_int_eq(
	    config_from_string(&cfg, "{" MINIMAL ", \"xen\": false}", &err), 0);
	ck_assert_str_eq(cfg.machine, "pc");
	config_dispose(&cfg);
}
END_TEST

START_TEST(missing_required_field_is_named)
{
	assert_error("{\"domid\": 5, \"qemu\": \"/q\"}",
		     "field 'name': required");
}
END_TEST

START_TEST(unknown_field_is_named)
{
	assert_error("{" MINIMAL ", \"memroy\": 64}",
		     "field 'memroy': unknown field");
}
END_TEST

START_TEST(wrong_type_is_named)
{
	assert_error("{" MINIMAL ", \"memory\": \"64\"}",
		     "field 'memory': expected an integer");
}
END_TEST

START_TEST(out_of_range_integer_is_refused)
{
	assert_error("{" MINIMAL ", \"vcpus\": 0}",
		     "field 'vcpus': expected an integer from 1 to 128");
}
END_TEST

START_TEST(enum_value_lists_the_allowed_ones)
{
	assert_error("{" MINIMAL ", \"vga\": \"vesa\"}",
		     "'vesa' is not one of 'none', 'std', 'cirrus'");
}
END_TEST

START_TEST(comma_in_disk_path_is_refused)
{
	assert_error("{" MINIMAL ", \"disks\": [{\"path\": \"/a,if=none\"}]}",
		     "field 'disks[0].path'");
}
END_TEST

START_TEST(name_that_is_not_a_file_name_is_refused)
{
	assert_error("{\"domid\": 1, \"name\": \"../x\", \"qemu\": \"/q\"}",
		     "field 'name'");
}
END_TEST

START_TEST(malformed_json_says_where)
{
	assert_error("{\"domid\": 1,", "not valid JSON at offset");
	assert_error("{} x", "trailing data");
	assert_error("[1]", "expected a JSON object");
}
END_TEST

START_TEST(tap_nic_needs_ifname)
{
	/* A tap NIC no longer needs one (libxl's name), a bad one is named. */
	assert_error("{" MINIMAL ", \"nics\": [{\"ifname\": \"a b\"}]}",
		     "field 'nics[0].ifname': 'a b' is not an interface name");
}
END_TEST

START_TEST(config_round_trips_through_json)
{
	struct dm_config a, b;
	char *err;

	ck_assert_int_eq(
	    config_from_string(
		&a,
		"{" MINIMAL
		", \"disks\": [{\"path\": \"/d\", \"vdev\": \"sda\","
		" \"readonly\": true}], \"nics\": [{}],"
		" \"extra_args\": [\"-S\"]}",
		&err),
	    0);
	struct json_object *j = config_to_json(&a);
	ck_assert_int_eq(config_from_json(&b, j, &err), 0);
	struct json_object *k = config_to_json(&b);
	ck_assert_str_eq(json_object_to_json_string(j),
			 json_object_to_json_string(k));
	json_object_put(k);
	ck_assert(b.disks[0].readonly);
	ck_assert_str_eq(b.extra_args[0], "-S");
	json_object_put(j);
	config_dispose(&a);
	config_dispose(&b);
}
END_TEST

START_TEST(set_changes_one_field_and_validates)
{
	struct dm_config cfg;
	char *err;

	ck_assert_int_eq(config_from_string(&cfg, "{" MINIMAL "}", &err), 0);
	ck_assert_int_eq(config_set(&cfg, "memory=256", &err), 0);
	ck_assert_int_eq(cfg.memory, 256);
	ck_assert_int_eq(config_set(&cfg, "memory=-1", &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "field 'memory'"));
	free(err);
	ck_assert_int_eq(cfg.memory, 256);
	ck_assert_int_eq(config_set(&cfg, "name=other", &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "cannot be changed"));
	free(err);
	ck_assert_int_eq(config_set(&cfg, "nosuch=1", &err), -1);
	free(err);
	ck_assert_int_eq(config_set(&cfg, "xen=false", &err), 0);
	ck_assert_str_eq(cfg.machine, "pc");
	config_dispose(&cfg);
}
END_TEST

static char *joined_argv(const char *config)
{
	struct dm_config cfg;
	char *err, *out = calloc(1, 8192);

	ck_assert_int_eq(config_from_string(&cfg, config, &err), 0);
	char **argv = argv_build(&cfg, "/run/x.qmp");
	for (char **p = argv; *p; p++) {
		strcat(out, *p);
		strcat(out, p[1] ? " " : "");
	}
	argv_free(argv);
	config_dispose(&cfg);
	return out;
}

START_TEST(argv_of_a_xen_dm_matches_libxl_shape)
{
	/* As libxl: -m is the guest's memory less the videoram. */
	char *s = joined_argv("{" MINIMAL ", \"memory\": 64}");
	ck_assert_str_eq(
	    s, "/usr/bin/qemu -xen-domid 5 -no-shutdown -chardev "
	       "socket,id=dmsup-qmp,path=/run/x.qmp,server=on,wait=off "
	       "-mon chardev=dmsup-qmp,mode=control -nodefaults "
	       "-no-user-config -name vm5 -vnc none -display none "
	       "-serial none -device VGA,vgamem_mb=16 -boot order=c "
	       "-net none -machine xenfv,suppress-vmdesc=on -m 48");
	free(s);
}
END_TEST

START_TEST(spawned_qemu_listens_for_qmp_on_the_passed_fd)
{
	struct dm_config cfg;
	char *err;

	ck_assert_int_eq(
	    config_from_string(&cfg,
			       "{" MINIMAL ", \"extra_args\": [\"-chardev\", "
			       "\"socket,id=mine,path=/tmp/m,server=on\"]}",
			       &err),
	    0);
	char **argv = argv_build(&cfg, "/run/x.qmp");
	ck_assert_int_eq(argv_qmp_on_fd(argv, 4), 0);
	int mine = 0, ours = 0;
	for (char **p = argv; *p; p++) {
		ck_assert_ptr_null(strstr(*p, "/run/x.qmp"));
		ours += !strcmp(*p, "socket,id=dmsup-qmp,fd=4,server=on,"
				    "wait=off");
		mine += !strcmp(*p, "socket,id=mine,path=/tmp/m,server=on");
	}
	ck_assert_int_eq(ours, 1);
	ck_assert_int_eq(mine, 1); /* the user's own chardev is kept */
	argv_free(argv);
	config_dispose(&cfg);
}
END_TEST

START_TEST(argv_takes_nic_devices_from_the_planner)
{
	char *s = joined_argv("{" MINIMAL ", \"nics\": [{\"model\": "
			      "\"virtio-net\"}, {\"model\": \"rtl8139\"}]}");
	ck_assert_ptr_nonnull(
	    strstr(s, "-device virtio-net-pci,id=nic0,netdev=net0"));
	ck_assert_ptr_nonnull(strstr(s, "-device rtl8139,id=nic1,netdev=net1"));
	free(s);
}
END_TEST

START_TEST(argv_without_xen_passes_all_memory)
{
	char *s = joined_argv("{" MINIMAL ", \"xen\": false, \"memory\": 64}");
	ck_assert_ptr_nonnull(strstr(s, " -m 64"));
	free(s);
}
END_TEST

START_TEST(argv_without_xen_has_no_xen_options)
{
	char *s = joined_argv("{" MINIMAL ", \"xen\": false, \"vga\": \"none\","
			      " \"extra_args\": [\"-S\"]}");
	ck_assert_ptr_null(strstr(s, "-xen-domid"));
	ck_assert_ptr_null(strstr(s, "-device"));
	ck_assert_ptr_nonnull(strstr(s, "-machine pc "));
	ck_assert_ptr_nonnull(strstr(s, " -net none -S"));
	free(s);
}
END_TEST

START_TEST(argv_lists_disks_and_nics)
{
	char *s = joined_argv(
	    "{" MINIMAL ", \"uuid\": \"01234567-89ab-cdef-0123-456789abcdef\","
	    " \"disks\": [{\"path\": \"/img\", \"media\": \"cdrom\","
	    " \"readonly\": true}], \"nics\": [{\"mac\": "
	    "\"00:16:3e:00:00:01\"}]}");
	ck_assert_ptr_nonnull(
	    strstr(s, "-uuid 01234567-89ab-cdef-0123-456789abcdef"));
	ck_assert_ptr_nonnull(
	    strstr(s, "-drive if=none,readonly=on,id=ide-5632,file=/img,"
		      "format=raw -device ide-cd,id=ide-5632,drive=ide-5632,"
		      "bus=ide.1,unit=0"));
	ck_assert_ptr_nonnull(
	    strstr(s, "-device e1000,id=nic0,netdev=net0,mac=00:16:3e:00:00:01 "
		      "-netdev type=tap,id=net0,ifname=vif5.0-emu,br=xenbr0,"
		      "script="));
	free(s);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    minimal_config_gets_documented_defaults,
	    machine_defaults_to_pc_without_xen,
	    missing_required_field_is_named,
	    unknown_field_is_named,
	    wrong_type_is_named,
	    out_of_range_integer_is_refused,
	    enum_value_lists_the_allowed_ones,
	    comma_in_disk_path_is_refused,
	    name_that_is_not_a_file_name_is_refused,
	    malformed_json_says_where,
	    tap_nic_needs_ifname,
	    config_round_trips_through_json,
	    set_changes_one_field_and_validates,
	    argv_of_a_xen_dm_matches_libxl_shape,
	    argv_without_xen_has_no_xen_options,
	    spawned_qemu_listens_for_qmp_on_the_passed_fd,
	    argv_takes_nic_devices_from_the_planner,
	    argv_without_xen_passes_all_memory,
	    argv_lists_disks_and_nics,
	};

	return run_suite("dmsup-config", NULL, NULL, tests,
			 sizeof(tests) / sizeof(*tests));
}
