/*
 * Kinds stubdom-linux and stubdom-minios (they require xen: true): the
 * supervised process is the stub keeper (KEEPER.md), which builds the
 * stub domain and destroys it on SIGTERM. stubdm.c waits for the stub
 * and keeps the MiniOS channel; xendm.c checks the pages before spawn and
 * cleans up. A keeper is no device-model process: the stub domain is
 * named by image/device-model-domid (the builder's), so there is no
 * device-model-pid to write after spawn.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dmsup/argv.h"
#include "dmsup/domain.h"
#include "dmsup/log.h"
#include "dmsup/spawn.h"
#include "dmsup/zombie.h"
#include "dmsup/kind/guestwatch.h"
#include "dmsup/kind/kind.h"
#include "dmsup/kind/stubdm.h"
#include "dmsup/kind/xendm.h"

/* A QMP connection over vchan has no deadline of its own: the stub's
 * timer (stubdm.c) is the readiness deadline, QMP's comes later. */
#define STUB_QMP_GRACE 5 /* s */

static int stub_prepare(struct domain *d, const char **err_r)
{
	return xendm_prepare(d, err_r) || stubdm_prepare(d, err_r) ? -1 : 0;
}

static char **stub_argv(const struct domain *d, const char *qmp_path)
{
	char *ctl = domain_path(d, ".keep");
	struct argv_keeper_run run = {d->sup->self_exe, ctl,
				      d->restore_fd >= 0};
	char **argv = ctl ? argv_build_spawn(&d->cfg, qmp_path, &run) : NULL;

	free(ctl);
	return argv;
}

static int stub_watch_ready(struct domain *d, kind_ready_fn *ready,
			    kind_ready_fn *known, const char **err_r)
{
	return stubdm_watch_ready(d, d->cfg.ready_timeout, known, ready, err_r);
}

/* A memory shortfall first (the toolstack's to fix), else the keeper's
 * last words. */
static char *stub_explain_death(struct domain *d, bool *memory_r)
{
	char *why = xendm_explain_death(d);

	*memory_r = why != NULL;
	return why ? why : stubdm_explain_death(d);
}

/* SIGTERM to the keeper at once: it destroys the stub. QEMU in the stub
 * is not asked to quit first (the keeper would see a crash). */
static enum dm_stop stub_stop(struct domain *d)
{
	return DM_STOP_TERM;
}

static int stub_reattach(struct domain *d, const char **err_r)
{
	if (stubdm_reattach(d, err_r))
		return -1;
	guestwatch_domain_start(d);
	return 0;
}

/* A keeper that ended without destroying its stub (killed outright,
 * crashed) left it running QEMU for the target: a one-shot helper
 * destroys it, off the loop (stubkeep/stubreap.c). */
static void stub_reap_orphan(struct domain *d)
{
	char opt[] = "--stub-reap", target[16], stub[16];
	char *argv[] = {d->sup->self_exe, opt, target, stub, NULL};
	char *envp[] = {NULL};
	struct spawn_fds fds = {.in = -1, .out = -1, .sentinel = -1};
	pid_t pid;

	if (d->stub_domid <= 0 || !xendm_domain_alive(d->sup, d->stub_domid))
		return;
	snprintf(target, sizeof(target), "%d", d->cfg.domid);
	snprintf(stub, sizeof(stub), "%d", d->stub_domid);
	log_warnx("domid %d (%s): stub domain %d outlived its keeper: "
		  "destroying it",
		  d->cfg.domid, d->cfg.name, d->stub_domid);
	if (spawn_process(argv, envp, &fds, &pid)) {
		log_warn("domid %d (%s): spawning %s --stub-reap", d->cfg.domid,
			 d->cfg.name, d->sup->self_exe);
		return;
	}
	zombie_reap_later(d->sup->base, spawn_pidfd(pid));
}

static void stub_cleanup(struct domain *d)
{
	char *ctl = domain_path(d, ".keep");

	stub_reap_orphan(d);

	/* A keeper killed outright leaves its socket behind. */
	if (ctl)
		unlink(ctl);
	free(ctl);
	guestwatch_domain_stop(d);
	stubdm_cleanup(d);
	xendm_cleanup(d);
}

static void stub_free(struct domain *d)
{
	guestwatch_domain_stop(d);
	stubdm_domain_free(d);
	xendm_domain_free(d);
}

/* The two stub kinds differ only in how QMP is reached. */
#define STUB_KIND_OPS                                                          \
	.process = "the stub keeper", .side = "stub", .prepare = stub_prepare, \
	.spawn_argv = stub_argv, .spawned = guestwatch_domain_start,           \
	.watch_ready = stub_watch_ready, .ready_done = stubdm_ready_done,      \
	.reattach = stub_reattach, .explain_death = stub_explain_death,        \
	.stop = stub_stop, .cleanup = stub_cleanup, .free = stub_free,         \
	.stopped_by_toolstack = guestwatch_domain_gone

const struct dm_kind_ops kind_stub_linux = {
    .name = "stubdom-linux",
    .qmp = KIND_QMP_KIND,
    .qmp_grace = STUB_QMP_GRACE,
    .qmp_address = stubdm_qmp_address,
    STUB_KIND_OPS,
};

/* No QMP: the handshake channel carries the runtime commands. */
const struct dm_kind_ops kind_stub_minios = {
    .name = "stubdom-minios",
    .qmp = KIND_QMP_NONE,
    STUB_KIND_OPS,
};
