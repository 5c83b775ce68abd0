/* The control socket from systemd (see listenfd.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "dmsup/listenfd.h"

/* More is no socket unit of ours: a bound on what the loop touches. */
#define LISTENFD_MAX 64

/* A whole decimal number in [1, @max], or 0. */
static unsigned long listenfd_number(const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoul(s, &end, 10);
	return errno || *end || v > max ? 0 : v;
}

/* The index of @name in the colon-separated @names, or -1. */
static int listenfd_named(const char *names, const char *name, int n)
{
	size_t len = strlen(name);
	const char *p = names;

	for (int i = 0; p && i < n; i++) {
		const char *colon = strchr(p, ':');
		size_t l = colon ? (size_t)(colon - p) : strlen(p);
		if (l == len && !memcmp(p, name, len))
			return i;
		p = colon ? colon + 1 : NULL;
	}
	return -1;
}

/* Why @fd cannot be the control socket, or NULL if it can. */
static const char *listenfd_unfit(int fd)
{
	struct stat st;
	int v;
	socklen_t l = sizeof(v);

	if (fstat(fd, &st))
		return "is not open";
	if (!S_ISSOCK(st.st_mode))
		return "is not a socket";
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &l) || v != AF_UNIX)
		return "is not a unix socket (AF_UNIX)";
	l = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l) || v != SOCK_STREAM)
		return "is not a stream socket (ListenStream=)";
	l = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &l) || !v)
		return "is not listening (listen(2) it; in a .socket unit: "
		       "ListenStream=, Accept=no)";
	return NULL;
}

/* Which passed fd is the control socket, or -1 with @err set. */
static int listenfd_pick(int n, const char *names, char *err, size_t len)
{
	int i;

	if (n == 1)
		return LISTENFD_START;
	i = names ? listenfd_named(names, LISTENFD_NAME, n) : -1;
	if (i < 0)
		snprintf(err, len,
			 "systemd passed %d sockets (LISTEN_FDS) and none is "
			 "named '" LISTENFD_NAME "' (LISTEN_FDNAMES, "
			 "FileDescriptorName=)",
			 n);
	return i < 0 ? -1 : LISTENFD_START + i;
}

int listenfd_take(char *err, size_t len)
{
	const char *pid_s = getenv("LISTEN_PID");
	const char *fds_s = getenv("LISTEN_FDS");
	const char *names = getenv("LISTEN_FDNAMES");
	unsigned long pid = listenfd_number(pid_s, ~0UL);
	unsigned long n = listenfd_number(fds_s, LISTENFD_MAX);
	int fd = -1, flags;
	const char *why;

	/* No $LISTEN_PID, or another process's (a parent's variables
	 * inherited): nothing is for us. */
	if (!pid_s || pid != (unsigned long)getpid())
		goto out;
	if (!n) {
		snprintf(err, len,
			 "LISTEN_FDS=%s: not a number of sockets "
			 "from 1 to %d",
			 fds_s ? fds_s : "(unset)", LISTENFD_MAX);
		fd = -2;
		goto out;
	}
	fd = listenfd_pick((int)n, names, err, len);
	for (int i = LISTENFD_START; i < LISTENFD_START + (int)n; i++)
		if (i != fd)
			close(i);
	if (fd < 0) {
		fd = -2;
		goto out;
	}
	why = listenfd_unfit(fd);
	flags = why ? 0 : fcntl(fd, F_GETFL);
	if (!why && (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) ||
		     fcntl(fd, F_SETFD, FD_CLOEXEC)))
		why = strerror(errno);
	if (why) {
		snprintf(err, len, "fd %d from systemd (LISTEN_FDS) %s", fd,
			 why);
		close(fd);
		fd = -2;
	}
out:
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return fd;
}

int listenfd_path(int fd, char *buf, size_t len)
{
	struct sockaddr_un sun;
	socklen_t l = sizeof(sun);
	size_t plen;

	memset(&sun, 0, sizeof(sun));
	if (getsockname(fd, (struct sockaddr *)&sun, &l) ||
	    sun.sun_family != AF_UNIX ||
	    l <= offsetof(struct sockaddr_un, sun_path) || !sun.sun_path[0])
		return -1;
	plen =
	    strnlen(sun.sun_path, l - offsetof(struct sockaddr_un, sun_path));
	if (plen >= len)
		return -1;
	memcpy(buf, sun.sun_path, plen);
	buf[plen] = '\0';
	return 0;
}
