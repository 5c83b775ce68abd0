/*
 * A stub-domain device model, the daemon's side (see stubdm.h). The stub
 * keeper is the supervised process (domain.c spawns and signals it like a
 * dom0 QEMU); this file learns which domain the keeper built, waits for
 * the stub's readiness and keeps the MiniOS handshake channel.
 *
 * States (stubdm_post logs every transition with the domid):
 *
 *   IDLE       --watch-->    WAIT_DOMID  watch device-model-domid, arm timer
 *   WAIT_DOMID --domid-->    WAIT_STATE  Linux: watch the stub's state;
 *                                        MiniOS: handshake START; known()
 *   WAIT_STATE --running-->  WAIT_QMP    Linux: ready(); timer stays
 *   WAIT_STATE --running-->  OPEN        MiniOS: ready(); timer goes
 *   WAIT_STATE,
 *   WAIT_QMP   --ready-->    OPEN        the domain is ready; timer goes
 *   WAIT_*     --failed-->   IDLE        ready(error)
 *   WAIT_*     --timeout-->  IDLE        ready(error naming the step)
 *   IDLE       --reattach--> OPEN        after a dmsup restart
 *   any        --release-->  IDLE        channel, watch, timer go
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <xenctrl.h>

#include "dmsup/domain.h"
#include "dmsup/log.h"
#include "dmsup/logfile.h"
#include "dmsup/kind/stubdm.h"
#include "dmsup/kind/xsval.h"
#include "dmsup/kind/xendm.h"
#include "stubdom-proto/xs.h"

#define STUBDM_ERR_MAX 512
#define STUBDM_VALUE_MAX 32   /* longer than any domid or state we take */
#define STUBDM_SCAN_LINES 200 /* log lines searched for the keeper's */
#define STUBDM_SCAN_BYTES (32 * 1024)
#define STUBDM_QMP_PATH_FMT "/local/domain/%d/device-model/%d/qmp-vchan"

enum stubdm_state {
	SDM_IDLE,
	SDM_WAIT_DOMID,
	SDM_WAIT_STATE,
	SDM_WAIT_QMP,
	SDM_OPEN
};

enum stubdm_event {
	SDM_EV_WATCH,
	SDM_EV_DOMID,
	SDM_EV_RUNNING,
	SDM_EV_READY,
	SDM_EV_FAILED,
	SDM_EV_TIMEOUT,
	SDM_EV_REATTACH,
	SDM_EV_RELEASE,
};

static const char *const stubdm_state_names[] = {
    "IDLE", "WAIT_DOMID", "WAIT_STATE", "WAIT_QMP", "OPEN"};
static const char *const stubdm_event_names[] = {
    "watch",  "domid",	 "running",  "ready",
    "failed", "timeout", "reattach", "release"};

/* The handshake's START callback may come after the domain is gone (a
 * destroyed channel fails it later, from the loop): it gets this token,
 * which a release disowns. */
struct stubdm_start {
	struct domain *d;
};

struct stubdm {
	enum stubdm_state state;
	struct stubdm_start *start; /* START in flight */
	struct xsp_watch *watch;    /* device-model-domid, then Linux's state */
	struct xsp_watch *twatch;   /* the candidate stub's target */
	int twatch_dom;
	struct event *timer;
	struct stubdom_hs *hs; /* MiniOS */
	stubdm_fn *known, *ready;
	int timeout_s;
	char bad[192]; /* why the last device-model-domid was not taken */
	char err[STUBDM_ERR_MAX];
};

static struct stubdm *stubdm_of(struct domain *d)
{
	if (!d->stub)
		d->stub = calloc(1, sizeof(*d->stub));
	return d->stub;
}

static struct xsp *stubdm_xs(struct domain *d)
{
	return xendm_xs(d->sup, d->stub->err, sizeof(d->stub->err));
}

static void stubdm_fail(struct domain *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void stubdm_fail(struct domain *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->stub->err, sizeof(d->stub->err), fmt, ap);
	va_end(ap);
}

