/* xl.cfg import (dmctl/xlcfg.c): what dmctl import-xl makes of a file,
 * and what it says of what it does not take. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "dmctl/xlcfg.h"
#include "tests/unit/qmp/check-main.h"

static char *report; /* what the last import said */

/* Imports @text as "vm.cfg" with domid 7; NULL when refused. */
static struct json_object *import(const char *text)
{
	size_t len;
	FILE *f;

	free(report);
	report = NULL;
	f = open_memstream(&report, &len);
	ck_assert_ptr_nonnull(f);
	struct json_object *o = xlcfg_parse("vm.cfg", text, 7, f);
	fclose(f);
	return o;
}

static void said(const char *want)
{
	ck_assert_msg(strstr(report, want), "report lacks '%s':\n%s", want,
		      report);
}

static const char *get(struct json_object *o, const char *path)
{
	struct json_object *v = o;
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && v;
	     k = strtok_r(NULL, ".", &save)) {
		if (*k >= '0' && *k <= '9')
			v = json_object_array_get_idx(v, (size_t)atoi(k));
		else if (!json_object_object_get_ex(v, k, &v))
			v = NULL;
	}
	return v ? json_object_get_string(v) : "(absent)";
}

#define HVM                                                                    \
	"name = \"vm1\"\n"                                                     \
	"type = \"hvm\"\n"                                                     \
	"device_model_override = \"/usr/bin/qemu-system-i386\"\n"

START_TEST(hvm_guest_maps_to_dmsup_fields)
{
	struct json_object *o =
	    import(HVM "memory = 512\nvcpus = 2\nboot = \"dc\"\n"
		       "disk = [ '/img/vm1.qcow2,qcow2,hda,rw',\n"
		       "         '/iso/d.iso,raw,hdc,cdrom' ]\n"
		       "vif = [ 'mac=00:16:3e:00:00:01,model=rtl8139' ]\n"
		       "serial = 'pty'\nstdvga = 1\nvideoram = 8\nvnc = 0\n"
		       "device_model_args = [ '-no-shutdown' ]\n");

	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(get(o, "domid"), "7");
	ck_assert_str_eq(get(o, "name"), "vm1");
	ck_assert_str_eq(get(o, "kind"), "dom0");
	ck_assert_str_eq(get(o, "qemu"), "/usr/bin/qemu-system-i386");
	ck_assert_str_eq(get(o, "memory"), "512");
	ck_assert_str_eq(get(o, "vcpus"), "2");
	ck_assert_str_eq(get(o, "boot"), "dc");
	ck_assert_str_eq(get(o, "disks.0.path"), "/img/vm1.qcow2");
	ck_assert_str_eq(get(o, "disks.0.format"), "qcow2");
	ck_assert_str_eq(get(o, "disks.0.vdev"), "hda");
	ck_assert_str_eq(get(o, "disks.0.media"), "disk");
	ck_assert_str_eq(get(o, "disks.0.readonly"), "(absent)");
	ck_assert_str_eq(get(o, "disks.1.media"), "cdrom");
	ck_assert_str_eq(get(o, "disks.1.readonly"), "true");
	ck_assert_str_eq(get(o, "nics.0.mac"), "00:16:3e:00:00:01");
	ck_assert_str_eq(get(o, "nics.0.model"), "rtl8139");
	ck_assert_str_eq(get(o, "serial"), "pty");
	ck_assert_str_eq(get(o, "vga"), "std");
	ck_assert_str_eq(get(o, "videoram"), "8");
	ck_assert_str_eq(get(o, "vnc"), "none");
	ck_assert_str_eq(get(o, "extra_args.0"), "-no-shutdown");
	ck_assert_str_eq(report, "");
	json_object_put(o);
}
END_TEST

START_TEST(xl_defaults_cirrus_and_vnc_on)
{
	struct json_object *o = import(HVM);

	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(get(o, "vga"), "cirrus");
	ck_assert_str_eq(get(o, "vnc"), "127.0.0.1:0,to=99");
	json_object_put(o);
	o = import(HVM "vnclisten = '0.0.0.0'\nvncdisplay = 3\n"
		       "vncunused = 0\nvga = 'none'\n");
	ck_assert_str_eq(get(o, "vnc"), "0.0.0.0:3");
	ck_assert_str_eq(get(o, "vga"), "none");
	json_object_put(o);
}
END_TEST

START_TEST(unmapped_keys_are_named_with_their_line)
{
	struct json_object *o = import(HVM "maxmem = 1024\n"
					   "# a comment: not a key = 1\n"
					   "on_poweroff = 'destroy'; pci = [\n"
					   "  '03:00.0' ]\n"
					   "usb = 1\n");

	ck_assert_ptr_nonnull(o);
	said("vm.cfg:4: maxmem: not mapped: the guest's page limit");
	said("vm.cfg:6: on_poweroff: not mapped (no device-model setting");
	said("vm.cfg:6: pci: not mapped: passthrough is a runtime operation");
	said("vm.cfg:8: usb: not mapped: dmsup configures no USB");
	ck_assert_ptr_null(strstr(report, "comment"));
	ck_assert_ptr_null(strstr(report, "name:"));
	json_object_put(o);
}
END_TEST

START_TEST(vif_options_dmsup_lacks_are_named)
{
	struct json_object *o = import(
	    HVM "vif = [ 'rate=10Mb/s,mac=00:16:3e:00:00:02,type=ioemu' ]\n");

	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(get(o, "nics.0.mac"), "00:16:3e:00:00:02");
	said("vm.cfg:4: vif: 'rate=10Mb/s' is not mapped (ignored)");
	ck_assert_ptr_null(strstr(report, "type=ioemu"));
	json_object_put(o);
}
END_TEST

