/*
 * The Xen side of a dom0 device model, for configurations with "xen": true.
 * This is the seam the Xen code fills: readiness through
 * /local/domain/0/device-model/<domid>/state = "running", and removal of
 * device-model/<domid> on stop. Nothing here connects to Xen until a
 * domain needs it. Not implemented yet: starting a Xen domain fails at
 * the step "xen" with a clear message; "xen": false never comes here.
 */
#ifndef DMSUP_XENDM_H
#define DMSUP_XENDM_H

struct domain;

typedef void xendm_ready_fn(struct domain *d, const char *err);

/* Before spawn. 0, or -1 with *err_r (static) naming why. */
int xendm_prepare(struct domain *d, const char **err_r);
/* Calls @ready (never synchronously) when xenstore says running. */
int xendm_watch_ready(struct domain *d, int timeout_s, xendm_ready_fn *ready,
		      const char **err_r);
/* On stop or death: remove device-model/<domid>. Idempotent. */
void xendm_cleanup(struct domain *d);

#endif
