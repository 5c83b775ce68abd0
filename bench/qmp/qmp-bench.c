/*
 * Benchmark: libqmp over a unix socket against a real QEMU, next to the
 * floor: a bare blocking socket client on a second monitor of the same
 * QEMU, measured in the same run, in alternating rounds so that load on a
 * shared machine hits both alike. Prints figures; asserts nothing.
 */
#include <event2/event.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bench/stats.h"
#include "qmp/qmp.h"
#include "tests/local/qmp/qemu-proc.h"

#define ROUNDS 5
#define SEQ_PER_ROUND 1000
#define PIPE_PER_ROUND 4000
#define IN_FLIGHT 64

static struct event_base *base;
static struct qmp *q;
static struct qemu_proc qemu;
static int ready;

static double percentile(double *v, size_t n, double pct)
{
	return stats_quantile(v, n, pct / 100.0);
}

static void stop_qemu_at_exit(void)
{
	qemu_proc_stop(&qemu);
}

static void die(const char *what)
{
	fprintf(stderr, "qmp-bench: %s\n", what);
	exit(1);
}

/* ---- the bare blocking client ------------------------------------------ */

struct bare {
	int fd;
	char buf[65536];
	size_t len;
};

static void bare_read_line(struct bare *b)
{
	char *nl;
	ssize_t r;

	while (!(nl = memchr(b->buf, '\n', b->len))) {
		r = read(b->fd, b->buf + b->len, sizeof(b->buf) - b->len);
		if (r <= 0)
			die("bare client: read failed");
		b->len += (size_t)r;
	}
	b->len -= (size_t)(nl + 1 - b->buf);
	memmove(b->buf, nl + 1, b->len);
}

static void bare_write(struct bare *b, const char *s)
{
	if (write(b->fd, s, strlen(s)) != (ssize_t)strlen(s))
		die("bare client: write failed");
}

/* The same bytes libqmp sends: with an id, which QEMU echoes. */
static void bare_write_cmd(struct bare *b)
{
	static long long id;
	char cmd[64];

	snprintf(cmd, sizeof(cmd),
		 "{\"execute\":\"query-status\",\"id\":%lld}\n", ++id);
	bare_write(b, cmd);
}