static void stubdm_unwatch(struct domain *d)
{
	struct stubdm *s = d->stub;

	if (s->watch && d->sup->xen)
		xsp_unwatch(xendm_xs(d->sup, s->err, sizeof(s->err)), s->watch);
	s->watch = NULL;
}

static void stubdm_stop_timer(struct stubdm *s)
{
	if (s->timer)
		event_free(s->timer);
	s->timer = NULL;
}

/* A bounded read of a short node; "" when absent. */
static void stubdm_read(struct domain *d, const char *path, char *buf,
			size_t len)
{
	char *val = NULL;
	size_t n = 0;

	buf[0] = '\0';
	if (!xsp_read(stubdm_xs(d), XSP_TXN_NONE, path, &val, &n))
		snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), val);
	free(val);
	for (char *p = buf; *p; p++)
		if (*p < ' ' || *p > '~')
			*p = '?';
}

/* ---- the stub's domid ---- */

/* Whether @val names a live stub domain of d: 0 with *stub_r, else -1
 * with the reason in s->bad. */
static int stubdm_check_domid(struct domain *d, const char *val, int *stub_r)
{
	/* *stub_r is the candidate even when it is refused. */
	struct stubdm *s = d->stub;
	char path[64], target[STUBDM_VALUE_MAX];
	xc_domaininfo_t info;
	char why[96];
	int v, tv;
	xc_interface *xch = xendm_xch(d->sup, s->err, sizeof(s->err));

	*stub_r = 0;
	if (xsval_parse(XSVAL_DM_DOMID, val, strlen(val), &v, why,
			sizeof(why)) ||
	    v == d->cfg.domid) {
		snprintf(s->bad, sizeof(s->bad), "'%s' is not a domid", val);
		return -1;
	}
	*stub_r = (int)v;
	if (!xch || xc_domain_getinfolist(xch, (uint32_t)v, 1, &info) != 1 ||
	    info.domain != (domid_t)v || (info.flags & XEN_DOMINF_dying)) {
		snprintf(s->bad, sizeof(s->bad),
			 "domain %d does not exist (any more)", v);
		return -1;
	}
	snprintf(path, sizeof(path), "/local/domain/%d/target", v);
	stubdm_read(d, path, target, sizeof(target));
	if ((info.flags & XEN_DOMINF_hvm_guest) ||
	    xsval_parse(XSVAL_TARGET, target, strlen(target), &tv, why,
			sizeof(why)) ||
	    tv != d->cfg.domid) {
		snprintf(s->bad, sizeof(s->bad),
			 "domain %d is no stub domain of domain %d (%s, "
			 "target '%s')",
			 v, d->cfg.domid,
			 info.flags & XEN_DOMINF_hvm_guest ? "HVM" : "PV",
			 target);
		return -1;
	}
	*stub_r = (int)v;
	return 0;
}

static int stubdm_read_domid(struct domain *d, int *stub_r)
{
	char path[80], val[STUBDM_VALUE_MAX];

	snprintf(path, sizeof(path),
		 "/local/domain/%d/image/device-model-domid", d->cfg.domid);
	stubdm_read(d, path, val, sizeof(val));
	if (!*val) {
		snprintf(d->stub->bad, sizeof(d->stub->bad), "%s is absent",
			 path);
		return -1;
	}
	return stubdm_check_domid(d, val, stub_r);
}

static void stubdm_post(struct domain *d, enum stubdm_event ev);
static void stubdm_domid_cb(struct xsp *xs, const char *path, void *arg);

static void stubdm_untarget(struct domain *d)
{
	struct stubdm *s = d->stub;

	if (s->twatch && d->sup->xen)
		xsp_unwatch(xendm_xs(d->sup, s->err, sizeof(s->err)),
			    s->twatch);
	s->twatch = NULL;
	s->twatch_dom = 0;
}

/* The builder may write device-model-domid before the stub's target:
 * a candidate's target is watched too. */
