/*
 * stubloop.c - a loop device over a disk image (see stubloop.h).
 */
#include "stubkeep/stubloop.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Another process may take the free device between GET_FREE and
 * CONFIGURE (EBUSY): ask again, a bounded number of times. */
#define STUBLOOP_TRIES 8

static int stubloop_fail(char *err, size_t errsz, const char *file,
			 const char *step, int e)
{
	snprintf(err, errsz, "loop device for %s: %s: %s", file, step,
		 strerror(e));
	return -1;
}

/* One try: -1 with errno EBUSY means "try again". */
static int stubloop_try(int ctl, int file_fd, const char *file, bool ro,
			struct stubloop *l, const char **step_r)
{
	struct loop_config lc = {.fd = (unsigned int)file_fd};
	struct stat st;
	int n, fd, e;

	*step_r = "LOOP_CTL_GET_FREE";
	if ((n = ioctl(ctl, LOOP_CTL_GET_FREE)) < 0)
		return -1;
	snprintf(l->dev, sizeof(l->dev), "/dev/loop%d", n);
	*step_r = l->dev;
	if ((fd = open(l->dev, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC)) < 0)
		return -1;
	lc.info.lo_flags = LO_FLAGS_AUTOCLEAR | (ro ? LO_FLAGS_READ_ONLY : 0);
	/* What losetup -a shows (cut at 63 bytes, as losetup does). */
	snprintf((char *)lc.info.lo_file_name, sizeof(lc.info.lo_file_name),
		 "%s", file);
	*step_r = "LOOP_CONFIGURE";
	if (ioctl(fd, LOOP_CONFIGURE, &lc) || fstat(fd, &st)) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	l->fd = fd;
	l->major = major(st.st_rdev);
	l->minor = minor(st.st_rdev);
	return 0;
}

int stubloop_attach(const char *file, bool ro, struct stubloop *l, char *err,
		    size_t errsz)
{
	const char *step = "open";
	int ctl, file_fd, rc = -1, e = 0;

	*l = (struct stubloop){.fd = -1};
	file_fd = open(file, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (file_fd < 0)
		return stubloop_fail(err, errsz, file, "open", errno);
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		e = errno;
		close(file_fd);
		return stubloop_fail(err, errsz, file,
				     "open /dev/loop-control (is the loop "
				     "module loaded?)",
				     e);
	}
	for (int i = 0; i < STUBLOOP_TRIES && rc; i++) {
		rc = stubloop_try(ctl, file_fd, file, ro, l, &step);
		e = errno;
		if (rc && e != EBUSY)
			break;
	}
	/* The loop device holds the file now; ours is not needed. */
	close(file_fd);
	close(ctl);
	return rc ? stubloop_fail(err, errsz, file, step, e) : 0;
}

void stubloop_close(struct stubloop *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}
