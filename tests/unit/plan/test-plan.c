/*
 * Unit tests: the memory planner (plan/plan.c) against the ROM files
 * installed on this machine (packages seabios and ipxe-qemu) and against
 * the numbers toolstacks measured. Expected page counts are computed here
 * from stat() of the files, never copied from the planner.
 */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plan/plan.h"
#include "tests/unit/qmp/check-main.h"

#define MIB_PAGES 256 /* 4 KiB pages in one MiB */

static struct plan plan;
static struct plan_error err;
static char tmpdir[64];

static void setup(void)
{
	memset(&plan, 0, sizeof(plan));
	memset(&err, 0, sizeof(err));
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/plan-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static int rm_cb(const char *path, const struct stat *st, int flag,
		 struct FTW *ftw)
{
	return remove(path);
}

static void teardown(void)
{
	nftw(tmpdir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
}

/* Pages of the ROM BAR QEMU makes for the file at path: the next power of
 * two of its size, in whole 4 KiB pages. */
static uint64_t rom_bar_pages(const char *path)
{
	struct stat st;
	uint64_t bar = 1;

	ck_assert_msg(stat(path, &st) == 0, "%s is not installed", path);
	while (bar < (uint64_t)st.st_size)
		bar *= 2;
	return bar < 4096 ? 1 : bar / 4096;
}

static const struct plan_item *item(const char *name)
{
	size_t i;

	for (i = 0; i < plan.nr_items; i++)
		if (!strcmp(plan.items[i].name, name))
			return &plan.items[i];
	ck_abort_msg("the plan has no item %s", name);
	return NULL;
}

static bool has_item(const char *name)
{
	size_t i;

	for (i = 0; i < plan.nr_items; i++)
		if (!strcmp(plan.items[i].name, name))
			return true;
	return false;
}

static bool has_rule(const char *code)
{
	size_t i;

	for (i = 0; i < plan.nr_rules; i++)
		if (!strcmp(plan.rules[i].code, code))
			return true;
	return false;
}

/* The rule with that code, which must be there. */
static const struct plan_rule *rule(const char *code)
{
	size_t i;

	for (i = 0; i < plan.nr_rules; i++)
		if (!strcmp(plan.rules[i].code, code))
			return &plan.rules[i];
	ck_abort_msg("the plan has no rule %s", code);
	return NULL;
}

static void compute_ok(const struct plan_request *req)
{
	int rc = plan_compute(req, &plan, &err);

	ck_assert_msg(rc == PLAN_OK, "plan_compute: %d %s", rc, err.message);
}

static void compute_fails(const struct plan_request *req, int want,
			  const char *mentions)
{
	int rc = plan_compute(req, &plan, &err);

	ck_assert_int_eq(rc, want);
	ck_assert_msg(strstr(err.message, mentions),
		      "error \"%s\" does not mention \"%s\"", err.message,
		      mentions);
}

static void write_file(const char *path, size_t bytes)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)bytes), 0);
	close(fd);
}

/* ---- VGA models ---- */

static const struct {
	enum plan_vga vga;
	uint64_t videoram_mib; /* 0: the default */
	uint64_t vram_mib;     /* what QEMU allocates as vga.vram */
	uint64_t qxl_vram_mib; /* qxl.vram, 0 for others */
	const char *bios;      /* the VGA BIOS QEMU loads */
	const char *device;    /* the -device argument */
} vga_cases[] = {
    {PLAN_VGA_STDVGA, 0, 16, 0, "/usr/share/seabios/vgabios-stdvga.bin",
     "VGA,vgamem_mb=16"},
    {PLAN_VGA_STDVGA, 64, 64, 0, "/usr/share/seabios/vgabios-stdvga.bin",
     "VGA,vgamem_mb=64"},
    {PLAN_VGA_CIRRUS, 0, 8, 0, "/usr/share/seabios/vgabios-cirrus.bin",
     "cirrus-vga,vgamem_mb=8"},
    {PLAN_VGA_CIRRUS, 16, 16, 0, "/usr/share/seabios/vgabios-cirrus.bin",
     "cirrus-vga,vgamem_mb=16"},
    {PLAN_VGA_QXL, 0, 64, 64, "/usr/share/seabios/vgabios-qxl.bin",
     "qxl-vga,vram_size_mb=64,ram_size_mb=64"},
    {PLAN_VGA_QXL, 256, 128, 128, "/usr/share/seabios/vgabios-qxl.bin",
     "qxl-vga,vram_size_mb=128,ram_size_mb=128"},
};

