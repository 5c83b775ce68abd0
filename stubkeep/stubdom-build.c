/*
 * stubdom-build: a stub domain built the way libxl builds one for a
 * device model (Xen 4.17 libxl_dm.c, libxl__spawn_stub_dm), from
 * libxenctrl + libxenguest + libxenstore only:
 *   1. create a PV domain (1 vCPU, memory_mib), its xenstore and console
 *      event channels;
 *   2. libxenguest loads kernel + initramfs + command line;
 *   3. xenstore: the stub's home (with the console nodes, for xenconsoled
 *      or for the caller), its /vm entry, the target link both ways, and
 *      the kind's setup: Linux dm-argv + the stub's device-model
 *      directory; MiniOS stubdom-proto's layout (dmargs, dom0's
 *      device-model directory);
 *   4. Xen and xenstored learn that the stub may act on its target
 *      (xc_domain_set_target, xs_set_target);
 *   5. introduce it to xenstored and unpause it.
 * Every failure is reported with the target, the stub and the step.
 */
#include "stubkeep/stubdom-build.h"

#include <errno.h>
#include <event2/event.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <xenguest.h>

#include "stubdom-proto/xs.h"

/* Headroom libxl adds to a domain's memory for its own pages. */
#define STUBDOM_BUILD_MAXMEM_SLACK_KB 1024
#define STUBDOM_BUILD_MAX_EVTCHN_PORT 1023
#define STUBDOM_BUILD_CONSOLE_LIMIT 1048576
#define STUBDOM_BUILD_XS_RETRIES 20
#define STUBDOM_BUILD_POLL_MS 50

/* One build in progress; the step names what failed. */
struct stubdom_build {
	xc_interface *xch;
	struct xs_handle *xs;
	const struct stubdom_build_cfg *cfg;
	struct stubdom_build_err *err;
	uint32_t stub;
	uint8_t handle[16];
	char uuid[37];
	char name[128];
	char target_vm[64];
	uint32_t store_port, console_port;
	uint64_t store_mfn, console_mfn, console_gfn;
};

