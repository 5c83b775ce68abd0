/*
 * A live QEMU's restriction as /proc shows it, never as someone says it
 * is. For a device model adopted from xl (docs/restrict.md, "Device
 * models from xl"): what libxl's dm_restrict did, read once QEMU dropped
 * its privileges; it decides whether dmsup reaps the uid at the death
 * (only libxl's per-domain range uid: a shared one may serve other
 * guests) and what status shows. After a dmsup restart: the limits a
 * reattached run really has (the config may have changed since).
 */
#ifndef DMSUP_RESTRICT_SEEN_H
#define DMSUP_RESTRICT_SEEN_H

#include <stdbool.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "dmsup/restrict.h"

struct restrict_seen {
	uid_t uid, gid;	     /* effective */
	char root[256];	     /* /proc/PID/root; "/" without -chroot */
	bool no_new_privs;   /* NoNewPrivs */
	int seccomp;	     /* Seccomp: 0 none, 2 filter */
	bool domid_restrict; /* -xen-domid-restrict in its argv */
	char sandbox[160];   /* -sandbox's value, "" without */
	/* -runas after dmsup's monitor: dmsup-qemu-dm added it
	 * (--restrict-adopted), not libxl. */
	bool by_dmsup;
};

/* 0 with *s read from /proc/@pid, -1 when it cannot be read. */
int restrict_seen_read(pid_t pid, struct restrict_seen *s);

/*
 * The plan that stands for libxl's choices: on when QEMU does not run as
 * root; not shared (its uid reaped at the death) only when the uid is
 * @range_base + @domid, libxl's range user (@range_base 0: none on this
 * host).
 */
void restrict_seen_plan(const struct restrict_seen *s, uid_t range_base,
			int domid, struct restrict_plan *p);

/* RLIMIT_NPROC and RLIMIT_FSIZE (soft; -1 unlimited) of @pid: 0, or -1
 * when /proc/PID/limits cannot be read. */
int restrict_seen_limits(pid_t pid, long long *nproc_r, long long *fsize_r);

/* What status shows for it ("by": "libxl", or "dmsup"). */
struct json_object *restrict_seen_json(const struct restrict_seen *s,
				       const struct restrict_plan *p);

#endif