START_TEST(each_vga_model_populates_its_video_memory_and_bios)
{
	struct plan_request req = {.memory_mib = 1024,
				   .vga = vga_cases[_i].vga,
				   .videoram_mib = vga_cases[_i].videoram_mib};
	uint64_t want = vga_cases[_i].vram_mib * MIB_PAGES +
			rom_bar_pages(vga_cases[_i].bios);

	compute_ok(&req);
	ck_assert_uint_eq(item("vga.vram")->pages,
			  vga_cases[_i].vram_mib * MIB_PAGES);
	ck_assert_uint_eq(item("vga.rom")->pages,
			  rom_bar_pages(vga_cases[_i].bios));
	if (vga_cases[_i].qxl_vram_mib) {
		ck_assert_uint_eq(item("qxl.vram")->pages,
				  vga_cases[_i].qxl_vram_mib * MIB_PAGES);
		/* the 8 KiB QXL ROM BAR */
		ck_assert_uint_eq(item("qxl.vrom")->pages, 2);
		want += vga_cases[_i].qxl_vram_mib * MIB_PAGES + 2;
	}
	ck_assert_uint_eq(plan.target_pages, want);
	ck_assert_uint_eq(plan.stubdom_pages, 0);
	ck_assert_int_eq(plan.nr_rules, 0);
}
END_TEST

START_TEST(each_vga_model_names_the_device_the_plan_assumes)
{
	struct plan_request req = {.memory_mib = 1024,
				   .vga = vga_cases[_i].vga,
				   .videoram_mib = vga_cases[_i].videoram_mib};
	char dev[128];

	ck_assert_int_eq(plan_vga_device(&req, dev, sizeof(dev), &err),
			 PLAN_OK);
	ck_assert_str_eq(dev, vga_cases[_i].device);
}
END_TEST

START_TEST(no_vga_and_no_nic_populates_nothing)
{
	struct plan_request req = {.memory_mib = 512, .vga = PLAN_VGA_NONE};
	char dev[16];

	compute_ok(&req);
	ck_assert_int_eq(plan.nr_items, 0);
	ck_assert_uint_eq(plan.target_pages, 0);
	ck_assert_int_eq(plan_vga_device(&req, dev, sizeof(dev), &err),
			 PLAN_OK);
	ck_assert_str_eq(dev, "");
}
END_TEST

/* QEMU loading saved state populates no videoram and no ROM (the
 * restored guest memory holds them): a restore's plan has neither. */
START_TEST(a_restore_populates_no_videoram_and_no_rom)
{
	struct plan_nic nics[] = {{.model = "e1000"}, {.model = "rtl8139"}};
	struct plan_request req = {.memory_mib = 512,
				   .vga = PLAN_VGA_STDVGA,
				   .videoram_mib = 16,
				   .nics = nics,
				   .nr_nics = 2,
				   .restore = true};

	compute_ok(&req);
	ck_assert_int_eq(plan.nr_items, 0);
	ck_assert_uint_eq(plan.target_pages, 0);
	req.restore = false;
	compute_ok(&req);
	ck_assert_uint_gt(plan.target_pages, 0);
}
END_TEST

START_TEST(stdvga_videoram_is_rounded_up_to_a_power_of_two_with_a_warning)
{
	struct plan_request req = {
	    .memory_mib = 1024, .vga = PLAN_VGA_STDVGA, .videoram_mib = 24};

	compute_ok(&req);
	ck_assert_uint_eq(item("vga.vram")->pages, 32 * MIB_PAGES);
	ck_assert(has_rule("videoram-rounded"));
	ck_assert(!plan_refused(&plan));
}
END_TEST

