/*
 * stubdom-build: builds, starts and destroys a Linux stub domain (a PV
 * domain running QEMU for one HVM target) from libxenctrl, libxenguest and
 * libxenstore, without libxl. See docs/stubdom-linux.md.
 *
 * These calls are synchronous: start spends most of its time in
 * libxenguest loading the kernel and initramfs into the new domain (0.45 s
 * for the Debian image under the test bed's TCG, up to ~4 s when busy), destroy
 * waits, bounded, until Xen has let go of the domain. The daemon runs them from
 * a worker or accepts the block; waiting for the stub's readiness
 * (device-model/<target>/state) is NOT done here, it is the caller's
 * event.
 */
#ifndef DMSUP_STUBDOM_BUILD_H
#define DMSUP_STUBDOM_BUILD_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <xenctrl.h>
#include <xenstore.h>

#include "stubdom-proto/setup.h"

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
	/*
	 * STUBDOM_LINUX: QEMU's arguments as <target vm>/image/dm-argv/NNN,
	 * its device-model directory /local/domain/<stub>/device-model/<T>
	 * owned by the stub (QEMU and the vchan bridge write there).
	 * STUBDOM_MINIOS: stubdom-proto's layout (stubdom_setup_write):
	 * <target vm>/image/dmargs, space separated (an argument holding a
	 * space is refused), and /local/domain/0/device-model/<T>/{command,
	 * parameter,state}. Set it explicitly: 0 is STUBDOM_MINIOS.
	 */
	enum stubdom_kind kind;
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
	/*
	 * true: the caller serves console 0 itself (console/type = "dmsup",
	 * which xenconsoled leaves alone; see stubcons.h); false: xenconsoled
	 * serves it (type "xenconsoled", log guest-<name>.log).
	 */
	bool own_console;
	/* true: leave the stub paused (the caller unpauses it once it has
	 * written the stub's PV devices); false: unpause it. */
	bool paused;
};

/* What start made, for whoever serves the stub's console. */
struct stubdom_build_out {
	uint32_t stub;	       /* the stub's domid */
	uint64_t console_mfn;  /* console 0's ring page (machine frame) */
	uint64_t console_gfn;  /* ... and its frame in the stub */
	uint32_t console_port; /* its event channel, unbound, in the stub */
	char name[128];	       /* the stub's name */
	uint32_t target;       /* the domain it serves */
	char vm[64];	       /* the stub's /vm/<uuid> */
};

/* Why a call failed, for the caller's log: names the domains and step. */
struct stubdom_build_err {
	char msg[512];
};

/*
 * Creates and builds the stub domain for cfg->target, makes it the
 * target's device-model domain, writes the setup for cfg->kind, introduces
 * it to xenstored, and unpauses it (unless cfg->paused). On success *out_r says
 * what it made. On failure nothing is left behind (the half-built domain is
 * destroyed and its xenstore nodes removed) and err says what failed.
 */
int stubdom_build_start(xc_interface *xch, struct xs_handle *xs,
			const struct stubdom_build_cfg *cfg,
			struct stubdom_build_out *out_r,
			struct stubdom_build_err *err);

/*
 * Destroys stub domain `stub` and removes its xenstore state (its home,
 * its PV devices' backends in dom0,
 * its /vm entry, and, if the target still names it as its device-model
 * domain, the target's device-model-domid, dm-argv, dmargs and dom0's
 * device-model directory for the target (the MiniOS kind's)), then
 * waits up to timeout_ms for Xen to let go of it. Xen keeps a stub whose
 * QEMU made an ioreq server in its target "dying" until the target is
 * destroyed too (the server holds it): that counts as done here. A stub
 * that is already gone only gets its xenstore state cleaned. Returns 0,
 * or -1 with err.
 */
int stubdom_build_destroy(xc_interface *xch, struct xs_handle *xs,
			  uint32_t stub, int timeout_ms,
			  struct stubdom_build_err *err);

/*
 * The same for the caller of start, from what start made: the target's
 * setup and the stub's /vm entry are removed even when the stub's home,
 * where destroy reads them, has already gone (the stub destroyed by
 * someone else, e.g. xl destroy).
 */
int stubdom_build_destroy_made(xc_interface *xch, struct xs_handle *xs,
			       const struct stubdom_build_out *made,
			       int timeout_ms, struct stubdom_build_err *err);

#endif
