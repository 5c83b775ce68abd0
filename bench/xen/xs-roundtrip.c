/*
 * xs-roundtrip: the floor of a xenstore round trip as dmsup sees one: write
 * a node and wait until the watch on it fires. Runs in the test bed's dom0
 * against the real xenstored and prints the median and p99 over N rounds.
 *
 *   xs-roundtrip [-n ROUNDS] [PATH]     (default 1000, /dmsup-bench/rtt)
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#define XSRT_TIMEOUT_MS 10000

static double xsrt_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Wait (bounded) for the next event of our watch on path. */
static int xsrt_wait_event(struct xs_handle *xsh, const char *path)
{
	struct pollfd pfd = {.fd = xs_fileno(xsh), .events = POLLIN};
	char **vec;
	int r;

	for (;;) {
		r = poll(&pfd, 1, XSRT_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr,
				"xs-roundtrip: no watch event within %d ms\n",
				XSRT_TIMEOUT_MS);
			return -1;
		}
		vec = xs_check_watch(xsh);
		if (!vec) {
			if (errno == EAGAIN)
				continue;
			perror("xs-roundtrip: xs_check_watch");
			return -1;
		}
		r = strcmp(vec[XS_WATCH_PATH], path);
		free(vec);
		if (r == 0)
			return 0;
	}
}

static int xsrt_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int xsrt_run(struct xs_handle *xsh, const char *path, double *samples,
		    int rounds)
{
	char value[32];
	double t0;
	int i, len;

	if (!xs_write(xsh, XBT_NULL, path, "0", 1) ||
	    !xs_watch(xsh, path, "rtt")) {
		perror("xs-roundtrip: xs_write/xs_watch");
		return -1;
	}
	/* A watch fires once when it is registered. */
	if (xsrt_wait_event(xsh, path) < 0)
		return -1;
	for (i = 0; i < rounds; i++) {
		len = snprintf(value, sizeof(value), "%d", i + 1);
		t0 = xsrt_now_us();
		if (!xs_write(xsh, XBT_NULL, path, value, len)) {
			perror("xs-roundtrip: xs_write");
			return -1;
		}
		if (xsrt_wait_event(xsh, path) < 0)
			return -1;
		samples[i] = xsrt_now_us() - t0;
	}
	xs_unwatch(xsh, path, "rtt");
	xs_rm(xsh, XBT_NULL, path);
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = "/dmsup-bench/rtt";
	struct xs_handle *xsh;
	double *samples;
	int rounds = 1000, opt, rc;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n' || (rounds = atoi(optarg)) < 1) {
			fprintf(stderr,
				"usage: xs-roundtrip [-n ROUNDS] [PATH]\n");
			return 2;
		}
	}
	if (optind < argc)
		path = argv[optind];
	samples = calloc(rounds, sizeof(*samples));
	xsh = xs_open(0);
	if (!samples || !xsh) {
		perror("xs-roundtrip: xs_open");
		return 1;
	}
	rc = xsrt_run(xsh, path, samples, rounds);
	xs_close(xsh);
	if (rc == 0) {
		qsort(samples, rounds, sizeof(*samples), xsrt_cmp);
		printf("xenstore write -> watch event: median %.0f us, p99 "
		       "%.0f us "
		       "(%d rounds)\n",
		       samples[rounds / 2], samples[(rounds * 99) / 100],
		       rounds);
	}
	free(samples);
	return rc == 0 ? 0 : 1;
}
