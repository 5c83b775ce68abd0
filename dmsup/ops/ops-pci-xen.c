/*
 * pci-attach's checks of the host device under Xen (see ops-pci-xen.h).
 * Each refusal says what the toolstack has left to do, in xl's words
 * where xl has them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xenctrl.h>

#include "dmsup/ops/ops-pci-xen.h"

/* The name pciback registers its PCI driver under, and the module's. */
static bool ops_pci_xen_is_pciback(const char *driver)
{
	return !strcmp(driver, "pciback") || !strcmp(driver, "xen-pciback");
}

int ops_pci_xen_host(const char *sysfs, const struct ops_pci *p,
		     char err[OPS_PCI_ERR_MAX])
{
	char path[320], link[256], addr[16];
	const char *driver;
	struct stat st;
	ssize_t n;

	ops_pci_hostaddr(p, addr);
	snprintf(path, sizeof(path), "%s/%s", sysfs, addr);
	if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, OPS_PCI_ERR_MAX, "no PCI device %s in %s", addr,
			 sysfs);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s/driver", sysfs, addr);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	driver = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
	if (n > 0 && ops_pci_xen_is_pciback(driver))
		return 0;
	snprintf(err, OPS_PCI_ERR_MAX,
		 "%s is bound to %.32s, not pciback (xl pci-assignable-add "
		 "%s binds it)",
		 addr, n > 0 ? driver : "no driver", addr);
	return -1;
}

int ops_pci_xen_assigned(int r, int e, int domid, const struct ops_pci *p,
			 char err[OPS_PCI_ERR_MAX])
{
	char addr[16];

	if (r && e == EINVAL)
		return 0; /* assigned (to a domain Xen does not name) */
	ops_pci_hostaddr(p, addr);
	if (!r)
		snprintf(err, OPS_PCI_ERR_MAX,
			 "%s is assignable but not assigned to domain %d (the "
			 "toolstack assigns it first: xc_assign_device)",
			 addr, domid);
	else if (e == EOPNOTSUPP)
		snprintf(err, OPS_PCI_ERR_MAX,
			 "%s cannot be assigned to domain %d: the domain has "
			 "no IOMMU (created without passthrough, or Xen has "
			 "none)",
			 addr, domid);
	else
		snprintf(err, OPS_PCI_ERR_MAX,
			 "xc_test_assign_device of %s for domain %d: %s", addr,
			 domid, strerror(e));
	return -1;
}

static uint32_t ops_pci_xen_sbdf(const struct ops_pci *p)
{
	/* As libxl encodes it: segment, bus, device, function. */
	return (p->seg & 0xffff) << 16 | (p->bus & 0xff) << 8 |
	       (p->dev & 0x1f) << 3 | (p->fn & 7);
}

int ops_pci_xen_check(struct xc_interface_core *xch, int domid,
		      const struct ops_pci *p, char err[OPS_PCI_ERR_MAX])
{
	int r;

	if (ops_pci_xen_host(OPS_PCI_SYSFS, p, err))
		return -1;
	errno = 0;
	r = xc_test_assign_device(xch, (uint32_t)domid, ops_pci_xen_sbdf(p));
	return ops_pci_xen_assigned(r, errno, domid, p, err);
}
