/*
 * mkhvm-build: the hypervisor side of building an HVM domain the way libxl
 * does for type="hvm" with device_model_version="qemu-xen": create it with
 * HAP and the full set of emulated devices, set its limits and parameters,
 * then let libxenguest load hvmloader with SeaBIOS as a module. Written for
 * Xen 4.17's libxenctrl/libxenguest.
 */
#include "tests/xen/progs/mkhvm.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <xenguest.h>
#include <xen/hvm/e820.h>
#include <xen/hvm/hvm_info_table.h>
#include <xen/hvm/params.h>

/* Same headroom libxl adds on top of a domain's memory for its own pages. */
#define MKHVM_BUILD_MAXMEM_SLACK_KB 1024
/* The legacy VGA window (0xA0000-0xBFFFF) is the device model's to fill. */
#define MKHVM_BUILD_VGA_HOLE_PAGES 0x20
/* Event channels a guest may use; libxl's default. */
#define MKHVM_BUILD_MAX_EVTCHN_PORT 1023
/* Real-mode firmware area below which no RAM is put in the E820. */
#define MKHVM_BUILD_LOWMEM_START 0x100000ULL
#define MKHVM_BUILD_BIOS_MAX (16 << 20)

/* Shared with xcsave, which builds its domains here too. */
void mkhvm_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", program_invocation_short_name);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

static void mkhvm_build_uuid_format(struct mkhvm_dom *dom)
{
	const uint8_t *u = dom->handle;

	snprintf(dom->uuid, sizeof(dom->uuid),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
		 u[10], u[11], u[12], u[13], u[14], u[15]);
}

static int mkhvm_build_new_uuid(struct mkhvm_dom *dom)
{
	if (getrandom(dom->handle, sizeof(dom->handle), 0) !=
	    (ssize_t)sizeof(dom->handle)) {
		mkhvm_log("getrandom: %s", strerror(errno));
		return -1;
	}
	dom->handle[6] = (dom->handle[6] & 0x0f) | 0x40; /* version 4 */
	dom->handle[8] = (dom->handle[8] & 0x3f) | 0x80; /* RFC 4122 */
	mkhvm_build_uuid_format(dom);
	return 0;
}

/* Refuses early, with a clear message, on a host that cannot run HVM. */
static int mkhvm_build_grant_version(xc_interface *xch, uint32_t *grant_opts_r)
{
	xc_physinfo_t info = {0};

	if (xc_physinfo(xch, &info)) {
		mkhvm_log("xc_physinfo: %s", strerror(errno));
		return -1;
	}
	if (!(info.capabilities & XEN_SYSCTL_PHYSCAP_hvm) ||
	    !(info.capabilities & XEN_SYSCTL_PHYSCAP_hap)) {
		mkhvm_log("this host has no HVM with HAP (capabilities %#x)",
			  info.capabilities);
		return -1;
	}
	*grant_opts_r = XEN_DOMCTL_GRANT_version(
	    info.capabilities & XEN_SYSCTL_PHYSCAP_gnttab_v2 ? 2 : 1);
	return 0;
}

int mkhvm_build_create(xc_interface *xch, const struct mkhvm_cfg *cfg,
		       struct mkhvm_dom *dom)
{
	struct xen_domctl_createdomain create = {
	    .flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap,
	    .max_vcpus = (uint32_t)cfg->vcpus,
	    .max_evtchn_port = MKHVM_BUILD_MAX_EVTCHN_PORT,
	    .max_grant_frames = -1,    /* the hypervisor's default */
	    .max_maptrack_frames = -1, /* likewise */
	    /* A full HVM guest: every emulated device but vPCI. */
	    .arch.emulation_flags = XEN_X86_EMU_ALL & ~XEN_X86_EMU_VPCI,
	};
	/* DOMID_INVALID lets Xen pick. */
	uint32_t domid = cfg->domid ? (uint32_t)cfg->domid : DOMID_INVALID;

	if (mkhvm_build_grant_version(xch, &create.grant_opts) ||
	    mkhvm_build_new_uuid(dom))
		return -1;
	memcpy(create.handle, dom->handle, sizeof(create.handle));
	if (xc_domain_create(xch, &domid, &create)) {
		mkhvm_log("xc_domain_create: %s", strerror(errno));
		return -1;
	}
	dom->domid = domid;
	return 0;
}

static uint32_t mkhvm_build_tool_domid(struct xs_handle *xs, const char *path)
{
	char *val = xs_read(xs, XBT_NULL, path, NULL);
	unsigned long id = 0;

	/* Absent means the service runs in dom0, as libxl assumes too. */
	if (val && (id = strtoul(val, NULL, 10)) >= DOMID_FIRST_RESERVED)
		id = 0;
	free(val);
	return (uint32_t)id;
}

