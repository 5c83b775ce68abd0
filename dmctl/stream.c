/* dmctl's save streams (stream.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "dmctl/stream.h"

bool dmctl_is_stream(const char *path)
{
	return path && !strcmp(path, "-");
}

int dmctl_stream_check(int fd, const char *what)
{
	const char *name = fd ? "stdout" : "stdin";

	if (fcntl(fd, F_GETFD) < 0) {
		fprintf(stderr, "dmctl: %s: %s is not open\n", what, name);
		return -1;
	}
	if (!isatty(fd))
		return 0;
	fprintf(stderr, "dmctl: %s: %s is a terminal; redirect it\n", what,
		name);
	return -1;
}

/* sendfile where stdout takes it (a pipe, a socket, a file), else
 * read and write. Bytes copied, or -1. */
static long long dmctl_copy(int from)
{
	char buf[65536];
	long long done = 0;
	ssize_t r;

	while ((r = sendfile(STDOUT_FILENO, from, NULL, 1 << 20)) > 0)
		done += r;
	if (!r)
		return done;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	while ((r = read(from, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < r;) {
			ssize_t w =
			    write(STDOUT_FILENO, buf + off, (size_t)(r - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return -1;
			off += w;
		}
		done += r;
	}
	return r < 0 ? -1 : done;
}

int dmctl_stream_out(int from, long long length)
{
	/* A reader that went away is an error to report, not a signal. */
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	long long done = lseek(from, 0, SEEK_SET) ? -1 : dmctl_copy(from);
	int err = errno;

	signal(SIGPIPE, old);
	close(from);
	if (done < 0) {
		fprintf(stderr, "dmctl: save --file -: writing stdout: %s\n",
			strerror(err));
		return -1;
	}
	if (done != length) {
		fprintf(stderr,
			"dmctl: save --file -: %lld bytes written, dmsup said "
			"%lld\n",
			done, length);
		return -1;
	}
	return 0;
}
