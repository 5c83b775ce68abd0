/*
 * The memory planner: tables of device models, the ROM files they load,
 * and the rules. See plan.h for the interface and docs/memory-protocol.md
 * for where each number was learned and how it was checked.
 *
 * What QEMU (7.2, machine xenfv) populates in a Xen HVM guest: every
 * RAMBlock except the guest RAM itself ("xen.ram", which the toolstack
 * populated), each one whole (its max_length) when it is created
 * (xen_ram_alloc, called from ram_block_add). Under Xen the PC machine
 * skips pc_memory_init, so there is no pc.bios, isa-bios, pc.rom or ACPI
 * fw_cfg blob (hvmloader and SeaBIOS do that job), and the xen accelerator
 * opts out of the generic "pc.ram" backend. What remains are the devices'
 * RAM and ROM regions: the VGA's vga.vram, QXL's qxl.vram and qxl.vrom,
 * and each PCI device's option ROM ("<dev>.rom"), whose size is the ROM
 * file's rounded up to a power of two (pci_add_option_rom).
 */
#include "plan/plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define MiB (1024u * 1024u)

/* QEMU refuses option ROMs above 2 GiB. */
#define PLAN_ROM_MAX (2ull * 1024 * MiB)
/* Bounds that keep every product below in 64 bits. */
#define PLAN_MEMORY_MAX_MIB (1ull << 32)
#define PLAN_VCPUS_MAX 4096
#define PLAN_VIDEORAM_MAX_MIB (1ull << 20)

/* One RAM region a VGA model creates, besides its option ROM. */
struct plan_region {
	const char *name;
	uint64_t bytes;
	char why[PLAN_WHY_MAX];
};

#define PLAN_VGA_REGIONS 3

struct plan_vga_model {
	enum plan_vga vga;
	const char *name;    /* our name, as in the config */
	const char *device;  /* QEMU's device */
	const char *romfile; /* the class's default romfile */
	/* libxl's default and minimum videoram, MiB, for upstream QEMU and
	 * for qemu-traditional (libxl__domain_build_info_setdefault). */
	uint64_t default_mib, min_mib;
	uint64_t trad_default_mib, trad_min_mib;
	/* The regions QEMU allocates for videoram_mib; returns the number of
	 * regions or a plan_rc. */
	int (*regions)(uint64_t videoram_mib, struct plan_region *out,
		       struct plan_error *err);
	/* The -device argument for videoram_mib. */
	int (*device_arg)(uint64_t videoram_mib, char *buf, size_t len);
};

struct plan_nic_model {
	const char *model;   /* as in the config */
	const char *device;  /* QEMU's device */
	const char *romfile; /* the class's default romfile */
};

/*
 * Which ROM file each NIC loads: the romfile set in the device's class_init
 * in QEMU 7.2 (hw/net/e1000.c, e1000e.c, rtl8139.c, ne2000-pci.c,
 * pcnet-pci.c, eepro100.c, vmxnet3.c, hw/virtio/virtio-net-pci.c), checked
 * against `info qtree` of Debian's QEMU 7.2 on machine pc-i440fx-3.1, the
 * compat level xenfv (= xenfv-3.1) inherits: no compat property of that
 * level changes a romfile. The eepro100 family still loads the legacy PXE
 * ROM; all others the EFI-capable iPXE ROM (package ipxe-qemu).
 */
static const struct plan_nic_model plan_nic_models[] = {
    {"e1000", "e1000", "efi-e1000.rom"},
    {"e1000-82540em", "e1000-82540em", "efi-e1000.rom"},
    {"e1000-82544gc", "e1000-82544gc", "efi-e1000.rom"},
    {"e1000-82545em", "e1000-82545em", "efi-e1000.rom"},
    {"e1000e", "e1000e", "efi-e1000e.rom"},
    {"rtl8139", "rtl8139", "efi-rtl8139.rom"},
    {"virtio-net", "virtio-net-pci", "efi-virtio.rom"},
    {"virtio-net-pci", "virtio-net-pci", "efi-virtio.rom"},
    {"ne2k_pci", "ne2k_pci", "efi-ne2k_pci.rom"},
    {"pcnet", "pcnet", "efi-pcnet.rom"},
    {"i82551", "i82551", "pxe-eepro100.rom"},
    {"i82557b", "i82557b", "pxe-eepro100.rom"},
    {"i82559er", "i82559er", "pxe-eepro100.rom"},
    {"vmxnet3", "vmxnet3", "efi-vmxnet3.rom"},
};

