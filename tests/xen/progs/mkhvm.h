/*
 * mkhvm: the test bed's minimal toolstack. It creates and builds a paused
 * HVM domain (hvmloader + SeaBIOS, as xl would) but starts no device model,
 * so that dmsup can be the one that provides it; and destroys it again.
 */
#ifndef MKHVM_H
#define MKHVM_H

#define XC_WANT_COMPAT_MAP_FOREIGN_API
#include <stdbool.h>
#include <stdint.h>
#include <xenctrl.h>
#include <xenstore.h>

#define MKHVM_MAX_DISKS 4
#define MKHVM_MAX_NICS 4
#define MKHVM_PATH_MAX 200

/* A PV disk served by the device model's qdisk backend (mkhvm-pv.c). */
struct mkhvm_disk {
	const char *path;   /* absolute, no comma */
	const char *format; /* raw, qcow2, qcow, vhd */
	char vdev[8];	    /* xvda, hda, sda ... */
	unsigned int devid; /* Xen's virtual-device number of vdev */
};

/* A PV NIC served by netback in dom0, its vif put on bridge. */
struct mkhvm_nic {
	char bridge[16];
	char mac[18]; /* empty: derived from domid and index after create */
};

/* What the caller asks for. Memory is in MiB, like xl's memory= option. */
struct mkhvm_cfg {
	const char *name;
	unsigned long memory_mib;   /* total, including videoram, as xl */
	unsigned long videoram_mib; /* left unpopulated for the device model */
	unsigned long vcpus;
	const char *hvmloader; /* firmware loaded as the "kernel" */
	const char *bios_path; /* system firmware handed to hvmloader */
	const char *bios_name; /* what hvmloader/bios says */
	struct mkhvm_disk disks[MKHVM_MAX_DISKS];
	unsigned int n_disks;
	struct mkhvm_nic nics[MKHVM_MAX_NICS];
	unsigned int n_nics;
	bool restore;	     /* memory comes from a save (xcsave) */
	unsigned long domid; /* the one asked for; 0: Xen picks */
};

/* What building the domain produced; the xenstore skeleton records it. */
struct mkhvm_dom {
	uint32_t domid;
	uint8_t handle[16];
	char uuid[37];
	uint32_t store_domid, console_domid;
	uint32_t store_port, console_port;
	uint64_t store_pfn, console_pfn;
};

void mkhvm_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* mkhvm-build.c: hypervisor side. */
int mkhvm_build_create(xc_interface *xch, const struct mkhvm_cfg *cfg,
		       struct mkhvm_dom *dom);
int mkhvm_build_pre(xc_interface *xch, struct xs_handle *xs,
		    const struct mkhvm_cfg *cfg, struct mkhvm_dom *dom);
int mkhvm_build_hvm(xc_interface *xch, const struct mkhvm_cfg *cfg,
		    struct mkhvm_dom *dom);
bool mkhvm_build_exists(xc_interface *xch, uint32_t domid);

/* mkhvm-xs.c: xenstore side. */
bool mkhvm_xs_name_taken(struct xs_handle *xs, const char *name);
int mkhvm_xs_make(struct xs_handle *xs, const struct mkhvm_cfg *cfg,
		  const struct mkhvm_dom *dom);
int mkhvm_xs_post(struct xs_handle *xs, const struct mkhvm_cfg *cfg,
		  const struct mkhvm_dom *dom);
void mkhvm_xs_remove(struct xs_handle *xs, uint32_t domid);

/* One transaction's writes; the first error is logged, the rest skipped. */
struct mkhvm_xs {
	struct xs_handle *xs;
	xs_transaction_t t;
	uint32_t domid;
	bool failed;
};

typedef void mkhvm_xs_fill_fn(struct mkhvm_xs *x, const void *a, const void *b);
/* Runs fill() in a transaction, again while xenstored says EAGAIN. */
int mkhvm_xs_transact(struct xs_handle *xs, uint32_t domid,
		      mkhvm_xs_fill_fn *fill, const void *a, const void *b);
/* A directory owned by `owner` that `reader` may read. */
void mkhvm_xs_mkdir_for(struct mkhvm_xs *x, const char *path, uint32_t owner,
			uint32_t reader);
void mkhvm_xs_printf(struct mkhvm_xs *x, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* mkhvm-pv.c: the guest's PV vbds (qdisk) and vifs (netback). */
bool mkhvm_pv_parse_disk(char *spec, struct mkhvm_disk *d);
bool mkhvm_pv_parse_nic(char *spec, struct mkhvm_nic *n);
int mkhvm_pv_add(struct xs_handle *xs, const struct mkhvm_cfg *cfg,
		 const struct mkhvm_dom *dom);
void mkhvm_pv_remove(struct xs_handle *xs, uint32_t domid);

#endif
