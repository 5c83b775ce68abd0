/*
 * mkhvm-xs: the xenstore side of a domain, laid out as libxl lays it out
 * for an HVM guest with a qemu-xen device model, so that the firmware, a
 * device model and dmsup find what they expect. Everything that belongs to
 * the device model itself (/local/domain/0/device-model/<domid>, the QMP
 * sockets, serial/0/tty) is left to whoever starts it.
 */
#include "tests/xen/progs/mkhvm.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define MKHVM_XS_RETRIES 20
#define MKHVM_CONSOLE_LIMIT 1048576

enum mkhvm_perm {
	MKHVM_RO,   /* dom0 owns it, the guest may read */
	MKHVM_RW,   /* the guest owns it */
	MKHVM_NONE, /* dom0 only */
};

/* The directories libxl makes, parents first, with their permissions. */
static const struct {
	const char *rel;
	enum mkhvm_perm perm;
} mkhvm_dirs[] = {
    {"", MKHVM_RO},
    {"cpu", MKHVM_RO},
    {"memory", MKHVM_RO},
    {"device", MKHVM_RO},
    {"device/suspend/event-channel", MKHVM_RW},
    {"control", MKHVM_RO},
    {"hvmloader", MKHVM_RO},
    {"control/shutdown", MKHVM_RW},
    {"control/feature-poweroff", MKHVM_RW},
    {"control/feature-reboot", MKHVM_RW},
    {"control/feature-suspend", MKHVM_RW},
    {"control/feature-s3", MKHVM_RW},
    {"control/feature-s4", MKHVM_RW},
    {"control/sysrq", MKHVM_RW},
    {"data", MKHVM_RW},
    {"drivers", MKHVM_RW},
    {"feature", MKHVM_RW},
    {"attr", MKHVM_RW},
    {"error", MKHVM_RW},
    {"console", MKHVM_RO},
};

static bool mkhvm_xs_perm(struct mkhvm_xs *x, const char *path,
			  enum mkhvm_perm perm)
{
	struct xs_permissions p[2] = {
	    {.id = 0, .perms = XS_PERM_NONE},
	    {.id = x->domid, .perms = XS_PERM_READ},
	};
	unsigned int n = perm == MKHVM_RO ? 2 : 1;

	if (perm == MKHVM_RW)
		p[0].id = x->domid;
	return xs_set_permissions(x->xs, x->t, path, p, n);
}

static void mkhvm_xs_mkdir(struct mkhvm_xs *x, const char *path,
			   enum mkhvm_perm perm)
{
	if (x->failed)
		return;
	if (!xs_mkdir(x->xs, x->t, path) || !mkhvm_xs_perm(x, path, perm)) {
		mkhvm_log("mkdir %s: %s", path, strerror(errno));
		x->failed = true;
	}
}

void mkhvm_xs_mkdir_for(struct mkhvm_xs *x, const char *path, uint32_t owner,
			uint32_t reader)
{
	struct xs_permissions p[2] = {
	    {.id = owner, .perms = XS_PERM_NONE},
	    {.id = reader, .perms = XS_PERM_READ},
	};

	if (x->failed)
		return;
	if (!xs_mkdir(x->xs, x->t, path) ||
	    !xs_set_permissions(x->xs, x->t, path, p, 2)) {
		mkhvm_log("mkdir %s: %s", path, strerror(errno));
		x->failed = true;
	}
}

