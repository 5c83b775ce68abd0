/*
 * xcsave: the test toolstack's half of a save and restore, the guest's
 * memory (libxenguest), while dmsup moves the device model's state.
 *
 *   xcsave save DOMID FILE
 *       pauses the domain, suspends it (SHUTDOWN_suspend, as libxl does
 *       for an HVM guest without PV drivers) and writes its memory and
 *       vCPU state to FILE. The domain stays suspended: stop its device
 *       model, then mkhvm --destroy it.
 *   xcsave restore [-n NAME] [-m MEMORY_MIB] [-c VCPUS] [--videoram MIB]
 *                  FILE
 *       creates an HVM domain as mkhvm does (same memory rules; the saved
 *       guest's values are the defaults, 64 MiB with 16 of videoram),
 *       restores FILE into it and prints its domid. The domain stays
 *       paused until its device model has loaded its state.
 *
 * Each prints its size and time on stderr ("xcsave: saved ...").
 */
#include "tests/xen/progs/mkhvm.h"
#include "tests/xen/progs/tbprog.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xenguest.h>
#include <xen/hvm/hvm_info_table.h>

#define XCSAVE_SUSPEND_TIMEOUT_MS 30000
/* Beyond memory=: the ROMs the old device model populated are in the
 * stream too (the plan's ROM pages; videoram is within memory=). */
#define XCSAVE_ROM_SLACK_KB 2048
#define XCSAVE_MIN_RAM_MIB 8
#define XCSAVE_MAX_MEMORY_MIB (1024UL * 1024)

struct xcsave {
	xc_interface *xch;
	uint32_t domid;
};

static bool xcsave_suspended(struct xcsave *x)
{
	xc_domaininfo_t info;

	return xc_domain_getinfolist(x->xch, x->domid, 1, &info) == 1 &&
	       info.domain == x->domid && (info.flags & XEN_DOMINF_shutdown) &&
	       ((info.flags >> XEN_DOMINF_shutdownshift) &
		XEN_DOMINF_shutdownmask) == SHUTDOWN_suspend;
}

/* libxenguest's suspend callback: nonzero once the domain is suspended. */
static int xcsave_suspend_cb(void *data)
{
	struct xcsave *x = data;
	int64_t deadline = tbprog_now_ms() + XCSAVE_SUSPEND_TIMEOUT_MS;
	const struct timespec tick = {.tv_nsec = 10 * 1000 * 1000};

	if (xc_domain_shutdown(x->xch, x->domid, SHUTDOWN_suspend)) {
		mkhvm_log("suspending domain %u: %s", x->domid,
			  strerror(errno));
		return 0;
	}
	while (!xcsave_suspended(x)) {
		if (tbprog_now_ms() >= deadline) {
			mkhvm_log("domain %u not suspended after %d ms",
				  x->domid, XCSAVE_SUSPEND_TIMEOUT_MS);
			return 0;
		}
		nanosleep(&tick, NULL);
	}
	return 1;
}

/* Only a live save asks; a device model that logs dirty pages is none of
 * ours (dmsup's QEMU is stopped before it saves). */
static int xcsave_logdirty_cb(uint32_t domid, unsigned enable, void *data)
{
	return 0;
}

static int xcsave_save(xc_interface *xch, uint32_t domid, const char *file)
{
	struct xcsave x = {xch, domid};
	struct save_callbacks cb = {
	    .suspend = xcsave_suspend_cb,
	    .switch_qemu_logdirty = xcsave_logdirty_cb,
	    .data = &x,
	};
	int64_t t0 = tbprog_now_ms();
	struct stat st;
	int fd, rc = 1;

	if (!mkhvm_build_exists(xch, domid)) {
		mkhvm_log("no domain %u", domid);
		return 1;
	}
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		mkhvm_log("%s: %s", file, strerror(errno));
		return 1;
	}
	if (xc_domain_pause(xch, domid)) {
		mkhvm_log("pausing domain %u: %s", domid, strerror(errno));
	} else if (xc_domain_save(xch, fd, domid, 0, &cb, XC_STREAM_PLAIN,
				  -1)) {
		mkhvm_log("xc_domain_save of domain %u failed", domid);
	} else if (fsync(fd) || fstat(fd, &st)) {
		mkhvm_log("%s: %s", file, strerror(errno));
	} else {
		mkhvm_log("saved domain %u to %s: %lld bytes in %lld ms", domid,
			  file, (long long)st.st_size,
			  (long long)(tbprog_now_ms() - t0));
		rc = 0;
	}
	close(fd);
	if (rc)
		unlink(file);
	return rc;
}

/* The stream of a Xen as old as 4.13 has no CPUID policy: the default. */
static int xcsave_static_data_cb(unsigned int missing, void *data)
{
	struct xcsave *x = data;
	int r;

	if (!(missing & XGR_SDD_MISSING_CPUID))
		return 0;
	r = xc_cpuid_apply_policy(x->xch, x->domid, true, NULL, 0, true, false,
				  false, NULL, NULL);
	if (r)
		mkhvm_log("xc_cpuid_apply_policy: %s", strerror(-r));
	return r;
}

