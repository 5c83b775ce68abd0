/*
 * What pci-attach checks under Xen before device_add, so that a device
 * the guest cannot have is refused naming what is missing instead of
 * reaching QEMU (which then fails half-way, "Binding of interrupt
 * failed", or worse, seems to work):
 *   1. the host device exists: <sysfs>/<BDF> (/sys/bus/pci/devices);
 *   2. it is bound to pciback (driver "pciback", module xen-pciback),
 *      so that no dom0 driver uses it;
 *   3. Xen has it assigned to a domain: xc_test_assign_device, which is
 *      0 while the device is still only assignable (not yet assigned:
 *      the toolstack's xc_assign_device comes first) and EINVAL once it
 *      is assigned (Xen does not say to which domain); EOPNOTSUPP when
 *      the domain has no IOMMU context.
 */
#ifndef DMSUP_OPS_PCI_XEN_H
#define DMSUP_OPS_PCI_XEN_H

#include "dmsup/ops/ops-pci.h"

struct xc_interface_core; /* libxenctrl's xc_interface */

/* Checks 1 and 2 under @sysfs (OPS_PCI_SYSFS, or a test's tree). 0, or
 * -1 with @err naming the device and what is missing. */
int ops_pci_xen_host(const char *sysfs, const struct ops_pci *p,
		     char err[OPS_PCI_ERR_MAX]);
/* Check 3 from xc_test_assign_device's result @r and errno @e: 0 when
 * the device is assigned, or -1 with @err naming the device, @domid and
 * what is missing. */
int ops_pci_xen_assigned(int r, int e, int domid, const struct ops_pci *p,
			 char err[OPS_PCI_ERR_MAX]);
/* All three on this host, in order: 0, or -1 with @err. */
int ops_pci_xen_check(struct xc_interface_core *xch, int domid,
		      const struct ops_pci *p, char err[OPS_PCI_ERR_MAX]);

#endif
