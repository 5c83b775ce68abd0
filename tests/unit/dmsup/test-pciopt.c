/* pci-attach's address and options, the QEMU id derived from them, and
 * the ROM BAR's pages read from a sysfs-shaped tree. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "dmsup/ops/ops-pci.h"
#include "tests/unit/dmsup/run.h"

static char dir[] = "/tmp/dmsup-pciopt-XXXXXX";

static void setup(void)
{
	strcpy(dir, "/tmp/dmsup-pciopt-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* The error @s is refused with. */
static const char *refused(const char *s, bool opts)
{
	static char err[OPS_PCI_ERR_MAX];
	struct ops_pci p;

	err[0] = '\0';
	ck_assert_int_eq(ops_pci_parse(s, opts, &p, err), -1);
	return err;
}

START_TEST(full_and_short_addresses_name_the_same_device)
{
	struct ops_pci a, b;
	char err[OPS_PCI_ERR_MAX], ida[OPS_PCI_ID_MAX], idb[OPS_PCI_ID_MAX];
	char addr[16];

	ck_assert_int_eq(ops_pci_parse("0000:03:1f.7", true, &a, err), 0);
	ck_assert_int_eq(ops_pci_parse("03:1f.7", true, &b, err), 0);
	ops_pci_id(&a, ida);
	ops_pci_id(&b, idb);
	ck_assert_str_eq(ida, "pci-pt-0000_03_1f.7");
	ck_assert_str_eq(idb, ida);
	ops_pci_hostaddr(&b, addr);
	ck_assert_str_eq(addr, "0000:03:1f.7");
	ck_assert_int_eq(a.vslot, -1);
	ck_assert_int_eq(a.permissive, -1);
}
END_TEST

START_TEST(devices_on_other_segments_get_other_ids)
{
	struct ops_pci a, b;
	char err[OPS_PCI_ERR_MAX], ida[OPS_PCI_ID_MAX], idb[OPS_PCI_ID_MAX];

	ck_assert_int_eq(ops_pci_parse("0000:03:00.0", true, &a, err), 0);
	ck_assert_int_eq(ops_pci_parse("0001:03:00.0", true, &b, err), 0);
	ops_pci_id(&a, ida);
	ops_pci_id(&b, idb);
	ck_assert_str_ne(ida, idb);
}
END_TEST

START_TEST(vslot_and_permissive_are_taken)
{
	struct ops_pci p;
	char err[OPS_PCI_ERR_MAX];

	ck_assert_int_eq(
	    ops_pci_parse("03:00.0,vslot=0x1f,permissive=1", true, &p, err), 0);
	ck_assert_int_eq(p.vslot, 0x1f);
	ck_assert_int_eq(p.permissive, 1);
	ck_assert_int_eq(ops_pci_parse("03:00.0,vslot=5", true, &p, err), 0);
	ck_assert_int_eq(p.vslot, 5);
}
END_TEST

START_TEST(unknown_options_are_refused_by_name)
{
	ck_assert_ptr_nonnull(
	    strstr(refused("03:00.0,msitrans=1", true), "'msitrans'"));
	ck_assert_ptr_nonnull(
	    strstr(refused("03:00.0,vslot=2,seize", true), "'seize'"));
	ck_assert_ptr_nonnull(strstr(refused("03:00.0,vslot=2,seize", true),
				     "knows vslot=, permissive="));
}
END_TEST

START_TEST(bad_option_values_are_refused)
{
	ck_assert_ptr_nonnull(
	    strstr(refused("03:00.0,vslot=20", true), "not a slot"));
	ck_assert_ptr_nonnull(
	    strstr(refused("03:00.0,vslot=", true), "not a slot"));
	ck_assert_ptr_nonnull(
	    strstr(refused("03:00.0,vslot=1g", true), "not a slot"));
	ck_assert_ptr_nonnull(
	    strstr(refused("03:00.0,permissive=yes", true), "not 0 or 1"));
	ck_assert_ptr_nonnull(
	    strstr(refused("03:00.0,vslot=1,vslot=2", true), "given twice"));
	ck_assert_ptr_nonnull(strstr(refused("03:00.0,", true), "empty"));
	ck_assert_ptr_nonnull(
	    strstr(refused("03:00.0,,vslot=1", true), "empty"));
}
END_TEST

START_TEST(malformed_addresses_are_refused)
{
	static const char *const bad[] = {"",
					  "3:00.0",
					  "03:00",
					  "03:00.8",
					  "03:20.0",
					  "0000:03:00.0x",
					  "00000:03:00.0",
					  "g3:00.0",
					  "0000-03:00.0",
					  "03:00.0 ",
					  "03.00.0"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		ck_assert_msg(
		    strstr(refused(bad[i], true), "not a PCI address"),
		    "'%s' was not refused as an address", bad[i]);
}
END_TEST

START_TEST(detach_takes_the_address_alone)
{
	ck_assert_ptr_nonnull(
	    strstr(refused("03:00.0,vslot=1", false), "options are not"));
}
END_TEST

/* A device directory with @lines as its resource file. */
static void device(const char *addr, const char *lines)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, addr);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/%s/resource", dir, addr);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(lines, f);
	fclose(f);
}

