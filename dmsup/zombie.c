/* Reaping children by pidfd (zombie.h). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "dmsup/log.h"
#include "dmsup/zombie.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

struct zombie {
	struct event *ev;
	int pidfd;
};

int zombie_reap(int pidfd, int *status_r)
{
	siginfo_t si = {.si_pid = 0};

	if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG) ||
	    si.si_pid <= 0)
		return -1;
	/* As waitpid would have said it. */
	if (si.si_code == CLD_EXITED)
		*status_r = (si.si_status & 0xff) << 8;
	else
		*status_r = (si.si_status & 0x7f) |
			    (si.si_code == CLD_DUMPED ? 0x80 : 0);
	return 0;
}

static void zombie_cb(evutil_socket_t fd, short what, void *arg)
{
	struct zombie *z = arg;
	int status;

	zombie_reap(z->pidfd, &status);
	close(z->pidfd);
	event_free(z->ev);
	free(z);
}

void zombie_reap_later(struct event_base *base, int pidfd)
{
	struct zombie *z;
	int status;

	if (pidfd < 0)
		return;
	if ((z = malloc(sizeof(*z))))
		z->pidfd = pidfd;
	if (!z || !(z->ev = event_new(base, pidfd, EV_READ, zombie_cb, z)) ||
	    event_add(z->ev, NULL)) {
		/* Out of memory: reaped now if it has ended, else left. */
		errno = 0;
		if (zombie_reap(pidfd, &status) && errno != ECHILD)
			log_warnx("a child may be left unreaped (out of "
				  "memory)");
		if (z && z->ev)
			event_free(z->ev);
		free(z);
		close(pidfd);
	}
}
