/*
 * fdatasync in a detached thread (savesync.h). The thread owns the
 * duplicated fd and writes the eventfd as the very last thing it does
 * with the record; the loop owns the record and the eventfd, and frees
 * them once the eventfd fired, whether or not anyone still waits.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

#include "dmsup/savesync.h"

struct savesync {
	struct event *ev;
	int efd;		/* the loop's; the thread writes it once */
	int fd;			/* the thread's (a duplicate), closed by it */
	int err;		/* the thread's result, read after efd fired */
	savesync_done_fn *done; /* NULL once told */
	void *arg;
};

static void *savesync_thread(void *arg)
{
	struct savesync *s = arg;
	int efd = s->efd;
	uint64_t one = 1;

	s->err = fdatasync(s->fd) ? errno : 0;
	close(s->fd);
	/* The record is the loop's from here: touch nothing of it. */
	while (write(efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	return NULL;
}

static void savesync_fired_cb(evutil_socket_t fd, short what, void *arg)
{
	struct savesync *s = arg;
	savesync_done_fn *done = s->done;
	uint64_t n;

	if (read(s->efd, &n, sizeof(n)) < 0 && errno == EAGAIN)
		return; /* spurious: the thread has not written yet */
	event_free(s->ev);
	close(s->efd);
	if (done)
		done(s->arg, s->err);
	free(s);
}

/* A thread that gets no signal: they are the loop's. */
static int savesync_spawn(struct savesync *s)
{
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t t;
	int r;

	sigfillset(&all);
	if ((r = pthread_attr_init(&attr)))
		return r;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&t, &attr, savesync_thread, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return r;
}

struct savesync *savesync_start(struct event_base *base, int fd,
				savesync_done_fn *done, void *arg)
{
	struct savesync *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return NULL;
	s->done = done;
	s->arg = arg;
	s->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	s->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->fd < 0 || s->efd < 0 ||
	    !(s->ev = event_new(base, s->efd, EV_READ | EV_PERSIST,
				savesync_fired_cb, s)) ||
	    event_add(s->ev, NULL))
		goto fail;
	if ((r = savesync_spawn(s)) == 0)
		return s;
	errno = r;
fail:
	r = errno;
	if (s->ev)
		event_free(s->ev);
	if (s->efd >= 0)
		close(s->efd);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
	errno = r ? r : ENOMEM;
	return NULL;
}

void savesync_cancel(struct savesync *s)
{
	savesync_done_fn *done;

	if (!s || !(done = s->done))
		return;
	s->done = NULL;
	done(s->arg, ECANCELED);
}