static void stubdm_watch_target(struct domain *d, int stub)
{
	struct stubdm *s = d->stub;
	char path[64];

	if (stub == s->twatch_dom)
		return;
	stubdm_untarget(d);
	snprintf(path, sizeof(path), "/local/domain/%d/target", stub);
	if (!xsp_watch(stubdm_xs(d), path, stubdm_domid_cb, d, &s->twatch))
		s->twatch_dom = stub;
}

static void stubdm_domid_cb(struct xsp *xs, const char *path, void *arg)
{
	struct domain *d = arg;
	int stub = 0;

	if (d->stub->state != SDM_WAIT_DOMID)
		return;
	if (stubdm_read_domid(d, &stub)) {
		if (stub > 0)
			stubdm_watch_target(d, stub);
		return;
	}
	stubdm_untarget(d);
	d->stub_domid = stub;
	stubdm_post(d, SDM_EV_DOMID);
}

/* ---- the stub's readiness ---- */

static void stubdm_state_cb(struct xsp *xs, const char *path, void *arg)
{
	struct domain *d = arg;
	char val[STUBDM_VALUE_MAX], why[96];
	int running;

	if (d->stub->state != SDM_WAIT_STATE)
		return;
	stubdm_read(d, path, val, sizeof(val));
	if (!xsval_parse(XSVAL_STATE, val, strlen(val), &running, why,
			 sizeof(why)) &&
	    running)
		stubdm_post(d, SDM_EV_RUNNING);
}

static void stubdm_hs_log_cb(void *arg, enum stubdom_log_level level,
			     unsigned int domid, const char *msg)
{
	if (level >= STUBDOM_LOG_WARN)
		log_warnx("%s", msg);
	else if (level == STUBDOM_LOG_INFO)
		log_info("%s", msg);
	else
		log_debug("%s", msg);
}

static void stubdm_started_cb(const struct stubdom_hs_result *res, void *arg)
{
	struct stubdm_start *tok = arg;
	struct domain *d = tok->d;

	free(tok);
	if (!d)
		return;
	d->stub->start = NULL;
	if (d->stub->state != SDM_WAIT_STATE)
		return;
	if (!res->rc) {
		stubdm_post(d, SDM_EV_RUNNING);
		return;
	}
	stubdm_fail(d, "stub domain %d: handshake start: %s", d->stub_domid,
		    res->error);
	stubdm_post(d, SDM_EV_FAILED);
}

static int stubdm_open_hs(struct domain *d)
{
	struct stubdm *s = d->stub;
	struct xsp *xs = stubdm_xs(d);
	int r = 0;

	if (!xs)
		return -1;
	s->hs = stubdom_hs_new(
	    xs,
	    &(struct stubdom_hs_config){
		.kind = STUBDOM_MINIOS,
		.domid = (unsigned)d->cfg.domid,
		.stub_domid = (unsigned)d->stub_domid,
		/* Our own timer names the step; the library's comes later. */
		.start_timeout_ms = (unsigned)(s->timeout_s + 5) * 1000,
		.log = stubdm_hs_log_cb},
	    &r);
	if (!s->hs)
		stubdm_fail(d, "stub domain %d: cannot open the handshake: %s",
			    d->stub_domid, strerror(r ? -r : ENOMEM));
	return s->hs ? 0 : -1;
}

/* Entering WAIT_STATE: the kind's own readiness signal. */
static int stubdm_wait_state(struct domain *d)
{
	struct stubdm *s = d->stub;
	char path[96];
	int r;

	if (config_kind(&d->cfg) == DM_KIND_STUBDOM_MINIOS) {
		if (stubdm_open_hs(d))
			return -1;
		s->start = calloc(1, sizeof(*s->start));
		r = s->start ? stubdom_hs_submit(s->hs, STUBDOM_CMD_START, NULL,
						 stubdm_started_cb, s->start)
			     : -ENOMEM;
		if (r) {
			free(s->start);
			s->start = NULL;
			stubdm_fail(d, "handshake start: %s", strerror(-r));
			return -1;
		}
		s->start->d = d;
		return 0;
	}
	snprintf(path, sizeof(path), "/local/domain/%d/device-model/%d/state",
		 d->stub_domid, d->cfg.domid);
	r = xsp_watch(stubdm_xs(d), path, stubdm_state_cb, d, &s->watch);
	if (r)
		stubdm_fail(d, "xenstore watch %s: %s", path, strerror(-r));
	return r ? -1 : 0;
}

