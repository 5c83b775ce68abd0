/* Start, wait for and stop a real QEMU for the local tests and benches. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/local/qmp/qemu-proc.h"

#define QEMU_PROC_MAX_ARGS 32

static void qemu_proc_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void qemu_proc_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static long long qemu_proc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Has QEMU accepted a connection and greeted on the socket? Only a greeting
 * counts: a probe that merely connected could sit unaccepted in the
 * listen backlog (QEMU listens with a backlog of 1), and the test's real,
 * non-blocking connect would then fail with EAGAIN.
 */
static int qemu_proc_probe(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct pollfd pfd = {.events = POLLIN};
	int fd, r;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (r == 0) {
		pfd.fd = fd;
		r = poll(&pfd, 1, QEMU_PROC_WAIT_MS) == 1 &&
			    (pfd.revents & POLLIN)
			? 0
			: -1;
	}
	close(fd);
	return r == 0;
}

static void qemu_proc_exec(struct qemu_proc *p, const char *const *machine,
			   int second_monitor)
{
	const char *argv[QEMU_PROC_MAX_ARGS];
	char mon[160], mon2[160];
	int n = 0, fd;

	/* Never outlive the test that started us. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fd = open(p->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		dup2(fd, 0);
	snprintf(mon, sizeof(mon), "unix:%s,server=on,wait=off", p->qmp);
	snprintf(mon2, sizeof(mon2), "unix:%s,server=on,wait=off", p->qmp2);
	argv[n++] = "qemu-system-x86_64";
	while (*machine && n < QEMU_PROC_MAX_ARGS - 12)
		argv[n++] = *machine++;
	argv[n++] = "-nodefaults";
	argv[n++] = "-display";
	argv[n++] = "none";
	argv[n++] = "-accel";
	argv[n++] = "tcg";
	argv[n++] = "-qmp";
	argv[n++] = mon;
	if (second_monitor) {
		argv[n++] = "-qmp";
		argv[n++] = mon2;
	}
	argv[n] = NULL;
	execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* QEMU's log, for an error message. */
static void qemu_proc_read_log(struct qemu_proc *p, char *buf, size_t len)
{
	int fd = open(p->log, O_RDONLY | O_CLOEXEC);
	ssize_t r = fd >= 0 ? read(fd, buf, len - 1) : -1;

	buf[r > 0 ? r : 0] = 0;
	if (fd >= 0)
		close(fd);
}

/* Wait for every wanted socket to accept, QEMU's death, or the deadline.
 * Sleeps on inotify (the socket appearing) with a short cap, because a
 * socket may exist a moment before it listens. */
static int qemu_proc_wait(struct qemu_proc *p, int second_monitor, char *err,
			  size_t errlen)
{
	long long deadline = qemu_proc_now_ms() + QEMU_PROC_WAIT_MS;
	int ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK), status;
	char buf[4096];

	if (ino >= 0)
		inotify_add_watch(ino, p->dir, IN_CREATE | IN_ATTRIB);
	for (;;) {
		struct pollfd pfd = {.fd = ino, .events = POLLIN};

		if (qemu_proc_probe(p->qmp) &&
		    (!second_monitor || qemu_proc_probe(p->qmp2)))
			break;
		if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
			p->pid = 0;
			qemu_proc_read_log(p, buf, sizeof(buf));
			qemu_proc_err(err, errlen, "QEMU exited early: %s",
				      buf);
			goto fail;
		}
		if (qemu_proc_now_ms() > deadline) {
			qemu_proc_err(err, errlen,
				      "QEMU's QMP socket not ready in %d ms",
				      QEMU_PROC_WAIT_MS);
			goto fail;
		}
		if (poll(&pfd, ino >= 0 ? 1 : 0, 20) > 0)
			while (read(ino, buf, sizeof(buf)) > 0)
				;
	}
	if (ino >= 0)
		close(ino);
	return 0;
fail:
	if (ino >= 0)
		close(ino);
	return -1;
}

int qemu_proc_start(struct qemu_proc *p, const char *const *machine,
		    int second_monitor, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->dir, sizeof(p->dir), "/tmp/qmp-test.XXXXXX");
	if (!mkdtemp(p->dir)) {
		qemu_proc_err(err, errlen, "mkdtemp: %s", strerror(errno));
		p->dir[0] = 0;
		return -1;
	}
	snprintf(p->qmp, sizeof(p->qmp), "%s/qmp.sock", p->dir);
	snprintf(p->qmp2, sizeof(p->qmp2), "%s/qmp2.sock", p->dir);
	snprintf(p->log, sizeof(p->log), "%s/qemu.log", p->dir);
	p->pid = fork();
	if (p->pid < 0) {
		qemu_proc_err(err, errlen, "fork: %s", strerror(errno));
		p->pid = 0;
		qemu_proc_stop(p);
		return -1;
	}
	if (p->pid == 0)
		qemu_proc_exec(p, machine, second_monitor);
	if (qemu_proc_wait(p, second_monitor, err, errlen) < 0) {
		qemu_proc_stop(p);
		return -1;
	}
	return 0;
}

void qemu_proc_stop(struct qemu_proc *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
			;
		p->pid = 0;
	}
	if (p->dir[0]) {
		unlink(p->qmp);
		unlink(p->qmp2);
		unlink(p->log);
		rmdir(p->dir);
		p->dir[0] = 0;
	}
}