START_TEST(huge_stdvga_videoram_is_capped_at_512_mib)
{
	struct plan_request req = {
	    .memory_mib = 4096, .vga = PLAN_VGA_STDVGA, .videoram_mib = 2048};

	compute_ok(&req);
	ck_assert_uint_eq(item("vga.vram")->pages, 512 * MIB_PAGES);
	ck_assert_ptr_nonnull(
	    strstr(rule("videoram-rounded")->message, "512 MiB"));
}
END_TEST

START_TEST(videoram_below_the_models_minimum_is_refused)
{
	struct plan_request req = {
	    .memory_mib = 1024, .vga = PLAN_VGA_STDVGA, .videoram_mib = 8};

	compute_ok(&req);
	ck_assert(has_rule("videoram-below-minimum"));
	ck_assert_int_eq(rule("videoram-below-minimum")->severity,
			 PLAN_REFUSAL);
	ck_assert(plan_refused(&plan));
}
END_TEST

START_TEST(cirrus_videoram_qemu_rejects_is_an_error)
{
	struct plan_request req = {
	    .memory_mib = 1024, .vga = PLAN_VGA_CIRRUS, .videoram_mib = 12};

	compute_fails(&req, PLAN_E_INVAL, "4, 8 or 16");
}
END_TEST

START_TEST(huge_qxl_videoram_is_an_error)
{
	struct plan_request req = {
	    .memory_mib = 4096, .vga = PLAN_VGA_QXL, .videoram_mib = 4096};

	compute_fails(&req, PLAN_E_INVAL, "512 MiB");
}
END_TEST

/* ---- NIC models ---- */

static const struct {
	const char *model;
	const char *device;
	const char *rom; /* the file QEMU 7.2 loads for it */
} nic_cases[] = {
    {"e1000", "e1000", "/usr/lib/ipxe/qemu/efi-e1000.rom"},
    {"e1000-82545em", "e1000-82545em", "/usr/lib/ipxe/qemu/efi-e1000.rom"},
    {"e1000e", "e1000e", "/usr/lib/ipxe/qemu/efi-e1000e.rom"},
    {"rtl8139", "rtl8139", "/usr/lib/ipxe/qemu/efi-rtl8139.rom"},
    {"virtio-net", "virtio-net-pci", "/usr/lib/ipxe/qemu/efi-virtio.rom"},
    {"virtio-net-pci", "virtio-net-pci", "/usr/lib/ipxe/qemu/efi-virtio.rom"},
    {"ne2k_pci", "ne2k_pci", "/usr/lib/ipxe/qemu/efi-ne2k_pci.rom"},
    {"pcnet", "pcnet", "/usr/lib/ipxe/qemu/efi-pcnet.rom"},
    {"i82559er", "i82559er", "/usr/lib/ipxe/qemu/pxe-eepro100.rom"},
    {"i82551", "i82551", "/usr/lib/ipxe/qemu/pxe-eepro100.rom"},
    {"vmxnet3", "vmxnet3", "/usr/lib/ipxe/qemu/efi-vmxnet3.rom"},
};

START_TEST(each_nic_model_populates_the_rom_bar_of_its_installed_rom)
{
	struct plan_nic nic = {.model = nic_cases[_i].model};
	struct plan_request req = {.memory_mib = 1024,
				   .vga = PLAN_VGA_NONE,
				   .nics = &nic,
				   .nr_nics = 1};
	uint64_t pages = 0;

	compute_ok(&req);
	ck_assert_uint_eq(item("nic0.rom")->pages,
			  rom_bar_pages(nic_cases[_i].rom));
	ck_assert_uint_eq(plan.target_pages, rom_bar_pages(nic_cases[_i].rom));
	ck_assert_ptr_nonnull(strstr(item("nic0.rom")->why, nic_cases[_i].rom));
	/* the same number for a runtime request before a hotplug */
	ck_assert_int_eq(plan_nic_pages(&nic, NULL, &pages, &err), PLAN_OK);
	ck_assert_uint_eq(pages, rom_bar_pages(nic_cases[_i].rom));
	ck_assert_str_eq(plan_nic_device(nic_cases[_i].model),
			 nic_cases[_i].device);
}
END_TEST