/* What never happened, for the timeout's error. */
static void stubdm_explain_timeout(struct domain *d)
{
	struct stubdm *s = d->stub;
	char path[96], val[STUBDM_VALUE_MAX];
	bool minios = config_kind(&d->cfg) == DM_KIND_STUBDOM_MINIOS;
	int t = d->cfg.domid, n = s->timeout_s;

	if (s->state == SDM_WAIT_DOMID) {
		stubdm_fail(d,
			    "no stub domain within %d s: "
			    "/local/domain/%d/image/device-model-domid: %s "
			    "(the stub was never built; see the keeper's "
			    "log)",
			    n, t, s->bad);
		return;
	}
	if (s->state == SDM_WAIT_QMP) {
		stubdm_fail(
		    d,
		    "stub domain %d: QEMU runs (state 'running') but "
		    "gave no QMP greeting over vchan at " STUBDM_QMP_PATH_FMT
		    " within %d s",
		    d->stub_domid, d->stub_domid, t, n);
		return;
	}
	snprintf(path, sizeof(path), "/local/domain/%d/device-model/%d/state",
		 minios ? 0 : d->stub_domid, t);
	stubdm_read(d, path, val, sizeof(val));
	if (*val)
		stubdm_fail(d,
			    "stub domain %d was built, but %s is '%s', not "
			    "'running', after %d s",
			    d->stub_domid, path, val, n);
	else
		stubdm_fail(d,
			    "stub domain %d was built, but its %s never wrote "
			    "%s within %d s",
			    d->stub_domid, minios ? "device model" : "QEMU",
			    path, n);
}

static void stubdm_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct domain *d = arg;

	stubdm_explain_timeout(d);
	stubdm_post(d, SDM_EV_TIMEOUT);
}

/* ---- the state machine ---- */

static enum stubdm_state stubdm_next(const struct domain *d,
				     enum stubdm_event ev)
{
	enum stubdm_state st = d->stub->state;
	bool waiting =
	    st == SDM_WAIT_DOMID || st == SDM_WAIT_STATE || st == SDM_WAIT_QMP;

	switch (ev) {
	case SDM_EV_WATCH:
		return st == SDM_IDLE ? SDM_WAIT_DOMID : st;
	case SDM_EV_DOMID:
		return st == SDM_WAIT_DOMID ? SDM_WAIT_STATE : st;
	case SDM_EV_RUNNING:
		if (st != SDM_WAIT_STATE)
			return st;
		return config_kind(&d->cfg) == DM_KIND_STUBDOM_MINIOS
			   ? SDM_OPEN
			   : SDM_WAIT_QMP;
	case SDM_EV_READY:
		return st == SDM_WAIT_STATE || st == SDM_WAIT_QMP ? SDM_OPEN
								  : st;
	case SDM_EV_FAILED:
	case SDM_EV_TIMEOUT:
		return waiting ? SDM_IDLE : st;
	case SDM_EV_REATTACH:
		return st == SDM_IDLE ? SDM_OPEN : st;
	case SDM_EV_RELEASE:
		return SDM_IDLE;
	}
	return st;
}

/* The entry action of @to; -1 if it failed (then FAILED is posted). */
static int stubdm_enter(struct domain *d, enum stubdm_state from,
			enum stubdm_state to, enum stubdm_event ev)
{
	struct stubdm *s = d->stub;