static void stubdom_build_fail(struct stubdom_build *b, const char *step,
			       const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void stubdom_build_fail(struct stubdom_build *b, const char *step,
			       const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (b->stub == DOMID_INVALID)
		snprintf(b->err->msg, sizeof(b->err->msg),
			 "stub domain for target %u: %s: %s", b->cfg->target,
			 step, why);
	else
		snprintf(b->err->msg, sizeof(b->err->msg),
			 "stub domain %u for target %u: %s: %s", b->stub,
			 b->cfg->target, step, why);
}

static bool stubdom_build_domain_exists(xc_interface *xch, uint32_t domid,
					xc_domaininfo_t *info_r)
{
	xc_domaininfo_t info;

	if (xc_domain_getinfolist(xch, domid, 1, &info) != 1 ||
	    info.domain != domid)
		return false;
	if (info_r)
		*info_r = info;
	return true;
}

/* The target must be a live HVM domain with a /vm path and a name. */
static int stubdom_build_check_target(struct stubdom_build *b)
{
	const struct stubdom_build_cfg *cfg = b->cfg;
	xc_domaininfo_t info;
	char path[64], *vm, *name;
	int rc = -1;

	if (!stubdom_build_domain_exists(b->xch, cfg->target, &info) ||
	    !(info.flags & XEN_DOMINF_hvm_guest)) {
		stubdom_build_fail(b, "checking the target", "no HVM domain %u",
				   cfg->target);
		return -1;
	}
	snprintf(path, sizeof(path), "/local/domain/%u/vm", cfg->target);
	vm = xs_read(b->xs, XBT_NULL, path, NULL);
	snprintf(path, sizeof(path), "/local/domain/%u/name", cfg->target);
	name = xs_read(b->xs, XBT_NULL, path, NULL);
	if (!vm || strncmp(vm, "/vm/", 4) || !vm[4] || strchr(vm + 4, '/') ||
	    strlen(vm) >= sizeof(b->target_vm)) {
		stubdom_build_fail(b, "checking the target",
				   "/local/domain/%u/vm is missing or invalid",
				   cfg->target);
		goto out;
	}
	strcpy(b->target_vm, vm);
	if (cfg->name)
		snprintf(b->name, sizeof(b->name), "%s", cfg->name);
	else if (name)
		snprintf(b->name, sizeof(b->name), "%s-dm", name);
	else
		snprintf(b->name, sizeof(b->name), "dom%u-dm", cfg->target);
	rc = 0;
out:
	free(vm);
	free(name);
	return rc;
}

static int stubdom_build_check_cfg(struct stubdom_build *b)
{
	const struct stubdom_build_cfg *cfg = b->cfg;

	if (cfg->kind != STUBDOM_LINUX && cfg->kind != STUBDOM_MINIOS) {
		stubdom_build_fail(b, "checking the configuration",
				   "unknown stub-domain kind %d",
				   (int)cfg->kind);
		return -1;
	}
	if (!cfg->kernel || !cfg->memory_mib || cfg->memory_mib > 1024 * 1024) {
		stubdom_build_fail(
		    b, "checking the configuration",
		    "kernel and 1..1048576 MiB of memory needed");
		return -1;
	}
	/* Before anything is created: the common mistake, said plainly. */
	if (access(cfg->kernel, R_OK) ||
	    (cfg->ramdisk && access(cfg->ramdisk, R_OK))) {
		const char *f =
		    access(cfg->kernel, R_OK) ? cfg->kernel : cfg->ramdisk;

		stubdom_build_fail(b, "checking the configuration", "%s: %s", f,
				   strerror(errno));
		return -1;
	}
	if (!cfg->dm_argc || cfg->dm_argc > STUBDOM_BUILD_MAX_ARGS) {
		stubdom_build_fail(b, "checking the configuration",
				   "%zu device-model arguments (1..%d)",
				   cfg->dm_argc, STUBDOM_BUILD_MAX_ARGS);
		return -1;
	}
	for (size_t i = 0; i < cfg->dm_argc; i++) {
		if (!cfg->dm_argv[i] ||
		    strlen(cfg->dm_argv[i]) > STUBDOM_BUILD_MAX_ARG_LEN) {
			stubdom_build_fail(b, "checking the configuration",
					   "device-model argument %zu is "
					   "missing or longer than %d bytes",
					   i + 1, STUBDOM_BUILD_MAX_ARG_LEN);
			return -1;
		}
		/* stubdom_setup_write refuses it too, but only once the
		 * domain exists; this costs nothing. */
		if (cfg->kind == STUBDOM_MINIOS &&
		    (!*cfg->dm_argv[i] || strchr(cfg->dm_argv[i], ' '))) {
			stubdom_build_fail(b, "checking the configuration",
					   "device-model argument %zu (\"%s\") "
					   "is empty or holds a space: "
					   "space-separated dmargs cannot "
					   "carry it",
					   i + 1, cfg->dm_argv[i]);
			return -1;
		}
	}
	return 0;
}

static int stubdom_build_new_uuid(struct stubdom_build *b)
{
	const uint8_t *u = b->handle;

	if (getrandom(b->handle, sizeof(b->handle), 0) !=
	    (ssize_t)sizeof(b->handle)) {
		stubdom_build_fail(b, "making a uuid", "getrandom: %s",
				   strerror(errno));
		return -1;
	}
	b->handle[6] = (b->handle[6] & 0x0f) | 0x40; /* version 4 */
	b->handle[8] = (b->handle[8] & 0x3f) | 0x80; /* RFC 4122 */
	snprintf(b->uuid, sizeof(b->uuid),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
		 u[10], u[11], u[12], u[13], u[14], u[15]);
	return 0;
}

/* A PV domain with one vCPU, its limits, and its two event channels. */
static int stubdom_build_create(struct stubdom_build *b)
{
	struct xen_domctl_createdomain create = {
	    .max_vcpus = 1,
	    .max_evtchn_port = STUBDOM_BUILD_MAX_EVTCHN_PORT,
	    .max_grant_frames = -1,    /* the hypervisor's default */
	    .max_maptrack_frames = -1, /* likewise */
	    .grant_opts = XEN_DOMCTL_GRANT_version(1),
	};
	uint64_t maxmem_kb =
	    b->cfg->memory_mib * 1024 + STUBDOM_BUILD_MAXMEM_SLACK_KB;
	uint32_t domid = DOMID_INVALID;
	int r;

	if (stubdom_build_new_uuid(b))
		return -1;
	memcpy(create.handle, b->handle, sizeof(create.handle));
	if (xc_domain_create(b->xch, &domid, &create)) {
		stubdom_build_fail(b, "xc_domain_create", "%s",
				   strerror(errno));
		return -1;
	}
	b->stub = domid;
	if (xc_domain_max_vcpus(b->xch, domid, 1) ||
	    xc_domain_setmaxmem(b->xch, domid, maxmem_kb) ||
	    xc_domain_set_memmap_limit(b->xch, domid, maxmem_kb) ||
	    xc_domain_set_tsc_info(b->xch, domid, 0, 0, 0, 0)) {
		stubdom_build_fail(b, "setting vCPUs, memory limit and TSC",
				   "%s", strerror(errno));
		return -1;
	}
	r = xc_cpuid_apply_policy(b->xch, domid, false, NULL, 0, true, false,
				  false, NULL, NULL);
	if (r) {
		stubdom_build_fail(b, "xc_cpuid_apply_policy", "%s",
				   strerror(-r));
		return -1;
	}
	/* xenstored and xenconsoled run in dom0 here. */
	r = xc_evtchn_alloc_unbound(b->xch, domid, 0);
	if (r >= 0) {
		b->store_port = (uint32_t)r;
		r = xc_evtchn_alloc_unbound(b->xch, domid, 0);
		b->console_port = (uint32_t)r;
	}
	if (r < 0) {
		stubdom_build_fail(b, "xc_evtchn_alloc_unbound", "%s",
				   strerror(errno));
		return -1;
	}
	return 0;
}

/* libxenguest's steps after xc_dom_boot_xen_init, in order. */
static const struct {
	const char *name;
	int (*fn)(struct xc_dom_image *img);
} stubdom_build_steps[] = {
    {"xc_dom_parse_image (kernel)", xc_dom_parse_image},
    {"xc_dom_mem_init", NULL}, /* takes the size: called below */
    {"xc_dom_boot_mem_init", xc_dom_boot_mem_init},
    {"xc_dom_build_image", xc_dom_build_image},
    {"xc_dom_boot_image", xc_dom_boot_image},
    {"xc_dom_gnttab_init", xc_dom_gnttab_init},
};

static int stubdom_build_image_steps(struct stubdom_build *b,
				     struct xc_dom_image *img)
{
	const char *step = "xc_dom_boot_xen_init";
	int r = xc_dom_boot_xen_init(img, b->xch, b->stub);

	for (size_t i = 0; !r && i < sizeof(stubdom_build_steps) /
					 sizeof(*stubdom_build_steps);
	     i++) {
		step = stubdom_build_steps[i].name;
		r = stubdom_build_steps[i].fn
			? stubdom_build_steps[i].fn(img)
			: xc_dom_mem_init(img,
					  (unsigned int)b->cfg->memory_mib);
	}
	if (!r)
		return 0;
	stubdom_build_fail(b, step, "%s (kernel %s, ramdisk %s)",
			   errno ? strerror(errno) : "failed", b->cfg->kernel,
			   b->cfg->ramdisk ? b->cfg->ramdisk : "none");
	return -1;
}

static int stubdom_build_image(struct stubdom_build *b)
{
	const struct stubdom_build_cfg *cfg = b->cfg;
	struct xc_dom_image *img;
	int rc = -1;

	img = xc_dom_allocate(b->xch, cfg->cmdline ? cfg->cmdline : "", NULL);
	if (!img) {
		stubdom_build_fail(b, "xc_dom_allocate", "%s", strerror(errno));
		return -1;
	}
	if (xc_dom_kernel_file(img, cfg->kernel)) {
		stubdom_build_fail(b, "loading the kernel", "cannot load %s",
				   cfg->kernel);
		goto out;
	}
	if (cfg->ramdisk && xc_dom_module_file(img, cfg->ramdisk, NULL)) {
		stubdom_build_fail(b, "loading the initramfs", "cannot load %s",
				   cfg->ramdisk);
		goto out;
	}
	img->container_type = XC_DOM_PV_CONTAINER;
	img->max_vcpus = 1;
	img->console_evtchn = b->console_port;
	img->console_domid = 0;
	img->xenstore_evtchn = b->store_port;
	img->xenstore_domid = 0;
	if (stubdom_build_image_steps(b, img))
		goto out;
	/* A PV domain's rings are named by machine frame. */
	b->store_mfn = xc_dom_p2m(img, img->xenstore_pfn);
	b->console_mfn = xc_dom_p2m(img, img->console_pfn);
	b->console_gfn = img->console_pfn;
	rc = 0;
out:
	xc_dom_release(img);
	return rc;
}

/* --- xenstore ----------------------------------------------------------- */

enum stubdom_build_perm {
	STUBDOM_PERM_RO,  /* dom0 owns it, the domain may read */
	STUBDOM_PERM_RW,  /* the domain owns it */
	STUBDOM_PERM_DM,  /* the stub owns it, the target may read */
	STUBDOM_PERM_ARG, /* dom0 owns it, the stub may read */
};

struct stubdom_build_xs {
	struct stubdom_build *b;
	xs_transaction_t t;
	bool failed; /* sticky: the first error is kept, the rest skipped */
};

static void stubdom_build_xs_fail(struct stubdom_build_xs *x, const char *op,
				  const char *path)
{
	if (!x->failed)
		stubdom_build_fail(x->b, "writing xenstore", "%s %s: %s", op,
				   path, strerror(errno));
	x->failed = true;
}

static void stubdom_build_xs_mkdir(struct stubdom_build_xs *x, const char *path,
				   enum stubdom_build_perm perm)
{
	uint32_t stub = x->b->stub, target = x->b->cfg->target;
	struct xs_permissions p[2] = {
	    {.id = 0, .perms = XS_PERM_NONE},
	    {.id = stub, .perms = XS_PERM_READ},
	};

	if (perm == STUBDOM_PERM_RW)
		p[0].id = stub;
	if (perm == STUBDOM_PERM_DM) {
		p[0].id = stub;
		p[1].id = target;
	}
	if (x->failed)
		return;
	if (!xs_mkdir(x->b->xs, x->t, path) ||
	    !xs_set_permissions(x->b->xs, x->t, path, p,
				perm == STUBDOM_PERM_RW ? 1 : 2))
		stubdom_build_xs_fail(x, "mkdir", path);
}

static void stubdom_build_xs_write(struct stubdom_build_xs *x, const char *dir,
				   const char *rel, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Writes dir/rel = the formatted value. */
static void stubdom_build_xs_write(struct stubdom_build_xs *x, const char *dir,
				   const char *rel, const char *fmt, ...)
{
	char path[256], val[STUBDOM_BUILD_MAX_ARG_LEN + 1];
	va_list ap;

	if (x->failed)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (!xs_write(x->b->xs, x->t, path, val, strlen(val)))
		stubdom_build_xs_fail(x, "write", path);
}

/* The stub's home and /vm entry, as libxl makes them for a PV domain. */
static void stubdom_build_xs_home(struct stubdom_build_xs *x)
{
	static const struct {
		const char *rel;
		enum stubdom_build_perm perm;
	} dirs[] = {
	    {"", STUBDOM_PERM_RO},
	    {"cpu", STUBDOM_PERM_RO},
	    {"memory", STUBDOM_PERM_RO},
	    {"device", STUBDOM_PERM_RO},
	    {"control", STUBDOM_PERM_RO},
	    {"data", STUBDOM_PERM_RW},
	    {"console", STUBDOM_PERM_RO},
	    {"device-model", STUBDOM_PERM_RO},
	    /* What a Linux PV kernel writes about itself at boot. */
	    {"control/shutdown", STUBDOM_PERM_RW},
	    {"control/feature-poweroff", STUBDOM_PERM_RW},
	    {"control/feature-reboot", STUBDOM_PERM_RW},
	    {"control/feature-suspend", STUBDOM_PERM_RW},
	    {"control/sysrq", STUBDOM_PERM_RW},
	    {"feature", STUBDOM_PERM_RW},
	    {"drivers", STUBDOM_PERM_RW},
	};
	struct stubdom_build *b = x->b;
	char home[64], vm[64], path[128];

	snprintf(home, sizeof(home), "/local/domain/%u", b->stub);
	snprintf(vm, sizeof(vm), "/vm/%s", b->uuid);
	/* Whatever an earlier domain with this id left behind goes first. */
	xs_rm(b->xs, x->t, home);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
		snprintf(path, sizeof(path), "%s%s%s", home,
			 *dirs[i].rel ? "/" : "", dirs[i].rel);
		stubdom_build_xs_mkdir(x, path, dirs[i].perm);
	}
	stubdom_build_xs_mkdir(x, vm, STUBDOM_PERM_RO);
	stubdom_build_xs_write(x, vm, "uuid", "%s", b->uuid);
	stubdom_build_xs_write(x, vm, "name", "%s", b->name);
	stubdom_build_xs_write(x, home, "vm", "%s", vm);
	stubdom_build_xs_write(x, home, "name", "%s", b->name);
	stubdom_build_xs_write(x, home, "domid", "%u", b->stub);
	stubdom_build_xs_write(x, home, "cpu/0/availability", "online");
	stubdom_build_xs_write(x, home, "memory/static-max", "%lu",
			       b->cfg->memory_mib * 1024);
	stubdom_build_xs_write(x, home, "memory/target", "%lu",
			       b->cfg->memory_mib * 1024);
	stubdom_build_xs_write(x, home, "store/port", "%u", b->store_port);
	stubdom_build_xs_write(x, home, "store/ring-ref", "%llu",
			       (unsigned long long)b->store_mfn);
	/*
	 * Console 0: served by xenconsoled (its log: guest-<name>.log), or
	 * by the caller. xenconsoled attaches only to a console whose type
	 * is absent or "xenconsoled" (Xen 4.17 tools/console/daemon/io.c).
	 */
	stubdom_build_xs_write(x, home, "console/port", "%u", b->console_port);
	stubdom_build_xs_write(x, home, "console/ring-ref", "%llu",
			       (unsigned long long)b->console_mfn);
	stubdom_build_xs_write(x, home, "console/limit", "%d",
			       STUBDOM_BUILD_CONSOLE_LIMIT);
	if (b->cfg->own_console) {
		stubdom_build_xs_write(x, home, "console/type", "dmsup");
	} else {
		stubdom_build_xs_write(x, home, "console/type", "xenconsoled");
		stubdom_build_xs_write(x, home, "console/output", "pty");
	}
}

/*
 * The device-model link, and the Linux kind's setup. The Linux stub's
 * device-model directory stays owned by the stub, unlike stubdom-proto's
 * layout (dom0 owns it there): QEMU and the vchan bridge in the stub
 * create their nodes in it.
 */
static void stubdom_build_xs_setup(struct stubdom_build_xs *x)
{
	struct stubdom_build *b = x->b;
	const struct stubdom_build_cfg *cfg = b->cfg;
	char home[64], thome[64], path[128], key[24];

	snprintf(home, sizeof(home), "/local/domain/%u", b->stub);
	snprintf(thome, sizeof(thome), "/local/domain/%u", cfg->target);
	stubdom_build_xs_write(x, thome, "image/device-model-domid", "%u",
			       b->stub);
	if (cfg->kind != STUBDOM_LINUX)
		return; /* stubdom_build_minios_setup writes the rest */
	stubdom_build_xs_write(x, home, "target", "%u", cfg->target);
	/* QEMU in the stub writes its state here (relative to its home). */
	snprintf(path, sizeof(path), "%s/device-model/%u", home, cfg->target);
	stubdom_build_xs_mkdir(x, path, STUBDOM_PERM_DM);
	if (cfg->bios)
		stubdom_build_xs_write(x, thome, "hvmloader/bios", "%s",
				       cfg->bios);
	snprintf(path, sizeof(path), "%s/image/dm-argv", b->target_vm);
	xs_rm(b->xs, x->t, path);
	stubdom_build_xs_mkdir(x, path, STUBDOM_PERM_ARG);
	for (size_t i = 0; i < cfg->dm_argc; i++) {
		snprintf(key, sizeof(key), "%03zu", i + 1);
		stubdom_build_xs_write(x, path, key, "%s", cfg->dm_argv[i]);
	}
}

/* Runs fill() in a transaction, again while xenstored says EAGAIN. */
static int stubdom_build_xs_transact(struct stubdom_build *b,
				     void (*fill)(struct stubdom_build_xs *))
{
	for (int i = 0; i < STUBDOM_BUILD_XS_RETRIES; i++) {
		struct stubdom_build_xs x = {.b = b};

		x.t = xs_transaction_start(b->xs);
		if (x.t == XBT_NULL) {
			stubdom_build_fail(b, "xs_transaction_start", "%s",
					   strerror(errno));
			return -1;
		}
		fill(&x);
		if (x.failed) {
			xs_transaction_end(b->xs, x.t, true);
			return -1;
		}
		if (xs_transaction_end(b->xs, x.t, false))
			return 0;
		if (errno != EAGAIN) {
			stubdom_build_fail(b, "xs_transaction_end", "%s",
					   strerror(errno));
			return -1;
		}
	}
	stubdom_build_fail(b, "writing xenstore",
			   "the transaction kept conflicting");
	return -1;
}

/*
 * The MiniOS kind's layout is stubdom-proto's (dmargs, target, bios, dom0's
 * device-model directory with its permissions), written by its own
 * writer through a short-lived connection of its own.
 */
static int stubdom_build_minios_setup(struct stubdom_build *b)
{
	const struct stubdom_build_cfg *cfg = b->cfg;
	struct stubdom_setup s = {.kind = STUBDOM_MINIOS,
				  .domid = cfg->target,
				  .stub_domid = b->stub,
				  .uuid = b->target_vm + 4,
				  .argv = cfg->dm_argv,
				  .argc = cfg->dm_argc,
				  .bios = cfg->bios};
	struct event_base *base = event_base_new();
	struct xsp *xsp = NULL;
	char why[256];
	int rc = -ENOMEM;

	if (base)
		xsp = xsp_real_open(base, &rc);
	if (!xsp) {
		stubdom_build_fail(b, "stubdom_setup_write",
				   "cannot connect to xenstore: %s",
				   strerror(-rc));
		goto out;
	}
	rc = stubdom_setup_write(xsp, &s, why, sizeof(why));
	if (rc)
		stubdom_build_fail(b, "stubdom_setup_write", "%s", why);
out:
	if (xsp)
		xsp_close(xsp);
	if (base)
		event_base_free(base);
	return rc ? -1 : 0;
}

/* Xen and xenstored: the stub acts on its target, and nothing else. */
static int stubdom_build_link(struct stubdom_build *b)
{
	if (xc_domain_set_target(b->xch, b->stub, b->cfg->target)) {
		stubdom_build_fail(b, "xc_domain_set_target", "%s",
				   strerror(errno));
		return -1;
	}
	if (!xs_set_target(b->xs, b->stub, b->cfg->target)) {
		stubdom_build_fail(b, "xs_set_target", "%s", strerror(errno));
		return -1;
	}
	return 0;
}

static int stubdom_build_go(struct stubdom_build *b)
{
	if (stubdom_build_xs_transact(b, stubdom_build_xs_home) ||
	    stubdom_build_xs_transact(b, stubdom_build_xs_setup))
		return -1;
	if (b->cfg->kind == STUBDOM_MINIOS && stubdom_build_minios_setup(b))
		return -1;
	/* Only now may xenstored talk to the stub through its ring; and
	 * xenstored accepts a target only for a domain it knows. */
	if (!xs_introduce_domain(b->xs, b->stub, b->store_mfn, b->store_port)) {
		stubdom_build_fail(b, "xs_introduce_domain", "%s",
				   strerror(errno));
		return -1;
	}
	if (stubdom_build_link(b))
		return -1;
	if (!b->cfg->paused && xc_domain_unpause(b->xch, b->stub)) {
		stubdom_build_fail(b, "xc_domain_unpause", "%s",
				   strerror(errno));
		return -1;
	}
	return 0;
}

static int stubdom_build_destroy_as(xc_interface *xch, struct xs_handle *xs,
				    uint32_t stub, uint32_t target,
				    const char *stub_vm, int timeout_ms,
				    struct stubdom_build_err *err);

int stubdom_build_start(xc_interface *xch, struct xs_handle *xs,
			const struct stubdom_build_cfg *cfg,
			struct stubdom_build_out *out_r,
			struct stubdom_build_err *err)
{
	struct stubdom_build b = {.xch = xch,
				  .xs = xs,
				  .cfg = cfg,
				  .err = err,
				  .stub = DOMID_INVALID};
	struct stubdom_build_err cleanup;

	err->msg[0] = '\0';
	if (stubdom_build_check_cfg(&b) || stubdom_build_check_target(&b))
		return -1;
	if (stubdom_build_create(&b) || stubdom_build_image(&b) ||
	    stubdom_build_go(&b)) {
		if (b.stub != DOMID_INVALID) {
			char vm[64];

			snprintf(vm, sizeof(vm), "/vm/%s", b.uuid);
			stubdom_build_destroy_as(xch, xs, b.stub, cfg->target,
						 vm, 0, &cleanup);
		}
		return -1;
	}
	out_r->stub = b.stub;
	out_r->console_mfn = b.console_mfn;
	out_r->console_gfn = b.console_gfn;
	out_r->console_port = b.console_port;
	snprintf(out_r->name, sizeof(out_r->name), "%s", b.name);
	out_r->target = cfg->target;
	snprintf(out_r->vm, sizeof(out_r->vm), "/vm/%s", b.uuid);
	return 0;
}

/* --- destroy ------------------------------------------------------------ */

/* Reads a /vm/<uuid> path from `path`; NULL unless it is exactly that. */
static char *stubdom_build_read_vm(struct xs_handle *xs, const char *path)
{
	char *vm = xs_read(xs, XBT_NULL, path, NULL);

	if (vm && (strncmp(vm, "/vm/", 4) || !vm[4] || strchr(vm + 4, '/'))) {
		free(vm);
		vm = NULL;
	}
	return vm;
}

/*
 * Removes what start wrote for the target, if it still names this stub:
 * the setup of either kind (a dom0 device model of the same target would
 * have replaced device-model-domid).
 */
static void stubdom_build_unlink_target(struct xs_handle *xs, uint32_t stub,
					unsigned long target)
{
	static const char *const setup[] = {"image/dm-argv", "image/dmargs"};
	char path[128], *dm, *vm;

	snprintf(path, sizeof(path),
		 "/local/domain/%lu/image/device-model-domid", target);
	dm = xs_read(xs, XBT_NULL, path, NULL);
	if (dm && strtoul(dm, NULL, 10) == stub) {
		xs_rm(xs, XBT_NULL, path);
		snprintf(path, sizeof(path), "/local/domain/%lu/vm", target);
		vm = stubdom_build_read_vm(xs, path);
		for (size_t i = 0; vm && i < sizeof(setup) / sizeof(*setup);
		     i++) {
			snprintf(path, sizeof(path), "%s/%s", vm, setup[i]);
			xs_rm(xs, XBT_NULL, path);
		}
		free(vm);
		snprintf(path, sizeof(path), "/local/domain/0/device-model/%lu",
			 target);
		xs_rm(xs, XBT_NULL, path);
	}
	free(dm);
}

/*
 * The backends of the stub's PV devices (stubvbd.h), and the errors
 * blkback/netback left: removed right after the destroy, because a
 * backend maps the stub's pages and so keeps it dying until it lets go.
 */
static void stubdom_build_rm_backends(struct xs_handle *xs, uint32_t stub)
{
	static const char *const types[] = {"vbd", "vif"};
	char path[96];

	for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++) {
		snprintf(path, sizeof(path), "/local/domain/0/backend/%s/%u",
			 types[i], stub);
		xs_rm(xs, XBT_NULL, path);
		snprintf(path, sizeof(path),
			 "/local/domain/0/error/backend/%s/%u", types[i], stub);
		xs_rm(xs, XBT_NULL, path);
	}
}