START_TEST(two_e1000_and_stdvga_add_up_item_by_item)
{
	struct plan_nic nics[] = {{.model = "e1000"}, {.model = "e1000"}};
	struct plan_request req = {.memory_mib = 1024,
				   .vga = PLAN_VGA_STDVGA,
				   .nics = nics,
				   .nr_nics = 2};
	uint64_t e1000 = rom_bar_pages("/usr/lib/ipxe/qemu/efi-e1000.rom");

	compute_ok(&req);
	ck_assert_int_eq(plan.nr_items, 4);
	ck_assert_uint_eq(item("nic0.rom")->pages, e1000);
	ck_assert_uint_eq(item("nic1.rom")->pages, e1000);
	ck_assert_uint_eq(
	    plan.target_pages,
	    16 * MIB_PAGES +
		rom_bar_pages("/usr/share/seabios/vgabios-stdvga.bin") +
		2 * e1000);
}
END_TEST

START_TEST(the_maximum_number_of_nics_is_planned_and_one_more_refused)
{
	struct plan_nic nics[PLAN_MAX_NICS + 1];
	struct plan_request req = {.memory_mib = 1024,
				   .vga = PLAN_VGA_NONE,
				   .nics = nics,
				   .nr_nics = PLAN_MAX_NICS};
	uint64_t rtl = rom_bar_pages("/usr/lib/ipxe/qemu/efi-rtl8139.rom");
	size_t i;

	for (i = 0; i <= PLAN_MAX_NICS; i++)
		nics[i] = (struct plan_nic){.model = "rtl8139"};
	compute_ok(&req);
	ck_assert_int_eq(plan.nr_items, PLAN_MAX_NICS);
	ck_assert_uint_eq(plan.target_pages, PLAN_MAX_NICS * rtl);
	req.nr_nics = PLAN_MAX_NICS + 1;
	compute_fails(&req, PLAN_E_INVAL, "at most");
}
END_TEST

START_TEST(unknown_nic_model_is_an_error_naming_it)
{
	struct plan_nic nics[] = {{.model = "e1000"}, {.model = "tulip"}};
	struct plan_request req = {.memory_mib = 1024,
				   .vga = PLAN_VGA_NONE,
				   .nics = nics,
				   .nr_nics = 2};

	compute_fails(&req, PLAN_E_UNKNOWN_MODEL,
		      "NIC 1: unknown model \"tulip\"");
	ck_assert_ptr_null(plan_nic_device("tulip"));
}
END_TEST

START_TEST(missing_rom_file_is_an_error_naming_it)
{
	struct plan_nic nic = {.model = "e1000"};
	struct plan_request req = {.memory_mib = 1024,
				   .vga = PLAN_VGA_NONE,
				   .nics = &nic,
				   .nr_nics = 1,
				   .firmware_path = tmpdir};

	compute_fails(&req, PLAN_E_ROM, "efi-e1000.rom not found");
	ck_assert_ptr_nonnull(strstr(err.message, tmpdir));
}
END_TEST

START_TEST(missing_configured_rom_path_is_an_error_naming_it)
{
	char path[128];
	struct plan_nic nic = {.model = "virtio-net", .romfile = path};
	struct plan_request req = {.memory_mib = 1024,
				   .vga = PLAN_VGA_NONE,
				   .nics = &nic,
				   .nr_nics = 1};

	snprintf(path, sizeof(path), "%s/gone.rom", tmpdir);
	compute_fails(&req, PLAN_E_ROM, path);
	ck_assert_ptr_nonnull(strstr(err.message, "not found"));
}
END_TEST

START_TEST(missing_vga_bios_is_an_error_naming_it)
{
	struct plan_request req = {.memory_mib = 1024,
				   .vga = PLAN_VGA_CIRRUS,
				   .firmware_path = tmpdir};

	compute_fails(&req, PLAN_E_ROM, "vgabios-cirrus.bin not found");
}
END_TEST

START_TEST(empty_rom_file_is_an_error)
{
	char path[128];
	struct plan_nic nic = {.model = "e1000", .romfile = path};
	struct plan_request req = {.memory_mib = 1024,
				   .vga = PLAN_VGA_NONE,
				   .nics = &nic,
				   .nr_nics = 1};

	snprintf(path, sizeof(path), "%s/empty.rom", tmpdir);
	write_file(path, 0);
	compute_fails(&req, PLAN_E_ROM, "empty");
}
END_TEST