	switch (to) {
	case SDM_WAIT_DOMID:
		/* Armed by stubdm_watch_ready, which can fail without a
		 * transition. */
		return 0;
	case SDM_WAIT_STATE:
		stubdm_unwatch(d);
		log_info("domid %d (%s): stub domain %d", d->cfg.domid,
			 d->cfg.name, d->stub_domid);
		if (stubdm_wait_state(d))
			return -1;
		s->known(d, NULL);
		return 0;
	case SDM_WAIT_QMP:
		stubdm_unwatch(d);
		s->ready(d, NULL);
		return 0;
	case SDM_OPEN:
		stubdm_unwatch(d);
		stubdm_stop_timer(s);
		if (ev == SDM_EV_RUNNING)
			s->ready(d, NULL);
		return 0;
	case SDM_IDLE:
		stubdm_unwatch(d);
		stubdm_untarget(d);
		stubdm_stop_timer(s);
		if (s->start)
			s->start->d = NULL;
		s->start = NULL;
		if (s->hs)
			stubdom_hs_destroy(s->hs);
		s->hs = NULL;
		if (ev == SDM_EV_RELEASE)
			d->stub_domid = 0;
		else
			s->ready(d, s->err);
		return 0;
	}
	return 0;
}

static void stubdm_post(struct domain *d, enum stubdm_event ev)
{
	struct stubdm *s = d->stub;
	enum stubdm_state from = s->state, to = stubdm_next(d, ev);

	if (to == from && ev != SDM_EV_RELEASE) {
		log_debug("domid %d (%s): stub: %s ignored in %s", d->cfg.domid,
			  d->cfg.name, stubdm_event_names[ev],
			  stubdm_state_names[from]);
		return;
	}
	log_info("domid %d (%s): stub: %s --%s--> %s", d->cfg.domid,
		 d->cfg.name, stubdm_state_names[from], stubdm_event_names[ev],
		 stubdm_state_names[to]);
	s->state = to;
	if (stubdm_enter(d, from, to, ev) && to != SDM_IDLE)
		stubdm_post(d, SDM_EV_FAILED);
}

/* ---- the interface ---- */

int stubdm_prepare(struct domain *d, const char **err_r)
{
	struct stubdm *s = stubdm_of(d);
	char path[80];
	int stub, r;

	*err_r = s ? s->err : "out of memory";
	if (!s || !stubdm_xs(d))
		return -1;
	stubdm_post(d, SDM_EV_RELEASE);
	if (!stubdm_read_domid(d, &stub)) {
		stubdm_fail(d,
			    "domain %d already has a stub device model, domain "
			    "%d (not started by this dmsup?)",
			    d->cfg.domid, stub);
		return -1;
	}
	/* A stale value must not count as the new stub's. */
	snprintf(path, sizeof(path),
		 "/local/domain/%d/image/device-model-domid", d->cfg.domid);
	r = xsp_rm(stubdm_xs(d), XSP_TXN_NONE, path);
	if (r && r != -ENOENT)
		log_warnx("domid %d (%s): xenstore rm %s: %s", d->cfg.domid,
			  d->cfg.name, path, strerror(-r));
	return 0;
}

int stubdm_watch_ready(struct domain *d, int timeout_s, stubdm_fn *known,
		       stubdm_fn *ready, const char **err_r)
{
	struct stubdm *s = stubdm_of(d);
	struct timeval tv = {timeout_s, 0};
	char path[80];

	*err_r = s ? s->err : "out of memory";
	if (!s)
		return -1;
	stubdm_post(d, SDM_EV_RELEASE);
	s->known = known;
	s->ready = ready;
	s->timeout_s = timeout_s;
	s->err[0] = '\0';
	snprintf(path, sizeof(path),
		 "/local/domain/%d/image/device-model-domid", d->cfg.domid);
	snprintf(s->bad, sizeof(s->bad), "%s is absent", path);
	s->timer = evtimer_new(d->sup->base, stubdm_timeout_cb, d);
	if (!s->timer || evtimer_add(s->timer, &tv)) {
		stubdm_fail(d, "cannot arm a timer");
		stubdm_post(d, SDM_EV_RELEASE);
		return -1;
	}
	/* The registration fires once, later: a domid already there counts. */
	struct xsp *xs = stubdm_xs(d);
	int r = xs ? xsp_watch(xs, path, stubdm_domid_cb, d, &s->watch) : 0;
	if (!xs || r) {
		if (r)
			stubdm_fail(d, "xenstore watch %s: %s", path,
				    strerror(-r));
		stubdm_post(d, SDM_EV_RELEASE);
		return -1;
	}
	stubdm_post(d, SDM_EV_WATCH);
	return 0;
}

