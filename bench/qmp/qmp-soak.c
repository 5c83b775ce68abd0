/*
 * Soak: N real qemu-system-x86_64 starts, each met by libqmp as early as
 * the socket exists (the window where QEMU 7.2 may send an event before its
 * greeting). Prints failures, how many starts saw an event before the
 * greeting, and launch -> greeting times. Asserts nothing.
 * Usage: qmp-soak [N]   (default 100)
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/stats.h"
#include "qmp/qmp.h"

#define CONNECT_TRIES 30000 /* 1 ms apart: 30 s */

struct run {
	struct event_base *base;
	struct qmp *q;
	double t_launch, t_greeting;
	int early_events, ready, closed;
	char why[256];
};

static void on_ready(struct qmp *q, void *arg)
{
	struct run *r = arg;

	r->ready = 1;
	event_base_loopbreak(r->base);
}

static void on_closed(struct qmp *q, int rc, const char *why, void *arg)
{
	struct run *r = arg;

	r->closed = 1;
	snprintf(r->why, sizeof(r->why), "%s", why);
	event_base_loopbreak(r->base);
}

static void on_event(struct qmp *q, const char *name, struct json_object *data,
		     const struct qmp_timestamp *ts, void *arg)
{
	struct run *r = arg;

	if (!strcmp(qmp_state_name_of(q), "greeting"))
		r->early_events++;
}

/* The greeting is the greeting -> negotiating transition. */
static void on_log(struct qmp *q, enum qmp_log_level level, const char *msg,
		   void *arg)
{
	struct run *r = arg;

	if (strstr(msg, "state greeting -> negotiating"))
		r->t_greeting = stats_now_us();
}

static pid_t launch(const char *sock)
{
	char mon[160];
	pid_t pid;
	int fd;

	snprintf(mon, sizeof(mon), "unix:%s,server=on,wait=off", sock);
	pid = fork();
	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}
	execlp("qemu-system-x86_64", "qemu-system-x86_64", "-M", "none",
	       "-nodefaults", "-display", "none", "-accel", "tcg", "-qmp", mon,
	       (char *)NULL);
	_exit(127);
}

/* One start; 0 if READY was reached. */
static int one_start(struct run *r, const char *sock)
{
	static const struct timespec ms = {0, 1000000};
	struct qmp_callbacks cbs = {.ready = on_ready,
				    .closed = on_closed,
				    .event = on_event,
				    .log = on_log,
				    .arg = r};
	struct qmp_limits lim = {.handshake_timeout_ms = 30000};
	pid_t pid;
	int i;

	r->t_launch = stats_now_us();
	pid = launch(sock);
	if (pid < 0) {
		snprintf(r->why, sizeof(r->why), "fork: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < CONNECT_TRIES; i++) {
		r->q = qmp_new(r->base, &cbs, &lim);
		if (r->q && qmp_connect_unix(r->q, sock) == 0)
			break;
		qmp_free(r->q);
		r->q = NULL;
		nanosleep(&ms, NULL);
	}
	if (!r->q)
		snprintf(r->why, sizeof(r->why), "no QMP socket after 30 s");
	else
		while (!r->ready && !r->closed)
			event_base_loop(r->base, EVLOOP_ONCE);
	qmp_free(r->q);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unlink(sock);
	return r->ready ? 0 : -1;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/qmp-soak.XXXXXX", sock[108];
	int n = argc > 1 ? atoi(argv[1]) : 100, i, fails = 0, early = 0, ok = 0;
	double *lat;

	if (n <= 0 || !mkdtemp(dir))
		return 1;
	lat = calloc((size_t)n, sizeof(*lat));
	if (!lat)
		return 1;
	snprintf(sock, sizeof(sock), "%s/qmp.sock", dir);
	for (i = 0; i < n; i++) {
		struct run r = {.base = event_base_new()};

		if (one_start(&r, sock) < 0) {
			fails++;
			printf("  start %d failed: %s\n", i, r.why);
		} else if (r.t_greeting > 0) {
			lat[ok++] = (r.t_greeting - r.t_launch) / 1000.0;
		}
		early += r.early_events > 0;
		event_base_free(r.base);
	}
	rmdir(dir);
	printf("qmp-soak: %d QEMU starts (-M none, TCG): %d failed, %d saw an "
	       "event before the greeting\n",
	       n, fails, early);
	if (ok)
		printf("  launch -> greeting: median %.1f ms, p90 %.1f ms "
		       "(n=%d)\n",
		       stats_quantile(lat, (size_t)ok, 0.5),
		       stats_quantile(lat, (size_t)ok, 0.9), ok);
	free(lat);
	return 0;
}
