/*
 * stubkeep: `dmsup --stub-keeper`, the per-stub process the daemon
 * supervises instead of a QEMU for the kinds stubdom-linux and
 * stubdom-minios (the contract: /work's KEEPER.md, summarised in
 * docs/stubdom-linux.md "The keeper"). It builds the stub domain, relays
 * its console 0 to stdout, and destroys it when it dies or when asked.
 *
 *   dmsup --stub-keeper --kind linux|minios --target DOMID
 *         --kernel PATH [--ramdisk PATH] [--cmdline STRING]
 *         --memory MIB [--name NAME] [--bios NAME] [--build-timeout S]
 *         [--vbd disk:PATH|disk-ro:PATH|cdrom:PATH]...
 *         [--vif mac=MAC,bridge=BRIDGE]... [--dev-timeout S]
 *         [--ctl PATH] [--restore-fd N]
 *         -- QEMU-ARG...
 *
 * Each --vbd is one of the target's disks, in order: the stub's xvda,
 * xvdb... (stubvbd.h); each --vif one of its NICs, in order: the stub's
 * vif 0, 1... (stubvif.h). Both are attached while the stub is still
 * paused; the keeper fails (exit 2, the stub destroyed) if one does not
 * connect within --dev-timeout.
 *
 * A Linux stub also gets consoles 1 (save) and 2 (restore), served here
 * (stubxcons.h). --ctl is the control socket a save goes through
 * (stubctl.h); --restore-fd an open fd (a save file after its header, or
 * a stream) fed to console 2, which must then connect within
 * --dev-timeout. Without a restore a console that does not connect is
 * said, not fatal: only a save needs it.
 *
 * Exit status: 0 destroyed on request (SIGTERM, SIGINT, SIGHUP); 1 the stub
 * shut down, crashed or disappeared on its own; 2 it could not be built or
 * served (nothing left behind); 64 bad usage.
 */
#ifndef DMSUP_STUBKEEP_H
#define DMSUP_STUBKEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stubdom-proto/setup.h"
#include "stubkeep/stubvbd.h"
#include "stubkeep/stubvif.h"

enum {
	STUBKEEP_EXIT_STOPPED = 0,
	STUBKEEP_EXIT_DIED = 1,
	STUBKEEP_EXIT_FAILED = 2,
	STUBKEEP_EXIT_USAGE = 64,
};

#define STUBKEEP_DEFAULT_TIMEOUT_S 30
/* The stub must boot and load blkfront/netfront within it (TCG: tens of s). */
#define STUBKEEP_DEFAULT_DEV_TIMEOUT_S 120
#define STUBKEEP_MAX_VBD 16 /* xvda..xvdp */

struct stubkeep_opts {
	enum stubdom_kind kind;
	uint32_t target;
	const char *kernel, *ramdisk, *cmdline, *name, *bios;
	unsigned long memory_mib;
	unsigned long timeout_s;     /* bound on each wait for Xen (destroy) */
	unsigned long dev_timeout_s; /* bound on the vbds' connection */
	struct stubvbd_disk vbd[STUBKEEP_MAX_VBD];
	size_t n_vbd;
	struct stubvif_nic vif[STUBVIF_MAX];
	size_t n_vif;
	const char *ctl;	    /* --ctl, or NULL */
	int restore_fd;		    /* --restore-fd, or -1 */
	const char *const *dm_argv; /* into argv */
	size_t dm_argc;
};

/* Parses the arguments after "--stub-keeper" (argv[0] is that word).
 * 0, or -1 with a one-line reason in err. */
int stubkeep_parse(int argc, char **argv, struct stubkeep_opts *o, char *err,
		   size_t errsz);

/* Xen's view of the stub, judged: false while it lives; true when it is
 * gone, dying or shut down, with the contract's words in why ("shut down
 * (poweroff)", "was destroyed", ...). flags are XEN_DOMINF_*. */
bool stubkeep_judge(bool exists, uint32_t flags, char *why, size_t whysz);

/* The whole keeper; returns its exit status. */
int stubkeep_main(int argc, char **argv);
/* `dmsup --stub-reap TARGET STUB` (stubreap.c): argv[0] is "--stub-reap". */
int stubkeep_reap_main(int argc, char **argv);

#endif
