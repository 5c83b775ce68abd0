/* Events and settled starts and stops to clients (see notify.h). */
#include <string.h>

#include <json-c/json.h>

#include "dmsup/ctl/control.h"
#include "dmsup/ctl/notify.h"
#include "dmsup/domain.h"
#include "dmsup/observe.h"

static void notify_changed_cb(void *arg, struct domain *d)
{
	struct dmsup *sup = arg;
	struct json_object *o;

	if (!sup->ctl)
		return;
	o = json_object_new_object();
	json_object_object_add(o, "event", json_object_new_string("state"));
	json_object_object_add(o, "domain", domain_to_json(d));
	control_event(sup->ctl, d, o);
	json_object_put(o);
}

static void notify_event_cb(void *arg, struct domain *d, struct json_object *ev)
{
	struct dmsup *sup = arg;

	if (sup->ctl)
		control_event(sup->ctl, d, ev);
}

static void notify_gone_cb(void *arg, struct domain *d)
{
	struct dmsup *sup = arg;

	if (sup->ctl)
		control_domain_gone(sup->ctl, d);
}

const struct dm_observer notify_observer = {
    .changed = notify_changed_cb,
    .event = notify_event_cb,
    .gone = notify_gone_cb,
};

static void notify_settled_cb(void *arg, struct domain *d, enum dm_verdict v)
{
	struct ctl_conn *c = ctl_ref_take(arg);
	struct json_object *o;

	if (!c)
		return;
	if (v == DM_VERDICT_GONE) {
		ctl_reply_error(c, NULL, "domain %s was removed", d->cfg.name);
	} else if (v == DM_VERDICT_FAILED) {
		/* A failed restore's reason is in QEMU's own words. */
		bool log =
		    d->log_tail && d->step && !strcmp(d->step, "restore");
		ctl_reply_error(
		    c, d->step ? d->step : "start",
		    "domain %s (domid %d): %s failed: %s%s%s", d->cfg.name,
		    d->cfg.domid, d->step ? d->step : "start",
		    d->error		     ? d->error
		    : d->state == DM_STOPPED ? "stopped before it was ready"
					     : lifecycle_state_name(d->state),
		    log ? "; the device model's log ends:\n" : "",
		    log ? d->log_tail : "");
	} else {
		o = json_object_new_object();
		json_object_object_add(o, "domain", domain_to_json(d));
		ctl_reply(c, o);
	}
}

int notify_when_settled(struct ctl_conn *c, struct domain *d, enum dm_wait what)
{
	struct ctl_ref *ref = ctl_ref_new(c);

	if (!ref || lifecycle_wait(d, what, notify_settled_cb, ref)) {
		if (ref)
			ctl_ref_take(ref);
		ctl_reply_error(c, what == DM_WAIT_START ? "start" : "stop",
				"out of memory");
		return -1;
	}
	ctl_hold(c);
	return 0;
}
