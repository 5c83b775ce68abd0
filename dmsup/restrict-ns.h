/*
 * A restricted device model's mount namespace (docs/restrict.md): the
 * trampoline, still root, leaves dom0's mount namespace for a private
 * one in which the chroot is a small read-only tmpfs with a private,
 * size-capped /tmp and, bound read-only from dom0's chroot directory,
 * the rom/ that dmsup fills at a NIC hotplug. Nothing mounted there is
 * seen by dom0, and all of it goes with the last process of the
 * namespace.
 */
#ifndef DMSUP_RESTRICT_NS_H
#define DMSUP_RESTRICT_NS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The tmpfs on the chroot (read-only once its mount points exist) and
 * the one on its /tmp. */
#define RESTRICT_NS_ROOT_OPTS "size=64k,nr_inodes=16,mode=0555,uid=0,gid=0"
#define RESTRICT_NS_TMP_MIB 4
#define RESTRICT_NS_TMP_OPTS "size=4m,nr_inodes=256,mode=1777,uid=0,gid=0"

/*
 * Makes the calling process's mount namespace: unshare, every mount
 * private (recursively), the tmpfs on @chroot, its /tmp, @chroot/rom
 * bound if dom0's has one. Only async-signal-safe calls (a forked probe
 * runs it too). 0, or -1 with errno and *step_r, the step that failed
 * (restrict_ns_step names it).
 */
int restrict_ns_enter(const char *chroot, int *step_r);
const char *restrict_ns_step(int step);

/*
 * Whether this host lets dmsup make the namespace for @chroot: a forked
 * child makes it and exits (dom0 sees nothing of it). 0, or -1 with @why
 * ("unshare: Operation not permitted"). Blocks for the child's few
 * system calls, like the reaper's rounds.
 */
int restrict_ns_probe(const char *chroot, char *why, size_t len);

/* Whether @pid's mount namespace is another than dmsup's (false when
 * unknown). */
bool restrict_ns_own(pid_t pid);

#endif