static int64_t stubdom_build_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* target DOMID_INVALID, stub_vm NULL: read them from the stub's home. */
static int stubdom_build_destroy_as(xc_interface *xch, struct xs_handle *xs,
				    uint32_t stub, uint32_t target,
				    const char *stub_vm, int timeout_ms,
				    struct stubdom_build_err *err)
{
	const struct timespec tick = {.tv_nsec =
					  STUBDOM_BUILD_POLL_MS * 1000 * 1000};
	int64_t deadline = stubdom_build_now_ms() + timeout_ms;
	char path[64], *target_s, *vm;
	uint32_t target_id = target;
	xc_domaininfo_t info;
	int rc = 0;

	err->msg[0] = '\0';
	snprintf(path, sizeof(path), "/local/domain/%u/target", stub);
	target_s = xs_read(xs, XBT_NULL, path, NULL);
	/* Gone with the stub's home when someone else destroyed it. */
	if (target_id == DOMID_INVALID && target_s)
		target_id = (uint32_t)strtoul(target_s, NULL, 10);
	free(target_s);
	snprintf(path, sizeof(path), "/local/domain/%u/vm", stub);
	vm = stub_vm ? strdup(stub_vm) : stubdom_build_read_vm(xs, path);
	if (stubdom_build_domain_exists(xch, stub, NULL) &&
	    xc_domain_destroy(xch, stub) && errno != ESRCH) {
		snprintf(err->msg, sizeof(err->msg),
			 "stub domain %u: xc_domain_destroy: %s", stub,
			 strerror(errno));
		rc = -1;
	}
	stubdom_build_rm_backends(xs, stub);
	if (target_id != DOMID_INVALID)
		stubdom_build_unlink_target(xs, stub, target_id);
	if (vm)
		xs_rm(xs, XBT_NULL, vm);
	snprintf(path, sizeof(path), "/local/domain/%u", stub);
	xs_rm(xs, XBT_NULL, path);
	free(vm);
	/*
	 * A dying domain lingers while others hold it. The target's ioreq
	 * server holds the stub (its emulator) until the target goes, so a
	 * stub that is dying while its target lives is as gone as it gets.
	 */
	while (!rc && stubdom_build_domain_exists(xch, stub, &info)) {
		if ((info.flags & XEN_DOMINF_dying) &&
		    target_id != DOMID_INVALID &&
		    stubdom_build_domain_exists(xch, target_id, NULL))
			break;
		if (stubdom_build_now_ms() >= deadline) {
			snprintf(err->msg, sizeof(err->msg),
				 "stub domain %u: still dying %d ms after "
				 "xc_domain_destroy",
				 stub, timeout_ms);
			rc = -1;
			break;
		}
		nanosleep(&tick, NULL);
	}
	return rc;
}

int stubdom_build_destroy(xc_interface *xch, struct xs_handle *xs,
			  uint32_t stub, int timeout_ms,
			  struct stubdom_build_err *err)
{
	return stubdom_build_destroy_as(xch, xs, stub, DOMID_INVALID, NULL,
					timeout_ms, err);
}

int stubdom_build_destroy_made(xc_interface *xch, struct xs_handle *xs,
			       const struct stubdom_build_out *made,
			       int timeout_ms, struct stubdom_build_err *err)
{
	return stubdom_build_destroy_as(xch, xs, made->stub, made->target,
					made->vm, timeout_ms, err);
}
