/* The QEMU command line of a device model, built from a table of options. */
#ifndef DMSUP_ARGV_H
#define DMSUP_ARGV_H

#include <stdbool.h>

#include "dmsup/config.h"

struct dm_paths;

/*
 * Returns a NULL-terminated, malloc'd argv (free with argv_free) for
 * @cfg, whose QMP socket is at @qmp_path. NULL only when out of memory.
 */
char **argv_build(const struct dm_config *cfg, const char *qmp_path);
void argv_free(char **argv);
/* argv_build for a restore: QEMU waits with -incoming defer. */
char **argv_build_restore(const struct dm_config *cfg, const char *qmp_path);
/*
 * A spawned QEMU's QMP chardev on @fd, the socket dmsup bound at the
 * path and passes: QEMU never creates it, so dmsup connects at once
 * instead of polling for it, and a chroot needs no path. 0, or -1 when
 * out of memory (@argv unchanged).
 */
int argv_qmp_on_fd(char **argv, int fd);
/* What the stub keeper gets besides the configuration. */
struct argv_keeper_run {
	const char *self_exe; /* dmsup itself */
	const char *ctl;      /* Linux: its control socket (--ctl), or NULL */
	bool restore;	      /* Linux: a restore from its fd SPAWN_QMP_FD */
};

/* What a Linux stub replaces with fd:N, N its console 2 (Xen's stubdom
 * protocol, as libxl writes it). */
#define ARGV_STUB_RESTORE_ARG "$STUBDOM_RESTORE_INCOMING_ARG"

/*
 * What is spawned: for kind dom0 the QEMU argv; for the stub kinds the
 * stub keeper's (`SELF_EXE --stub-keeper --kind ... -- QEMU-ARGS`, the
 * QEMU argv without its argv[0]; a restore adds -incoming
 * ARGV_STUB_RESTORE_ARG). NULL only when out of memory.
 */
char **argv_build_spawn(const struct dm_config *cfg, const char *qmp_path,
			const struct argv_keeper_run *run);
/* The stub domain's memory, MiB: the plan's (own + videoram, as libxl
 * sizes stub domains). */
unsigned long argv_stub_memory_mib(const struct dm_config *cfg);

#endif