START_TEST(a_configured_romfile_is_searched_in_order_and_rounded)
{
	static const struct {
		size_t bytes;
		uint64_t pages;
	} sizes[] = {{1, 1}, {4096, 1}, {4097, 2}, {5000, 2}, {70000, 32}};
	char dir2[128], path[160], search[300];
	struct plan_nic nic = {.model = "rtl8139", .romfile = "mine.rom"};
	struct plan_request req = {.memory_mib = 1024,
				   .vga = PLAN_VGA_NONE,
				   .nics = &nic,
				   .nr_nics = 1,
				   .firmware_path = search};
	size_t i;

	/* the first directory lacks it, the second has it */
	snprintf(dir2, sizeof(dir2), "%s/second", tmpdir);
	ck_assert_int_eq(mkdir(dir2, 0755), 0);
	snprintf(search, sizeof(search), "%s:%s", tmpdir, dir2);
	snprintf(path, sizeof(path), "%s/mine.rom", dir2);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		write_file(path, sizes[i].bytes);
		compute_ok(&req);
		ck_assert_uint_eq(item("nic0.rom")->pages, sizes[i].pages);
		ck_assert_uint_eq(item("nic0.rom")->pages, rom_bar_pages(path));
	}
}
END_TEST

START_TEST(an_empty_romfile_means_no_rom_bar)
{
	struct plan_nic nic = {.model = "e1000", .romfile = ""};
	struct plan_request req = {.memory_mib = 1024,
				   .vga = PLAN_VGA_NONE,
				   .nics = &nic,
				   .nr_nics = 1};

	compute_ok(&req);
	ck_assert(!has_item("nic0.rom"));
	ck_assert_uint_eq(plan.target_pages, 0);
}
END_TEST

/* ---- stub domains ---- */

START_TEST(linux_stubdom_needs_192_mib_plus_videoram_for_itself)
{
	struct plan_nic nic = {.model = "e1000"};
	struct plan_request req = {.kind = PLAN_KIND_STUBDOM_LINUX,
				   .memory_mib = 1024,
				   .vga = PLAN_VGA_STDVGA,
				   .nics = &nic,
				   .nr_nics = 1};

	compute_ok(&req);
	ck_assert_uint_eq(item("stubdom.memory")->pages, 192 * MIB_PAGES);
	ck_assert_uint_eq(item("stubdom.videoram")->pages, 16 * MIB_PAGES);
	ck_assert_uint_eq(plan.stubdom_pages, (192 + 16) * MIB_PAGES);
	/* the reason goes with the figure */
	ck_assert_ptr_nonnull(strstr(item("stubdom.memory")->why, "128 MiB"));
	/* upstream QEMU in the stub populates the guest as in dom0 */
	ck_assert_uint_eq(
	    plan.target_pages,
	    16 * MIB_PAGES +
		rom_bar_pages("/usr/share/seabios/vgabios-stdvga.bin") +
		rom_bar_pages("/usr/lib/ipxe/qemu/efi-e1000.rom"));
}
END_TEST

START_TEST(minios_stubdom_needs_28_mib_plus_videoram_and_loads_no_rom)
{
	struct plan_nic nic = {.model = "rtl8139"};
	struct plan_request req = {.kind = PLAN_KIND_STUBDOM_MINIOS,
				   .memory_mib = 1024,
				   .vga = PLAN_VGA_CIRRUS,
				   .nics = &nic,
				   .nr_nics = 1};

	compute_ok(&req);
	/* qemu-traditional's cirrus default is 4 MiB */
	ck_assert_uint_eq(item("stubdom.memory")->pages, 28 * MIB_PAGES);
	ck_assert_uint_eq(item("stubdom.videoram")->pages, 4 * MIB_PAGES);
	ck_assert_uint_eq(plan.target_pages, 4 * MIB_PAGES);
	ck_assert(!has_item("vga.rom"));
	ck_assert(!has_item("nic0.rom"));
}
END_TEST

START_TEST(configured_stubdom_memory_replaces_the_default)
{
	struct plan_request req = {.kind = PLAN_KIND_STUBDOM_LINUX,
				   .memory_mib = 1024,
				   .vga = PLAN_VGA_NONE,
				   .stubdom_mib = 200};

	compute_ok(&req);
	ck_assert_uint_eq(plan.stubdom_pages, 200 * MIB_PAGES);
	ck_assert(!has_item("stubdom.videoram"));
}
END_TEST

