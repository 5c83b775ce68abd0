/*
 * The target domains' lifecycle (see guestwatch.h). xenstored fires
 * @releaseDomain on a domain's shutdown and on its destruction (its
 * VIRQ_DOM_EXC), for any domain: the event names none, so each event is
 * followed by one getinfo per watched domain, and only a change is told.
 * The registration's own first event gives every newly added domain its
 * first state from the event loop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <xenctrl.h>

#include "dmsup/kind/guestwatch.h"
#include "dmsup/log.h"
#include "stubdom-proto/xs.h"

struct guestwatch_entry {
	int domid;
	enum guest_state st;
};

struct guestwatch {
	struct xsp *xs;
	struct xsp_watch *w;
	struct event *kick; /* the first state of a domid just added */
	guestwatch_probe_fn *probe;
	void *probe_arg;
	guestwatch_fn *changed;
	void *arg;
	struct guestwatch_entry *v;
	size_t n, cap;
};

static const char *const guest_names[GUEST_N_STATES] = {
    [GUEST_NONE] = "unknown",	     [GUEST_RUNNING] = "running",
    [GUEST_SHUTDOWN] = "shutdown",   [GUEST_REBOOT] = "reboot",
    [GUEST_CRASHED] = "crashed",     [GUEST_SUSPENDED] = "suspended",
    [GUEST_DESTROYED] = "destroyed",
};

const char *guest_state_name(enum guest_state s)
{
	return (unsigned)s < GUEST_N_STATES ? guest_names[s] : "?";
}

enum guest_state guest_state_of(bool found, uint32_t flags)
{
	if (!found || (flags & XEN_DOMINF_dying))
		return GUEST_DESTROYED;
	if (!(flags & XEN_DOMINF_shutdown))
		return GUEST_RUNNING;
	switch ((flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask) {
	case SHUTDOWN_poweroff:
		return GUEST_SHUTDOWN;
	case SHUTDOWN_reboot:
		return GUEST_REBOOT;
	case SHUTDOWN_suspend:
		return GUEST_SUSPENDED;
	case SHUTDOWN_soft_reset:
		return GUEST_RUNNING; /* the toolstack resets it and it goes on
				       */
	default:		      /* crash, watchdog */
		return GUEST_CRASHED;
	}
}

static void guestwatch_kick_cb(evutil_socket_t fd, short what, void *arg);

struct guestwatch *guestwatch_new(struct xsp *xs, guestwatch_probe_fn *probe,
				  void *probe_arg, guestwatch_fn *changed,
				  void *arg)
{
	struct guestwatch *gw = calloc(1, sizeof(*gw));

	if (!gw)
		return NULL;
	gw->xs = xs;
	gw->probe = probe;
	gw->probe_arg = probe_arg;
	gw->changed = changed;
	gw->arg = arg;
	gw->kick = event_new(xsp_event_base(xs), -1, 0, guestwatch_kick_cb, gw);
	if (!gw->kick) {
		free(gw);
		return NULL;
	}
	return gw;
}

static struct guestwatch_entry *guestwatch_find(struct guestwatch *gw,
						int domid)
{
	for (size_t i = 0; i < gw->n; i++)
		if (gw->v[i].domid == domid)
			return &gw->v[i];
	return NULL;
}

/* Probes @domid and tells a change. @e may be gone after the call. */
static void guestwatch_check(struct guestwatch *gw, int domid)
{
	struct guestwatch_entry *e = guestwatch_find(gw, domid);
	enum guest_state st;

	if (!e || (st = gw->probe(gw->probe_arg, domid)) == GUEST_NONE ||
	    st == e->st)
		return;
	e->st = st;
	gw->changed(gw->arg, domid, st);
}

static void guestwatch_fired_cb(struct xsp *xs, const char *path, void *arg)
{
	struct guestwatch *gw = arg;
	size_t n = gw->n;
	int *ids = n ? calloc(n, sizeof(*ids)) : NULL;

	if (n && !ids) {
		log_warnx("@releaseDomain: out of memory, the guests' states "
			  "are not read");
		return;
	}
	/* The callbacks may add and remove domids: go by a copy. */
	for (size_t i = 0; i < n; i++)
		ids[i] = gw->v[i].domid;
	for (size_t i = 0; i < n; i++)
		guestwatch_check(gw, ids[i]);
	free(ids);
}

static void guestwatch_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	guestwatch_fired_cb(NULL, XSP_WATCH_RELEASE, arg);
}

int guestwatch_add(struct guestwatch *gw, int domid, const char **err_r)
{
	int r;

	if (guestwatch_find(gw, domid))
		return 0;
	if (gw->n == gw->cap) {
		size_t cap = gw->cap ? 2 * gw->cap : 8;
		struct guestwatch_entry *v = realloc(gw->v, cap * sizeof(*v));
		if (!v) {
			*err_r = "out of memory";
			return -1;
		}
		gw->v = v;
		gw->cap = cap;
	}
	if (!gw->w && (r = xsp_watch(gw->xs, XSP_WATCH_RELEASE,
				     guestwatch_fired_cb, gw, &gw->w))) {
		gw->w = NULL;
		*err_r = "cannot watch @releaseDomain";
		return -1;
	}
	gw->v[gw->n++] = (struct guestwatch_entry){domid, GUEST_NONE};
	/* A watch already there fires no first event for this one: its
	 * first state comes from the loop all the same. */
	event_active(gw->kick, EV_TIMEOUT, 0);
	return 0;
}

void guestwatch_remove(struct guestwatch *gw, int domid)
{
	struct guestwatch_entry *e = gw ? guestwatch_find(gw, domid) : NULL;

	if (!e)
		return;
	*e = gw->v[--gw->n];
	if (!gw->n && gw->w) {
		xsp_unwatch(gw->xs, gw->w);
		gw->w = NULL;
	}
}

enum guest_state guestwatch_refresh(struct guestwatch *gw, int domid)
{
	struct guestwatch_entry *e = guestwatch_find(gw, domid);
	enum guest_state st = gw->probe(gw->probe_arg, domid);

	if (e && st != GUEST_NONE)
		e->st = st;
	return st;
}

void guestwatch_free(struct guestwatch *gw)
{
	if (!gw)
		return;
	if (gw->w)
		xsp_unwatch(gw->xs, gw->w);
	if (gw->kick)
		event_free(gw->kick);
	free(gw->v);
	free(gw);
}
