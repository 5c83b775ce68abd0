/*
 * The Xen side of a dom0 device model, for configurations with "xen": true
 * (dmsup-config(5)). Before spawn: the page check (the planner's pages
 * against the target's max_pages - tot_pages, never a setmaxmem). After
 * spawn: image/device-model-pid. Readiness: a xenstore watch on
 * /local/domain/0/device-model/<domid>/state = "running". On stop or death:
 * device-model/<domid> removed; a crash or failed start is reported in
 * /local/domain/0/dmsup/<domid>/{state,error}.
 *
 * Lazy: nothing here connects to Xen (xenstore, libxenctrl) until a
 * domain with xen: true needs it; "xen": false never comes here.
 */
#ifndef DMSUP_XENDM_H
#define DMSUP_XENDM_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

struct dmsup;
struct domain;
struct xsp;
struct xc_interface_core; /* libxenctrl's xc_interface */

typedef void xendm_ready_fn(struct domain *d, const char *err);

/* Before spawn. 0, or -1 with *err_r naming why (owned by @d, valid until
 * the next call for @d). */
int xendm_prepare(struct domain *d, const char **err_r);
/* Just spawned: tells xenstore the device model's pid, as libxl does
 * (kind dom0 only: a stub keeper is no device-model process). */
void xendm_spawned(struct domain *d);
/* Calls @ready (never synchronously) once xenstore says running, or with
 * an error after @timeout_s. 0, or -1 with *err_r as above. */
int xendm_watch_ready(struct domain *d, int timeout_s, xendm_ready_fn *ready,
		      const char **err_r);
/* The device model died: if its log says QEMU could not populate guest
 * memory, a malloc'd message saying how many more pages it needs. */
char *xendm_explain_death(struct domain *d);
/* On stop or death: removes device-model/<domid> and the pid node, and
 * reports a crash or failure (by d->state). Idempotent. */
void xendm_cleanup(struct domain *d);
/* The report alone, for a device model whose xenstore nodes are its
 * toolstack's (adopted from xl): /local/domain/0/dmsup/<domid>. */
void xendm_report_end(struct domain *d);
/* Shuts the domain down with reason crash (what xend did for a dead
 * device model), so that the toolstack's on_crash applies. 0 or -1
 * (logged). */
int xendm_crash_domain(struct domain *d);
/* Frees what xendm keeps for @d (no xenstore change). */
void xendm_domain_free(struct domain *d);
/* For runtime page requests (hotplug.c): dom0's xenstore connection,
 * opened if need be; NULL with *err_r (as above). */
struct xsp *xendm_xenstore(struct domain *d, const char **err_r);
/* The target's max_pages and tot_pages now. 0, or -1 with *err_r. */
int xendm_room(struct domain *d, uint64_t *max_r, uint64_t *tot_r,
	       const char **err_r);
/* The shared connections for the other Xen modules (stubdm.c), opened on
 * first use: NULL with the reason in @err. */
struct xsp *xendm_xs(struct dmsup *sup, char *err, size_t len);
struct xc_interface_core *xendm_xch(struct dmsup *sup, char *err, size_t len);
/* Whether Xen has domain @domid, not dying (false when Xen cannot say). */
bool xendm_domain_alive(struct dmsup *sup, int domid);
/* Closes the connections, if any were opened. */
void xendm_close(struct dmsup *sup);

#endif
