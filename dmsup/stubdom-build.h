/*
 * stubdom-build: builds, starts and destroys a Linux stub domain (a PV
 * domain running QEMU for one HVM target) from libxenctrl, libxenguest and
 * libxenstore, without libxl. See docs/stubdom-linux.md.
 *
 * These calls are synchronous: start spends most of its time in
 * libxenguest loading the kernel and initramfs into the new domain (0.45 s
 * for the Debian image under the test bed's TCG, up to ~4 s when busy), destroy waits,
 * bounded, until Xen has let go of the domain. The daemon runs them from a
 * worker or accepts the block; waiting for the stub's readiness
 * (device-model/<target>/state) is NOT done here, it is the caller's
 * event.
 */
#ifndef DMSUP_STUBDOM_BUILD_H
#define DMSUP_STUBDOM_BUILD_H

#include <stddef.h>
#include <stdint.h>
#include <xenctrl.h>
#include <xenstore.h>

/*
 * libxl's default for a Linux stub is 128 MiB; with the Debian image that
 * panics while unpacking the initramfs (the loaded kernel spans ~58 MiB,
 * then archive + unpacked image ~50 MiB). 192 MiB boots with 145 MB free
 * for the kernel. See docs/stubdom-linux.md.
 */
#define STUBDOM_BUILD_DEFAULT_MEMORY_MIB 192
/*
 * The image's kernel command line: console 0 is the log; the initramfs is
 * unpacked into ramfs, because the default tmpfs root is capped at half the
 * stub's RAM, which the unpacked image (~37 MiB) does not fit.
 */
#define STUBDOM_BUILD_DEFAULT_CMDLINE "console=hvc0 quiet rootfstype=ramfs"
/* Bounds on what the stub's QEMU command line may be in xenstore. */
#define STUBDOM_BUILD_MAX_ARGS 999
#define STUBDOM_BUILD_MAX_ARG_LEN 4096

struct stubdom_build_cfg {
	uint32_t target;     /* the HVM domain the stub serves */
	const char *name;    /* stub's name; NULL: "<target's name>-dm" */
	const char *kernel;  /* PV kernel (ELF vmlinux or bzImage) */
	const char *ramdisk; /* initramfs; NULL for none */
	const char *cmdline; /* kernel command line; NULL for "" */
	unsigned long memory_mib;
	/* QEMU's arguments after argv[0], written as dm-argv/001... */
	const char *const *dm_argv;
	size_t dm_argc;
	/* hvmloader/bios of the target (e.g. "seabios"); NULL: leave it. */
	const char *bios;
};

/* Why a call failed, for the caller's log: names the domains and step. */
struct stubdom_build_err {
	char msg[512];
};

/*
 * Creates and builds the stub domain for cfg->target, makes it the
 * target's device-model domain, writes the setup the stub reads, introduces
 * it to xenstored, and unpauses it. On success *stub_r is its domid. On
 * failure nothing is left behind (the half-built domain is destroyed and
 * its xenstore nodes removed) and err says what failed.
 */
int stubdom_build_start(xc_interface *xch, struct xs_handle *xs,
			const struct stubdom_build_cfg *cfg, uint32_t *stub_r,
			struct stubdom_build_err *err);

/*
 * Destroys stub domain `stub` and removes its xenstore state (its home,
 * its /vm entry, and the target's device-model-domid and dm-argv), then
 * waits up to timeout_ms for Xen to let go of it. Xen keeps a stub whose
 * QEMU made an ioreq server in its target "dying" until the target is
 * destroyed too (the server holds it): that counts as done here. A stub
 * that is already gone only gets its xenstore state cleaned. Returns 0,
 * or -1 with err.
 */
int stubdom_build_destroy(xc_interface *xch, struct xs_handle *xs,
			  uint32_t stub, int timeout_ms,
			  struct stubdom_build_err *err);

#endif
