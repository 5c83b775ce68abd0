/*
 * stubvif: the target's NICs as the stub domain's PV vifs (handle 0, 1...
 * in config order), as Xen's stubdom protocol has them
 * (docs/stubdom-protocols.md "The stub's vifs"): per NIC one pvdev
 * (stubdom-proto/pvdev.h) served by netback in dom0, whose interface
 * vif<stub>.<handle> the hotplug hook puts on the NIC's bridge and brings
 * up (what Xen's vif-bridge script does) before hotplug-status =
 * connected lets netback connect. In the stub, dm-launch bridges the
 * netfront eth to the tap that QEMU's NIC uses.
 *
 * The done callback runs once, from the event loop: rc 0 when every vif
 * is connected (info lists them), or the first failure's error (naming
 * the domain, the vif and the step). Never after stubvif_detach().
 */
#ifndef DMSUP_STUBVIF_H
#define DMSUP_STUBVIF_H

#include <stddef.h>

struct xsp;
struct stubvif;

#define STUBVIF_MAX 16 /* dmsup-config(5): at most 16 nics */

struct stubvif_nic {
	char mac[18];	 /* xx:xx:xx:xx:xx:xx, the target NIC's */
	char bridge[16]; /* dom0's bridge for vif<stub>.<handle> */
};

typedef void stubvif_done_fn(int rc, const char *msg, void *arg);

/* Writes every NIC's vif nodes (the stub may still be paused). NULL with
 * the reason in err; nothing is left behind then. */
struct stubvif *stubvif_attach(struct xsp *xs, const char *domain,
			       unsigned int stub,
			       const struct stubvif_nic *nics, size_t n,
			       unsigned int timeout_ms, stubvif_done_fn *done,
			       void *arg, char *err, size_t errsz);

/* Removes the vifs' nodes (netback removes vif<stub>.<handle>). NULL is
 * fine. */
void stubvif_detach(struct stubvif *v);

/* "mac=MAC,bridge=BRIDGE" (the keeper's --vif) into n. 0, or -1 with the
 * reason in err. */
int stubvif_parse(const char *spec, struct stubvif_nic *n, char *err,
		  size_t errsz);

#endif
