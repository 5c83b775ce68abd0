/*
 * The device model's log: the helper's copy loop with rotation and a cap,
 * and reading the tail back.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dmsup/logfile.h"
#include "dmsup/safefile.h"

struct logfile_writer {
	const char *dir, *name;
	int dirfd; /* the log dir: every name is resolved under it */
	int files;
	long size;
	int fd;
	long used;
	unsigned long long dropped_bytes, dropped_lines;
	int last_errno;
};

char *logfile_path(const char *dir, const char *name, int n)
{
	char *p;
	int r = n ? asprintf(&p, "%s/%s.log.%d", dir, name, n)
		  : asprintf(&p, "%s/%s.log", dir, name);
	return r < 0 ? NULL : p;
}

/* name.log or name.log.N, relative to the log dir. */
static void logw_name(const struct logfile_writer *w, int n, char *buf,
		      size_t size)
{
	if (n)
		snprintf(buf, size, "%s.log.%d", w->name, n);
	else
		snprintf(buf, size, "%s.log", w->name);
}

/* O_NOFOLLOW under the dir's fd: a symlink planted as name.log (or a
 * renamed dir) must not make us append to another file as root. */
static void logw_open(struct logfile_writer *w)
{
	char name[300];
	struct stat st;

	logw_name(w, 0, name, sizeof(name));
	w->fd = openat(w->dirfd, name,
		       O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW |
			   O_NONBLOCK | O_NOCTTY,
		       0640);
	if (w->fd < 0) {
		w->last_errno = errno;
		return;
	}
	if (fstat(w->fd, &st) || !S_ISREG(st.st_mode)) {
		close(w->fd);
		w->fd = -1;
		w->last_errno = EINVAL;
		return;
	}
	w->used = (long)st.st_size;
}

/* name.log.(N-2) -> .(N-1), ..., name.log -> .1; the oldest goes. */
static void logw_rotate(struct logfile_writer *w)
{
	char from[300], to[300];

	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	for (int i = w->files - 1; i >= 1; i--) {
		logw_name(w, i - 1, from, sizeof(from));
		logw_name(w, i, to, sizeof(to));
		renameat(w->dirfd, from, w->dirfd, to);
	}
	if (w->files == 1) {
		logw_name(w, 0, from, sizeof(from));
		unlinkat(w->dirfd, from, 0);
	}
	logw_open(w);
}

static void logw_drop(struct logfile_writer *w, const char *buf, size_t len,
		      int err)
{
	w->dropped_bytes += len;
	for (size_t i = 0; i < len; i++)
		w->dropped_lines += buf[i] == '\n';
	w->last_errno = err;
}

/* Writes all of @buf; on failure what is left is dropped (counted if
 * @count) and the file closed. */
static bool logw_write_all(struct logfile_writer *w, const char *buf,
			   size_t len, bool count)
{
	while (len) {
		ssize_t r = write(w->fd, buf, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (count)
				logw_drop(w, buf, len, r < 0 ? errno : ENOSPC);
			else
				w->last_errno = r < 0 ? errno : ENOSPC;
			/* Opened again for the next write: the disk may have
			 * room again, or the file may have been replaced. */
			close(w->fd);
			w->fd = -1;
			return false;
		}
		buf += r;
		len -= (size_t)r;
		w->used += r;
	}
	return true;
}

/*
 * Writes what fits in the current file; returns how much of @buf was
 * consumed (0 after a rotation). Lines stay whole: a line that does not
 * fit goes to the next file, unless it is longer than a whole file.
 */
static size_t logw_chunk(struct logfile_writer *w, const char *buf, size_t len)
{
	if (w->fd < 0)
		logw_open(w);
	if (w->fd < 0) {
		logw_drop(w, buf, len, w->last_errno);
		return len;
	}
	size_t room = w->used < w->size ? (size_t)(w->size - w->used) : 0;
	size_t n = len;
	if (len > room) {
		const char *nl = room ? memrchr(buf, '\n', room) : NULL;
		if (nl) {
			n = (size_t)(nl - buf) + 1;
		} else if (w->used > 0) {
			logw_rotate(w);
			return 0;
		} else {
			n = room;
		}
	}
	logw_write_all(w, buf, n, true);
	return n;
}

