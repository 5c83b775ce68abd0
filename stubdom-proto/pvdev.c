/*
 * pvdev.c - one PV device between dom0 and a stub domain (see pvdev.h).
 *
 * States: WAITING (nodes written, following both ends) -> HOTPLUGGED
 * (vif: the hook ran, hotplug-status written; console: the hook mapped
 * the frontend's ring, backend state 4 written) -> CONNECTED (both ends 4),
 * or -> FAILED from either. Events: WATCH (a state node changed),
 * RETRY (the hook said "not yet"), TIMEOUT. Both end in DONE once the
 * callback ran.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "stubdom-proto/pvdev.h"
#include "stubdom-proto/setup.h"
#include "stubdom-proto/xs.h"

enum pv_state {
	PV_WAITING,
	PV_HOTPLUGGED,
	PV_DONE,
};

struct pvdev {
	struct xsp *xs;
	enum pvdev_type type;
	enum pv_state state;
	char domain[64], name[32];
	unsigned int fe_domid, be_domid, devid, timeout_ms;
	char fe[STUBDOM_PATH_MAX], be[STUBDOM_PATH_MAX];
	char err[STUBDOM_PATH_MAX + 16]; /* the backend's error directory */
	pvdev_hotplug_fn *hotplug;
	void *hotplug_arg;
	pvdev_done_fn *done;
	void *arg;
	struct xsp_watch *wfe, *wbe;
	struct event *timer, *retry;
	int fe_state, be_state;
};

const char *pvdev_type_name(enum pvdev_type type)
{
	static const char *const names[] = {"vbd", "vif", "console"};

	return type <= PVDEV_CONSOLE ? names[type] : "?";
}

int pvdev_fe_path(enum pvdev_type type, unsigned int fe, unsigned int devid,
		  char *buf, size_t size)
{
	int n = snprintf(buf, size, "/local/domain/%u/device/%s/%u", fe,
			 pvdev_type_name(type), devid);

	return n < 0 || (size_t)n >= size ? -E2BIG : 0;
}

int pvdev_be_path(enum pvdev_type type, unsigned int be, unsigned int fe,
		  unsigned int devid, char *buf, size_t size)
{
	int n = snprintf(buf, size, "/local/domain/%u/backend/%s/%u/%u", be,
			 pvdev_type_name(type), fe, devid);

	return n < 0 || (size_t)n >= size ? -E2BIG : 0;
}

int pvdev_xvd(unsigned int index, unsigned int *devid_r, char *name,
	      size_t size)
{
	if (index > 15 || size < 5)
		return -EINVAL;
	*devid_r = 202u << 8 | index << 4;
	snprintf(name, size, "xvd%c", 'a' + index);
	return 0;
}

/* --- writing the nodes --- */

struct pv_write {
	const struct pvdev *pv;
	const struct pvdev_config *cfg;
	char *err;
	size_t errsz;
};

static int pv_put(const struct pv_write *w, xsp_txn t, const char *dir,
		  const char *key, const char *val)
{
	char path[STUBDOM_PATH_MAX + 64];
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	rc = xsp_write_str(w->pv->xs, t, path, val);
	if (rc && rc != -EAGAIN)
		snprintf(w->err, w->errsz, "%s: %s %s: cannot write %s: %s",
			 w->pv->domain, pvdev_type_name(w->pv->type),
			 w->pv->name, path, strerror(-rc));
	return rc;
}

static int pv_put_kv(const struct pv_write *w, xsp_txn t, const char *dir,
		     const char *const *kv)
{
	unsigned int i;
	int rc;

	for (i = 0; kv && kv[i] && i < 2 * PVDEV_KV_MAX; i += 2) {
		if (!kv[i + 1])
			return -EINVAL;
		if ((rc = pv_put(w, t, dir, kv[i], kv[i + 1])))
			return rc;
	}
	return 0;
}

/* Creates dir owned by `owner` (nobody else: none) and readable by
 * `reader`; its children inherit that. */
static int pv_dir(const struct pv_write *w, xsp_txn t, const char *dir,
		  unsigned int owner, unsigned int reader)
{
	struct xsp_perm perms[2] = {{owner, XSP_PERM_NONE},
				    {reader, XSP_PERM_READ}};
	int rc;

	rc = xsp_mkdir(w->pv->xs, t, dir);
	if (!rc)
		rc = xsp_set_perms(w->pv->xs, t, dir, perms, 2);
	if (rc && rc != -EAGAIN)
		snprintf(w->err, w->errsz, "%s: %s %s: cannot create %s: %s",
			 w->pv->domain, pvdev_type_name(w->pv->type),
			 w->pv->name, dir, strerror(-rc));
	return rc;
}