/* Found by comparing with libxl's argv (bed t-112): the tap goes on the
 * vif's bridge, and vifname names the PV vif, the tap being NAME-emu. */
START_TEST(vif_bridge_and_vifname_as_libxl_uses_them)
{
	struct json_object *o =
	    import(HVM "vif = [ 'bridge=br7,vifname=web,model=e1000' ]\n");

	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(get(o, "nics.0.bridge"), "br7");
	ck_assert_str_eq(get(o, "nics.0.ifname"), "web-emu");
	ck_assert_ptr_null(strstr(report, "bridge"));
	json_object_put(o);
}
END_TEST

START_TEST(syntax_error_is_refused_naming_the_line)
{
	ck_assert_ptr_null(import("name = \"vm1\"\nmemory = 512\n"
				  "disk = [ '/a.img'\nvcpus = 2\n"));
	said("vm.cfg:4:");
	said("not an xl.cfg file dmctl can read");
	ck_assert_ptr_null(import("name = \"vm1\"\nmemory 512\n"));
	said("vm.cfg:2:");
}
END_TEST

START_TEST(pv_guest_is_refused)
{
	ck_assert_ptr_null(import("name = 'pv1'\n\ntype = 'pv'\n"));
	said("vm.cfg:3: type: 'pv' is not supported");
	ck_assert_ptr_null(import("name = 'pv1'\nbuilder = 'generic'\n"));
	said("vm.cfg:2: builder: 'generic' is not supported");
}
END_TEST

START_TEST(device_model_version_and_stub_make_the_kind)
{
	struct json_object *o =
	    import(HVM "device_model_stubdomain_override = 1\n");

	ck_assert_str_eq(get(o, "kind"), "stubdom-linux");
	json_object_put(o);
	o = import(HVM "device_model_version = 'qemu-xen-traditional'\n"
		       "device_model_stubdomain_override = 1\n"
		       "stubdomain_kernel = '/boot/ioemu-stubdom.gz'\n");
	ck_assert_str_eq(get(o, "kind"), "stubdom-minios");
	ck_assert_str_eq(get(o, "stubdom_kernel"), "/boot/ioemu-stubdom.gz");
	json_object_put(o);
	ck_assert_ptr_null(
	    import(HVM "device_model_version = 'qemu-xen-traditional'\n"));
	said("vm.cfg:4: device_model_version: qemu-xen-traditional runs only "
	     "in a stub domain");
	ck_assert_ptr_null(import(HVM "device_model_version = 'qemu-dm'\n"));
	said("vm.cfg:4: device_model_version: 'qemu-dm' is not supported");
}
END_TEST

START_TEST(disks_dmsup_cannot_take_are_refused)
{
	ck_assert_ptr_null(import(HVM "\ndisk = [ '/a.vhd,vhd,hda,rw' ]\n"));
	said("vm.cfg:5: disk: '/a.vhd,vhd,hda,rw': format vhd is not "
	     "supported");
	ck_assert_ptr_null(import(HVM "disk = [ ',raw,hdc,cdrom' ]\n"));
	said("vm.cfg:4: disk: ',raw,hdc,cdrom': an empty drive");
	ck_assert_ptr_null(
	    import(HVM "disk = [ '/a.img,raw,hda,rw,bogus' ]\n"));
	said("vm.cfg:4: disk: cannot parse");
}
END_TEST

START_TEST(values_dmsup_refuses_are_refused_with_the_field)
{
	ck_assert_ptr_null(import(HVM "boot = 'x'\n"));
	said("vm.cfg: not a configuration dmsup can take: field 'boot'");
	ck_assert_ptr_null(import(HVM "memory = 'lots'\n"));
	said("vm.cfg:4: memory: expected a number");
	ck_assert_ptr_null(import(HVM "vga = 'qxl'\n"));
	said("vm.cfg:4: vga: 'qxl' is not supported");
	ck_assert_ptr_null(import("type = 'hvm'\n"));
	said("field 'name'");
}
END_TEST

START_TEST(the_last_setting_wins_as_in_xl)
{
	struct json_object *o = import(HVM "memory = 256\nmemory = 384\n");

	ck_assert_str_eq(get(o, "memory"), "384");
	json_object_put(o);
}
END_TEST

START_TEST(a_fifo_is_refused_without_hanging)
{
	char dir[] = "/tmp/xlcfg-XXXXXX", path[64];
	size_t len;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo.cfg", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	free(report);
	f = open_memstream(&report, &len);
	ck_assert_ptr_null(xlcfg_read(path, 7, f));
	fclose(f);
	said("fifo.cfg");
	unlink(path);
	rmdir(dir);
}
END_TEST

static Suite *xlcfg_suite(void)
{
	Suite *s = suite_create("xlcfg");
	TCase *tc = tcase_create("import");

	tcase_add_test(tc, hvm_guest_maps_to_dmsup_fields);
	tcase_add_test(tc, xl_defaults_cirrus_and_vnc_on);
	tcase_add_test(tc, unmapped_keys_are_named_with_their_line);
	tcase_add_test(tc, vif_options_dmsup_lacks_are_named);
	tcase_add_test(tc, vif_bridge_and_vifname_as_libxl_uses_them);
	tcase_add_test(tc, syntax_error_is_refused_naming_the_line);
	tcase_add_test(tc, pv_guest_is_refused);
	tcase_add_test(tc, device_model_version_and_stub_make_the_kind);
	tcase_add_test(tc, disks_dmsup_cannot_take_are_refused);
	tcase_add_test(tc, values_dmsup_refuses_are_refused_with_the_field);
	tcase_add_test(tc, the_last_setting_wins_as_in_xl);
	tcase_add_test(tc, a_fifo_is_refused_without_hanging);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(xlcfg_suite());
}
