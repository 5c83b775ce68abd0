/*
 * Kind dom0: QEMU as a dom0 process, QMP on the socket dmsup made. With
 * xen: true also the Xen side (xendm.c): the page check before spawn,
 * image/device-model-pid, readiness in xenstore, the memory explanation
 * of a death, and the clean-up, and the target's own lifecycle
 * (guestwatch.c: a destroyed target ends the run), and for serial pty the
 * pty's path at /local/domain/<domid>/serial/0/tty once QEMU is up, as libxl
 * writes it (serialtty.c reads query-chardev); with xen: false QMP is all
 * there is.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "dmsup/argv.h"
#include "dmsup/kind/dmqmp.h"
#include "dmsup/kind/guestwatch.h"
#include "dmsup/kind/kind.h"
#include "dmsup/kind/serialtty.h"
#include "dmsup/kind/xendm.h"
#include "dmsup/log.h"
#include "dmsup/restrict-run.h"
#include "dmsup/spawn.h"
#include "stubdom-proto/xs.h"

static char **dom0_argv(const struct domain *d, const char *qmp_path)
{
	char **argv = d->restore_fd >= 0 ? argv_build_restore(&d->cfg, qmp_path)
					 : argv_build(&d->cfg, qmp_path);

	if (argv && argv_qmp_on_fd(argv, SPAWN_QMP_FD)) {
		argv_free(argv);
		return NULL;
	}
	/* Deprivileged through the restrict policy where it applies. */
	return restrict_run_argv(d, argv);
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

static void dom0_serial_path(const struct domain *d, char path[64])
{
	snprintf(path, 64, "/local/domain/%d/serial/0/tty", d->cfg.domid);
}

/* Called with d->qmp alive: at the latest "cancelled" from dmqmp_free,
 * which domain.c calls before @d goes. A serial that cannot be
 * published leaves the guest running: the log says why. */
static void dom0_chardev_cb(void *arg, struct json_object *ret, const char *err)
{
	struct domain *d = arg;
	char tty[SERIALTTY_MAX], why[160], path[64];
	struct xsp *xs;
	int r;

	if (!err && serialtty_find(ret, "serial0", tty, why, sizeof(why)))
		err = why;
	if (!err && !(xs = xendm_xs(d->sup, why, sizeof(why))))
		err = why;
	if (err) {
		log_warnx("domid %d (%s): serial/0/tty not written: %s",
			  d->cfg.domid, d->cfg.name, err);
		return;
	}
	dom0_serial_path(d, path);
	if ((r = xsp_write_str(xs, XSP_TXN_NONE, path, tty)))
		log_warnx("domid %d (%s): xenstore write %s: %s", d->cfg.domid,
			  d->cfg.name, path, strerror(-r));
	else
		log_info("domid %d (%s): serial0 is %s", d->cfg.domid,
			 d->cfg.name, tty);
}

/* QEMU is up: its serial pty (if any) is told to xenstore. */
static void dom0_xen_ready_done(struct domain *d)
{
	const char *err;

	if (strcmp(d->cfg.serial, "pty"))
		return;
	if (dmqmp_query(d->qmp, DMQMP_QUERY_CHARDEV, dom0_chardev_cb, d, &err))
		log_warnx("domid %d (%s): serial/0/tty not written: %s",
			  d->cfg.domid, d->cfg.name, err);
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
	char path[64], err[160];
	struct xsp *xs;
	int r;

	guestwatch_domain_stop(d);
	/* The pty went with QEMU: a console client must not open a stale
	 * path (or another guest's pty, once the number is reused). */
	dom0_serial_path(d, path);
	if (!strcmp(d->cfg.serial, "pty") &&
	    (xs = xendm_xs(d->sup, err, sizeof(err))) &&
	    (r = xsp_rm(xs, XSP_TXN_NONE, path)) && r != -ENOENT)
		log_warnx("domid %d (%s): xenstore rm %s: %s", d->cfg.domid,
			  d->cfg.name, path, strerror(-r));
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
    .ready_done = dom0_xen_ready_done,
    .reattach = dom0_xen_reattach,
    .explain_death = dom0_xen_explain_death,
    .stop = dom0_stop,
    .cleanup = dom0_xen_cleanup,
    .free = dom0_xen_free,
    .stopped_by_toolstack = guestwatch_domain_gone,
};
