/* Listening sockets for QEMU, and fds sent over a connection. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "dmsup/unixsock.h"
#include "libdmsup/frame.h"

#define UNIXSOCK_MAX_FDS 8

int unixsock_listen(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct stat st;
	mode_t old;
	int fd, r;

	if (strlen(path) >= sizeof(sun.sun_path))
		return errno = ENAMETOOLONG, -1;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	/* Only a socket is ours to replace: never a file planted there. */
	if (!lstat(path, &st)) {
		if (!S_ISSOCK(st.st_mode))
			return errno = EEXIST, -1;
		if (unlink(path))
			return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r || listen(fd, 4)) {
		int e = errno;
		close(fd);
		return errno = e, -1;
	}
	return fd;
}

int unixsock_answers(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct stat st;
	int fd, r;

	if (lstat(path, &st))
		return 0;
	if (!S_ISSOCK(st.st_mode))
		return errno = EEXIST, -1;
	if (strlen(path) >= sizeof(sun.sun_path))
		return 0;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return 0;
	r = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	r = !r || errno == EAGAIN || errno == EINPROGRESS;
	close(fd);
	return r;
}

ssize_t unixsock_send_fds(int sock, const void *buf, size_t len, const int *fds,
			  int n)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * UNIXSOCK_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {(void *)buf, len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t r;

	if (n < 0 || n > UNIXSOCK_MAX_FDS || !len)
		return errno = EINVAL, -1;
	if (n) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)n);
	}
	do
		r = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	return r;
}

ssize_t unixsock_recv_fds(int sock, void *buf, size_t len, int *fds, int max,
			  int *nfds_r, bool *over_r)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * UNIXSOCK_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {buf, len};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf)};
	ssize_t r;

	*nfds_r = 0;
	*over_r = false;
	if (max < 0 || max > UNIXSOCK_MAX_FDS)
		return errno = EINVAL, -1;
	do
		r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return r;
	*nfds_r = frame_fds_take(&mh, fds, max, over_r);
	/* The kernel closed what did not fit the control buffer. */
	if (mh.msg_flags & MSG_CTRUNC)
		*over_r = true;
	return r;
}
