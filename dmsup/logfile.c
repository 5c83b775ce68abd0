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

struct logw {
	const char *dir, *name;
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

static void logw_open(struct logw *w)
{
	char *path = logfile_path(w->dir, w->name, 0);
	struct stat st;

	if (!path)
		return;
	w->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	free(path);
	if (w->fd < 0) {
		w->last_errno = errno;
		return;
	}
	w->used = fstat(w->fd, &st) ? 0 : (long)st.st_size;
}

/* name.log.(N-2) -> .(N-1), ..., name.log -> .1; the oldest goes. */
static void logw_rotate(struct logw *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	for (int i = w->files - 1; i >= 1; i--) {
		char *from = logfile_path(w->dir, w->name, i - 1);
		char *to = logfile_path(w->dir, w->name, i);
		if (from && to)
			rename(from, to);
		free(from);
		free(to);
	}
	if (w->files == 1) {
		char *path = logfile_path(w->dir, w->name, 0);
		if (path)
			unlink(path);
		free(path);
	}
	logw_open(w);
}

static void logw_drop(struct logw *w, const char *buf, size_t len, int err)
{
	w->dropped_bytes += len;
	for (size_t i = 0; i < len; i++)
		w->dropped_lines += buf[i] == '\n';
	w->last_errno = err;
}

static bool logw_write_all(struct logw *w, const char *buf, size_t len)
{
	while (len) {
		ssize_t r = write(w->fd, buf, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			logw_drop(w, buf, len, r < 0 ? errno : ENOSPC);
			return false;
		}
		buf += r;
		len -= (size_t)r;
		w->used += r;
	}
	return true;
}

/* Writes as much as fits; returns how much of @buf was consumed. */
static size_t logw_chunk(struct logw *w, const char *buf, size_t len)
{
	if (w->fd < 0)
		logw_open(w);
	if (w->fd < 0) {
		logw_drop(w, buf, len, w->last_errno);
		return len;
	}
	if (w->used >= w->size) {
		logw_rotate(w);
		return 0;
	}
	size_t room = (size_t)(w->size - w->used);
	size_t n = len < room ? len : room;
	if (n < len) {
		/* Break at a line end when one fits, so lines stay whole. */
		const char *nl = memrchr(buf, '\n', n);
		if (nl && w->used > 0)
			n = (size_t)(nl - buf) + 1;
	}
	logw_write_all(w, buf, n);
	if (n < len)
		w->used = w->size;
	return n;
}

static void logw_write(struct logw *w, const char *buf, size_t len)
{
	if (w->dropped_bytes && w->fd >= 0) {
		char note[160];
		int n = snprintf(note, sizeof(note),
				 "dmsup: dropped %llu lines (%llu bytes) of "
				 "this log: %s\n",
				 w->dropped_lines, w->dropped_bytes,
				 strerror(w->last_errno));
		unsigned long long b = w->dropped_bytes, l = w->dropped_lines;
		w->dropped_bytes = w->dropped_lines = 0;
		if (!logw_write_all(w, note, (size_t)n)) {
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

int logfile_helper_main(int argc, char **argv)
{
	static char buf[65536];
	struct logw w = {.fd = -1};

	if (argc != 4)
		return 2;
	w.dir = argv[0];
	w.name = argv[1];
	w.files = atoi(argv[2]);
	w.size = atol(argv[3]);
	if (w.files < 1 || w.size < 1)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	/* A terminal hangup or dmsup's death must not end the capture. */
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	logw_open(&w);
	for (;;) {
		ssize_t r = read(0, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		logw_write(&w, buf, (size_t)r);
	}
	if (w.dropped_bytes)
		logw_write(&w, "", 0);
	if (w.fd >= 0)
		close(w.fd);
	return 0;
}

/* Appends the whole file at @path to @buf (bounded by @max from the end). */
static void logfile_slurp(const char *path, char **buf, size_t *len, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
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