static void bare_connect(struct bare *b, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	b->len = 0;
	b->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (b->fd < 0 || connect(b->fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("bare client: connect failed");
	bare_read_line(b); /* greeting */
	bare_write(b, "{\"execute\":\"qmp_capabilities\"}\n");
	bare_read_line(b);
}

static void bare_sequential(struct bare *b, double *rtt, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		double t0 = stats_now_us();

		bare_write_cmd(b);
		bare_read_line(b);
		rtt[i] = stats_now_us() - t0;
	}
}

static double bare_pipelined(struct bare *b, size_t n)
{
	double t0 = stats_now_us();
	size_t sent = 0, done = 0;

	while (sent < IN_FLIGHT && sent < n) {
		bare_write_cmd(b);
		sent++;
	}
	while (done < n) {
		bare_read_line(b);
		done++;
		if (sent < n) {
			bare_write_cmd(b);
			sent++;
		}
	}
	return stats_now_us() - t0;
}

/* ---- libqmp ------------------------------------------------------------ */

static size_t lq_done, lq_sent, lq_target;
static double lq_t0;
static double *lq_rtt;

static void ready_cb(struct qmp *qq, void *arg)
{
	ready = 1;
}

static void closed_cb(struct qmp *qq, int rc, const char *why, void *arg)
{
	die(why);
}

static void seq_reply_cb(struct qmp *qq, int rc, struct json_object *ret,
			 const struct qmp_error *err, void *arg)
{
	if (rc)
		die(qmp_strerror(rc));
	lq_rtt[lq_done++] = stats_now_us() - lq_t0;
	if (lq_done < lq_target) {
		lq_t0 = stats_now_us();
		if (qmp_execute(q, "query-status", NULL, -1, 0, seq_reply_cb,
				NULL))
			die("qmp_execute failed");
	} else {
		event_base_loopbreak(base);
	}
}

static void lq_sequential(double *rtt, size_t n)
{
	lq_rtt = rtt;
	lq_done = 0;
	lq_target = n;
	lq_t0 = stats_now_us();
	if (qmp_execute(q, "query-status", NULL, -1, 0, seq_reply_cb, NULL))
		die("qmp_execute failed");
	event_base_dispatch(base);
}

static void pipe_reply_cb(struct qmp *qq, int rc, struct json_object *ret,
			  const struct qmp_error *err, void *arg)
{
	if (rc)
		die(qmp_strerror(rc));
	if (++lq_done == lq_target) {
		event_base_loopbreak(base);
		return;
	}
	if (lq_sent < lq_target) {
		lq_sent++;
		if (qmp_execute(q, "query-status", NULL, -1, 0, pipe_reply_cb,
				NULL))
			die("qmp_execute failed");
	}
}

static double lq_pipelined(size_t n)
{
	double t0 = stats_now_us();

	lq_done = lq_sent = 0;
	lq_target = n;
	while (lq_sent < IN_FLIGHT && lq_sent < n) {
		lq_sent++;
		if (qmp_execute(q, "query-status", NULL, -1, 0, pipe_reply_cb,
				NULL))
			die("qmp_execute failed");
	}
	event_base_dispatch(base);
	return stats_now_us() - t0;
}

static void lq_connect(const char *path)
{
	static const struct qmp_callbacks cbs = {.ready = ready_cb,
						 .closed = closed_cb};
	struct qmp_limits lim = {.handshake_timeout_ms = 30000,
				 .command_timeout_ms = 30000};

	base = event_base_new();
	q = qmp_new(base, &cbs, &lim);
	if (!q || qmp_connect_unix(q, path))
		die("libqmp: connect failed");
	while (!ready)
		event_base_loop(base, EVLOOP_ONCE);
}

int main(void)
{
	static const char *const machine[] = {"-M", "none", NULL};
	static double lq_seq[ROUNDS * SEQ_PER_ROUND],
	    bare_seq[ROUNDS * SEQ_PER_ROUND];
	double lq_pipe_us = 0, bare_pipe_us = 0, lq_med, bare_med;
	struct bare b;
	char err[4096];
	int major, minor, micro, i;

	atexit(stop_qemu_at_exit); /* also when die() exits */
	if (qemu_proc_start(&qemu, machine, 1, err, sizeof(err)) < 0)
		die(err);
	lq_connect(qemu.qmp);
	bare_connect(&b, qemu.qmp2);
	/* Warm up both paths. */
	lq_sequential(lq_seq, 200);
	bare_sequential(&b, bare_seq, 200);
	for (i = 0; i < ROUNDS; i++) {
		lq_sequential(lq_seq + i * SEQ_PER_ROUND, SEQ_PER_ROUND);
		bare_sequential(&b, bare_seq + i * SEQ_PER_ROUND,
				SEQ_PER_ROUND);
		lq_pipe_us += lq_pipelined(PIPE_PER_ROUND);
		bare_pipe_us += bare_pipelined(&b, PIPE_PER_ROUND);
	}
	qmp_version(q, &major, &minor, &micro);
	lq_med = percentile(lq_seq, ROUNDS * SEQ_PER_ROUND, 50);
	bare_med = percentile(bare_seq, ROUNDS * SEQ_PER_ROUND, 50);
	printf("qmp-bench: query-status over a unix socket, QEMU %d.%d.%d "
	       "(-M none, TCG), %d rounds alternating libqmp and a bare "
	       "blocking client\n",
	       major, minor, micro, ROUNDS);
	printf("  one at a time (n=%d each):\n", ROUNDS * SEQ_PER_ROUND);
	printf("    libqmp       median %7.1f us   p99 %7.1f us\n", lq_med,
	       percentile(lq_seq, ROUNDS * SEQ_PER_ROUND, 99));
	printf("    bare socket  median %7.1f us   p99 %7.1f us\n", bare_med,
	       percentile(bare_seq, ROUNDS * SEQ_PER_ROUND, 99));
	printf("    ratio libqmp/bare (median)  %.2f  (libqmp adds %.1f us)\n",
	       lq_med / bare_med, lq_med - bare_med);
	printf("  %d in flight (n=%d each):\n", IN_FLIGHT,
	       ROUNDS * PIPE_PER_ROUND);
	printf("    libqmp       %9.0f commands/s\n",
	       ROUNDS * PIPE_PER_ROUND / (lq_pipe_us / 1e6));
	printf("    bare socket  %9.0f commands/s\n",
	       ROUNDS * PIPE_PER_ROUND / (bare_pipe_us / 1e6));
	printf("    ratio libqmp/bare (rate)    %.2f\n",
	       bare_pipe_us / lq_pipe_us);
	qmp_free(q);
	event_base_free(base);
	close(b.fd);
	qemu_proc_stop(&qemu);
	return 0;
}