void stubdm_ready_done(struct domain *d)
{
	if (d->stub)
		stubdm_post(d, SDM_EV_READY);
}

int stubdm_reattach(struct domain *d, const char **err_r)
{
	struct stubdm *s = stubdm_of(d);
	int stub;

	*err_r = s ? s->err : "out of memory";
	if (!s || !stubdm_xs(d))
		return -1;
	stubdm_post(d, SDM_EV_RELEASE);
	if (stubdm_read_domid(d, &stub)) {
		stubdm_fail(d, "no stub domain: %s", s->bad);
		return -1;
	}
	d->stub_domid = stub;
	if (config_kind(&d->cfg) == DM_KIND_STUBDOM_MINIOS && stubdm_open_hs(d))
		return -1;
	stubdm_post(d, SDM_EV_REATTACH);
	log_info("domid %d (%s): stub domain %d found again", d->cfg.domid,
		 d->cfg.name, stub);
	return 0;
}

char *stubdm_qmp_address(const struct domain *d)
{
	char *addr;

	if (d->stub_domid <= 0 ||
	    asprintf(&addr, "vchan:%d:" STUBDM_QMP_PATH_FMT, d->stub_domid,
		     d->stub_domid, d->cfg.domid) < 0)
		return NULL;
	return addr;
}

int stubdm_submit(struct domain *d, enum stubdom_cmd cmd, const char *param,
		  stubdom_hs_done_fn *cb, void *arg, const char **err_r)
{
	int r;

	if (!d->stub || !d->stub->hs || d->stub->state != SDM_OPEN) {
		*err_r = "the stub domain's handshake channel is not open "
			 "(not running?)";
		return -1;
	}
	r = stubdom_hs_submit(d->stub->hs, cmd, param, cb, arg);
	if (r == -ENOSPC)
		*err_r = "too many commands queued for this domain";
	else if (r == -EINVAL)
		*err_r = "the parameter is too long for xenstore";
	else if (r)
		*err_r = "out of memory";
	return r ? -1 : 0;
}

/* The last line of @log starting with @prefix, without it (malloc'd). */
static char *stubdm_last_line(const char *log, const char *prefix)
{
	const char *found = NULL, *p = log;
	size_t plen = strlen(prefix);

	while (p && *p) {
		if (!strncmp(p, prefix, plen))
			found = p + plen;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return found ? strndup(found, strcspn(found, "\r\n")) : NULL;
}

char *stubdm_explain_death(struct domain *d)
{
	char *log = logfile_tail(d->sup->log_dir, d->cfg.name, d->cfg.log_files,
				 STUBDM_SCAN_LINES, STUBDM_SCAN_BYTES);
	char *keeper = log ? stubdm_last_line(log, "dmsup-stub: ") : NULL;
	char *qemu = log ? stubdm_last_line(log, "stub: device model ") : NULL;
	char *msg = NULL;
	int r = 0;

	if (keeper && qemu)
		r = asprintf(&msg, "%s (device model %s)", keeper, qemu);
	else if (keeper)
		r = asprintf(&msg, "%s", keeper);
	free(keeper);
	free(qemu);
	free(log);
	return r < 0 ? NULL : msg;
}

void stubdm_cleanup(struct domain *d)
{
	if (d->stub)
		stubdm_post(d, SDM_EV_RELEASE);
	d->stub_domid = 0;
}

void stubdm_domain_free(struct domain *d)
{
	stubdm_cleanup(d);
	free(d->stub);
	d->stub = NULL;
}
