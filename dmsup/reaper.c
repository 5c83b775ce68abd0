/*
 * The uid reaper: a job per uid, rounds on a timer until no process of
 * the uid is left or the deadline passed (reaper.h). States of a job:
 * reaping -> done | failed; a new death of the uid restarts it.
 */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "dmsup/log.h"
#include "dmsup/reaper.h"

enum reaper_job_state { REAPER_REAPING, REAPER_DONE, REAPER_FAILED };

static const char *const reaper_state_names[] = {"reaping", "done", "failed"};

struct reaper_waiter {
	struct reaper_waiter *next;
	reaper_done_fn *cb;
	void *arg;
};

struct reaper_job {
	struct reaper_job *next;
	uid_t uid;
	gid_t gid;
	enum reaper_job_state state;
	struct timespec deadline;
	struct event *timer;
	int rounds, left;
	char label[96];
	struct reaper_waiter *waiters;
};

static struct reaper_job *reaper_jobs;

static struct reaper_job *reaper_find(uid_t uid)
{
	struct reaper_job *j;

	for (j = reaper_jobs; j && j->uid != uid; j = j->next)
		;
	return j;
}

/* One "Uid:" line: real, effective, saved, fs. */
static bool reaper_proc_is(const char *pid, uid_t uid)
{
	char path[64], buf[2048];
	FILE *f;
	bool ours = false, zombie = false;

	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	if (!(f = fopen(path, "re")))
		return false;
	while (fgets(buf, sizeof(buf), f)) {
		unsigned long r, e, s;
		if (!strncmp(buf, "State:", 6))
			zombie = strchr(buf, 'Z') != NULL;
		else if (sscanf(buf, "Uid: %lu %lu %lu", &r, &e, &s) == 3) {
			ours = r == uid || e == uid || s == uid;
			break;
		}
	}
	fclose(f);
	return ours && !zombie;
}

int reaper_count_uid(uid_t uid)
{
	DIR *dir = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!dir)
		return -1;
	while ((de = readdir(dir)))
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9' &&
		    reaper_proc_is(de->d_name, uid))
			n++;
	closedir(dir);
	return n;
}

/*
 * A child that is the uid and nothing else sends SIGKILL to all it may
 * signal: the processes of the uid. Never as root: any failure to become
 * the uid ends the child before the kill.
 */
static int reaper_kill_round(uid_t uid, gid_t gid)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (setgroups(0, NULL) || setresgid(gid, gid, gid) ||
		    setresuid(uid, uid, uid) || getuid() != uid ||
		    geteuid() != uid || uid == 0)
			_exit(1);
		kill(-1, SIGKILL);
		_exit(0);
	}
	/* Bounded: the child does three syscalls and exits. */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

static void reaper_finish(struct reaper_job *j, enum reaper_job_state to)
{
	struct reaper_waiter *w;

	j->state = to;
	if (to == REAPER_DONE)
		log_info("%s: uid %ld reaped (%d round%s)", j->label,
			 (long)j->uid, j->rounds, j->rounds == 1 ? "" : "s");
	else
		log_warnx("%s: uid %ld: %d process%s left after the reaper's "
			  "deadline",
			  j->label, (long)j->uid, j->left,
			  j->left == 1 ? "" : "es");
	while ((w = j->waiters)) {
		j->waiters = w->next;
		w->cb(w->arg, to == REAPER_DONE);
		free(w);
	}
}

static bool reaper_past(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec ||
	       (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

/* A round, then done, or the next round a little later. */
static void reaper_round_cb(evutil_socket_t fd, short what, void *arg)
{
	struct reaper_job *j = arg;
	int ms = 10 << (j->rounds < 5 ? j->rounds : 5);
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	j->rounds++;
	if (reaper_kill_round(j->uid, j->gid))
		log_warnx("%s: uid %ld: the kill round failed", j->label,
			  (long)j->uid);
	j->left = reaper_count_uid(j->uid);
	if (j->left == 0) {
		reaper_finish(j, REAPER_DONE);
		return;
	}
	if (reaper_past(&j->deadline)) {
		reaper_finish(j, REAPER_FAILED);
		return;
	}
	event_add(j->timer, &tv);
}

void reaper_start(struct event_base *base, uid_t uid, gid_t gid, int timeout_s,
		  const char *label)
{
	struct reaper_job *j = reaper_find(uid);

	if (uid == 0)
		return;
	if (!j) {
		if (!(j = calloc(1, sizeof(*j))))
			return;
		j->uid = uid;
		j->next = reaper_jobs;
		reaper_jobs = j;
	}
	if (!j->timer)
		j->timer = evtimer_new(base, reaper_round_cb, j);
	j->gid = gid;
	j->state = REAPER_REAPING;
	j->rounds = j->left = 0;
	snprintf(j->label, sizeof(j->label), "%s", label);
	clock_gettime(CLOCK_MONOTONIC, &j->deadline);
	j->deadline.tv_sec += timeout_s;
	/* The first round at once: the death is reported after it. */
	if (j->timer)
		reaper_round_cb(-1, 0, j);
	else
		reaper_finish(j, REAPER_FAILED);
}

const char *reaper_state(uid_t uid)
{
	struct reaper_job *j = reaper_find(uid);

	return j ? reaper_state_names[j->state] : NULL;
}

int reaper_left(uid_t uid)
{
	struct reaper_job *j = reaper_find(uid);

	return j ? j->left : 0;
}

struct reaper_waiter *reaper_wait(uid_t uid, reaper_done_fn *cb, void *arg)
{
	struct reaper_job *j = reaper_find(uid);
	struct reaper_waiter *w;

	if (!j || j->state != REAPER_REAPING || !(w = calloc(1, sizeof(*w))))
		return NULL;
	w->cb = cb;
	w->arg = arg;
	w->next = j->waiters;
	j->waiters = w;
	return w;
}

void reaper_wait_cancel(struct reaper_waiter *w)
{
	for (struct reaper_job *j = reaper_jobs; w && j; j = j->next)
		for (struct reaper_waiter **pp = &j->waiters; *pp;
		     pp = &(*pp)->next)
			if (*pp == w) {
				*pp = w->next;
				free(w);
				return;
			}
}