START_TEST(qxl_in_a_minios_stubdom_is_unsupported)
{
	struct plan_request req = {.kind = PLAN_KIND_STUBDOM_MINIOS,
				   .memory_mib = 1024,
				   .vga = PLAN_VGA_QXL};

	compute_fails(&req, PLAN_E_UNSUPPORTED, "qxl");
}
END_TEST

/* ---- rules ---- */

START_TEST(shadow_memory_follows_the_formula)
{
	/* 4 x (256 x vcpus + 2 x maxmem MiB) KiB */
	ck_assert_uint_eq(plan_shadow_min_kib(1, 1024), 4 * (256 + 2 * 1024));
	ck_assert_uint_eq(plan_shadow_min_kib(4, 4096),
			  4 * (256 * 4 + 2 * 4096));
	ck_assert_uint_eq(plan_shadow_min_kib(0, 0), 0);
}
END_TEST

START_TEST(configured_shadow_below_the_formula_is_raised_with_a_warning)
{
	struct plan_request req = {.memory_mib = 1024,
				   .maxmem_mib = 2048,
				   .vcpus = 2,
				   .shadow_kib = 1000};

	compute_ok(&req);
	ck_assert_uint_eq(plan.shadow_kib, 4 * (256 * 2 + 2 * 2048));
	ck_assert(has_rule("shadow-raised"));
	ck_assert_int_eq(rule("shadow-raised")->severity, PLAN_WARNING);
}
END_TEST

START_TEST(configured_shadow_above_the_formula_is_kept)
{
	struct plan_request req = {
	    .memory_mib = 1024, .vcpus = 1, .shadow_kib = 100000};

	compute_ok(&req);
	ck_assert_uint_eq(plan.shadow_kib, 100000);
	ck_assert(!has_rule("shadow-raised"));
}
END_TEST

static const struct {
	uint64_t init, max;
} balloon_points[] = {
    {400, 4300},   {700, 7554},	  {800, 8635},
    {1024, 11051}, {1200, 12954}, {1300, 14038},
};

START_TEST(balloon_limit_reproduces_each_measured_point)
{
	ck_assert_uint_eq(plan_balloon_limit_mib(balloon_points[_i].init),
			  balloon_points[_i].max);
}
END_TEST

START_TEST(balloon_limit_grows_with_init_mem_at_about_10_79)
{
	uint64_t x, prev = 0, lim;

	for (x = 1; x <= 65536; x = x * 3 / 2 + 1) {
		lim = plan_balloon_limit_mib(x);
		ck_assert_uint_ge(lim, prev);
		/* within 0.5% of 10.79 x init (rounded down) */
		ck_assert_uint_ge(lim * 1000 + 1000, x * 10736);
		ck_assert_uint_le(lim * 1000, x * 10844);
		prev = lim;
	}
}
END_TEST

START_TEST(maxmem_beyond_the_balloon_limit_is_refused_for_linux)
{
	struct plan_request req = {
	    .memory_mib = 1024, .maxmem_mib = 11052, .linux_guest = true};

	compute_ok(&req);
	ck_assert_uint_eq(plan.balloon_limit_mib, 11051);
	ck_assert(has_rule("balloon-unreachable"));
	ck_assert_int_eq(rule("balloon-unreachable")->severity, PLAN_REFUSAL);
	ck_assert(plan_refused(&plan));
}
END_TEST

START_TEST(maxmem_beyond_the_balloon_limit_is_a_warning_for_other_guests)
{
	struct plan_request req = {.memory_mib = 400, .maxmem_mib = 4301};

	compute_ok(&req);
	ck_assert_int_eq(rule("balloon-unreachable")->severity, PLAN_WARNING);
	ck_assert(!plan_refused(&plan));
}
END_TEST

START_TEST(maxmem_at_the_balloon_limit_is_fine)
{
	struct plan_request req = {
	    .memory_mib = 1300, .maxmem_mib = 14038, .linux_guest = true};

	compute_ok(&req);
	ck_assert(!has_rule("balloon-unreachable"));
}
END_TEST

