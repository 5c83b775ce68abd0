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

/* What the caller asks for. Memory is in MiB, like xl's memory= option. */
struct mkhvm_cfg {
	const char *name;
	unsigned long memory_mib;   /* total, including videoram, as xl */
	unsigned long videoram_mib; /* left unpopulated for the device model */
	unsigned long vcpus;
	const char *hvmloader; /* firmware loaded as the "kernel" */
	const char *bios_path; /* system firmware handed to hvmloader */
	const char *bios_name; /* what hvmloader/bios says */
	bool restore;	       /* memory comes from a save (xcsave) */
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

#endif
