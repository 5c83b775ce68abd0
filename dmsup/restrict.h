/*
 * Deprivileged device models (docs/restrict.md): the `restrict` section
 * resolved into a plan (which uid, which limits, what is missing), the
 * QEMU arguments and the exec trampoline's that carry it out. The pure
 * part (this file's restrict_resolve, restrict_argv, restrict_plan_json)
 * takes the host's user database as a function, so unit tests give one.
 */
#ifndef DMSUP_RESTRICT_H
#define DMSUP_RESTRICT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "dmsup/config.h"

#define RESTRICT_MAX_MISSING 8
struct restrict_plan {
	bool on;
	bool shared; /* one uid for many device models: no uid reaper */
	uid_t uid;
	gid_t gid;
	char how[96]; /* "range xen-qemuuser-range-base (1000) + 5" */
	char off_why[160];
	int nproc;
	long long fsize;   /* bytes; -1: none */
	char sandbox[260]; /* "": none (a QEMU without seccomp) */
	bool domid_restrict;
	bool mntns; /* its own mount namespace, root and /tmp (restrict-ns.h) */
	char mntns_why[2][200]; /* what missing names when it has none */
	const char *missing[RESTRICT_MAX_MISSING];
	int n_missing;
};

/* The user database: 0 and the user's uid and gid, or -1 (no such). */
typedef int restrict_lookup_fn(const char *name, uid_t *uid_r, gid_t *gid_r);

/* config_from_json's check of the section against the rest (kind,
 * origin). 0, or -1 with @path and @msg set. */
int restrict_config_check(const struct dm_config *cfg, char *path,
			  size_t path_len, char *msg, size_t msg_len);

/*
 * The plan for @cfg on a host where dmsup runs as root (@root) and users
 * come from @lookup. 0 with *p filled (p->on false and p->off_why when
 * off); -1 when the section asks for what the host does not have, with
 * @err naming it.
 */
int restrict_resolve(const struct dm_config *cfg, bool root,
		     restrict_lookup_fn *lookup, struct restrict_plan *p,
		     char *err, size_t err_len);
/* Adds a missing feature (a static string) to @p. */
void restrict_missing(struct restrict_plan *p, const char *what);
/* The QEMU has no -sandbox (built without seccomp): none, and named. */
void restrict_no_sandbox(struct restrict_plan *p);

/*
 * The host cannot give the mount namespace (@why: "unshare: Operation
 * not permitted"): restrict.mode auto runs without it, named in missing
 * as "mount namespace (WHY)" and "private /tmp (no mount namespace)"; an
 * explicit mode is refused (-1 with @err). @cfg NULL: a run that has
 * none already (a reattach), named.
 */
int restrict_no_mntns(const struct dm_config *cfg, struct restrict_plan *p,
		      const char *why, char *err, size_t err_len);

/*
 * What is spawned for a restricted QEMU: the trampoline @tramp
 * (dmsup-restrict-exec, or dmsup itself; --restrict-exec with the
 * limits, @cgroup, "" for none, and
 * --mntns @chroot with the mount namespace), then
 * @qemu (its QMP chardev already on a passed fd, argv.h), -runas, -chroot
 * @chroot, -sandbox and, with Xen, -xen-domid-restrict. Takes @qemu
 * (freed); NULL when out of memory.
 */
char **restrict_argv(char **qemu, const struct restrict_plan *p,
		     const char *chroot, const char *cgroup, const char *tramp);

/* What status shows: {uid, gid, user, chroot, ..., missing: [...]}. */
struct json_object *restrict_plan_json(const struct restrict_plan *p,
				       const char *chroot);

#endif
