/*
 * A real qemu-system-x86_64 for tests and benchmarks: started in a private
 * temporary directory with its QMP monitor on a unix socket there, waited
 * for (never a fixed sleep), killed and reaped at the end.
 */
#ifndef TESTS_LOCAL_QMP_QEMU_PROC_H
#define TESTS_LOCAL_QMP_QEMU_PROC_H

#include <stddef.h>
#include <sys/types.h>

#define QEMU_PROC_WAIT_MS 30000

struct qemu_proc {
	pid_t pid;	/* 0 once reaped */
	char dir[64];	/* private temporary directory */
	char qmp[108];	/* dir/qmp.sock: the first QMP monitor */
	char qmp2[108]; /* dir/qmp2.sock: a second one, if asked for */
	char log[128];	/* dir/qemu.log: QEMU's stdout and stderr */
};

/*
 * Start QEMU with `-nodefaults -display none -accel tcg`, the machine
 * arguments in `machine` (NULL-terminated, e.g. {"-M", "none", NULL}) and
 * one QMP monitor (two if second_monitor), and wait until the monitor
 * accepts connections. Returns 0, or -1 with a message in err (QEMU's log
 * included when it died).
 */
int qemu_proc_start(struct qemu_proc *p, const char *const *machine,
		    int second_monitor, char *err, size_t errlen);

/* SIGKILL, reap, remove the directory. Idempotent. */
void qemu_proc_stop(struct qemu_proc *p);

#endif