/* The restore proper, into the domain that mkhvm's code created. */
static int xcsave_restore_into(xc_interface *xch, int fd,
			       const struct mkhvm_cfg *cfg,
			       struct mkhvm_dom *dom)
{
	struct xcsave x = {xch, dom->domid};
	struct restore_callbacks cb = {
	    .static_data_done = xcsave_static_data_cb,
	    .data = &x,
	};
	unsigned long store = 0, console = 0;

	if (xc_domain_setmaxmem(xch, dom->domid,
				cfg->memory_mib * 1024 + XCSAVE_ROM_SLACK_KB)) {
		mkhvm_log("setting maxmem: %s", strerror(errno));
		return -1;
	}
	if (xc_domain_restore(xch, fd, dom->domid, dom->store_port, &store,
			      dom->store_domid, dom->console_port, &console,
			      dom->console_domid, XC_STREAM_PLAIN, &cb, -1)) {
		mkhvm_log("xc_domain_restore into domain %u failed",
			  dom->domid);
		return -1;
	}
	dom->store_pfn = store;
	dom->console_pfn = console;
	return 0;
}

static int xcsave_restore(xc_interface *xch, struct xs_handle *xs,
			  const struct mkhvm_cfg *cfg, const char *file)
{
	struct mkhvm_dom dom = {.domid = DOMID_INVALID};
	int64_t t0 = tbprog_now_ms();
	int fd;

	if (mkhvm_xs_name_taken(xs, cfg->name)) {
		mkhvm_log("a domain named %s exists already", cfg->name);
		return 1;
	}
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		mkhvm_log("%s: %s", file, strerror(errno));
		return 1;
	}
	if (mkhvm_build_create(xch, cfg, &dom)) {
		close(fd);
		return 1;
	}
	if (mkhvm_xs_make(xs, cfg, &dom) ||
	    mkhvm_build_pre(xch, xs, cfg, &dom) ||
	    xcsave_restore_into(xch, fd, cfg, &dom) ||
	    mkhvm_xs_post(xs, cfg, &dom)) {
		mkhvm_log("restoring into domain %u failed; destroying it",
			  dom.domid);
		xc_domain_destroy(xch, dom.domid);
		mkhvm_xs_remove(xs, dom.domid);
		close(fd);
		return 1;
	}
	close(fd);
	mkhvm_log("restored %s into domain %u in %lld ms", file, dom.domid,
		  (long long)(tbprog_now_ms() - t0));
	printf("%u\n", dom.domid);
	return 0;
}

static const struct option xcsave_options[] = {
    {"name", required_argument, NULL, 'n'},
    {"memory", required_argument, NULL, 'm'},
    {"vcpus", required_argument, NULL, 'c'},
    {"videoram", required_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* restore's options into @cfg; false on a bad one. */
static bool xcsave_parse(int argc, char **argv, struct mkhvm_cfg *cfg)
{
	int c;

	while ((c = getopt_long(argc, argv, "n:m:c:", xcsave_options, NULL)) !=
	       -1) {
		bool ok = false;

		if (c == 'n') {
			cfg->name = optarg;
			ok = *optarg && strlen(optarg) < 64 &&
			     !strchr(optarg, '/');
		} else if (c == 'm') {
			ok = tbprog_parse_ulong(optarg, XCSAVE_MIN_RAM_MIB,
						XCSAVE_MAX_MEMORY_MIB,
						&cfg->memory_mib);
		} else if (c == 'c') {
			ok = tbprog_parse_ulong(optarg, 1, HVM_MAX_VCPUS,
						&cfg->vcpus);
		} else if (c == 'V') {
			ok = tbprog_parse_ulong(optarg, 0, 1024,
						&cfg->videoram_mib);
		}
		if (!ok)
			return false;
	}
	return optind == argc - 1 &&
	       cfg->memory_mib >= cfg->videoram_mib + XCSAVE_MIN_RAM_MIB;
}

static void xcsave_usage(void)
{
	fprintf(stderr,
		"usage: xcsave save DOMID FILE\n"
		"       xcsave restore [-n NAME] [-m MEMORY_MIB] [-c VCPUS] "
		"[--videoram MIB] FILE\n");
}

int main(int argc, char **argv)
{
	struct mkhvm_cfg cfg = {
	    .name = "mkhvm-guest",
	    .memory_mib = 64,
	    .videoram_mib = 16,
	    .vcpus = 1,
	    .bios_name = "seabios",
	    .restore = true,
	};
	bool save = argc == 4 && !strcmp(argv[1], "save");
	xc_interface *xch = NULL;
	struct xs_handle *xs = NULL;
	unsigned long domid = 0;
	int rc = 1;

	if (save ? !tbprog_parse_ulong(argv[2], 1, DOMID_FIRST_RESERVED - 1,
				       &domid)
		 : argc < 3 || strcmp(argv[1], "restore") ||
		       !xcsave_parse(argc - 1, argv + 1, &cfg)) {
		xcsave_usage();
		return 2;
	}
	xch = xc_interface_open(NULL, NULL, 0);
	xs = xs_open(0);
	if (!xch || !xs) {
		mkhvm_log("cannot open %s: %s", xch ? "xenstore" : "libxenctrl",
			  strerror(errno));
		goto out;
	}
	rc = save ? xcsave_save(xch, (uint32_t)domid, argv[3])
		  : xcsave_restore(xch, xs, &cfg, argv[argc - 1]);
out:
	if (xs)
		xs_close(xs);
	if (xch)
		xc_interface_close(xch);
	return rc;
}
