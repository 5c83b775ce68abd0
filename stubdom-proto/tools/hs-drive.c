/*
 * stubdom-hs-drive - the toolstack side of the MiniOS stub-domain protocol
 * from the command line, for the Xen test bed (until dmsup drives it): it
 * writes the layout and runs handshakes through the real xenstored with
 * the library, and prints what each command came to.
 *
 *   stubdom-hs-drive setup GUEST STUB UUID [QEMU-ARG...]
 *	writes the MiniOS layout (bios "rombios") and sets STUB's target.
 *   stubdom-hs-drive run [-v] [-T CMD_MS] [-S START_MS] GUEST:STUB[,...]
 *		      COMMAND[:PARAMETER]...
 *	queues the commands (start, pci-ins, pci-rem, save, continue) on
 *	each channel at once and prints, per command, one line
 *	  dom G: CMD: ok [vdevfn=0xNN]
 *	  dom G: CMD: failed (rc -N): ERROR
 *	Exit status 0 once every command has ended, however it ended.
 *   stubdom-hs-drive bench GUEST:STUB N
 *	N save/continue round trips against a faithful stub through the
 *	library, the same through the bare protocol (write, watch, read),
 *	and N one-hop xenstore write+watch round trips: median, p99, ratios.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "stubdom-proto/handshake.h"
#include "stubdom-proto/setup.h"
#include "stubdom-proto/xs.h"

#define DRIVE_CHANNELS_MAX 8

struct drive {
	struct event_base *base;
	struct xsp *xs;
	unsigned int pending;
	bool verbose;
};

static void drive_log_cb(void *arg, enum stubdom_log_level level,
			 unsigned int domid, const char *msg)
{
	struct drive *d = arg;

	if (d->verbose || level >= STUBDOM_LOG_WARN)
		fprintf(stderr, "%s\n", msg);
}

static void drive_done_cb(const struct stubdom_hs_result *res, void *arg)
{
	struct drive *d = arg;

	if (!res->rc && res->vdevfn >= 0)
		printf("dom %u: %s: ok vdevfn=0x%02x\n", res->domid,
		       stubdom_cmd_name(res->cmd), (unsigned int)res->vdevfn);
	else if (!res->rc)
		printf("dom %u: %s: ok\n", res->domid,
		       stubdom_cmd_name(res->cmd));
	else
		printf("dom %u: %s: failed (rc %d): %s\n", res->domid,
		       stubdom_cmd_name(res->cmd), res->rc, res->error);
	fflush(stdout);
	if (--d->pending == 0)
		event_base_loopbreak(d->base);
}

static int drive_cmd_parse(const char *s, enum stubdom_cmd *cmd_r,
			   const char **param_r)
{
	static const enum stubdom_cmd all[] = {
	    STUBDOM_CMD_START, STUBDOM_CMD_PCI_INS, STUBDOM_CMD_PCI_REM,
	    STUBDOM_CMD_SAVE, STUBDOM_CMD_CONTINUE};
	const char *colon = strchr(s, ':');
	size_t len = colon ? (size_t)(colon - s) : strlen(s);
	unsigned int i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		const char *name = stubdom_cmd_name(all[i]);

		if (strlen(name) == len && !strncmp(s, name, len)) {
			*cmd_r = all[i];
			*param_r = colon ? colon + 1 : NULL;
			return 0;
		}
	}
	return -1;
}

static int drive_setup(struct drive *d, int argc, char **argv)
{
	struct stubdom_setup s = {.kind = STUBDOM_MINIOS, .bios = "rombios"};
	char err[512];
	int rc;

	if (argc < 3)
		return 2;
	s.domid = (unsigned int)strtoul(argv[0], NULL, 10);
	s.stub_domid = (unsigned int)strtoul(argv[1], NULL, 10);
	s.uuid = argv[2];
	s.argv = (const char *const *)argv + 3;
	s.argc = (size_t)argc - 3;
	rc = stubdom_setup_write(d->xs, &s, err, sizeof(err));
	if (!rc)
		rc = xsp_set_target(d->xs, s.stub_domid, s.domid);
	if (rc) {
		fprintf(stderr, "stubdom-hs-drive: %s\n",
			err[0] ? err : strerror(-rc));
		return 1;
	}
	printf("layout written for dom %u, stub %u\n", s.domid, s.stub_domid);
	return 0;
}

/* Parses "G:S[,G:S...]" into configs; the number of channels or -1. */
static int drive_channels(const char *arg, struct stubdom_hs_config *cfg,
			  struct drive *d)
{
	unsigned int g, s;
	int n = 0, used;