static void plan_err(struct plan_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void plan_err(struct plan_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

/* snprintf that may cut (a why or a message is bounded on purpose). */
static void plan_fmt(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void plan_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static uint64_t plan_pow2ceil(uint64_t v)
{
	uint64_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

static uint64_t plan_bytes_to_pages(uint64_t bytes)
{
	return (bytes + PLAN_PAGE_SIZE - 1) / PLAN_PAGE_SIZE;
}

uint64_t plan_rom_pages(uint64_t bytes)
{
	if (bytes == 0)
		return 0;
	return plan_bytes_to_pages(plan_pow2ceil(bytes));
}

/* stdvga: vga_common_init clamps vgamem_mb to 1..512 and rounds it up to
 * a power of two; the whole of it is "vga.vram". */
static int plan_stdvga_regions(uint64_t mib, struct plan_region *out,
			       struct plan_error *err)
{
	uint64_t eff = mib < 1 ? 1 : mib > 512 ? 512 : mib;

	eff = plan_pow2ceil(eff);
	out[0].name = "vga.vram";
	out[0].bytes = eff * MiB;
	snprintf(out[0].why, sizeof(out[0].why),
		 "videoram %llu MiB -> %llu MiB (QEMU clamps vgamem_mb to "
		 "1..512 and rounds it up to a power of two)",
		 (unsigned long long)mib, (unsigned long long)eff);
	return 1;
}

/* cirrus-vga accepts only 4, 8 or 16 MiB and refuses to start otherwise. */
static int plan_cirrus_regions(uint64_t mib, struct plan_region *out,
			       struct plan_error *err)
{
	if (mib != 4 && mib != 8 && mib != 16) {
		plan_err(err,
			 "cirrus videoram %llu MiB: QEMU's cirrus-vga accepts "
			 "only 4, 8 or 16 MiB",
			 (unsigned long long)mib);
		return PLAN_E_INVAL;
	}
	out[0].name = "vga.vram";
	out[0].bytes = mib * MiB;
	snprintf(out[0].why, sizeof(out[0].why),
		 "cirrus videoram %llu MiB (vgamem_mb)",
		 (unsigned long long)mib);
	return 1;
}

/*
 * qxl-vga with libxl's split: half the videoram as ram_size_mb (BAR 0, the
 * VGA memory "vga.vram", at least twice vgamem_mb's default 16 MiB) and
 * half as vram_size_mb (the 32-bit surface BAR; the 64-bit "qxl.vram" is
 * allocated at that size too, at least 4 KiB), each rounded up to a power
 * of two (qxl_init_ramsize). Plus "qxl.vrom", the 8 KiB QXL ROM BAR.
 */
static int plan_qxl_regions(uint64_t mib, struct plan_region *out,
			    struct plan_error *err)
{
	uint64_t half = mib / 2;
	uint64_t ram = half * MiB, vram = half * MiB;

	if (half > 512) {
		plan_err(err,
			 "qxl videoram %llu MiB: more than QEMU's 512 MiB "
			 "of VGA memory per half",
			 (unsigned long long)mib);
		return PLAN_E_INVAL;
	}
	if (ram < 32 * MiB)
		ram = 32 * MiB;
	ram = plan_pow2ceil(ram);
	if (vram < PLAN_PAGE_SIZE)
		vram = PLAN_PAGE_SIZE;
	vram = plan_pow2ceil(vram);
	out[0].name = "vga.vram";
	out[0].bytes = ram;
	snprintf(out[0].why, sizeof(out[0].why),
		 "qxl ram_size_mb %llu (half the videoram) -> %llu MiB "
		 "(at least 2 x vgamem 16 MiB, power of two)",
		 (unsigned long long)half, (unsigned long long)(ram / MiB));
	out[1].name = "qxl.vram";
	out[1].bytes = vram;
	snprintf(out[1].why, sizeof(out[1].why),
		 "qxl vram_size_mb %llu (half the videoram) -> %llu KiB "
		 "(surface BAR, power of two)",
		 (unsigned long long)half, (unsigned long long)(vram / 1024));
	out[2].name = "qxl.vrom";
	out[2].bytes = 8192;
	snprintf(out[2].why, sizeof(out[2].why),
		 "QXL ROM BAR (modes table), 8 KiB");
	return 3;
}

static int plan_stdvga_arg(uint64_t mib, char *buf, size_t len)
{
	return snprintf(buf, len, "VGA,vgamem_mb=%llu",
			(unsigned long long)mib);
}

static int plan_cirrus_arg(uint64_t mib, char *buf, size_t len)
{
	return snprintf(buf, len, "cirrus-vga,vgamem_mb=%llu",
			(unsigned long long)mib);
}

static int plan_qxl_arg(uint64_t mib, char *buf, size_t len)
{
	return snprintf(buf, len, "qxl-vga,vram_size_mb=%llu,ram_size_mb=%llu",
			(unsigned long long)(mib / 2),
			(unsigned long long)(mib / 2));
}

/* VGA BIOS file names: the romfile of each class in hw/display/ (vga-pci.c,
 * cirrus_vga.c, qxl.c) of QEMU 7.2; the files come from package seabios. */
static const struct plan_vga_model plan_vga_models[] = {
    {PLAN_VGA_NONE, "none", NULL, NULL, 0, 0, 0, 0, NULL, NULL},
    {PLAN_VGA_STDVGA, "stdvga", "VGA", "vgabios-stdvga.bin", 16, 16, 8, 8,
     plan_stdvga_regions, plan_stdvga_arg},
    {PLAN_VGA_CIRRUS, "cirrus", "cirrus-vga", "vgabios-cirrus.bin", 8, 8, 4, 4,
     plan_cirrus_regions, plan_cirrus_arg},
    {PLAN_VGA_QXL, "qxl", "qxl-vga", "vgabios-qxl.bin", 128, 128, 0, 0,
     plan_qxl_regions, plan_qxl_arg},
};

static const struct plan_vga_model *plan_vga_model(enum plan_vga vga)
{
	size_t i;

	for (i = 0; i < sizeof(plan_vga_models) / sizeof(plan_vga_models[0]);
	     i++)
		if (plan_vga_models[i].vga == vga)
			return &plan_vga_models[i];
	return NULL;
}

static const struct plan_nic_model *plan_nic_model(const char *model)
{
	size_t i;

	if (!model)
		return NULL;
	for (i = 0; i < sizeof(plan_nic_models) / sizeof(plan_nic_models[0]);
	     i++)
		if (!strcmp(plan_nic_models[i].model, model))
			return &plan_nic_models[i];
	return NULL;
}

const char *plan_nic_device(const char *model)
{
	const struct plan_nic_model *m = plan_nic_model(model);

	return m ? m->device : NULL;
}

/*
 * Finds romfile the way QEMU does (qemu_find_file): a name with a '/' is a
 * path; otherwise each directory of the search path in order. (QEMU also
 * tries the bare name relative to its working directory first; the daemon
 * starts QEMU in "/", where no ROM file lies.)
 */
static int plan_rom_find(const char *romfile, const char *search, char *path_r,
			 size_t len, uint64_t *bytes_r, struct plan_error *err)
{
	struct stat st;
	const char *dir = search, *end;
	int r;

	if (strchr(romfile, '/')) {
		snprintf(path_r, len, "%s", romfile);
		r = stat(path_r, &st);
	} else {
		r = -1;
		while (dir && *dir) {
			end = strchr(dir, ':');
			if (!end)
				end = dir + strlen(dir);
			if (end > dir) {
				snprintf(path_r, len, "%.*s/%s",
					 (int)(end - dir), dir, romfile);
				r = stat(path_r, &st);
				if (r == 0 && S_ISREG(st.st_mode))
					break;
				r = -1;
			}
			dir = *end ? end + 1 : end;
		}
	}
	if (r != 0 || !S_ISREG(st.st_mode)) {
		if (strchr(romfile, '/'))
			plan_err(err, "ROM file %s not found", romfile);
		else
			plan_err(err, "ROM file %s not found in %s", romfile,
				 search);
		return PLAN_E_ROM;
	}
	if (st.st_size <= 0 || (uint64_t)st.st_size > PLAN_ROM_MAX) {
		plan_err(err, "ROM file %s is %s", path_r,
			 st.st_size <= 0 ? "empty" : "larger than 2 GiB");
		return PLAN_E_ROM;
	}
	*bytes_r = (uint64_t)st.st_size;
	return PLAN_OK;
}

int plan_firmware_path_from_help(const char *help, size_t len, char *buf,
				 size_t buflen)
{
	const char *end = help + len, *nl;
	size_t used = 0, n;

	if (buflen == 0)
		return PLAN_E_INVAL;
	buf[0] = '\0';
	while (help && help < end) {
		nl = memchr(help, '\n', (size_t)(end - help));
		if (!nl)
			nl = end;
		n = (size_t)(nl - help);
		while (n && (help[n - 1] == '\r' || help[n - 1] == ' '))
			n--;
		if (n && help[0] == '/' && !memchr(help, ':', n)) {
			if (used + (used ? 1 : 0) + n + 1 > buflen)
				return PLAN_E_INVAL;
			if (used)
				buf[used++] = ':';
			memcpy(buf + used, help, n);
			used += n;
			buf[used] = '\0';
		}
		help = nl + 1;
	}
	return used ? PLAN_OK : PLAN_E_INVAL;
}

static const char *plan_search_path(const char *firmware_path)
{
	return firmware_path ? firmware_path : PLAN_DEFAULT_FIRMWARE_PATH;
}

static struct plan_item *plan_add_item(struct plan *plan, const char *name,
				       enum plan_where where, uint64_t pages)
{
	struct plan_item *it;

	if (plan->nr_items >= PLAN_MAX_ITEMS)
		return NULL; /* bounded by PLAN_MAX_NICS: cannot happen */
	it = &plan->items[plan->nr_items++];
	snprintf(it->name, sizeof(it->name), "%s", name);
	it->where = where;
	it->pages = pages;
	it->why[0] = '\0';
	if (where == PLAN_IN_TARGET)
		plan->target_pages += pages;
	else
		plan->stubdom_pages += pages;
	return it;
}

static void plan_add_rule(struct plan *plan, enum plan_severity severity,
			  const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void plan_add_rule(struct plan *plan, enum plan_severity severity,
			  const char *code, const char *fmt, ...)
{
	struct plan_rule *rule;
	va_list ap;

	if (plan->nr_rules >= PLAN_MAX_RULES)
		return;
	rule = &plan->rules[plan->nr_rules++];
	rule->severity = severity;
	snprintf(rule->code, sizeof(rule->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(rule->message, sizeof(rule->message), fmt, ap);
	va_end(ap);
}

/* Adds the item of one ROM BAR loaded from romfile. */
static int plan_add_rom(struct plan *plan, const char *item, const char *owner,
			const char *romfile, const char *search,
			struct plan_error *err)
{
	char path[512];
	uint64_t bytes, pages;
	struct plan_item *it;
	int rc;

	rc = plan_rom_find(romfile, search, path, sizeof(path), &bytes, err);
	if (rc)
		return rc;
	pages = plan_rom_pages(bytes);
	it = plan_add_item(plan, item, PLAN_IN_TARGET, pages);
	if (it)
		plan_fmt(it->why, sizeof(it->why),
			 "%s ROM %s: %llu bytes -> ROM BAR %llu KiB "
			 "(next power of two)",
			 owner, path, (unsigned long long)bytes,
			 (unsigned long long)(pages * PLAN_PAGE_SIZE / 1024));
	return PLAN_OK;
}

int plan_nic_rom(const struct plan_nic *nic, const char *firmware_path,
		 char *path_r, size_t len, uint64_t *pages_r,
		 struct plan_error *err_r)
{
	const struct plan_nic_model *m = plan_nic_model(nic->model);
	const char *romfile;
	uint64_t bytes;
	int rc;

	if (!m) {
		plan_err(err_r, "unknown NIC model \"%s\"",
			 nic->model ? nic->model : "(none)");
		return PLAN_E_UNKNOWN_MODEL;
	}
	romfile = nic->romfile ? nic->romfile : m->romfile;
	if (!*romfile) {
		*pages_r = 0;
		if (len)
			*path_r = '\0';
		return PLAN_OK;
	}
	rc = plan_rom_find(romfile, plan_search_path(firmware_path), path_r,
			   len, &bytes, err_r);
	if (rc)
		return rc;
	*pages_r = plan_rom_pages(bytes);
	return PLAN_OK;
}

int plan_nic_pages(const struct plan_nic *nic, const char *firmware_path,
		   uint64_t *pages_r, struct plan_error *err_r)
{
	char path[512];

	return plan_nic_rom(nic, firmware_path, path, sizeof(path), pages_r,
			    err_r);
}

/* The videoram the request means, with its refusal if below the minimum. */
static uint64_t plan_videoram(const struct plan_request *req,
			      const struct plan_vga_model *m, struct plan *plan)
{
	bool trad = req->kind == PLAN_KIND_STUBDOM_MINIOS;
	uint64_t def = trad ? m->trad_default_mib : m->default_mib;
	uint64_t min = trad ? m->trad_min_mib : m->min_mib;
	uint64_t mib = req->videoram_mib ? req->videoram_mib : def;

	if (mib < min)
		plan_add_rule(plan, PLAN_REFUSAL, "videoram-below-minimum",
			      "videoram %llu MiB is below the %llu MiB that "
			      "%s needs",
			      (unsigned long long)mib, (unsigned long long)min,
			      m->name);
	return mib;
}

static int plan_vga_items(const struct plan_request *req, struct plan *plan,
			  struct plan_error *err)
{
	const struct plan_vga_model *m = plan_vga_model(req->vga);
	struct plan_region regions[PLAN_VGA_REGIONS];
	uint64_t mib, bytes = 0;
	struct plan_item *it;
	int n, i;

	if (!m) {
		plan_err(err, "unknown VGA model %d", (int)req->vga);
		return PLAN_E_UNKNOWN_MODEL;
	}
	if (!m->regions)
		return PLAN_OK;
	mib = plan_videoram(req, m, plan);
	if (req->kind == PLAN_KIND_STUBDOM_MINIOS) {
		/* qemu-traditional: the videoram as given, no ROM BAR (the
		 * VGA BIOS is part of hvmloader's ROMBIOS image). */
		if (req->vga == PLAN_VGA_QXL) {
			plan_err(err, "qxl is not available with "
				      "qemu-traditional (stubdom-minios)");
			return PLAN_E_UNSUPPORTED;
		}
		it = plan_add_item(plan, "vga.vram", PLAN_IN_TARGET,
				   mib * MiB / PLAN_PAGE_SIZE);
		if (it)
			snprintf(it->why, sizeof(it->why),
				 "qemu-traditional videoram %llu MiB",
				 (unsigned long long)mib);
		return PLAN_OK;
	}
	n = m->regions(mib, regions, err);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		it = plan_add_item(plan, regions[i].name, PLAN_IN_TARGET,
				   plan_bytes_to_pages(regions[i].bytes));
		if (it)
			snprintf(it->why, sizeof(it->why), "%s",
				 regions[i].why);
		if (strcmp(regions[i].name, "qxl.vrom"))
			bytes += regions[i].bytes;
	}
	if (bytes != mib * MiB)
		plan_add_rule(plan, PLAN_WARNING, "videoram-rounded",
			      "videoram %llu MiB becomes %llu MiB of video "
			      "memory in QEMU",
			      (unsigned long long)mib,
			      (unsigned long long)(bytes / MiB));
	return plan_add_rom(plan, "vga.rom", m->name, m->romfile,
			    plan_search_path(req->firmware_path), err);
}

static int plan_nic_items(const struct plan_request *req, struct plan *plan,
			  struct plan_error *err)
{
	const struct plan_nic_model *m;
	const char *romfile;
	char item[PLAN_NAME_MAX], owner[64];
	size_t i;
	int rc;

	if (req->nr_nics > PLAN_MAX_NICS) {
		plan_err(err, "%zu NICs: at most %d", req->nr_nics,
			 PLAN_MAX_NICS);
		return PLAN_E_INVAL;
	}
	for (i = 0; i < req->nr_nics; i++) {
		m = plan_nic_model(req->nics[i].model);
		if (!m) {
			plan_err(err, "NIC %zu: unknown model \"%s\"", i,
				 req->nics[i].model ? req->nics[i].model
						    : "(none)");
			return PLAN_E_UNKNOWN_MODEL;
		}
		/* qemu-traditional loads no NIC option ROM. */
		if (req->kind == PLAN_KIND_STUBDOM_MINIOS)
			continue;
		romfile =
		    req->nics[i].romfile ? req->nics[i].romfile : m->romfile;
		if (!*romfile)
			continue;
		snprintf(item, sizeof(item), "nic%zu.rom", i);
		snprintf(owner, sizeof(owner), "NIC %zu (%s)", i, m->model);
		rc = plan_add_rom(plan, item, owner, romfile,
				  plan_search_path(req->firmware_path), err);
		if (rc)
			return rc;
	}
	return PLAN_OK;
}

/* The stub domain's own memory, and the videoram libxl adds to it. */
static void plan_stubdom_items(const struct plan_request *req,
			       struct plan *plan)
{
	const struct plan_vga_model *m = plan_vga_model(req->vga);
	uint64_t own, video = 0;
	struct plan_item *it;

	if (req->kind == PLAN_KIND_DOM0)
		return;
	own = req->stubdom_mib			     ? req->stubdom_mib
	      : req->kind == PLAN_KIND_STUBDOM_LINUX ? PLAN_STUBDOM_LINUX_MIB
						     : PLAN_STUBDOM_MINIOS_MIB;
	it = plan_add_item(plan, "stubdom.memory", PLAN_IN_STUBDOM,
			   own * MiB / PLAN_PAGE_SIZE);
	if (it)
		snprintf(
		    it->why, sizeof(it->why), "%s stub domain: %llu MiB%s",
		    plan_kind_name(req->kind), (unsigned long long)own,
		    req->stubdom_mib ? " (configured)"
		    : req->kind == PLAN_KIND_STUBDOM_LINUX
			? " (default: what dmsup's Debian stub image needs; "
			  "at libxl's 128 MiB its kernel panics while "
			  "unpacking the initramfs)"
			: " (default)");
	if (m && m->regions) {
		if (req->videoram_mib)
			video = req->videoram_mib;
		else
			video = req->kind == PLAN_KIND_STUBDOM_MINIOS
				    ? m->trad_default_mib
				    : m->default_mib;
	}
	if (!video)
		return;
	it = plan_add_item(plan, "stubdom.videoram", PLAN_IN_STUBDOM,
			   video * MiB / PLAN_PAGE_SIZE);
	if (it)
		snprintf(it->why, sizeof(it->why),
			 "videoram %llu MiB on top of the stub domain's own "
			 "memory (libxl sizes stub domains so)",
			 (unsigned long long)video);
}

uint64_t plan_shadow_min_kib(unsigned vcpus, uint64_t maxmem_mib)
{
	return 4 * (256 * (uint64_t)vcpus + 2 * maxmem_mib);
}

/*
 * The Linux balloon limit. Measured: a Linux guest booted with init MiB
 * reached at most
 *     init  400   700   800  1024  1200  1300
 *     max  4300  7554  8635 11051 12954 14038
 * i.e. 10.75..10.80 x init, about 10.79. The six points are not on one
 * line: the slopes between neighbours range from 10.79 to 10.85 and the
 * intercept of any line through two of them misses the others by up to
 * 8 MiB, so no closed formula with integer rounding gives all six. The
 * rule therefore is the measurements themselves: linear interpolation
 * between neighbouring points (rounded down), and beyond either end the
 * ratio max/init of the nearest point (10.75 below 400 MiB, 14038/1300
 * = 10.798 above 1300 MiB), which keeps limit(0) = 0 and never strays
 * more than 0.4% from 10.79 x init. A new measurement is a new row.
 */
static const struct {
	uint64_t init_mib, max_mib;
} plan_balloon_points[] = {
    {400, 4300},   {700, 7554},	  {800, 8635},
    {1024, 11051}, {1200, 12954}, {1300, 14038},
};

uint64_t plan_balloon_limit_mib(uint64_t init_mib)
{
	const size_t n =
	    sizeof(plan_balloon_points) / sizeof(plan_balloon_points[0]);
	uint64_t x0, y0, x1, y1;
	size_t i;

	if (init_mib > PLAN_MEMORY_MAX_MIB)
		init_mib = PLAN_MEMORY_MAX_MIB;
	if (init_mib <= plan_balloon_points[0].init_mib)
		return init_mib * plan_balloon_points[0].max_mib /
		       plan_balloon_points[0].init_mib;
	if (init_mib >= plan_balloon_points[n - 1].init_mib)
		return init_mib * plan_balloon_points[n - 1].max_mib /
		       plan_balloon_points[n - 1].init_mib;
	for (i = 1; i < n - 1; i++)
		if (init_mib < plan_balloon_points[i].init_mib)
			break;
	x0 = plan_balloon_points[i - 1].init_mib;
	y0 = plan_balloon_points[i - 1].max_mib;
	x1 = plan_balloon_points[i].init_mib;
	y1 = plan_balloon_points[i].max_mib;
	return y0 + (init_mib - x0) * (y1 - y0) / (x1 - x0);
}

uint64_t plan_shortfall(uint64_t need, uint64_t max_pages, uint64_t tot_pages)
{
	uint64_t avail = max_pages > tot_pages ? max_pages - tot_pages : 0;

	return need > avail ? need - avail : 0;
}

static void plan_rules(const struct plan_request *req, struct plan *plan)
{
	unsigned vcpus = req->vcpus ? req->vcpus : 1;
	uint64_t maxmem = req->maxmem_mib ? req->maxmem_mib : req->memory_mib;
	uint64_t min = plan_shadow_min_kib(vcpus, maxmem);

	plan->shadow_kib = req->shadow_kib > min ? req->shadow_kib : min;
	if (req->shadow_kib && req->shadow_kib < min)
		plan_add_rule(plan, PLAN_WARNING, "shadow-raised",
			      "shadow memory %llu KiB is below the minimum "
			      "4 x (256 x %u vcpus + 2 x %llu MiB) = %llu KiB",
			      (unsigned long long)req->shadow_kib, vcpus,
			      (unsigned long long)maxmem,
			      (unsigned long long)min);
	plan->balloon_limit_mib = plan_balloon_limit_mib(req->memory_mib);
	if (maxmem > req->memory_mib && maxmem > plan->balloon_limit_mib)
		plan_add_rule(
		    plan, req->linux_guest ? PLAN_REFUSAL : PLAN_WARNING,
		    "balloon-unreachable",
		    "maxmem %llu MiB is unreachable: a Linux guest "
		    "booted with %llu MiB balloons to at most %llu MiB",
		    (unsigned long long)maxmem,
		    (unsigned long long)req->memory_mib,
		    (unsigned long long)plan->balloon_limit_mib);
	if (req->cmdline_len >= PLAN_CMDLINE_WARN_LEN)
		plan_add_rule(plan, PLAN_WARNING, "cmdline-long",
			      "kernel command line is %zu bytes; %d or more "
			      "may be cut short",
			      req->cmdline_len, PLAN_CMDLINE_WARN_LEN);
}

static int plan_check_request(const struct plan_request *req,
			      struct plan_error *err)
{
	if (req->kind != PLAN_KIND_DOM0 &&
	    req->kind != PLAN_KIND_STUBDOM_LINUX &&
	    req->kind != PLAN_KIND_STUBDOM_MINIOS) {
		plan_err(err, "unknown device model kind %d", (int)req->kind);
		return PLAN_E_INVAL;
	}
	if (req->memory_mib == 0 || req->memory_mib > PLAN_MEMORY_MAX_MIB ||
	    req->maxmem_mib > PLAN_MEMORY_MAX_MIB) {
		plan_err(err, "memory must be 1..%llu MiB",
			 (unsigned long long)PLAN_MEMORY_MAX_MIB);
		return PLAN_E_INVAL;
	}
	if (req->maxmem_mib && req->maxmem_mib < req->memory_mib) {
		plan_err(err, "maxmem %llu MiB is below memory %llu MiB",
			 (unsigned long long)req->maxmem_mib,
			 (unsigned long long)req->memory_mib);
		return PLAN_E_INVAL;
	}
	if (req->vcpus > PLAN_VCPUS_MAX) {
		plan_err(err, "%u vcpus: at most %d", req->vcpus,
			 PLAN_VCPUS_MAX);
		return PLAN_E_INVAL;
	}
	if (req->videoram_mib > PLAN_VIDEORAM_MAX_MIB ||
	    req->stubdom_mib > PLAN_MEMORY_MAX_MIB) {
		plan_err(err, "videoram or stub domain memory out of range");
		return PLAN_E_INVAL;
	}
	if (req->nr_nics && !req->nics) {
		plan_err(err, "%zu NICs but no list", req->nr_nics);
		return PLAN_E_INVAL;
	}
	return PLAN_OK;
}

int plan_compute(const struct plan_request *req, struct plan *plan_r,
		 struct plan_error *err_r)
{
	int rc;

	memset(plan_r, 0, sizeof(*plan_r));
	if (err_r)
		err_r->message[0] = '\0';
	rc = plan_check_request(req, err_r);
	if (rc)
		return rc;
	plan_r->kind = req->kind;
	/* QEMU creates the VGA before the NICs (the argv builder passes them
	 * in that order), so the items follow QEMU's allocation order. */
	rc = req->restore ? PLAN_OK : plan_vga_items(req, plan_r, err_r);
	if (rc)
		return rc;
	rc = req->restore ? PLAN_OK : plan_nic_items(req, plan_r, err_r);
	if (rc)
		return rc;
	plan_stubdom_items(req, plan_r);
	plan_rules(req, plan_r);
	return PLAN_OK;
}

bool plan_refused(const struct plan *plan)
{
	size_t i;

	for (i = 0; i < plan->nr_rules; i++)
		if (plan->rules[i].severity == PLAN_REFUSAL)
			return true;
	return false;
}

int plan_vga_device(const struct plan_request *req, char *buf, size_t len,
		    struct plan_error *err_r)
{
	const struct plan_vga_model *m = plan_vga_model(req->vga);
	uint64_t mib;
	int r;

	if (!m) {
		plan_err(err_r, "unknown VGA model %d", (int)req->vga);
		return PLAN_E_UNKNOWN_MODEL;
	}
	if (len == 0)
		return PLAN_E_INVAL;
	buf[0] = '\0';
	if (!m->device_arg)
		return PLAN_OK;
	mib = req->videoram_mib ? req->videoram_mib : m->default_mib;
	r = m->device_arg(mib, buf, len);
	if (r < 0 || (size_t)r >= len) {
		plan_err(err_r, "buffer too small for the VGA device");
		return PLAN_E_INVAL;
	}
	return PLAN_OK;
}

static const char *const plan_kind_names[] = {
    [PLAN_KIND_DOM0] = "dom0",
    [PLAN_KIND_STUBDOM_LINUX] = "stubdom-linux",
    [PLAN_KIND_STUBDOM_MINIOS] = "stubdom-minios",
};

const char *plan_kind_name(enum plan_kind kind)
{
	if ((unsigned)kind >= sizeof(plan_kind_names) / sizeof(char *))
		return "unknown";
	return plan_kind_names[kind];
}

bool plan_kind_parse(const char *s, enum plan_kind *kind_r)
{
	size_t i;

	for (i = 0; i < sizeof(plan_kind_names) / sizeof(char *); i++)
		if (s && !strcmp(s, plan_kind_names[i])) {
			*kind_r = (enum plan_kind)i;
			return true;
		}
	return false;
}

const char *plan_vga_name(enum plan_vga vga)
{
	const struct plan_vga_model *m = plan_vga_model(vga);

	return m ? m->name : "unknown";
}

bool plan_vga_parse(const char *s, enum plan_vga *vga_r)
{
	size_t i;

	for (i = 0; i < sizeof(plan_vga_models) / sizeof(plan_vga_models[0]);
	     i++)
		if (s && !strcmp(s, plan_vga_models[i].name)) {
			*vga_r = plan_vga_models[i].vga;
			return true;
		}
	return false;
}

const char *plan_where_name(enum plan_where where)
{
	return where == PLAN_IN_STUBDOM ? "stubdom" : "target";
}

const char *plan_severity_name(enum plan_severity severity)
{
	return severity == PLAN_REFUSAL ? "refusal" : "warning";
}
