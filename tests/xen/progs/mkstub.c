/*
 * mkstub: test front end of stubdom-build (test bed program, in
 * /opt/dmsup/tests). Launches a Linux stub domain for an HVM domain made
 * by mkhvm, with the device-model arguments libxl would give a qemu-xen
 * stub for that guest (stdvga, no disk, no NIC, network boot), and waits
 * for the stub's QEMU to report running; or destroys a stub domain.
 *
 *   mkstub TARGET_DOMID [-k KERNEL] [-r RAMDISK] [-m MEMORY_MIB] [-n NAME]
 *          [-c CMDLINE] [-t TIMEOUT_S]
 *       prints the stub's domid on stdout once
 *       /local/domain/<stub>/device-model/<target>/state = running, and the
 *       time each phase took on stderr. Exit 0: running; 1: the launch
 *       failed (nothing left behind); 3: launched but not running within
 *       the timeout, or the stub died (the stub is left for inspection; its
 *       domid is still printed).
 *   mkstub --destroy STUB_DOMID [-t TIMEOUT_S]
 */
#include "stubkeep/stubdom-build.h"
#include "tests/xen/progs/tbprog.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"

/* The image as the package dmsup-stubdom installs it (the bed does). */
#define MKSTUB_KERNEL DMSUP_STUBDOM_DIR "/vmlinuz"
#define MKSTUB_RAMDISK DMSUP_STUBDOM_DIR "/initrd"
#define MKSTUB_TIMEOUT_S 60
#define MKSTUB_DESTROY_TIMEOUT_S 60
#define MKSTUB_ARGS 24

struct mkstub_opts {
	unsigned long target, stub, memory_mib, timeout_s;
	const char *kernel, *ramdisk, *cmdline, *name;
	bool destroy;
};

static void mkstub_usage(void)
{
	fprintf(stderr, "usage: mkstub TARGET_DOMID [-k KERNEL] [-r RAMDISK] "
			"[-m MEMORY_MIB] [-n NAME]\n"
			"              [-c CMDLINE] [-t TIMEOUT_S]\n"
			"       mkstub --destroy STUB_DOMID [-t TIMEOUT_S]\n");
}

static unsigned long mkstub_read_ulong(struct xs_handle *xs, uint32_t domid,
				       const char *rel, bool *ok)
{
	char path[128], *val;
	unsigned long n = 0;

	snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, rel);
	val = xs_read(xs, XBT_NULL, path, NULL);
	if (!val || !tbprog_parse_ulong(val, 0, 1UL << 40, &n)) {
		fprintf(stderr, "mkstub: cannot read a number at %s\n", path);
		*ok = false;
	}
	free(val);
	return n;
}

/*
 * The arguments libxl gives a qemu-xen stub for the test bed's HVM guest
 * (see the notes on qemu-xen-dm): no QMP socket (the stub adds its own),
 * QEMU's RAM = the guest's memory minus the videoram it populates itself.
 */
static size_t mkstub_dm_argv(struct xs_handle *xs, uint32_t target,
			     char bufs[][64], const char **argv)
{
	bool ok = true;
	unsigned long max_kb =
	    mkstub_read_ulong(xs, target, "memory/static-max", &ok);
	unsigned long vram_kb =
	    mkstub_read_ulong(xs, target, "memory/videoram", &ok);
	char path[64], *name;
	size_t n = 0;

	snprintf(path, sizeof(path), "/local/domain/%u/name", target);
	name = xs_read(xs, XBT_NULL, path, NULL);
	if (!ok || !name || vram_kb >= max_kb) {
		fprintf(stderr,
			"mkstub: domain %u has no usable name or "
			"memory in xenstore\n",
			target);
		free(name);
		return 0;
	}
	snprintf(bufs[0], 64, "%u", target);
	snprintf(bufs[1], 64, "%.63s", name);
	snprintf(bufs[2], 64, "VGA,vgamem_mb=%lu", vram_kb / 1024);
	snprintf(bufs[3], 64, "%lu", (max_kb - vram_kb) / 1024);
	free(name);
	{
		const char *a[] = {"-xen-domid",
				   bufs[0],
				   "-no-shutdown",
				   "-nodefaults",
				   "-no-user-config",
				   "-name",
				   bufs[1],
				   "-display",
				   "none",
				   "-vnc",
				   "none",
				   "-device",
				   bufs[2],
				   "-boot",
				   "order=n",
				   "-net",
				   "none",
				   "-machine",
				   "xenfv,suppress-vmdesc=on",
				   "-m",
				   bufs[3]};

		for (n = 0; n < sizeof(a) / sizeof(*a); n++)
			argv[n] = a[n];
	}
	return n;
}

/* Waits with a watch for the stub's state node = running; false on
 * timeout or when the stub died first. */
