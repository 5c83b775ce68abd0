/*
 * The target domains' own lifecycle, as dmsup sees it (kinds with Xen:
 * dom0 with xen: true, the stub kinds): one xenstore watch on
 * @releaseDomain, which xenstored fires when any domain shuts down or is
 * destroyed, and on each event the shutdown state of every watched domain
 * from the hypervisor (xc_domain_getinfolist). No polling.
 *
 * Two layers: the watch set (guestwatch_new ...: domids and their last
 * known state, a probe function, a callback on each change), which knows
 * no domain and is unit tested against the in-memory xenstore; and the
 * daemon's glue (guestwatch_domain_*, guestwatch-domain.c), which keeps
 * d->guest, announces each change as an event, and ends the run of a device
 * model whose target was destroyed.
 */
#ifndef DMSUP_KIND_GUESTWATCH_H
#define DMSUP_KIND_GUESTWATCH_H

#include <stdbool.h>
#include <stdint.h>

struct xsp;
struct domain;
struct dmsup;
struct guestwatch;

enum guest_state {
	GUEST_NONE,	 /* not watched (yet) */
	GUEST_RUNNING,	 /* exists, not shut down */
	GUEST_SHUTDOWN,	 /* shut down: poweroff */
	GUEST_REBOOT,	 /* shut down: reboot */
	GUEST_CRASHED,	 /* shut down: crash or watchdog */
	GUEST_SUSPENDED, /* shut down: suspend (a save) */
	GUEST_DESTROYED, /* gone, or dying */
	GUEST_N_STATES
};

const char *guest_state_name(enum guest_state s);
/* What the hypervisor says: @found false for no such domain, else its
 * XEN_DOMINF_* @flags. */
enum guest_state guest_state_of(bool found, uint32_t flags);

/* The state of @domid now, or GUEST_NONE when it cannot be known (a
 * hypercall failing for another reason than a missing domain). */
typedef enum guest_state guestwatch_probe_fn(void *arg, int domid);
/* @domid's state changed to @st (never called synchronously from
 * guestwatch_add). May add and remove domids. */
typedef void guestwatch_fn(void *arg, int domid, enum guest_state st);

/* NULL out of memory. @xs stays the caller's and must outlive it. */
struct guestwatch *guestwatch_new(struct xsp *xs, guestwatch_probe_fn *probe,
				  void *probe_arg, guestwatch_fn *changed,
				  void *arg);
/* Watches @domid (again: a no-op); the watch on @releaseDomain is made at
 * the first. Its first state comes through @changed from the event loop.
 * 0, or -1 with *err_r. */
int guestwatch_add(struct guestwatch *gw, int domid, const char **err_r);
/* Stops watching @domid; the xenstore watch goes with the last. */
void guestwatch_remove(struct guestwatch *gw, int domid);
/* Probes @domid now and keeps the answer (no callback): its state. */
enum guest_state guestwatch_refresh(struct guestwatch *gw, int domid);
void guestwatch_free(struct guestwatch *gw);

/* ---- the daemon's glue (guestwatch-domain.c) ---- */

/* The device model of @d (a kind with Xen) runs or was reattached:
 * its target is watched. Logs and carries on if it cannot be. */
void guestwatch_domain_start(struct domain *d);
/* Its run ended: no longer watched (d->guest keeps the last state). */
void guestwatch_domain_stop(struct domain *d);
/* The device model died on its own: was its target shut down or
 * destroyed (then the death is no crash)? */
bool guestwatch_domain_gone(struct domain *d);
/* Before dom0's xenstore connection closes. */
void guestwatch_close(struct dmsup *sup);

#endif