static int pv_write_body(struct xsp *xs, xsp_txn t, void *arg)
{
	const struct pv_write *w = arg;
	const struct pvdev *pv = w->pv;
	char num[16], handle[16];
	int rc;

	snprintf(handle, sizeof(handle), "%u", pv->devid);
	if ((rc = pv_dir(w, t, pv->fe, pv->fe_domid, pv->be_domid)) ||
	    (rc = pv_put(w, t, pv->fe, "backend", pv->be)))
		return rc;
	snprintf(num, sizeof(num), "%u", pv->be_domid);
	if ((rc = pv_put(w, t, pv->fe, "backend-id", num)) ||
	    (rc = pv_put(w, t, pv->fe, "state", "1")) ||
	    (rc = pv_put_kv(w, t, pv->fe, w->cfg->fe_kv)))
		return rc;
	if ((rc = pv_dir(w, t, pv->be, pv->be_domid, pv->fe_domid)) ||
	    (rc = pv_put(w, t, pv->be, "frontend", pv->fe)))
		return rc;
	snprintf(num, sizeof(num), "%u", pv->fe_domid);
	if ((rc = pv_put(w, t, pv->be, "frontend-id", num)) ||
	    (rc = pv_put(w, t, pv->be, "online", "1")) ||
	    (rc = pv_put(w, t, pv->be, "state", "1")) ||
	    (rc = pv_put_kv(w, t, pv->be, w->cfg->be_kv)))
		return rc;
	if (pv->type == PVDEV_VIF)
		rc = pv_put(w, t, pv->be, "handle", handle);
	return rc;
}

/* --- following the states --- */

