/*
 * The daemon's side of the targets' watch (see guestwatch.h): one watch
 * set per dmsup on dom0's xenstore connection, the hypervisor asked
 * through dmsup's libxenctrl handle, each change kept in d->guest and
 * announced as an event ("guest"), and a destroyed target's device model
 * stopped.
 */
#include <errno.h>
#include <stdio.h>

#include <json-c/json.h>
#include <xenctrl.h>

#include "dmsup/domain.h"
#include "dmsup/kind/guestwatch.h"
#include "dmsup/kind/xendm.h"
#include "dmsup/log.h"
#include "dmsup/observe.h"

/* The hypervisor's word on @domid (libxenctrl, dmsup's handle). */
static enum guest_state guestwatch_xc_probe(void *arg, int domid)
{
	struct dmsup *sup = arg;
	char err[256];
	xc_interface *xch = xendm_xch(sup, err, sizeof(err));
	xc_domaininfo_t info;
	int r;

	if (!xch)
		return GUEST_NONE;
	r = xc_domain_getinfolist(xch, (uint32_t)domid, 1, &info);
	if (r < 0)
		return errno == ESRCH ? GUEST_DESTROYED : GUEST_NONE;
	/* getinfolist gives the next domain up when @domid is gone. */
	return guest_state_of(r == 1 && info.domain == (domid_t)domid,
			      info.flags);
}

static void guestwatch_announce(struct domain *d)
{
	struct json_object *ev = json_object_new_object();

	json_object_object_add(ev, "event", json_object_new_string("guest"));
	json_object_object_add(
	    ev, "guest", json_object_new_string(guest_state_name(d->guest)));
	json_object_object_add(ev, "domain", domain_to_json(d));
	observe_event(d->sup, d, ev);
	json_object_put(ev);
}

static void guestwatch_changed_cb(void *arg, int domid, enum guest_state st)
{
	struct dmsup *sup = arg;
	struct domain *d = domain_find_domid(sup, domid);

	if (!d || d->guest_domid != domid)
		return;
	d->guest = st;
	log_info("domid %d (%s): guest %s", domid, d->cfg.name,
		 guest_state_name(st));
	guestwatch_announce(d);
	if (st != GUEST_DESTROYED ||
	    (d->state != DM_RUNNING && d->state != DM_STARTING))
		return;
	/* Its device model serves nobody now: the run ends, as a stop. */
	log_info("domid %d (%s): the guest is gone: stopping its device "
		 "model",
		 domid, d->cfg.name);
	d->no_restart = true;
	lifecycle_post(d, DM_EV_STOP);
}

void guestwatch_domain_start(struct domain *d)
{
	struct dmsup *sup = d->sup;
	char err[256];
	struct xsp *xs = xendm_xs(sup, err, sizeof(err));
	const char *why = err;

	d->guest = GUEST_NONE;
	if (!xs)
		goto fail;
	if (!sup->guests &&
	    !(sup->guests = guestwatch_new(xs, guestwatch_xc_probe, sup,
					   guestwatch_changed_cb, sup))) {
		why = "out of memory";
		goto fail;
	}
	if (guestwatch_add(sup->guests, d->cfg.domid, &why))
		goto fail;
	d->guest_domid = d->cfg.domid;
	return;
fail:
	log_warnx("domid %d (%s): the guest's shutdown and destruction will "
		  "not be seen: %s",
		  d->cfg.domid, d->cfg.name, why);
}

void guestwatch_domain_stop(struct domain *d)
{
	if (!d->guest_domid)
		return;
	guestwatch_remove(d->sup->guests, d->guest_domid);
	d->guest_domid = 0;
}

bool guestwatch_domain_gone(struct domain *d)
{
	enum guest_state st =
	    d->sup->guests ? guestwatch_refresh(d->sup->guests, d->cfg.domid)
			   : guestwatch_xc_probe(d->sup, d->cfg.domid);

	if (st == GUEST_NONE)
		return false;
	if ((int)st != d->guest) {
		d->guest = st;
		guestwatch_announce(d);
	}
	return st == GUEST_DESTROYED || st == GUEST_SHUTDOWN ||
	       st == GUEST_REBOOT || st == GUEST_CRASHED;
}

void guestwatch_close(struct dmsup *sup)
{
	guestwatch_free(sup->guests);
	sup->guests = NULL;
}