	while (*arg && n < DRIVE_CHANNELS_MAX) {
		if (sscanf(arg, "%u:%u%n", &g, &s, &used) != 2)
			return -1;
		memset(&cfg[n], 0, sizeof(cfg[n]));
		cfg[n].kind = STUBDOM_MINIOS;
		cfg[n].domid = g;
		cfg[n].stub_domid = s;
		cfg[n].log = drive_log_cb;
		cfg[n].log_arg = d;
		n++;
		arg += used;
		if (*arg == ',')
			arg++;
	}
	return *arg ? -1 : n;
}

static int drive_run(struct drive *d, int argc, char **argv)
{
	struct stubdom_hs_config cfg[DRIVE_CHANNELS_MAX];
	struct stubdom_hs *hs[DRIVE_CHANNELS_MAX] = {NULL};
	unsigned int cmd_ms = 0, start_ms = 0;
	enum stubdom_cmd cmd;
	const char *param;
	int c, i, j, n, rc = 0, err = 0;

	optind = 1;
	while ((c = getopt(argc, argv, "+vT:S:")) != -1) {
		if (c == 'v')
			d->verbose = true;
		else if (c == 'T')
			cmd_ms = (unsigned int)strtoul(optarg, NULL, 10);
		else if (c == 'S')
			start_ms = (unsigned int)strtoul(optarg, NULL, 10);
		else
			return 2;
	}
	if (argc - optind < 2)
		return 2;
	n = drive_channels(argv[optind], cfg, d);
	if (n <= 0)
		return 2;
	for (i = 0; i < n && !rc; i++) {
		cfg[i].cmd_timeout_ms = cmd_ms;
		cfg[i].start_timeout_ms = start_ms;
		hs[i] = stubdom_hs_new(d->xs, &cfg[i], &err);
		if (!hs[i]) {
			fprintf(stderr, "dom %u: cannot open: %s\n",
				cfg[i].domid, strerror(-err));
			rc = 1;
		}
	}
	for (j = optind + 1; j < argc && !rc; j++) {
		if (drive_cmd_parse(argv[j], &cmd, &param)) {
			fprintf(stderr, "unknown command %s\n", argv[j]);
			rc = 2;
		}
		for (i = 0; i < n && !rc; i++) {
			err = stubdom_hs_submit(hs[i], cmd, param,
						drive_done_cb, d);
			if (err) {
				fprintf(stderr, "dom %u: %s: %s\n",
					cfg[i].domid, argv[j], strerror(-err));
				rc = 1;
			} else
				d->pending++;
		}
	}
	if (!rc && d->pending)
		event_base_dispatch(d->base);
	for (i = 0; i < n; i++)
		stubdom_hs_destroy(hs[i]);
	event_base_loop(d->base, EVLOOP_NONBLOCK); /* deliver cancellations */
	return rc;
}

/* --- bench --- */

static double drive_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int drive_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct drive_probe {
	struct drive *d;
	bool fired;
};

static void drive_bench_done_cb(const struct stubdom_hs_result *res, void *arg)
{
	struct drive_probe *p = arg;

	p->fired = true;
	if (res->rc)
		fprintf(stderr, "%s\n", res->error);
	event_base_loopbreak(p->d->base);
}

static void drive_bench_watch_cb(struct xsp *xs, const char *path, void *arg)
{
	struct drive_probe *p = arg;

	p->fired = true;
	event_base_loopbreak(p->d->base);
}

static void drive_wait(struct drive *d, struct drive_probe *p)
{
	while (!p->fired)
		event_base_loop(d->base, EVLOOP_ONCE);
}

static void drive_report(const char *what, double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), drive_cmp);
	printf("%s: median %.0f us, p99 %.0f us (n=%u)\n", what, v[n / 2],
	       v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1], n);
}

/* The library: save and continue in turn, each to its result. */
static int drive_bench_lib(struct drive *d, struct stubdom_hs_config *cfg,
			   double *us, unsigned int n)
{
	struct stubdom_hs *hs = stubdom_hs_new(d->xs, cfg, NULL);
	struct drive_probe p = {d, false};
	unsigned int i;
	double t;

	if (!hs)
		return 1;
	for (i = 0; i < n; i++) {
		p.fired = false;
		t = drive_now_us();
		stubdom_hs_submit(
		    hs, i % 2 ? STUBDOM_CMD_CONTINUE : STUBDOM_CMD_SAVE, NULL,
		    drive_bench_done_cb, &p);
		drive_wait(d, &p);
		us[i] = drive_now_us() - t;
	}
	stubdom_hs_destroy(hs);
	return 0;
}

/* The same protocol with nothing around it: write the command, read the
 * state on each event until it answers. What the library adds is the
 * difference. */