START_TEST(kernel_command_line_of_1024_bytes_is_warned)
{
	struct plan_request req = {.memory_mib = 512, .cmdline_len = 1023};

	compute_ok(&req);
	ck_assert(!has_rule("cmdline-long"));
	req.cmdline_len = 1024;
	compute_ok(&req);
	ck_assert(has_rule("cmdline-long"));
	ck_assert_int_eq(rule("cmdline-long")->severity, PLAN_WARNING);
}
END_TEST

START_TEST(nonsense_requests_are_errors)
{
	struct plan_request req = {.memory_mib = 0};

	compute_fails(&req, PLAN_E_INVAL, "memory");
	req = (struct plan_request){.memory_mib = 1024, .maxmem_mib = 512};
	compute_fails(&req, PLAN_E_INVAL, "below memory");
	req = (struct plan_request){.memory_mib = 1024, .nr_nics = 1};
	compute_fails(&req, PLAN_E_INVAL, "no list");
	req = (struct plan_request){.memory_mib = 1024,
				    .kind = (enum plan_kind)7};
	compute_fails(&req, PLAN_E_INVAL, "kind");
	req =
	    (struct plan_request){.memory_mib = 1024, .vga = (enum plan_vga)9};
	compute_fails(&req, PLAN_E_UNKNOWN_MODEL, "VGA");
}
END_TEST

START_TEST(firmware_path_comes_from_qemus_own_list)
{
	/* what Debian's xen-qemu-system-i386 -L help prints */
	static const char help[] = "/usr/libexec/../share/qemu\n"
				   "/usr/libexec/../share/seabios\n"
				   "/usr/libexec/../lib/ipxe/qemu\n";
	struct plan_nic nic = {.model = "e1000"};
	struct plan_request req = {.memory_mib = 64,
				   .vga = PLAN_VGA_STDVGA,
				   .nics = &nic,
				   .nr_nics = 1};
	char path[256];

	ck_assert_int_eq(plan_firmware_path_from_help(help, sizeof(help) - 1,
						      path, sizeof(path)),
			 PLAN_OK);
	ck_assert_str_eq(path, "/usr/libexec/../share/qemu:"
			       "/usr/libexec/../share/seabios:"
			       "/usr/libexec/../lib/ipxe/qemu");
	req.firmware_path = path;
	compute_ok(&req);
	ck_assert_uint_eq(item("nic0.rom")->pages,
			  rom_bar_pages("/usr/lib/ipxe/qemu/efi-e1000.rom"));
}
END_TEST

START_TEST(firmware_path_from_nothing_or_too_much_is_an_error)
{
	static const char junk[] = "qemu: unknown option\nrelative/dir\n";
	static const char one[] = "/a/very/long/directory/name\n";
	char path[16];

	ck_assert_int_eq(plan_firmware_path_from_help(junk, sizeof(junk) - 1,
						      path, sizeof(path)),
			 PLAN_E_INVAL);
	ck_assert_int_eq(plan_firmware_path_from_help(one, sizeof(one) - 1,
						      path, sizeof(path)),
			 PLAN_E_INVAL);
}
END_TEST

START_TEST(names_parse_back_to_their_values)
{
	enum plan_kind k;
	enum plan_vga v;

	ck_assert(plan_kind_parse("stubdom-linux", &k));
	ck_assert_int_eq(k, PLAN_KIND_STUBDOM_LINUX);
	ck_assert_str_eq(plan_kind_name(k), "stubdom-linux");
	ck_assert(plan_vga_parse("cirrus", &v));
	ck_assert_int_eq(v, PLAN_VGA_CIRRUS);
	ck_assert_str_eq(plan_vga_name(v), "cirrus");
	ck_assert(!plan_kind_parse("hvm", &k));
	ck_assert(!plan_vga_parse("vesa", &v));
}
END_TEST