static const struct {
	uint32_t param;
	uint64_t value;
	const char *name;
} mkhvm_build_params[] = {
    {HVM_PARAM_HPET_ENABLED, 1, "HPET_ENABLED"},
    {HVM_PARAM_VPT_ALIGN, 1, "VPT_ALIGN"},
    {HVM_PARAM_TIMER_MODE, HVMPTM_no_delay_for_missed_ticks, "TIMER_MODE"},
    {HVM_PARAM_ALTP2M, 0, "ALTP2M"},
};

/* Paging pool: the rule libxl and dmsup's planner use, in KiB. */
static uint64_t mkhvm_build_paging_pool_kb(const struct mkhvm_cfg *cfg)
{
	return 4 * (256 * cfg->vcpus + 2 * cfg->memory_mib);
}

int mkhvm_build_pre(xc_interface *xch, struct xs_handle *xs,
		    const struct mkhvm_cfg *cfg, struct mkhvm_dom *dom)
{
	uint32_t d = dom->domid;
	int r;

	if (xc_domain_max_vcpus(xch, d, (unsigned int)cfg->vcpus) ||
	    xc_domain_setmaxmem(
		xch, d, cfg->memory_mib * 1024 + MKHVM_BUILD_MAXMEM_SLACK_KB)) {
		mkhvm_log("setting vcpus/maxmem: %s", strerror(errno));
		return -1;
	}
	dom->store_domid = mkhvm_build_tool_domid(xs, "/tool/xenstored/domid");
	dom->console_domid =
	    mkhvm_build_tool_domid(xs, "/tool/xenconsoled/domid");
	r = xc_evtchn_alloc_unbound(xch, d, dom->store_domid);
	if (r < 0)
		goto evtchn_fail;
	dom->store_port = (uint32_t)r;
	r = xc_evtchn_alloc_unbound(xch, d, dom->console_domid);
	if (r < 0)
		goto evtchn_fail;
	dom->console_port = (uint32_t)r;

	for (size_t i = 0;
	     i < sizeof(mkhvm_build_params) / sizeof(*mkhvm_build_params);
	     i++) {
		if (xc_hvm_param_set(xch, d, mkhvm_build_params[i].param,
				     mkhvm_build_params[i].value)) {
			mkhvm_log("setting HVM_PARAM_%s: %s",
				  mkhvm_build_params[i].name, strerror(errno));
			return -1;
		}
	}
	if (xc_domain_set_tsc_info(xch, d, 0 /* default mode */, 0, 0, 0) ||
	    xc_set_paging_mempool_size(xch, d,
				       mkhvm_build_paging_pool_kb(cfg) << 10)) {
		mkhvm_log("setting TSC mode / paging pool: %s",
			  strerror(errno));
		return -1;
	}
	/* A restore's stream carries the saved guest's CPUID policy. */
	if (cfg->restore)
		return 0;
	/* Default CPUID policy with PAE, as libxl applies for a new guest. */
	r = xc_cpuid_apply_policy(xch, d, false, NULL, 0, true, false, false,
				  NULL, NULL);
	if (r) {
		mkhvm_log("xc_cpuid_apply_policy: %s", strerror(-r));
		return -1;
	}
	return 0;
evtchn_fail:
	mkhvm_log("xc_evtchn_alloc_unbound: %s", strerror(errno));
	return -1;
}

/*
 * Lays the guest's RAM out as libxl does: below the 4 GiB MMIO hole, and
 * what does not fit there above 4 GiB.
 */
static void mkhvm_build_layout(struct xc_dom_image *img, uint64_t ram_bytes)
{
	uint64_t mmio_start;

	img->mmio_size = HVM_BELOW_4G_MMIO_LENGTH;
	mmio_start = (1ULL << 32) - img->mmio_size;
	img->mmio_start = mmio_start;
	img->lowmem_end = ram_bytes;
	img->highmem_end = 0;
	if (ram_bytes > mmio_start) {
		img->lowmem_end = mmio_start;
		img->highmem_end = (1ULL << 32) + (ram_bytes - mmio_start);
	}
	img->target_pages = ram_bytes >> XC_PAGE_SHIFT;
	img->vga_hole_size = MKHVM_BUILD_VGA_HOLE_PAGES;
}

/* The guest E820 that hvmloader starts from, also given to Xen. */
static int mkhvm_build_memmap(xc_interface *xch, struct xc_dom_image *img,
			      uint32_t domid)
{
	struct e820entry *e820 = xc_dom_malloc(img, 2 * sizeof(*e820));
	unsigned int n = 0;

	if (!e820)
		return -1;
	e820[n].addr = MKHVM_BUILD_LOWMEM_START;
	e820[n].size = img->lowmem_end - MKHVM_BUILD_LOWMEM_START;
	e820[n++].type = E820_RAM;
	if (img->highmem_end) {
		e820[n].addr = 1ULL << 32;
		e820[n].size = img->highmem_end - (1ULL << 32);
		e820[n++].type = E820_RAM;
	}
	if (xc_domain_set_memory_map(xch, domid, e820, n)) {
		mkhvm_log("xc_domain_set_memory_map: %s", strerror(errno));
		return -1;
	}
	img->e820 = e820;
	img->e820_entries = n;
	return 0;
}

