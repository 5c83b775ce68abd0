/*
 * A restricted device model's mount namespace (see restrict-ns.h). The
 * steps, in the trampoline (root, before the exec of QEMU):
 *
 *   unshare(CLONE_NEWNS)               a copy of dom0's mounts
 *   / private, recursively             nothing propagates back to dom0
 *   tmpfs on CHROOT                    QEMU's root: empty, 64 KiB
 *   tmpfs on CHROOT/tmp                its /tmp: 4 MiB, mode 1777
 *   CHROOT/rom bound read-only         dom0's CHROOT/rom (the ROMs)
 *   CHROOT remounted read-only
 *
 * QEMU's -chroot then enters the tmpfs, whose path is dom0's empty
 * directory: dom0 never sees anything in it but rom/.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dmsup/restrict-ns.h"

#define NS_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)

enum ns_step {
	NS_UNSHARE,
	NS_PRIVATE,
	NS_CHROOT,
	NS_ROOT,
	NS_TMP,
	NS_ROM,
	NS_RDONLY,
	NS_BACK,
	NS_STEPS
};

static const char *const ns_steps[NS_STEPS] = {
    [NS_UNSHARE] = "unshare",
    [NS_PRIVATE] = "making / private",
    [NS_CHROOT] = "the chroot directory",
    [NS_ROOT] = "tmpfs on the chroot",
    [NS_TMP] = "tmpfs on /tmp",
    [NS_ROM] = "bind of rom/",
    [NS_RDONLY] = "read-only root",
    [NS_BACK] = "chdir back",
};

const char *restrict_ns_step(int step)
{
	return step >= 0 && step < NS_STEPS ? ns_steps[step] : "(unknown)";
}

/* "/proc/self/fd/N" without stdio (async-signal-safe). */
static void ns_fd_path(char *buf, int fd)
{
	char digits[12];
	int n = 0;

	do
		digits[n++] = (char)('0' + fd % 10);
	while ((fd /= 10) && n < (int)sizeof(digits));
	strcpy(buf, "/proc/self/fd/");
	buf += strlen(buf);
	while (n)
		*buf++ = digits[--n];
	*buf = '\0';
}

/* In the tmpfs (the cwd): /tmp, rom/ bound from @rom (-1: none), then
 * the root read-only. */
static int ns_fill(int rom, int *step_r)
{
	char src[32];

	*step_r = NS_TMP;
	if (mkdir("tmp", 0555) ||
	    mount("tmpfs", "tmp", "tmpfs", NS_FLAGS, RESTRICT_NS_TMP_OPTS))
		return -1;
	*step_r = NS_ROM;
	if (rom >= 0) {
		ns_fd_path(src, rom);
		if (mkdir("rom", 0555) ||
		    mount(src, "rom", NULL, MS_BIND, NULL) ||
		    mount(NULL, "rom", NULL,
			  MS_REMOUNT | MS_BIND | MS_RDONLY | NS_FLAGS, NULL))
			return -1;
	}
	*step_r = NS_RDONLY;
	return mount(NULL, ".", NULL, MS_REMOUNT | MS_RDONLY | NS_FLAGS, NULL);
}

int restrict_ns_enter(const char *chroot, int *step_r)
{
	int cwd = -1, dir = -1, rom = -1, rc = -1, saved;

	*step_r = NS_UNSHARE;
	if (unshare(CLONE_NEWNS))
		return -1;
	*step_r = NS_PRIVATE;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -1;
	*step_r = NS_CHROOT;
	cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	dir = open(chroot, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0)
		goto out;
	/* dom0's rom/, under what the tmpfs is about to cover. */
	rom = openat(dir, "rom", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rom < 0 && errno != ENOENT)
		goto out;
	*step_r = NS_ROOT;
	if (mount("tmpfs", chroot, "tmpfs", NS_FLAGS, RESTRICT_NS_ROOT_OPTS) ||
	    chdir(chroot))
		goto out;
	if (ns_fill(rom, step_r))
		goto out;
	*step_r = NS_BACK;
	if (cwd >= 0 ? fchdir(cwd) : chdir("/"))
		goto out;
	rc = 0;
out:
	saved = errno;
	if (rom >= 0)
		close(rom);
	if (dir >= 0)
		close(dir);
	if (cwd >= 0)
		close(cwd);
	errno = saved;
	return rc;
}

int restrict_ns_probe(const char *chroot, char *why, size_t len)
{
	int fd[2], res[2], status = 0, step;
	ssize_t n;
	pid_t pid;

	if (pipe2(fd, O_CLOEXEC)) {
		snprintf(why, len, "pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		close(fd[0]);
		if (restrict_ns_enter(chroot, &step)) {
			int m[2] = {step, errno};
			_exit(write(fd[1], m, sizeof(m)) == sizeof(m) ? 1 : 2);
		}
		_exit(0);
	}
	close(fd[1]);
	while ((n = read(fd[0], res, sizeof(res))) < 0 && errno == EINTR)
		;
	close(fd[0]);
	/* Bounded: the child makes a few mounts and exits. */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(res)) {
		snprintf(why, len, "%s: %s", restrict_ns_step(res[0]),
			 strerror(res[1]));
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(why, len, "its probe ended with status 0x%x", status);
		return -1;
	}
	return 0;
}

bool restrict_ns_own(pid_t pid)
{
	char path[64], theirs[64] = "", ours[64] = "";

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	if (readlink(path, theirs, sizeof(theirs) - 1) <= 0 ||
	    readlink("/proc/self/ns/mnt", ours, sizeof(ours) - 1) <= 0)
		return false;
	return strcmp(theirs, ours) != 0;
}