static Suite *plan_suite(void)
{
	Suite *s = suite_create("plan");
	TCase *vga = tcase_create("vga");
	TCase *nic = tcase_create("nic");
	TCase *stub = tcase_create("stubdom");
	TCase *rules = tcase_create("rules");
	size_t nvga = sizeof(vga_cases) / sizeof(vga_cases[0]);
	size_t nnic = sizeof(nic_cases) / sizeof(nic_cases[0]);
	size_t nbal = sizeof(balloon_points) / sizeof(balloon_points[0]);

	tcase_add_checked_fixture(vga, setup, teardown);
	tcase_add_loop_test(vga,
			    each_vga_model_populates_its_video_memory_and_bios,
			    0, (int)nvga);
	tcase_add_loop_test(vga,
			    each_vga_model_names_the_device_the_plan_assumes, 0,
			    (int)nvga);
	tcase_add_test(vga, no_vga_and_no_nic_populates_nothing);
	tcase_add_test(vga, a_restore_populates_no_videoram_and_no_rom);
	tcase_add_test(
	    vga,
	    stdvga_videoram_is_rounded_up_to_a_power_of_two_with_a_warning);
	tcase_add_test(vga, huge_stdvga_videoram_is_capped_at_512_mib);
	tcase_add_test(vga, videoram_below_the_models_minimum_is_refused);
	tcase_add_test(vga, cirrus_videoram_qemu_rejects_is_an_error);
	tcase_add_test(vga, huge_qxl_videoram_is_an_error);
	suite_add_tcase(s, vga);

	tcase_add_checked_fixture(nic, setup, teardown);
	tcase_add_loop_test(
	    nic, each_nic_model_populates_the_rom_bar_of_its_installed_rom, 0,
	    (int)nnic);
	tcase_add_test(nic, two_e1000_and_stdvga_add_up_item_by_item);
	tcase_add_test(
	    nic, the_maximum_number_of_nics_is_planned_and_one_more_refused);
	tcase_add_test(nic, unknown_nic_model_is_an_error_naming_it);
	tcase_add_test(nic, missing_rom_file_is_an_error_naming_it);
	tcase_add_test(nic, missing_configured_rom_path_is_an_error_naming_it);
	tcase_add_test(nic, missing_vga_bios_is_an_error_naming_it);
	tcase_add_test(nic, empty_rom_file_is_an_error);
	tcase_add_test(nic,
		       a_configured_romfile_is_searched_in_order_and_rounded);
	tcase_add_test(nic, an_empty_romfile_means_no_rom_bar);
	tcase_add_test(nic, firmware_path_comes_from_qemus_own_list);
	tcase_add_test(nic, firmware_path_from_nothing_or_too_much_is_an_error);
	suite_add_tcase(s, nic);

	tcase_add_checked_fixture(stub, setup, teardown);
	tcase_add_test(stub,
		       linux_stubdom_needs_192_mib_plus_videoram_for_itself);
	tcase_add_test(
	    stub, minios_stubdom_needs_28_mib_plus_videoram_and_loads_no_rom);
	tcase_add_test(stub, configured_stubdom_memory_replaces_the_default);
	tcase_add_test(stub, qxl_in_a_minios_stubdom_is_unsupported);
	suite_add_tcase(s, stub);

	tcase_add_checked_fixture(rules, setup, teardown);
	tcase_add_test(rules, shadow_memory_follows_the_formula);
	tcase_add_test(
	    rules,
	    configured_shadow_below_the_formula_is_raised_with_a_warning);
	tcase_add_test(rules, configured_shadow_above_the_formula_is_kept);
	tcase_add_loop_test(rules, balloon_limit_reproduces_each_measured_point,
			    0, (int)nbal);
	tcase_add_test(rules, balloon_limit_grows_with_init_mem_at_about_10_79);
	tcase_add_test(rules,
		       maxmem_beyond_the_balloon_limit_is_refused_for_linux);
	tcase_add_test(
	    rules,
	    maxmem_beyond_the_balloon_limit_is_a_warning_for_other_guests);
	tcase_add_test(rules, maxmem_at_the_balloon_limit_is_fine);
	tcase_add_test(rules, kernel_command_line_of_1024_bytes_is_warned);
	tcase_add_test(rules, nonsense_requests_are_errors);
	tcase_add_test(rules, names_parse_back_to_their_values);
	suite_add_tcase(s, rules);
	return s;
}

int main(void)
{
	return check_main_run(plan_suite());
}