static bool mkstub_wait_running(xc_interface *xch, struct xs_handle *xs,
				uint32_t stub, uint32_t target,
				int64_t deadline)
{
	char path[96];
	bool running = false;

	snprintf(path, sizeof(path), "/local/domain/%u/device-model/%u/state",
		 stub, target);
	if (!xs_watch(xs, path, "mkstub")) {
		fprintf(stderr, "mkstub: xs_watch %s: %s\n", path,
			strerror(errno));
		return false;
	}
	for (;;) {
		struct pollfd pfd = {.fd = xs_fileno(xs), .events = POLLIN};
		int64_t left = deadline - tbprog_now_ms();
		xc_domaininfo_t info;
		char *val = xs_read(xs, XBT_NULL, path, NULL);
		unsigned int n;
		char **ev;

		running = val && !strcmp(val, "running");
		free(val);
		if (running || left <= 0)
			break;
		if (xc_domain_getinfolist(xch, stub, 1, &info) != 1 ||
		    info.domain != stub ||
		    (info.flags & (XEN_DOMINF_dying | XEN_DOMINF_shutdown))) {
			fprintf(stderr,
				"mkstub: stub domain %u died before "
				"its device model ran\n",
				stub);
			break;
		}
		/* Wake at least once a second to notice a dead stub. */
		if (poll(&pfd, 1, left > 1000 ? 1000 : (int)left) > 0) {
			ev = xs_read_watch(xs, &n);
			free(ev);
		}
	}
	xs_unwatch(xs, path, "mkstub");
	if (!running)
		fprintf(stderr, "mkstub: %s is not 'running'\n", path);
	return running;
}

static int mkstub_launch(xc_interface *xch, struct xs_handle *xs,
			 const struct mkstub_opts *o)
{
	char bufs[4][64];
	const char *argv[MKSTUB_ARGS];
	struct stubdom_build_cfg cfg = {
	    .kind = STUBDOM_LINUX, /* xenconsoled serves its console */
	    .target = (uint32_t)o->target,
	    .name = o->name,
	    .kernel = o->kernel,
	    .ramdisk = o->ramdisk,
	    .cmdline = o->cmdline,
	    .memory_mib = o->memory_mib,
	    .dm_argv = argv,
	    .bios = "seabios"};
	struct stubdom_build_err err;
	struct stubdom_build_out out;
	int64_t t0 = tbprog_now_ms(), t1;
	uint32_t stub;

	cfg.dm_argc = mkstub_dm_argv(xs, cfg.target, bufs, argv);
	if (!cfg.dm_argc)
		return 1;
	if (stubdom_build_start(xch, xs, &cfg, &out, &err)) {
		fprintf(stderr, "mkstub: %s\n", err.msg);
		return 1;
	}
	stub = out.stub;
	t1 = tbprog_now_ms();
	fprintf(stderr,
		"mkstub: stub domain %u built and unpaused in %lld ms\n", stub,
		(long long)(t1 - t0));
	printf("%u\n", stub);
	fflush(stdout);
	if (!mkstub_wait_running(xch, xs, stub, cfg.target,
				 t0 + (int64_t)o->timeout_s * 1000))
		return 3;
	fprintf(stderr, "mkstub: device model running %lld ms after launch\n",
		(long long)(tbprog_now_ms() - t0));
	return 0;
}

static int mkstub_parse(int argc, char **argv, struct mkstub_opts *o)
{
	static const struct option longopts[] = {
	    {"destroy", required_argument, NULL, 'D'}, {NULL, 0, NULL, 0}};
	int c;

	while ((c = getopt_long(argc, argv, "k:r:m:n:c:t:", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'D':
			o->destroy = true;
			if (!tbprog_parse_ulong(
				optarg, 1, DOMID_FIRST_RESERVED - 1, &o->stub))
				return -1;
			break;
		case 'k':
			o->kernel = optarg;
			break;
		case 'r':
			o->ramdisk = *optarg ? optarg : NULL;
			break;
		case 'n':
			o->name = optarg;
			break;
		case 'c':
			o->cmdline = optarg;
			break;
		case 'm':
			if (!tbprog_parse_ulong(optarg, 16, 65536,
						&o->memory_mib))
				return -1;
			break;
		case 't':
			if (!tbprog_parse_ulong(optarg, 1, 3600, &o->timeout_s))
				return -1;
			break;
		default:
			return -1;
		}
	}
	if (o->destroy)
		return optind == argc ? 0 : -1;
	if (optind != argc - 1 ||
	    !tbprog_parse_ulong(argv[optind], 1, DOMID_FIRST_RESERVED - 1,
				&o->target))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct mkstub_opts o = {.memory_mib = STUBDOM_BUILD_DEFAULT_MEMORY_MIB,
				.timeout_s = 0,
				.kernel = MKSTUB_KERNEL,
				.ramdisk = MKSTUB_RAMDISK,
				.cmdline = STUBDOM_BUILD_DEFAULT_CMDLINE};
	struct stubdom_build_err err;
	xc_interface *xch;
	struct xs_handle *xs;
	int rc;

	if (mkstub_parse(argc, argv, &o)) {
		mkstub_usage();
		return 2;
	}
	xch = xc_interface_open(NULL, NULL, 0);
	xs = xs_open(0);
	if (!xch || !xs) {
		fprintf(stderr, "mkstub: cannot open libxenctrl/xenstore: %s\n",
			strerror(errno));
		return 1;
	}
	if (o.destroy) {
		rc = stubdom_build_destroy(
		    xch, xs, (uint32_t)o.stub,
		    (int)(o.timeout_s ? o.timeout_s
				      : MKSTUB_DESTROY_TIMEOUT_S) *
			1000,
		    &err);
		if (rc)
			fprintf(stderr, "mkstub: %s\n", err.msg);
	} else {
		if (!o.timeout_s)
			o.timeout_s = MKSTUB_TIMEOUT_S;
		rc = mkstub_launch(xch, xs, &o);
	}
	xs_close(xs);
	xc_interface_close(xch);
	return rc < 0 ? 1 : rc;
}
