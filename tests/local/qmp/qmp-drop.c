/* Dropping QEMU's end of its QMP connections (see qmp-drop.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/local/qmp/qmp-drop.h"

#define QMP_DROP_MAX 16
#define QMP_DROP_ACCEPTCON 0x10000UL /* a listener's flag */
#define QMP_DROP_CONNECTED 3	     /* SS_CONNECTED */

/* The inodes of the connected sockets bound to @path. */
static int qmp_drop_inodes(const char *path, unsigned long *inodes, int max)
{
	FILE *f = fopen("/proc/net/unix", "re");
	char line[512], p[256];
	int n = 0;

	if (!f)
		return -1;
	while (n < max && fgets(line, sizeof(line), f)) {
		unsigned long flags, inode;
		unsigned st;
		p[0] = 0;
		if (sscanf(line, "%*x: %*x %*x %lx %*x %x %lu %255s", &flags,
			   &st, &inode, p) < 3)
			continue;
		if (strcmp(p, path) || (flags & QMP_DROP_ACCEPTCON) ||
		    st != QMP_DROP_CONNECTED)
			continue;
		inodes[n++] = inode;
	}
	fclose(f);
	return n;
}

/* Is @pid's fd @name the socket of one of @inodes? */
static int qmp_drop_is_one(pid_t pid, const char *name,
			   const unsigned long *inodes, int n)
{
	char link[300], target[64];
	unsigned long inode;
	ssize_t len;

	snprintf(link, sizeof(link), "/proc/%d/fd/%s", (int)pid, name);
	len = readlink(link, target, sizeof(target) - 1);
	if (len <= 0)
		return 0;
	target[len] = 0;
	if (sscanf(target, "socket:[%lu]", &inode) != 1)
		return 0;
	for (int i = 0; i < n; i++)
		if (inodes[i] == inode)
			return 1;
	return 0;
}

/* Calls @fn with a duplicate of each of QEMU's ends; stops at its first
 * nonzero return. The number of ends seen, or -1 (@err says why). */
static int qmp_drop_each(pid_t pid, const char *path, char *err, size_t errlen,
			 int (*fn)(int fd, void *arg), void *arg)
{
	unsigned long inodes[QMP_DROP_MAX];
	char dir[64];
	int n = qmp_drop_inodes(path, inodes, QMP_DROP_MAX), seen = 0;
	int pidfd = -1;
	DIR *d = NULL;
	struct dirent *e;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	if (n < 0 || (pidfd = pidfd_open(pid, 0)) < 0 || !(d = opendir(dir))) {
		snprintf(err, errlen, "qmp-drop: pid %d: %s", (int)pid,
			 strerror(errno));
		if (pidfd >= 0)
			close(pidfd);
		return -1;
	}
	while ((e = readdir(d))) {
		if (!qmp_drop_is_one(pid, e->d_name, inodes, n))
			continue;
		int fd = pidfd_getfd(pidfd, atoi(e->d_name), 0);
		if (fd < 0) {
			snprintf(err, errlen, "qmp-drop: pid %d fd %s: %s",
				 (int)pid, e->d_name, strerror(errno));
			seen = -1;
			break;
		}
		seen++;
		if (fn(fd, arg))
			break;
	}
	closedir(d);
	close(pidfd);
	return seen;
}

static int qmp_drop_shutdown(int fd, void *arg)
{
	shutdown(fd, SHUT_RDWR);
	close(fd);
	return 0;
}

int qmp_drop_server_side(pid_t pid, const char *path, char *err, size_t errlen)
{
	return qmp_drop_each(pid, path, err, errlen, qmp_drop_shutdown, NULL);
}

static int qmp_drop_keep(int fd, void *arg)
{
	*(int *)arg = fd;
	return 1;
}

int qmp_dup_server_side(pid_t pid, const char *path, char *err, size_t errlen)
{
	int fd = -1;

	if (qmp_drop_each(pid, path, err, errlen, qmp_drop_keep, &fd) == 0)
		snprintf(err, errlen,
			 "qmp-drop: pid %d has no connection on %s", (int)pid,
			 path);
	return fd;
}