void logfile_writer_write(struct logfile_writer *w, const char *buf, size_t len)
{
	if (w->dropped_bytes && w->fd < 0)
		logw_open(w);
	if (w->dropped_bytes && w->fd >= 0) {
		char note[160];
		int n = snprintf(note, sizeof(note),
				 "dmsup: dropped %llu lines (%llu bytes) of "
				 "this log: %s\n",
				 w->dropped_lines, w->dropped_bytes,
				 strerror(w->last_errno));
		unsigned long long b = w->dropped_bytes, l = w->dropped_lines;
		w->dropped_bytes = w->dropped_lines = 0;
		if (!logw_write_all(w, note, (size_t)n, false)) {
			w->dropped_bytes += b;
			w->dropped_lines += l;
		}
	}
	while (len) {
		size_t n = logw_chunk(w, buf, len);
		buf += n;
		len -= n;
	}
}

struct logfile_writer *logfile_writer_new(const char *dir, const char *name,
					  int files, long size)
{
	struct logfile_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->dir = dir;
	w->name = name;
	w->files = files < 1 ? 1 : files;
	w->size = size < 1 ? 1 : size;
	w->fd = -1;
	w->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->dirfd < 0) {
		free(w);
		return NULL;
	}
	logw_open(w);
	return w;
}

unsigned long long logfile_writer_dropped(const struct logfile_writer *w,
					  unsigned long long *lines_r)
{
	if (lines_r)
		*lines_r = w->dropped_lines;
	return w->dropped_bytes;
}

void logfile_writer_free(struct logfile_writer *w)
{
	if (!w)
		return;
	/* A last try to record what was dropped. */
	if (w->dropped_bytes)
		logfile_writer_write(w, "", 0);
	if (w->fd >= 0)
		close(w->fd);
	close(w->dirfd);
	free(w);
}

int logfile_helper_main(int argc, char **argv)
{
	static char buf[65536];
	struct logfile_writer *w;

	if (argc != 4 || atoi(argv[2]) < 1 || atol(argv[3]) < 1)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	/* A terminal hangup or dmsup's death must not end the capture. */
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	w = logfile_writer_new(argv[0], argv[1], atoi(argv[2]), atol(argv[3]));
	if (!w)
		return 1;
	for (;;) {
		ssize_t r = read(0, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		logfile_writer_write(w, buf, (size_t)r);
	}
	logfile_writer_free(w);
	return 0;
}

/* Appends the whole file at @path to @buf (bounded by @max from the end). */
static void logfile_slurp(const char *path, char **buf, size_t *len, size_t max)
{
	/* The log dir is ours: no link, FIFO or device is read back. */
	int fd = safefile_open(AT_FDCWD, path, SAFEFILE_NOFOLLOW);
	struct stat st;

	if (fd < 0)
		return;
	if (!fstat(fd, &st) && st.st_size > 0) {
		size_t want =
		    (size_t)st.st_size > max ? max : (size_t)st.st_size;
		char *nb = realloc(*buf, *len + want + 1);
		if (nb) {
			*buf = nb;
			ssize_t r = pread(fd, nb + *len, want,
					  st.st_size - (off_t)want);
			if (r > 0)
				*len += (size_t)r;
		}
	}
	close(fd);
}

char *logfile_tail(const char *dir, const char *name, int files, int lines,
		   size_t max_bytes)
{
	char *buf = NULL;
	size_t len = 0;

	if (lines <= 0)
		return strdup("");
	/* Oldest first; enough files to hold max_bytes. */
	for (int i = files - 1; i >= 0; i--) {
		char *path = logfile_path(dir, name, i);
		if (path)
			logfile_slurp(path, &buf, &len, max_bytes);
		free(path);
	}
	if (!buf)
		return strdup("");
	buf[len] = '\0';
	size_t start = len > max_bytes ? len - max_bytes : 0;
	int seen = 0;
	size_t end = len && buf[len - 1] == '\n' ? len - 1 : len;
	for (size_t i = end; i > start; i--) {
		if (buf[i - 1] == '\n' && ++seen == lines) {
			start = i;
			break;
		}
	}
	memmove(buf, buf + start, len - start + 1);
	return buf;
}
