/*
 * The `restrict` section of a device model's configuration
 * (dmsup-config(5), docs/restrict.md): parsed by config.c's table, applied
 * by restrict.c.
 */
#ifndef DMSUP_RESTRICT_CONFIG_H
#define DMSUP_RESTRICT_CONFIG_H

/*
 * QEMU 7.2 installs its seccomp filter before -runas drops the uid, so
 * elevateprivileges=deny kills it (SIGSYS) at that setuid: allow, which
 * after the drop gives a process without capabilities nothing.
 */
#define RESTRICT_SANDBOX                                                       \
	"on,obsolete=deny,elevateprivileges=allow,spawn=deny,"                 \
	"resourcecontrol=deny"

/* The users libxl's dm_restrict looks for. */
#define RESTRICT_RANGE_USER "xen-qemuuser-range-base"
#define RESTRICT_SHARED_USER "xen-qemuuser-shared"

struct dm_restrict {
	char *mode;	  /* auto, off, range, shared, user */
	char *user;	  /* range: the base user; shared, user: the user */
	int uid, gid;	  /* 0: from the user (range: the base uid) */
	int nproc;	  /* RLIMIT_NPROC of the device model's uid */
	int fsize_mib;	  /* RLIMIT_FSIZE; -1: auto (restrict.c) */
	char *sandbox;	  /* QEMU's -sandbox */
	int reap_timeout; /* s a start waits for the last run's reaper */
	char *cgroup;	  /* auto, off, or a cgroup2 directory (cgroup.h) */
	int memory_mib;	  /* memory.max; 0: none */
};

#endif
