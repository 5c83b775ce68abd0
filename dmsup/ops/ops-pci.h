/*
 * A passthrough request's address and options, as `dmctl pci-attach`
 * takes them ([DDDD:]BB:DD.F[,key=value,...]), and what QMP derives from
 * them: the device's id, its host address, the pages of its ROM BAR.
 * Pure functions: no event loop, no domain.
 */
#ifndef DMSUP_OPS_PCI_H
#define DMSUP_OPS_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

#define OPS_PCI_ERR_MAX 160
#define OPS_PCI_ID_MAX 24 /* "pci-pt-DDDD_BB_DD.F" and NUL fit */
#define OPS_PCI_SYSFS "/sys/bus/pci/devices"

struct ops_pci {
	unsigned int seg, bus, dev, fn;
	int vslot;	/* 0x00..0x1f; -1: QEMU chooses */
	int permissive; /* 0 or 1; -1: not given */
};

/* Parses @s strictly: the address, then only the options dmsup can
 * carry to QEMU (vslot=N in hex, permissive=0|1), each once. 0, or -1
 * with @err (OPS_PCI_ERR_MAX) naming what is wrong. @opts_ok false: the
 * address alone (pci-detach). */
int ops_pci_parse(const char *s, bool opts_ok, struct ops_pci *p,
		  char err[OPS_PCI_ERR_MAX]);
/* The QEMU id of the device, one per host address: "pci-pt-0000_03_00.0". */
void ops_pci_id(const struct ops_pci *p, char id[OPS_PCI_ID_MAX]);
/* "0000:03:00.0" */
void ops_pci_hostaddr(const struct ops_pci *p, char addr[16]);
/* Pages of the device's expansion ROM from @sysfs/<addr>/resource (its
 * 7th line): 0 and *pages_r (0 when it has none), or -1 when it cannot
 * be known (no such file, a line that does not parse). */
int ops_pci_rom_pages(const char *sysfs, const struct ops_pci *p,
		      uint64_t *pages_r);

/* In query-pci's answer @ret (untrusted), the device whose qdev_id is
 * @id on the root bus: its slot << 3 | function, or -1 (not there, or a
 * slot or function out of range). */
int ops_pci_vdevfn(struct json_object *ret, const char *id);

#endif