static int drive_bench_raw(struct drive *d, const struct stubdom_hs_config *cfg,
			   double *us, unsigned int n)
{
	struct drive_probe p = {d, false};
	char dm[STUBDOM_PATH_MAX], path[STUBDOM_PATH_MAX + 16], *v;
	struct xsp_watch *w;
	unsigned int i;
	bool done;
	double t;

	stubdom_setup_dm_path(STUBDOM_MINIOS, cfg->domid, cfg->stub_domid, dm,
			      sizeof(dm));
	snprintf(path, sizeof(path), "%s/state", dm);
	if (xsp_watch(d->xs, path, drive_bench_watch_cb, &p, &w))
		return 1;
	drive_wait(d, &p); /* the registration event */
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/command", dm);
		t = drive_now_us();
		xsp_write_str(d->xs, XSP_TXN_NONE, path,
			      i % 2 ? "continue" : "save");
		snprintf(path, sizeof(path), "%s/state", dm);
		for (done = false; !done;) {
			p.fired = false;
			drive_wait(d, &p);
			v = NULL;
			xsp_read(d->xs, XSP_TXN_NONE, path, &v, NULL);
			done = v && !strcmp(v, i % 2 ? "running" : "paused");
			free(v);
		}
		us[i] = drive_now_us() - t;
	}
	xsp_unwatch(d->xs, w);
	return 0;
}

/* One hop: dom0 writes a node and waits for its own watch on it. */
static int drive_bench_floor(struct drive *d, double *us, unsigned int n)
{
	static const char path[] = "/local/domain/0/hs-bench";
	struct drive_probe p = {d, false};
	struct xsp_watch *w;
	unsigned int i;
	char val[16];
	double t;

	if (xsp_watch(d->xs, path, drive_bench_watch_cb, &p, &w))
		return 1;
	drive_wait(d, &p); /* the registration event */
	for (i = 0; i < n; i++) {
		p.fired = false;
		snprintf(val, sizeof(val), "%u", i);
		t = drive_now_us();
		xsp_write_str(d->xs, XSP_TXN_NONE, path, val);
		drive_wait(d, &p);
		us[i] = drive_now_us() - t;
	}
	xsp_unwatch(d->xs, w);
	xsp_rm(d->xs, XSP_TXN_NONE, path);
	return 0;
}

static int drive_bench(struct drive *d, int argc, char **argv)
{
	struct stubdom_hs_config cfg[1];
	double *lib, *raw, *hop;
	unsigned int n;
	int rc = 1;

	if (argc != 2 || drive_channels(argv[0], cfg, d) != 1)
		return 2;
	n = (unsigned int)strtoul(argv[1], NULL, 10);
	lib = calloc(n + 1, sizeof(*lib));
	raw = calloc(n + 1, sizeof(*raw));
	hop = calloc(n + 1, sizeof(*hop));
	if (n && lib && raw && hop && !drive_bench_lib(d, cfg, lib, n) &&
	    !drive_bench_raw(d, cfg, raw, n) && !drive_bench_floor(d, hop, n)) {
		drive_report("command round trip (library)", lib, n);
		drive_report("command round trip (bare protocol)", raw, n);
		drive_report("xenstore write+watch floor (one hop)", hop, n);
		printf("ratio library/bare (median): %.2f\n",
		       lib[n / 2] / (raw[n / 2] > 0 ? raw[n / 2] : 1));
		printf("ratio library/floor (median): %.2f\n",
		       lib[n / 2] / (hop[n / 2] > 0 ? hop[n / 2] : 1));
		rc = 0;
	}
	free(lib);
	free(raw);
	free(hop);
	return rc;
}

int main(int argc, char **argv)
{
	struct drive d = {0};
	int err = 0, rc = 2;

	if (argc < 2)
		goto usage;
	d.base = event_base_new();
	d.xs = d.base ? xsp_real_open(d.base, &err) : NULL;
	if (!d.xs) {
		fprintf(stderr, "stubdom-hs-drive: cannot open xenstore: %s\n",
			strerror(-err));
		return 1;
	}
	if (!strcmp(argv[1], "setup"))
		rc = drive_setup(&d, argc - 2, argv + 2);
	else if (!strcmp(argv[1], "run"))
		rc = drive_run(&d, argc - 1, argv + 1);
	else if (!strcmp(argv[1], "bench"))
		rc = drive_bench(&d, argc - 2, argv + 2);
	xsp_close(d.xs);
	event_base_free(d.base);
	if (rc != 2)
		return rc;
usage:
	fputs("usage: stubdom-hs-drive setup GUEST STUB UUID [QEMU-ARG...]\n"
	      "       stubdom-hs-drive run [-v] [-T MS] [-S MS] G:S[,G:S...] "
	      "CMD[:PARAM]...\n"
	      "       stubdom-hs-drive bench G:S N\n",
	      stderr);
	return 2;
}
