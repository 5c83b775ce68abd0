/*
 * qmp-rtt: QMP round trips over one libqmp session, to compare transports
 * (a unix socket vs vchan to the same QEMU) in the Xen test bed.
 *
 *   qmp-rtt [-n N] ADDRESS        ADDRESS: a unix socket or vchan:DOMID:XSPATH
 *
 * Prints one line: the time from connect to READY (greeting and
 * qmp_capabilities), then the median and 99th percentile of N sequential
 * query-status round trips (one in flight at a time). Exit 1 on failure.
 */
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "qmp/qmp.h"
#include "qmp/transport-vchan.h"

struct qmp_rtt {
	struct event_base *base;
	const char *addr;
	unsigned n, done;
	double t_connect, t_ready, t_sent;
	double *rtt_us;
	int failed;
};

static double qmp_rtt_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int qmp_rtt_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void qmp_rtt_stop(struct qmp_rtt *r, const char *why)
{
	if (why) {
		fprintf(stderr, "qmp-rtt: %s: %s\n", r->addr, why);
		r->failed = 1;
	}
	event_base_loopbreak(r->base);
}

static void qmp_rtt_send(struct qmp *q, struct qmp_rtt *r);

static void qmp_rtt_reply_cb(struct qmp *q, int rc, struct json_object *ret,
			     const struct qmp_error *err, void *arg)
{
	struct qmp_rtt *r = arg;

	if (rc != QMP_OK) {
		qmp_rtt_stop(r, qmp_strerror(rc));
		return;
	}
	r->rtt_us[r->done++] = qmp_rtt_now_us() - r->t_sent;
	if (r->done == r->n)
		qmp_rtt_stop(r, NULL);
	else
		qmp_rtt_send(q, r);
}

static void qmp_rtt_send(struct qmp *q, struct qmp_rtt *r)
{
	r->t_sent = qmp_rtt_now_us();
	if (qmp_execute(q, "query-status", NULL, -1, 0, qmp_rtt_reply_cb, r) <
	    0)
		qmp_rtt_stop(r, "qmp_execute failed");
}

static void qmp_rtt_ready_cb(struct qmp *q, void *arg)
{
	struct qmp_rtt *r = arg;

	r->t_ready = qmp_rtt_now_us();
	qmp_rtt_send(q, r);
}

static void qmp_rtt_closed_cb(struct qmp *q, int rc, const char *why, void *arg)
{
	qmp_rtt_stop(arg, why);
}

int main(int argc, char **argv)
{
	struct qmp_rtt r = {.n = 1000};
	struct qmp_callbacks cbs = {
	    .ready = qmp_rtt_ready_cb, .closed = qmp_rtt_closed_cb, .arg = &r};
	const char *path;
	struct qmp *q;
	int opt, rc, domid;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n' || (r.n = (unsigned)atoi(optarg)) == 0)
			goto usage;
	}
	if (argc - optind != 1)
		goto usage;
	r.addr = argv[optind];
	r.rtt_us = calloc(r.n, sizeof(*r.rtt_us));
	r.base = event_base_new();
	q = r.base && r.rtt_us ? qmp_new(r.base, &cbs, NULL) : NULL;
	if (!q)
		return 1;
	r.t_connect = qmp_rtt_now_us();
	rc = qmp_vchan_parse_address(r.addr, &domid, &path);
	if (rc > 0)
		rc = qmp_connect_vchan(q, domid, path);
	else if (rc == 0)
		rc = qmp_connect_unix(q, r.addr);
	if (rc < 0) {
		fprintf(stderr, "qmp-rtt: %s: cannot connect: %s\n", r.addr,
			rc == QMP_E_SYS ? strerror(errno) : qmp_strerror(rc));
		return 1;
	}
	event_base_dispatch(r.base);
	qmp_free(q);
	event_base_free(r.base);
	if (r.failed || r.done != r.n)
		return 1;
	qsort(r.rtt_us, r.n, sizeof(*r.rtt_us), qmp_rtt_cmp);
	printf("%s: connect to ready %.0f us; query-status round trip "
	       "median %.0f us, p99 %.0f us (%u sequential)\n",
	       strncmp(r.addr, "vchan:", 6) ? "unix socket" : "vchan",
	       r.t_ready - r.t_connect, r.rtt_us[r.n / 2],
	       r.rtt_us[(size_t)(r.n * 0.99)], r.n);
	free(r.rtt_us);
	return 0;
usage:
	fprintf(stderr, "usage: qmp-rtt [-n N] ADDRESS\n");
	return 2;
}
