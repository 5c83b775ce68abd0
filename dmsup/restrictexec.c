/*
 * dmsup-restrict-exec: the exec trampoline of every restricted device
 * model (restrict-exec.h) as a program of its own. It runs once per
 * start, between dmsup's spawn and QEMU, so it links libc alone:
 * exec'ing the daemon (its libevent, json-c and Xen libraries) instead
 * cost about a millisecond of CPU per start (bench-tramp prints both).
 * Its argv keeps the daemon's form, `--restrict-exec ... -- QEMU ARGS`,
 * so that every dmsup recognises it.
 */
#include "dmsup/helper.h"
#include "dmsup/restrict-exec.h"

static int restrictexec_run(int argc, char **argv)
{
	return restrict_exec_main(argc, argv, "dmsup-restrict-exec");
}

static const struct helper restrictexec = {
    .name = "dmsup-restrict-exec",
    .mode = RESTRICT_EXEC_OPT,
    .usage = "[--nproc N] [--fsize BYTES] [--cgroup DIR] [--mntns CHROOT] "
	     "-- QEMU ARGS\n(started by dmsup for a restricted device "
	     "model, see dmsup-restrict-exec(8))",
    .run = restrictexec_run,
};

int main(int argc, char **argv)
{
	return helper_main(&restrictexec, argc, argv);
}
