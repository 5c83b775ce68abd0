/*
 * The exec trampoline of a restricted device model (docs/restrict.md,
 * "The exec trampoline"): what posix_spawn cannot set in the child, set
 * by the process that then becomes QEMU. libc alone (and restrict-ns.c),
 * so that dmsup-restrict-exec(8), which every restricted start execs,
 * links nothing else.
 */
#ifndef DMSUP_RESTRICT_EXEC_H
#define DMSUP_RESTRICT_EXEC_H

/* The trampoline's option, argv[1] of both of its programs. */
#define RESTRICT_EXEC_OPT "--restrict-exec"

/*
 * `WHO --restrict-exec [--nproc N] [--fsize BYTES] [--cgroup DIR]
 * [--mntns CHROOT] -- QEMU ARGS`: RLIMIT_CORE 0, the limits,
 * no_new_privs, the cgroup, the mount namespace, then the exec of QEMU.
 * Returns 127 only when one of them failed, said on stderr as
 * "WHO: what: why" (@who: "dmsup-restrict-exec", "dmsup --restrict-exec").
 */
int restrict_exec_main(int argc, char **argv, const char *who);

#endif
