/*
 * The Xen side of a dom0 device model (see xendm.h). The connections to
 * xenstore (through stubdom-proto's xsp) and to the hypervisor
 * (libxenctrl) are opened at the first domain that needs them and kept
 * for the daemon's life.
 *
 * xenstore nodes (dom0's, n0):
 *   /local/domain/0/device-model/<domid>/state   QEMU writes "running"
 *   /local/domain/<domid>/image/device-model-pid  we write, as libxl does
 *   /local/domain/0/dmsup/<domid>/state           "crashed" or "failed"
 *   /local/domain/0/dmsup/<domid>/error           why, one line
 * /libxl/<domid>/dm-version is NOT written: with it, `xl unpause` would
 * look for libxl's own QMP socket (qmp-libxl-<domid>), which this device
 * model does not have; without it, xl unpauses the vCPUs only, which is
 * all a device model started without -S needs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <xenctrl.h>

#include "dmsup/kind/dmplan.h"
#include "dmsup/domain.h"
#include "dmsup/log.h"
#include "dmsup/logfile.h"
#include "dmsup/kind/guestwatch.h"
#include "dmsup/kind/xendm.h"
#include "dmsup/kind/xsval.h"
#include "stubdom-proto/xs.h"

#define XENDM_ERR_MAX 512
#define XENDM_SCAN_LINES 400
#define XENDM_SCAN_BYTES (64 * 1024)

struct xendm {
	struct xsp *xs;
	xc_interface *xch;
};

struct xendm_dom {
	struct xsp_watch *watch;
	struct event *timer;
	xendm_ready_fn *ready;
	uint64_t plan_pages; /* what the plan said at the last start */
	uint64_t tot_start;  /* tot_pages before QEMU ran */
	char err[XENDM_ERR_MAX];
};