/* libxenguest's table says one vCPU; hvmloader needs the real count. */
static int mkhvm_build_hvm_info(xc_interface *xch, const struct mkhvm_cfg *cfg,
				uint32_t domid)
{
	struct hvm_info_table *info;
	uint8_t *page, sum = 0;

	page = xc_map_foreign_range(xch, domid, XC_PAGE_SIZE,
				    PROT_READ | PROT_WRITE, HVM_INFO_PFN);
	if (!page) {
		mkhvm_log("mapping the HVM info page: %s", strerror(errno));
		return -1;
	}
	info = (struct hvm_info_table *)(page + HVM_INFO_OFFSET);
	info->apic_mode = 1;
	info->nr_vcpus = (uint32_t)cfg->vcpus;
	memset(info->vcpu_online, 0, sizeof(info->vcpu_online));
	for (unsigned long i = 0; i < cfg->vcpus; i++)
		info->vcpu_online[i / 8] |= (uint8_t)(1u << (i % 8));
	info->checksum = 0;
	for (uint32_t i = 0; i < info->length; i++)
		sum += ((uint8_t *)info)[i];
	info->checksum = (uint8_t)-sum;
	munmap(page, XC_PAGE_SIZE);
	return 0;
}

static int mkhvm_build_load_firmware(struct xc_dom_image *img,
				     const struct mkhvm_cfg *cfg)
{
	size_t len = 0;
	void *bios;

	if (xc_dom_kernel_file(img, cfg->hvmloader)) {
		mkhvm_log("cannot load %s", cfg->hvmloader);
		return -1;
	}
	bios = xc_dom_malloc_filemap(img, cfg->bios_path, &len,
				     MKHVM_BUILD_BIOS_MAX);
	if (!bios || !len) {
		mkhvm_log("cannot load %s", cfg->bios_path);
		return -1;
	}
	img->system_firmware_module.data = bios;
	img->system_firmware_module.length = (uint32_t)len;
	return 0;
}

/* Each libxenguest step in order; the name is for the error message. */
static int mkhvm_build_steps(xc_interface *xch, struct xc_dom_image *img,
			     uint32_t domid, unsigned int ram_mib)
{
	const char *step;

	step = "xc_dom_boot_xen_init";
	if (xc_dom_boot_xen_init(img, xch, domid))
		goto fail;
	step = "xc_dom_parse_image";
	if (xc_dom_parse_image(img))
		goto fail;
	step = "xc_dom_mem_init";
	if (xc_dom_mem_init(img, ram_mib))
		goto fail;
	step = "xc_dom_boot_mem_init";
	if (xc_dom_boot_mem_init(img))
		goto fail;
	step = "memory map";
	if (mkhvm_build_memmap(xch, img, domid))
		goto fail;
	step = "xc_dom_build_image";
	if (xc_dom_build_image(img))
		goto fail;
	step = "xc_dom_boot_image";
	if (xc_dom_boot_image(img))
		goto fail;
	step = "xc_dom_gnttab_init";
	if (xc_dom_gnttab_init(img))
		goto fail;
	return 0;
fail:
	mkhvm_log("%s failed (errno: %s)", step, strerror(errno));
	return -1;
}

int mkhvm_build_hvm(xc_interface *xch, const struct mkhvm_cfg *cfg,
		    struct mkhvm_dom *dom)
{
	unsigned int ram_mib =
	    (unsigned int)(cfg->memory_mib - cfg->videoram_mib);
	struct xc_dom_image *img;
	int rc = -1;

	img = xc_dom_allocate(xch, NULL, NULL);
	if (!img) {
		mkhvm_log("xc_dom_allocate: %s", strerror(errno));
		return -1;
	}
	img->container_type = XC_DOM_HVM_CONTAINER;
	if (mkhvm_build_load_firmware(img, cfg))
		goto out;
	mkhvm_build_layout(img, (uint64_t)ram_mib << 20);
	/* The device model's ioreq pages are set up, though none runs yet. */
	img->device_model = true;
	img->max_vcpus = (unsigned int)cfg->vcpus;
	img->console_evtchn = dom->console_port;
	img->console_domid = dom->console_domid;
	img->xenstore_evtchn = dom->store_port;
	img->xenstore_domid = dom->store_domid;

	if (mkhvm_build_steps(xch, img, dom->domid, ram_mib) ||
	    mkhvm_build_hvm_info(xch, cfg, dom->domid))
		goto out;
	dom->store_pfn = img->xenstore_pfn;
	dom->console_pfn = img->console_pfn;
	rc = 0;
out:
	xc_dom_release(img);
	return rc;
}

bool mkhvm_build_exists(xc_interface *xch, uint32_t domid)
{
	xc_domaininfo_t info;

	return xc_domain_getinfolist(xch, domid, 1, &info) == 1 &&
	       info.domain == domid;
}
