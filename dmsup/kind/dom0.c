/*
 * Kind dom0: QEMU as a dom0 process, QMP on the socket dmsup made. With
 * xen: true also the Xen side (xendm.c): the page check before spawn,
 * image/device-model-pid, readiness in xenstore, the memory explanation
 * of a death, and the clean-up, and the target's own lifecycle
 * (guestwatch.c: a destroyed target ends the run); with xen: false QMP is all
 * there is.
 */
#include <stddef.h>

#include "dmsup/argv.h"
#include "dmsup/kind/dmqmp.h"
#include "dmsup/kind/guestwatch.h"
#include "dmsup/kind/kind.h"
#include "dmsup/kind/xendm.h"

static char **dom0_argv(const struct domain *d, const char *qmp_path)
{
	return argv_build(&d->cfg, qmp_path);
}

static void dom0_quit_reply_cb(void *arg, struct json_object *ret,
			       const char *err)
{
	/* The answer does not matter: death (or the timer) decides. */
}

/* QEMU is asked to quit first; SIGTERM when it cannot be asked. */
static enum dm_stop dom0_stop(struct domain *d)
{
	const char *err;

	if (dmqmp_is_ready(d->qmp) &&
	    !dmqmp_quit(d->qmp, dom0_quit_reply_cb, d, &err))
		return DM_STOP_QUIT;
	return DM_STOP_TERM;
}

static int dom0_xen_watch_ready(struct domain *d, kind_ready_fn *ready,
				kind_ready_fn *known, const char **err_r)
{
	return xendm_watch_ready(d, d->cfg.ready_timeout, ready, err_r);
}

static void dom0_xen_spawned(struct domain *d)
{
	xendm_spawned(d);
	guestwatch_domain_start(d);
}

static int dom0_xen_reattach(struct domain *d, const char **err_r)
{
	guestwatch_domain_start(d);
	return 0;
}

static void dom0_xen_cleanup(struct domain *d)
{
	guestwatch_domain_stop(d);
	xendm_cleanup(d);
}

static void dom0_xen_free(struct domain *d)
{
	guestwatch_domain_stop(d);
	xendm_domain_free(d);
}

static char *dom0_xen_explain_death(struct domain *d, bool *memory_r)
{
	char *why = xendm_explain_death(d);

	*memory_r = why != NULL;
	return why;
}

const struct dm_kind_ops kind_dom0 = {
    .name = "dom0",
    .qmp = KIND_QMP_SOCKET,
    .spawn_argv = dom0_argv,
    .stop = dom0_stop,
};

const struct dm_kind_ops kind_dom0_xen = {
    .name = "dom0",
    .qmp = KIND_QMP_SOCKET,
    .side = "xenstore",
    .prepare = xendm_prepare,
    .spawn_argv = dom0_argv,
    .spawned = dom0_xen_spawned,
    .watch_ready = dom0_xen_watch_ready,
    .reattach = dom0_xen_reattach,
    .explain_death = dom0_xen_explain_death,
    .stop = dom0_stop,
    .cleanup = dom0_xen_cleanup,
    .free = dom0_xen_free,
    .stopped_by_toolstack = guestwatch_domain_gone,
};