#define NONE "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
#define BAR0 "0x00000000fe000000 0x00000000fe0fffff 0x0000000000040200\n"

START_TEST(rom_pages_come_from_the_seventh_resource_line)
{
	struct ops_pci p;
	char err[OPS_PCI_ERR_MAX];
	uint64_t pages = 99;

	/* 64 KiB of ROM at 0xfe100000: 16 pages. */
	device("0000:03:00.0", BAR0 NONE NONE NONE NONE NONE
	       "0x00000000fe100000 0x00000000fe10ffff 0x0000000000046200\n");
	ck_assert_int_eq(ops_pci_parse("03:00.0", true, &p, err), 0);
	ck_assert_int_eq(ops_pci_rom_pages(dir, &p, &pages), 0);
	ck_assert_uint_eq(pages, 16);
}
END_TEST

START_TEST(a_device_without_rom_needs_no_pages)
{
	struct ops_pci p;
	char err[OPS_PCI_ERR_MAX];
	uint64_t pages = 99;

	device("0000:03:00.1", BAR0 NONE NONE NONE NONE NONE NONE);
	ck_assert_int_eq(ops_pci_parse("03:00.1", true, &p, err), 0);
	ck_assert_int_eq(ops_pci_rom_pages(dir, &p, &pages), 0);
	ck_assert_uint_eq(pages, 0);
}
END_TEST

START_TEST(rom_size_is_unknown_without_a_full_resource_file)
{
	struct ops_pci p;
	char err[OPS_PCI_ERR_MAX];
	uint64_t pages = 99;

	ck_assert_int_eq(ops_pci_parse("03:00.2", true, &p, err), 0);
	ck_assert_int_eq(ops_pci_rom_pages(dir, &p, &pages), -1);
	device("0000:03:00.2", BAR0 NONE);
	ck_assert_int_eq(ops_pci_rom_pages(dir, &p, &pages), -1);
	ck_assert_uint_eq(pages, 99);
}
END_TEST

/* The vdevfn of @id in the query-pci answer @json. */
static int vdevfn(const char *json, const char *id)
{
	struct json_object *ret = json_tokener_parse(json);
	int v;

	ck_assert_ptr_nonnull(ret);
	v = ops_pci_vdevfn(ret, id);
	json_object_put(ret);
	return v;
}

START_TEST(vdevfn_is_read_back_from_query_pci_by_id)
{
	const char *answer =
	    "[{\"bus\": 0, \"devices\": ["
	    "{\"bus\": 0, \"slot\": 1, \"function\": 0, \"qdev_id\": \"\"},"
	    "{\"bus\": 0, \"slot\": 4, \"function\": 2,"
	    " \"qdev_id\": \"pci-pt-0000_03_00.0\"}]}]";

	ck_assert_int_eq(vdevfn(answer, "pci-pt-0000_03_00.0"), 0x22);
	ck_assert_int_eq(vdevfn(answer, "pci-pt-0000_03_00.1"), -1);
}
END_TEST

START_TEST(a_query_pci_answer_that_does_not_fit_gives_no_vdevfn)
{
	ck_assert_int_eq(vdevfn("{\"return\": 1}", "x"), -1);
	ck_assert_int_eq(vdevfn("[{\"devices\": 7}, 3]", "x"), -1);
	ck_assert_int_eq(
	    vdevfn("[{\"devices\": [{\"qdev_id\": \"x\", \"slot\": 32, "
		   "\"function\": 0}]}]",
		   "x"),
	    -1);
	ck_assert_int_eq(
	    vdevfn("[{\"devices\": [{\"qdev_id\": \"x\", \"slot\": 3}]}]", "x"),
	    -1);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    full_and_short_addresses_name_the_same_device,
	    devices_on_other_segments_get_other_ids,
	    vslot_and_permissive_are_taken,
	    unknown_options_are_refused_by_name,
	    bad_option_values_are_refused,
	    malformed_addresses_are_refused,
	    detach_takes_the_address_alone,
	    rom_pages_come_from_the_seventh_resource_line,
	    a_device_without_rom_needs_no_pages,
	    rom_size_is_unknown_without_a_full_resource_file,
	    vdevfn_is_read_back_from_query_pci_by_id,
	    a_query_pci_answer_that_does_not_fit_gives_no_vdevfn,
	};

	return run_suite("dmsup-pciopt", setup, teardown, tests,
			 sizeof(tests) / sizeof(*tests));
}