/* Both connections, opened on first use. 0, or -1 with the reason. */
static int xendm_connect(struct dmsup *sup, char *err, size_t len)
{
	struct xendm *x = sup->xen;
	int r = 0;

	if (!x) {
		x = sup->xen = calloc(1, sizeof(*x));
		if (!x) {
			snprintf(err, len, "out of memory");
			return -1;
		}
	}
	if (!x->xs) {
		x->xs = xsp_real_open(sup->base, &r);
		if (!x->xs) {
			snprintf(err, len, "cannot connect to xenstore: %s",
				 strerror(-r));
			return -1;
		}
		log_info("connected to xenstore");
	}
	if (!x->xch) {
		x->xch = xc_interface_open(NULL, NULL, 0);
		if (!x->xch) {
			snprintf(err, len, "cannot open libxenctrl: %s",
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}

struct xsp *xendm_xs(struct dmsup *sup, char *err, size_t len)
{
	return xendm_connect(sup, err, len) ? NULL : sup->xen->xs;
}

xc_interface *xendm_xch(struct dmsup *sup, char *err, size_t len)
{
	return xendm_connect(sup, err, len) ? NULL : sup->xen->xch;
}

bool xendm_domain_alive(struct dmsup *sup, int domid)
{
	char err[256];
	xc_interface *xch = xendm_xch(sup, err, sizeof(err));
	xc_domaininfo_t info;

	return xch && domid > 0 &&
	       xc_domain_getinfolist(xch, (uint32_t)domid, 1, &info) == 1 &&
	       info.domain == (uint32_t)domid &&
	       !(info.flags & XEN_DOMINF_dying);
}

static struct xendm_dom *xendm_dom(struct domain *d)
{
	if (!d->xen)
		d->xen = calloc(1, sizeof(*d->xen));
	return d->xen;
}

static void xendm_stop_waiting(struct domain *d)
{
	struct xendm_dom *xd = d->xen;

	if (!xd)
		return;
	if (xd->watch && d->sup->xen && d->sup->xen->xs)
		xsp_unwatch(d->sup->xen->xs, xd->watch);
	xd->watch = NULL;
	if (xd->timer)
		event_free(xd->timer);
	xd->timer = NULL;
	xd->ready = NULL;
}

/* The target's page counts. 0, or -1 with the reason. */
static int xendm_pages(struct domain *d, uint64_t *max_r, uint64_t *tot_r)
{
	struct xendm_dom *xd = d->xen;
	xc_domaininfo_t info;
	int r = xc_domain_getinfolist(d->sup->xen->xch, (uint32_t)d->cfg.domid,
				      1, &info);

	if (r != 1 || info.domain != (domid_t)d->cfg.domid) {
		snprintf(xd->err, sizeof(xd->err), "domain %d does not exist",
			 d->cfg.domid);
		return -1;
	}
	if (!(info.flags & XEN_DOMINF_hvm_guest) ||
	    (info.flags & XEN_DOMINF_dying)) {
		snprintf(xd->err, sizeof(xd->err),
			 "domain %d is %s, not a live HVM guest", d->cfg.domid,
			 info.flags & XEN_DOMINF_dying ? "dying" : "PV");
		return -1;
	}
	*max_r = info.max_pages;
	*tot_r = info.tot_pages;
	return 0;
}

/* A stub domain's own memory (and the 1 MiB slack its builder adds to
 * maxmem) comes from the host's free memory. */
static int xendm_check_host(struct domain *d, const struct plan *plan)
{
	struct xendm_dom *xd = d->xen;
	xc_physinfo_t info = {0};
	uint64_t need = plan->stubdom_pages + 256;

	if (xc_physinfo(d->sup->xen->xch, &info)) {
		snprintf(xd->err, sizeof(xd->err), "xc_physinfo: %s",
			 strerror(errno));
		return -1;
	}
	if (info.free_pages >= need)
		return 0;
	snprintf(xd->err, sizeof(xd->err),
		 "the host has %" PRIu64 " free pages (%" PRIu64
		 " MiB) but the stub domain needs %" PRIu64 " (%" PRIu64
		 " MiB: its memory, videoram and 1 MiB; see `dmctl plan`)",
		 (uint64_t)info.free_pages, (uint64_t)info.free_pages >> 8,
		 need, need >> 8);
	return -1;
}

/* The page check: the plan must fit in max_pages - tot_pages. */
static int xendm_check_pages(struct domain *d)
{
	struct xendm_dom *xd = d->xen;
	struct plan_error perr = {{0}};
	struct plan *plan = malloc(sizeof(*plan));
	uint64_t max, tot, short_by;
	int rc = -1;

	if (!plan) {
		snprintf(xd->err, sizeof(xd->err), "out of memory");
		return -1;
	}
	if (dmplan_compute(&d->cfg, d->restore_fd >= 0, plan, &perr)) {
		snprintf(xd->err, sizeof(xd->err), "cannot plan: %s",
			 perr.message);
		goto out;
	}
	if (plan_refused(plan)) {
		for (size_t i = 0; i < plan->nr_rules; i++)
			if (plan->rules[i].severity == PLAN_REFUSAL)
				snprintf(xd->err, sizeof(xd->err),
					 "the plan refuses it: %s",
					 plan->rules[i].message);
		goto out;
	}
	if (xendm_pages(d, &max, &tot))
		goto out;
	short_by = plan_shortfall(plan->target_pages, max, tot);
	if (short_by) {
		snprintf(xd->err, sizeof(xd->err),
			 "needs %" PRIu64 " more pages: the device model will "
			 "populate %" PRIu64 " pages but max_pages %" PRIu64
			 " - tot_pages %" PRIu64 " leaves %" PRIu64
			 " (the toolstack must raise max_pages; "
			 "see `dmctl plan`)",
			 short_by, plan->target_pages, max, tot,
			 max > tot ? max - tot : 0);
		goto out;
	}
	if (config_is_stub(&d->cfg) && xendm_check_host(d, plan))
		goto out;
	xd->plan_pages = plan->target_pages;
	xd->tot_start = tot;
	rc = 0;
out:
	free(plan);
	return rc;
}

static void xendm_rm(struct domain *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void xendm_rm(struct domain *d, const char *fmt, ...)
{
	char path[128];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	r = xsp_rm(d->sup->xen->xs, XSP_TXN_NONE, path);
	if (r && r != -ENOENT)
		log_warnx("domid %d (%s): xenstore rm %s: %s", d->cfg.domid,
			  d->cfg.name, path, strerror(-r));
}

int xendm_prepare(struct domain *d, const char **err_r)
{
	struct xendm_dom *xd = xendm_dom(d);

	if (!xd) {
		*err_r = "out of memory";
		return -1;
	}
	*err_r = xd->err;
	xendm_stop_waiting(d);
	if (strcmp(d->cfg.vga, "none") && d->cfg.memory <= d->cfg.videoram) {
		snprintf(xd->err, sizeof(xd->err),
			 "memory (%d MiB) must exceed videoram (%d MiB): the "
			 "guest's memory includes its videoram",
			 d->cfg.memory, d->cfg.videoram);
		return -1;
	}
	if (xendm_connect(d->sup, xd->err, sizeof(xd->err)) ||
	    xendm_check_pages(d))
		return -1;
	/* A state left by an earlier device model must not count as ready. */
	xendm_rm(d, "/local/domain/0/device-model/%d", d->cfg.domid);
	xendm_rm(d, "/local/domain/0/dmsup/%d", d->cfg.domid);
	return 0;
}

void xendm_spawned(struct domain *d)
{
	char path[128], val[32];
	int r;

	if (!d->sup->xen || !d->sup->xen->xs)
		return;
	snprintf(path, sizeof(path), "/local/domain/%d/image/device-model-pid",
		 d->cfg.domid);
	snprintf(val, sizeof(val), "%d", (int)d->pid);
	r = xsp_write_str(d->sup->xen->xs, XSP_TXN_NONE, path, val);
	if (r)
		log_warnx("domid %d (%s): xenstore write %s: %s", d->cfg.domid,
			  d->cfg.name, path, strerror(-r));
}

static void xendm_finish(struct domain *d, const char *err)
{
	xendm_ready_fn *ready = d->xen->ready;

	xendm_stop_waiting(d);
	if (ready)
		ready(d, err);
}

static void xendm_state_cb(struct xsp *xs, const char *path, void *arg)
{
	struct domain *d = arg;
	char state_path[96], *val = NULL, why[96];
	size_t len = 0;
	int running = 0;

	snprintf(state_path, sizeof(state_path),
		 "/local/domain/0/device-model/%d/state", d->cfg.domid);
	if (xsp_read(xs, XSP_TXN_NONE, state_path, &val, &len))
		return;
	if (!xsval_parse(XSVAL_STATE, val, len, &running, why, sizeof(why)) &&
	    running)
		xendm_finish(d, NULL);
	free(val);
}

static void xendm_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct domain *d = arg;

	snprintf(d->xen->err, sizeof(d->xen->err),
		 "/local/domain/0/device-model/%d/state did not become "
		 "'running' within %d s",
		 d->cfg.domid, d->cfg.ready_timeout);
	xendm_finish(d, d->xen->err);
}

int xendm_watch_ready(struct domain *d, int timeout_s, xendm_ready_fn *ready,
		      const char **err_r)
{
	struct xendm_dom *xd = xendm_dom(d);
	struct timeval tv = {timeout_s, 0};
	char path[96];
	int r;

	if (!xd) {
		*err_r = "out of memory";
		return -1;
	}
	*err_r = xd->err;
	xendm_stop_waiting(d);
	if (xendm_connect(d->sup, xd->err, sizeof(xd->err)))
		return -1;
	snprintf(path, sizeof(path), "/local/domain/0/device-model/%d/state",
		 d->cfg.domid);
	xd->timer = evtimer_new(d->sup->base, xendm_timeout_cb, d);
	if (!xd->timer || evtimer_add(xd->timer, &tv)) {
		snprintf(xd->err, sizeof(xd->err), "cannot arm a timer");
		xendm_stop_waiting(d);
		return -1;
	}
	/* The registration fires once: a state already there is seen. */
	r = xsp_watch(d->sup->xen->xs, path, xendm_state_cb, d, &xd->watch);
	if (r) {
		snprintf(xd->err, sizeof(xd->err), "xenstore watch %s: %s",
			 path, strerror(-r));
		xendm_stop_waiting(d);
		return -1;
	}
	xd->ready = ready;
	return 0;
}

char *xendm_explain_death(struct domain *d)
{
	struct plan_log_scan scan;
	uint64_t max, tot, need = 0;
	char *msg, *log;

	if (!d->xen || !d->sup->xen || !d->sup->xen->xch)
		return NULL;
	/* QEMU's hw_error dumps every CPU after the message: look further
	 * back than the tail shown to users, still bounded. */
	log = logfile_tail(d->sup->log_dir, d->cfg.name, d->cfg.log_files,
			   XENDM_SCAN_LINES, XENDM_SCAN_BYTES);
	if (!log)
		return NULL;
	plan_log_scan_init(&scan);
	plan_log_scan_buf(&scan, log, strlen(log));
	free(log);
	if (!scan.failed)
		return NULL;
	/* What QEMU populated before it failed stays in the guest: what is
	 * missing is the plan against the room there was at its start. */
	if (!xendm_pages(d, &max, &tot))
		need =
		    plan_shortfall(d->xen->plan_pages, max, d->xen->tot_start);
	if (!need)
		need = scan.failed_pages;
	if (need && asprintf(&msg,
			     "QEMU failed to populate guest memory: needs "
			     "%" PRIu64 " more pages",
			     need) >= 0)
		return msg;
	if (asprintf(&msg,
		     "QEMU failed to populate guest memory at 0x%" PRIx64
		     " (max_pages changed after the start check?)",
		     scan.failed_addr) >= 0)
		return msg;
	return NULL;
}

static void xendm_report(struct domain *d, const char *state)
{
	struct xsp *xs = d->sup->xen->xs;
	char path[96];
	const char *why = d->error ? d->error : "unknown";
	int r;

	snprintf(path, sizeof(path), "/local/domain/0/dmsup/%d/error",
		 d->cfg.domid);
	/* The error is ours but its text may quote QEMU: bound it. */
	r = xsp_write(xs, XSP_TXN_NONE, path, why,
		      strnlen(why, xsp_value_max(path)));
	snprintf(path, sizeof(path), "/local/domain/0/dmsup/%d/state",
		 d->cfg.domid);
	if (!r)
		r = xsp_write_str(xs, XSP_TXN_NONE, path, state);
	if (r)
		log_warnx("domid %d (%s): cannot report %s in xenstore: %s",
			  d->cfg.domid, d->cfg.name, state, strerror(-r));
}

/* A dmsup that reattached has not connected yet: do it now. */
static int xendm_connect_for(struct domain *d, const char *what)
{
	char err[XENDM_ERR_MAX];

	if (!xendm_connect(d->sup, err, sizeof(err)))
		return 0;
	log_warnx("domid %d (%s): cannot %s: %s", d->cfg.domid, d->cfg.name,
		  what, err);
	return -1;
}

void xendm_cleanup(struct domain *d)
{
	xendm_stop_waiting(d);
	if (xendm_connect_for(d, "clean up xenstore"))
		return;
	xendm_rm(d, "/local/domain/0/device-model/%d", d->cfg.domid);
	xendm_rm(d, "/local/domain/%d/image/device-model-pid", d->cfg.domid);
	xendm_report_end(d);
}

void xendm_report_end(struct domain *d)
{
	xendm_stop_waiting(d);
	if (xendm_connect_for(d, "report in xenstore"))
		return;
	if (d->state == DM_CRASHED)
		xendm_report(d, "crashed");
	else if (d->state == DM_FAILED)
		xendm_report(d, "failed");
	else
		xendm_rm(d, "/local/domain/0/dmsup/%d", d->cfg.domid);
}

int xendm_crash_domain(struct domain *d)
{
	if (xendm_connect_for(d, "mark the domain crashed"))
		return -1;
	if (xc_domain_shutdown(d->sup->xen->xch, (uint32_t)d->cfg.domid,
			       SHUTDOWN_crash)) {
		log_warn("domid %d (%s): xc_domain_shutdown(crash)",
			 d->cfg.domid, d->cfg.name);
		return -1;
	}
	log_info("domid %d (%s): domain marked crashed (on_dm_crash "
		 "crash-domain): the toolstack's on_crash applies",
		 d->cfg.domid, d->cfg.name);
	return 0;
}

void xendm_domain_free(struct domain *d)
{
	xendm_stop_waiting(d);
	free(d->xen);
	d->xen = NULL;
}

struct xsp *xendm_xenstore(struct domain *d, const char **err_r)
{
	struct xendm_dom *xd = xendm_dom(d);

	*err_r = xd ? xd->err : "out of memory";
	return xd ? xendm_xs(d->sup, xd->err, sizeof(xd->err)) : NULL;
}

int xendm_room(struct domain *d, uint64_t *max_r, uint64_t *tot_r,
	       const char **err_r)
{
	if (!xendm_xenstore(d, err_r))
		return -1;
	return xendm_pages(d, max_r, tot_r);
}

void xendm_close(struct dmsup *sup)
{
	struct xendm *x = sup->xen;

	guestwatch_close(sup);
	if (!x)
		return;
	if (x->xs)
		xsp_close(x->xs);
	if (x->xch)
		xc_interface_close(x->xch);
	free(x);
	sup->xen = NULL;
}