static void pv_finish(struct pvdev *pv, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void pv_finish(struct pvdev *pv, int rc, const char *fmt, ...)
{
	char err[PVDEV_ERR_MAX];
	struct pvdev_result res = {rc, NULL, pv->fe_state, pv->be_state};
	va_list ap;
	int n;

	if (pv->state == PV_DONE)
		return;
	pv->state = PV_DONE;
	evtimer_del(pv->timer);
	evtimer_del(pv->retry);
	xsp_unwatch(pv->xs, pv->wfe);
	xsp_unwatch(pv->xs, pv->wbe);
	pv->wfe = pv->wbe = NULL;
	if (rc) {
		n = snprintf(err, sizeof(err), "%s: %s %s: ", pv->domain,
			     pvdev_type_name(pv->type), pv->name);
		va_start(ap, fmt);
		vsnprintf(err + n, sizeof(err) - (size_t)n, fmt, ap);
		va_end(ap);
		res.error = err;
	}
	pv->done(&res, pv->arg);
}

/* Reads one end's state: 0..PVDEV_XB_MAX, -ENOENT, -EPROTO (with a
 * printable copy of what was there in bad), or another negative errno. */
static int pv_read_state(struct pvdev *pv, const char *dir, char *bad,
			 size_t badsz)
{
	char path[STUBDOM_PATH_MAX + 8], *val = NULL;
	size_t len = 0, i;
	int rc;

	snprintf(path, sizeof(path), "%s/state", dir);
	rc = xsp_read(pv->xs, XSP_TXN_NONE, path, &val, &len);
	if (rc)
		return rc;
	rc = len == 1 && val[0] >= '0' && val[0] <= '0' + PVDEV_XB_MAX
		 ? val[0] - '0'
		 : -EPROTO;
	if (rc == -EPROTO) {
		for (i = 0; i < len && i + 1 < badsz && i < 16; i++)
			bad[i] = val[i] >= 0x20 && val[i] < 0x7f ? val[i] : '?';
		bad[i] = '\0';
	}
	free(val);
	return rc;
}

/* The backend's own reason for closing, if it left one
 * (xenbus_dev_fatal: /local/domain/<be>/error/<backend path>/error). */
static void pv_be_error(struct pvdev *pv, char *buf, size_t size)
{
	char path[STUBDOM_PATH_MAX + 32], *val = NULL;
	size_t len = 0, i;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/error", pv->err);
	if (xsp_read(pv->xs, XSP_TXN_NONE, path, &val, &len))
		return;
	snprintf(buf, size, ": ");
	for (i = 0; i < len && i + 3 < size && i < 200; i++)
		buf[i + 2] = val[i] >= 0x20 && val[i] < 0x7f ? val[i] : '?';
	buf[i + 2] = '\0';
	free(val);
}

static bool pv_end_ok(struct pvdev *pv, int st, const char *end,
		      const char *bad)
{
	char why[256];

	if (st == -ENOENT)
		pv_finish(pv, -ECONNRESET, "%s state node removed", end);
	else if (st == -EPROTO)
		pv_finish(pv, -EPROTO, "%s state '%s' is not a xenbus state",
			  end, bad);
	else if (st < 0)
		pv_finish(pv, -EIO, "cannot read the %s state: %s", end,
			  strerror(-st));
	else if (st >= PVDEV_XB_CLOSING) {
		pv_be_error(pv, why, sizeof(why));
		pv_finish(pv, -ECONNRESET, "%s closed (state %d)%s", end, st,
			  why);
	} else
		return true;
	return false;
}

/* false if the device ended (and may be freed). */
static bool pv_hotplug(struct pvdev *pv)
{
	char err[256] = "", path[STUBDOM_PATH_MAX + 32];
	struct timeval tv = {0, PVDEV_HOTPLUG_RETRY_MS * 1000};
	int rc, h = pv->hotplug ? pv->hotplug(pv->hotplug_arg, err, sizeof(err))
				: 0;

	if (h == PVDEV_HOTPLUG_AGAIN) {
		evtimer_add(pv->retry, &tv);
		return true;
	}
	if (h) {
		pv_finish(pv, -EIO, "hotplug failed: %s", err);
		return false;
	}
	/* A console's backend is the caller: its hook connected the ring,
	 * so the backend's state is ours to write. */
	if (pv->type == PVDEV_CONSOLE)
		snprintf(path, sizeof(path), "%s/state", pv->be);
	else
		snprintf(path, sizeof(path), "%s/hotplug-status", pv->be);
	rc = xsp_write_str(pv->xs, XSP_TXN_NONE, path,
			   pv->type == PVDEV_CONSOLE ? "4" : "connected");
	if (rc) {
		pv_finish(pv, -EIO, "cannot write %s: %s", path, strerror(-rc));
		return false;
	}
	pv->state = PV_HOTPLUGGED;
	return true;
}

static void pv_watch_cb(struct xsp *xs, const char *path, void *arg)
{
	struct pvdev *pv = arg;
	char bad[24];
	int fe, be;

	if (pv->state == PV_DONE)
		return;
	be = pv_read_state(pv, pv->be, bad, sizeof(bad));
	if (!pv_end_ok(pv, be, "backend", bad))
		return;
	pv->be_state = be;
	fe = pv_read_state(pv, pv->fe, bad, sizeof(bad));
	if (!pv_end_ok(pv, fe, "frontend", bad))
		return;
	pv->fe_state = fe;
	if (pv->type == PVDEV_VIF && pv->state == PV_WAITING &&
	    be >= PVDEV_XB_INITWAIT && !pv_hotplug(pv))
		return;
	if (pv->type == PVDEV_CONSOLE && pv->state == PV_WAITING &&
	    fe >= PVDEV_XB_INITIALISED && !pv_hotplug(pv))
		return;
	if (be == PVDEV_XB_CONNECTED && fe == PVDEV_XB_CONNECTED)
		pv_finish(pv, 0, "connected");
}

/* The hook said "not yet": call it again (the states cannot have moved
 * on without hotplug-status, so only the hook is due). */
static void pv_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pvdev *pv = arg;

	if (pv->state == PV_WAITING)
		pv_hotplug(pv);
}

static void pv_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pvdev *pv = arg;
	unsigned int s = (pv->timeout_ms + 999) / 1000;

	if (pv->be_state != PVDEV_XB_CONNECTED)
		pv_finish(pv, -ETIMEDOUT,
			  "backend state stuck at %d after %u s", pv->be_state,
			  s);
	else
		pv_finish(pv, -ETIMEDOUT,
			  "frontend state stuck at %d after %u s", pv->fe_state,
			  s);
}

/* --- the public API --- */

