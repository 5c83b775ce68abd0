/* Save files in memfds and streams (savestream.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "dmsup/savestream.h"

#define SAVESTREAM_SEALS                                                       \
	(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

struct savestream {
	struct event *ev;    /* readable */
	struct event *timer; /* the whole header's deadline */
	int fd;
	size_t got;
	savestream_fn *fn;
	void *arg;
	char buf[SAVEFILE_HEADER_SIZE];
};

static int savestream_err(char *err, size_t errlen, const char *name,
			  const char *what)
{
	snprintf(err, errlen, "domain %s: save stream: %s: %s", name, what,
		 strerror(errno));
	return -1;
}

/* @fd reopened with @flags: a description of its own (offset 0), as
 * QEMU's fdsets match an fd by its access mode. */
static int savestream_reopen(int fd, int flags)
{
	char path[40];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, flags | O_CLOEXEC);
}

int savestream_memfd(const char *name, char *err, size_t errlen)
{
	int mfd = memfd_create("dmsup-save", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int fd;

	if (mfd < 0)
		return savestream_err(err, errlen, name, "memfd_create");
	/* QEMU asks its fdset for a write-only fd. */
	fd = savestream_reopen(mfd, O_WRONLY);
	close(mfd);
	if (fd < 0)
		return savestream_err(err, errlen, name, "reopening the memfd");
	if (lseek(fd, SAVEFILE_HEADER_SIZE, SEEK_SET) < 0) {
		savestream_err(err, errlen, name, "lseek");
		close(fd);
		return -1;
	}
	return fd;
}

int savestream_seal(int fd, const char *name, char *err, size_t errlen)
{
	int rfd;

	if (fcntl(fd, F_ADD_SEALS, SAVESTREAM_SEALS))
		return savestream_err(err, errlen, name, "sealing it");
	if ((rfd = savestream_reopen(fd, O_RDONLY)) < 0)
		return savestream_err(err, errlen, name, "reopening it");
	return rfd;
}

enum savestream_type savestream_type(int fd, const char *name, char *err,
				     size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st)) {
		savestream_err(err, errlen, name, "fstat");
		return SAVESTREAM_BAD;
	}
	if (S_ISREG(st.st_mode))
		return SAVESTREAM_FILE;
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
		return SAVESTREAM_STREAM;
	snprintf(err, errlen,
		 "domain %s: save stream: not a regular file, pipe or socket",
		 name);
	return SAVESTREAM_BAD;
}

int savestream_check_file(int fd, const struct dm_config *cfg,
			  struct savefile_info *info_r, char *err,
			  size_t errlen)
{
	char buf[SAVEFILE_HEADER_SIZE];
	struct stat st;
	off_t at = lseek(fd, 0, SEEK_CUR);
	ssize_t got;

	if (at < 0 || fstat(fd, &st))
		return savestream_err(err, errlen, cfg->name, "lseek");
	if ((got = pread(fd, buf, sizeof(buf), at)) < 0)
		return savestream_err(err, errlen, cfg->name, "read");
	if (savefile_check(buf, (size_t)got, (uint64_t)(st.st_size - at), cfg,
			   SAVESTREAM_LABEL, info_r, err, errlen))
		return -1;
	if (lseek(fd, at + SAVEFILE_HEADER_SIZE, SEEK_SET) < 0)
		return savestream_err(err, errlen, cfg->name, "lseek");
	return 0;
}

/* Tells @s's outcome once: nothing of @s runs after it. */
static void savestream_tell(struct savestream *s, const char *why)
{
	event_del(s->ev);
	event_del(s->timer);
	s->fn(s->arg, why ? NULL : s->buf, why ? 0 : s->got, why);
}

static void savestream_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct savestream *s = arg;
	char why[96];

	snprintf(why, sizeof(why), "%zu of the header's %d bytes came in time",
		 s->got, SAVEFILE_HEADER_SIZE);
	savestream_tell(s, why);
}

static void savestream_cb(evutil_socket_t fd, short what, void *arg)
{
	struct savestream *s = arg;
	char why[96];
	ssize_t r = read(s->fd, s->buf + s->got, sizeof(s->buf) - s->got);

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r < 0) {
		snprintf(why, sizeof(why), "reading it: %s", strerror(errno));
		savestream_tell(s, why);
		return;
	}
	s->got += (size_t)r;
	if (!r || s->got == sizeof(s->buf))
		savestream_tell(s, NULL);
}

struct savestream *savestream_read(struct event_base *base, int fd,
				   int timeout_s, savestream_fn *fn, void *arg)
{
	struct savestream *s = calloc(1, sizeof(*s));
	struct timeval tv = {timeout_s, 0};
	int fl = fcntl(fd, F_GETFL);

	if (!s)
		return NULL;
	s->fd = fd;
	s->fn = fn;
	s->arg = arg;
	/* The sender's open file: it reads it no more once it sent it. */
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) ||
	    !(s->ev = event_new(base, fd, EV_READ | EV_PERSIST, savestream_cb,
				s)) ||
	    !(s->timer = evtimer_new(base, savestream_timeout_cb, s)) ||
	    event_add(s->ev, NULL) || evtimer_add(s->timer, &tv)) {
		savestream_free(s);
		return NULL;
	}
	return s;
}

void savestream_free(struct savestream *s)
{
	if (!s)
		return;
	if (s->ev)
		event_free(s->ev);
	if (s->timer)
		event_free(s->timer);
	free(s);
}