void mkhvm_xs_printf(struct mkhvm_xs *x, const char *path, const char *fmt, ...)
{
	char val[256];
	va_list ap;

	if (x->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (!xs_write(x->xs, x->t, path, val, strlen(val))) {
		mkhvm_log("write %s: %s", path, strerror(errno));
		x->failed = true;
	}
}

int mkhvm_xs_transact(struct xs_handle *xs, uint32_t domid,
		      mkhvm_xs_fill_fn *fill, const void *a, const void *b)
{
	for (int i = 0; i < MKHVM_XS_RETRIES; i++) {
		struct mkhvm_xs x = {.xs = xs, .domid = domid};

		x.t = xs_transaction_start(xs);
		if (x.t == XBT_NULL) {
			mkhvm_log("xs_transaction_start: %s", strerror(errno));
			return -1;
		}
		fill(&x, a, b);
		if (x.failed) {
			xs_transaction_end(xs, x.t, true);
			return -1;
		}
		if (xs_transaction_end(xs, x.t, false))
			return 0;
		if (errno != EAGAIN) {
			mkhvm_log("xs_transaction_end: %s", strerror(errno));
			return -1;
		}
	}
	mkhvm_log("xenstore transaction kept conflicting");
	return -1;
}

bool mkhvm_xs_name_taken(struct xs_handle *xs, const char *name)
{
	unsigned int n = 0;
	char **doms = xs_directory(xs, XBT_NULL, "/local/domain", &n);
	bool taken = false;

	for (unsigned int i = 0; doms && i < n && !taken; i++) {
		char path[64];
		char *other;

		snprintf(path, sizeof(path), "/local/domain/%s/name", doms[i]);
		other = xs_read(xs, XBT_NULL, path, NULL);
		taken = other && !strcmp(other, name);
		free(other);
	}
	free(doms);
	return taken;
}

static void mkhvm_xs_make_fill(struct mkhvm_xs *x, const void *a, const void *b)
{
	const struct mkhvm_cfg *cfg = a;
	const struct mkhvm_dom *dom = b;
	char base[64], vm[64], libxl[64], path[128];

	snprintf(base, sizeof(base), "/local/domain/%u", dom->domid);
	snprintf(vm, sizeof(vm), "/vm/%s", dom->uuid);
	snprintf(libxl, sizeof(libxl), "/libxl/%u", dom->domid);

	/* Whatever a previous domain with this id left behind goes first. */
	xs_rm(x->xs, x->t, base);
	xs_rm(x->xs, x->t, vm);
	xs_rm(x->xs, x->t, libxl);
	for (size_t i = 0; i < sizeof(mkhvm_dirs) / sizeof(*mkhvm_dirs); i++) {
		snprintf(path, sizeof(path), "%s%s%s", base,
			 *mkhvm_dirs[i].rel ? "/" : "", mkhvm_dirs[i].rel);
		mkhvm_xs_mkdir(x, path, mkhvm_dirs[i].perm);
	}
	mkhvm_xs_mkdir(x, vm, MKHVM_RO);
	mkhvm_xs_mkdir(x, libxl, MKHVM_NONE);
	snprintf(path, sizeof(path), "%s/device", libxl);
	mkhvm_xs_mkdir(x, path, MKHVM_NONE);

	snprintf(path, sizeof(path), "%s/vm", base);
	mkhvm_xs_printf(x, path, "%s", vm);
	snprintf(path, sizeof(path), "%s/name", base);
	mkhvm_xs_printf(x, path, "%s", cfg->name);
	snprintf(path, sizeof(path), "%s/uuid", vm);
	mkhvm_xs_printf(x, path, "%s", dom->uuid);
	snprintf(path, sizeof(path), "%s/name", vm);
	mkhvm_xs_printf(x, path, "%s", cfg->name);
	snprintf(path, sizeof(path),
		 "%s/control/platform-feature-multiprocessor-suspend", base);
	mkhvm_xs_printf(x, path, "1");
	snprintf(path, sizeof(path),
		 "%s/control/platform-feature-xs_reset_watches", base);
	mkhvm_xs_printf(x, path, "1");
	snprintf(path, sizeof(path), "%s/type", libxl);
	mkhvm_xs_printf(x, path, "hvm");
}

int mkhvm_xs_make(struct xs_handle *xs, const struct mkhvm_cfg *cfg,
		  const struct mkhvm_dom *dom)
{
	return mkhvm_xs_transact(xs, dom->domid, mkhvm_xs_make_fill, cfg, dom);
}

/* Relative to /local/domain/<domid>: what the built domain is. */
static void mkhvm_xs_post_local(struct mkhvm_xs *x, const struct mkhvm_cfg *cfg,
				const struct mkhvm_dom *dom, const char *base)
{
	static const char *const fixed[][2] = {
	    {"platform/acpi", "1"},
	    {"platform/acpi_s3", "1"},
	    {"platform/acpi_s4", "1"},
	    {"platform/acpi_laptop_slate", "0"},
	    {"platform/device-model", "qemu_xen"},
	    /* qemu-xen cannot follow RAM that hvmloader relocates. */
	    {"hvmloader/allow-memory-relocate", "0"},
	    {"console/type", "xenconsoled"},
	    {"console/output", "pty"},
	    {"console/tty", ""},
	};
	char path[128];

	snprintf(path, sizeof(path), "%s/memory/static-max", base);
	mkhvm_xs_printf(x, path, "%lu", cfg->memory_mib * 1024);
	snprintf(path, sizeof(path), "%s/memory/target", base);
	mkhvm_xs_printf(x, path, "%lu", cfg->memory_mib * 1024);
	snprintf(path, sizeof(path), "%s/memory/videoram", base);
	mkhvm_xs_printf(x, path, "%lu", cfg->videoram_mib * 1024);
	snprintf(path, sizeof(path), "%s/domid", base);
	mkhvm_xs_printf(x, path, "%u", dom->domid);
	snprintf(path, sizeof(path), "%s/store/port", base);
	mkhvm_xs_printf(x, path, "%u", dom->store_port);
	snprintf(path, sizeof(path), "%s/store/ring-ref", base);
	mkhvm_xs_printf(x, path, "%llu", (unsigned long long)dom->store_pfn);
	snprintf(path, sizeof(path), "%s/console/port", base);
	mkhvm_xs_printf(x, path, "%u", dom->console_port);
	snprintf(path, sizeof(path), "%s/console/ring-ref", base);
	mkhvm_xs_printf(x, path, "%llu", (unsigned long long)dom->console_pfn);
	snprintf(path, sizeof(path), "%s/console/limit", base);
	mkhvm_xs_printf(x, path, "%d", MKHVM_CONSOLE_LIMIT);
	for (unsigned long i = 0; i < cfg->vcpus; i++) {
		snprintf(path, sizeof(path), "%s/cpu/%lu/availability", base,
			 i);
		mkhvm_xs_printf(x, path, "online");
	}
	snprintf(path, sizeof(path), "%s/hvmloader/bios", base);
	mkhvm_xs_printf(x, path, "%s", cfg->bios_name);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(*fixed); i++) {
		snprintf(path, sizeof(path), "%s/%s", base, fixed[i][0]);
		mkhvm_xs_printf(x, path, "%s", fixed[i][1]);
	}
}