static void pv_rm(struct pvdev *pv)
{
	xsp_rm(pv->xs, XSP_TXN_NONE, pv->fe);
	xsp_rm(pv->xs, XSP_TXN_NONE, pv->be);
	xsp_rm(pv->xs, XSP_TXN_NONE, pv->err);
}

static int pv_init(struct pvdev *pv, struct xsp *xs,
		   const struct pvdev_config *cfg)
{
	pv->xs = xs;
	pv->type = cfg->type;
	snprintf(pv->domain, sizeof(pv->domain), "%s",
		 cfg->domain ? cfg->domain : "?");
	snprintf(pv->name, sizeof(pv->name), "%s", cfg->name ? cfg->name : "?");
	pv->fe_domid = cfg->fe_domid;
	pv->be_domid = cfg->be_domid;
	pv->devid = cfg->devid;
	pv->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : PVDEV_TIMEOUT_MS;
	pv->hotplug = cfg->hotplug;
	pv->hotplug_arg = cfg->hotplug_arg;
	pv->fe_state = pv->be_state = -1;
	if (pvdev_fe_path(cfg->type, cfg->fe_domid, cfg->devid, pv->fe,
			  sizeof(pv->fe)) ||
	    pvdev_be_path(cfg->type, cfg->be_domid, cfg->fe_domid, cfg->devid,
			  pv->be, sizeof(pv->be)))
		return -E2BIG;
	/* /local/domain/<be>/error/backend/<type>/<fe>/<devid> */
	snprintf(pv->err, sizeof(pv->err), "/local/domain/%u/error/%s",
		 cfg->be_domid, strstr(pv->be, "/backend/") + 1);
	pv->timer = evtimer_new(xsp_event_base(xs), pv_timer_cb, pv);
	pv->retry = evtimer_new(xsp_event_base(xs), pv_retry_cb, pv);
	return pv->timer && pv->retry ? 0 : -ENOMEM;
}

struct pvdev *pvdev_new(struct xsp *xs, const struct pvdev_config *cfg,
			pvdev_done_fn *done, void *arg, char *err, size_t errsz)
{
	struct pvdev *pv = calloc(1, sizeof(*pv));
	struct pv_write w = {pv, cfg, err, errsz};
	char path[STUBDOM_PATH_MAX + 8];
	struct timeval tv;
	int rc;

	snprintf(err, errsz, "%s: %s: out of memory", cfg->domain,
		 cfg->name ? cfg->name : "?");
	if (!pv || pv_init(pv, xs, cfg))
		goto fail;
	pv->done = done;
	pv->arg = arg;
	rc = xsp_txn_run(xs, pv_write_body, &w, XSP_TXN_TRIES_DEFAULT);
	if (rc) {
		if (rc == -EAGAIN || rc == -EINVAL)
			snprintf(err, errsz, "%s: %s %s: cannot write %s: %s",
				 pv->domain, pvdev_type_name(pv->type),
				 pv->name, pv->be, strerror(-rc));
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/state", pv->be);
	rc = xsp_watch(xs, path, pv_watch_cb, pv, &pv->wbe);
	snprintf(path, sizeof(path), "%s/state", pv->fe);
	if (!rc)
		rc = xsp_watch(xs, path, pv_watch_cb, pv, &pv->wfe);
	if (rc) {
		snprintf(err, errsz, "%s: %s %s: cannot watch %s: %s",
			 pv->domain, pvdev_type_name(pv->type), pv->name, path,
			 strerror(-rc));
		pv_rm(pv);
		goto fail;
	}
	tv.tv_sec = pv->timeout_ms / 1000;
	tv.tv_usec = (pv->timeout_ms % 1000) * 1000;
	evtimer_add(pv->timer, &tv);
	return pv;
fail:
	if (pv) {
		xsp_unwatch(xs, pv->wbe);
		xsp_unwatch(xs, pv->wfe);
		if (pv->timer)
			event_free(pv->timer);
		if (pv->retry)
			event_free(pv->retry);
		free(pv);
	}
	return NULL;
}

void pvdev_destroy(struct pvdev *pv)
{
	if (!pv)
		return;
	if (pv->wfe)
		xsp_unwatch(pv->xs, pv->wfe);
	if (pv->wbe)
		xsp_unwatch(pv->xs, pv->wbe);
	pv_rm(pv);
	event_free(pv->timer);
	event_free(pv->retry);
	free(pv);
}
