/*
 * Kind "xl": a dom0 QEMU that libxl started through dmsup-qemu-dm and
 * dmsup adopted (docs/xl.md). dmsup never spawns it, and its xenstore
 * nodes (device-model/<domid>, image/device-model-pid) are libxl's: only
 * dmsup's own report is written. Readiness is QMP on the socket dmsup
 * handed over: libxl waits for state = running itself, and a dmsup
 * that cannot read xenstore must not make libxl's guest fail.
 *
 * Stop or crash: QEMU says SHUTDOWN (reason host-signal: libxl's SIGHUP;
 * host-qmp-quit; host-ui) before it ends on a host's request; its log
 * also says "terminating on signal" for a signal. Any other end is a
 * crash, and with on_dm_crash "crash-domain" the domain is shut down
 * with reason crash so that the toolstack's on_crash applies.
 */
#include <stdbool.h>
#include <string.h>

#include <json-c/json.h>

#include "dmsup/kind/dmqmp.h"
#include "dmsup/kind/kind.h"
#include "dmsup/kind/xendm.h"
#include "dmsup/log.h"
#include "dmsup/restrict-run.h"

/* SHUTDOWN's reasons that mean "the host asked" (QAPI ShutdownCause). */
static const char *const xl_host_reasons[] = {
    "host-signal",
    "host-qmp-quit",
    "host-ui",
    "host-qmp-system-reset",
};

static bool xl_host_reason(const char *reason)
{
	for (size_t i = 0;
	     i < sizeof(xl_host_reasons) / sizeof(*xl_host_reasons); i++)
		if (!strcmp(reason, xl_host_reasons[i]))
			return true;
	return false;
}

static void xl_shutdown_cb(void *arg, const char *event,
			   struct json_object *data, const char *why)
{
	struct domain *d = arg;
	struct json_object *v;
	const char *reason;

	if (!event || !json_object_object_get_ex(data, "reason", &v) ||
	    !json_object_is_type(v, json_type_string))
		return;
	reason = json_object_get_string(v);
	if (!xl_host_reason(reason))
		return;
	log_info("domid %d (%s): QEMU is ending on the host's request (%s)",
		 d->cfg.domid, d->cfg.name, reason);
	d->toolstack_stop = true;
}

static void xl_qmp_connected(struct domain *d)
{
	const char *err;

	if (!dmqmp_subscribe(d->qmp, "SHUTDOWN", NULL, NULL, xl_shutdown_cb, d,
			     &err))
		log_warnx("domid %d (%s): cannot watch SHUTDOWN: %s; a stop "
			  "by QMP quit will look like a crash",
			  d->cfg.domid, d->cfg.name, err);
}

/* QMP answers once QEMU dropped its privileges (its main loop runs after
 * -runas and -chroot): what libxl's dm_restrict did is visible now. */
static void xl_ready_done(struct domain *d)
{
	restrict_run_adopted(d);
}

static bool xl_stopped_by_toolstack(struct domain *d)
{
	return d->toolstack_stop ||
	       (d->log_tail && strstr(d->log_tail, "terminating on signal"));
}

static char *xl_explain_death(struct domain *d, bool *memory_r)
{
	char *why = xendm_explain_death(d);

	*memory_r = why != NULL;
	return why;
}

/* libxl's SIGHUP is the stop; dmsup only waits, SIGKILL at the end. */
static enum dm_stop xl_stop(struct domain *d)
{
	return DM_STOP_WAIT;
}

static void xl_cleanup(struct domain *d)
{
	xendm_report_end(d);
	/* A device model that never ran: libxl sees that itself (the
	 * domain's creation fails). */
	if (d->state == DM_CRASHED && d->ran &&
	    !strcmp(d->cfg.on_dm_crash, "crash-domain"))
		xendm_crash_domain(d);
}

const struct dm_kind_ops kind_xl = {
    .name = "xl",
    .qmp = KIND_QMP_SOCKET,
    .side = "xl",
    .explain_death = xl_explain_death,
    .stop = xl_stop,
    .cleanup = xl_cleanup,
    .free = xendm_domain_free,
    .qmp_connected = xl_qmp_connected,
    .ready_done = xl_ready_done,
    .stopped_by_toolstack = xl_stopped_by_toolstack,
};
