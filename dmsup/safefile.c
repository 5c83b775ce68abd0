/* Bounded, non-blocking reading of untrusted files (see safefile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dmsup/safefile.h"

int safefile_open(int dirfd, const char *path, int flags)
{
	int oflags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
	struct stat st;
	int fd;

	if (flags & SAFEFILE_NOFOLLOW)
		oflags |= O_NOFOLLOW;
	/* O_NONBLOCK: opening a FIFO for reading must not wait for a writer. */
	fd = openat(dirfd, path, oflags);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		int err = S_ISREG(st.st_mode) ? errno : EINVAL;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static char *safefile_err(const char *path, const char *why)
{
	char *msg;

	return asprintf(&msg, "%s: %s", path, why) < 0 ? NULL : msg;
}

/* Reads up to @max + 1 bytes so that a file over the cap is refused. */
static char *safefile_slurp(int fd, size_t max, size_t *len_r)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	while (buf) {
		if (len == cap) {
			char *nb = cap > max ? NULL : realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		if (r == 0) {
			*len_r = len;
			return buf;
		}
		len += (size_t)r;
		if (len > max) {
			errno = EFBIG;
			break;
		}
	}
	free(buf);
	return NULL;
}

char *safefile_read(int dirfd, const char *path, int flags, size_t max,
		    char **err_r)
{
	int fd = safefile_open(dirfd, path, flags);
	char *text = NULL, *nb;
	size_t len = 0;

	*err_r = NULL;
	if (fd < 0) {
		*err_r =
		    safefile_err(path, errno == EINVAL ? "not a regular file"
						       : strerror(errno));
		return NULL;
	}
	errno = 0;
	text = safefile_slurp(fd, max, &len);
	if (!text) {
		char why[64];
		if (errno == EFBIG)
			snprintf(why, sizeof(why), "larger than %zu bytes",
				 max);
		else
			snprintf(why, sizeof(why), "%s",
				 strerror(errno ? errno : ENOMEM));
		*err_r = safefile_err(path, why);
	} else if ((nb = realloc(text, len + 1))) {
		text = nb;
		text[len] = '\0';
	} else {
		free(text);
		text = NULL;
		*err_r = safefile_err(path, "out of memory");
	}
	close(fd);
	return text;
}