static void mkhvm_xs_post_fill(struct mkhvm_xs *x, const void *a, const void *b)
{
	const struct mkhvm_dom *dom = b;
	char base[64], path[128];
	struct timeval now;

	snprintf(base, sizeof(base), "/local/domain/%u", dom->domid);
	mkhvm_xs_post_local(x, a, dom, base);

	gettimeofday(&now, NULL);
	snprintf(path, sizeof(path), "/vm/%s/rtc/timeoffset", dom->uuid);
	mkhvm_xs_printf(x, path, "%s", "");
	snprintf(path, sizeof(path), "/vm/%s/image/ostype", dom->uuid);
	mkhvm_xs_printf(x, path, "hvm");
	snprintf(path, sizeof(path), "/vm/%s/start_time", dom->uuid);
	mkhvm_xs_printf(x, path, "%lld.%02d", (long long)now.tv_sec,
			(int)(now.tv_usec / 10000));
}

int mkhvm_xs_post(struct xs_handle *xs, const struct mkhvm_cfg *cfg,
		  const struct mkhvm_dom *dom)
{
	if (mkhvm_xs_transact(xs, dom->domid, mkhvm_xs_post_fill, cfg, dom))
		return -1;
	/* Only now may xenstored talk to the guest through its ring. */
	if (!xs_introduce_domain(xs, dom->domid, dom->store_pfn,
				 dom->store_port)) {
		mkhvm_log("xs_introduce_domain: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void mkhvm_xs_remove(struct xs_handle *xs, uint32_t domid)
{
	char path[64];
	char *vm;

	snprintf(path, sizeof(path), "/local/domain/%u/vm", domid);
	vm = xs_read(xs, XBT_NULL, path, NULL);
	/* Only a /vm/<uuid> path of ours; never let a bad value widen it. */
	if (vm && !strncmp(vm, "/vm/", 4) && !strchr(vm + 4, '/') && vm[4])
		xs_rm(xs, XBT_NULL, vm);
	free(vm);
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	xs_rm(xs, XBT_NULL, path);
	snprintf(path, sizeof(path), "/libxl/%u", domid);
	xs_rm(xs, XBT_NULL, path);
	mkhvm_pv_remove(xs, domid);
}
