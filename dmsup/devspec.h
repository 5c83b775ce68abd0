/*
 * Guest devices as xl users write them: xl's disk and vif spec strings
 * (disks through libxlutil's xlu_disk_parse), and libxl's rules for where a
 * drive sits (its vdev), what a NIC is called and which MAC it gets.
 * docs/argv-libxl.md compares the result with libxl's.
 */
#ifndef DMSUP_DEVSPEC_H
#define DMSUP_DEVSPEC_H

#include <stddef.h>

#include <json-c/json.h>

#include "dmsup/config.h"

/* The tap hook QEMU runs for a NIC with no "script" (PREFIX's). */
#ifndef DMSUP_VIF_SCRIPT
#define DMSUP_VIF_SCRIPT "/usr/local/libexec/dmsup/dmsup-vif-bridge"
#endif
#define DEVSPEC_DEFAULT_BRIDGE "xenbr0"
/* IDE has two buses of two units: hda..hdd, or xvda..xvdd on HVM. */
#define DEVSPEC_IDE_SLOTS 4
#define DEVSPEC_SCSI_SLOTS 16

enum devspec_bus { DEVSPEC_IDE, DEVSPEC_SCSI };

/* Where a vdev puts a drive, as libxl decides it. */
struct devspec_slot {
	enum devspec_bus bus;
	int index;  /* disk number: IDE bus index / 2, unit index % 2 */
	int devnum; /* Xen's device number (hdc: 5632, xvda: 51712) */
};

/*
 * The disk number and Xen device number of @vdev (hd[a-d], sd*, xvd*,
 * an optional partition number). Returns 0, or -1 for anything else.
 */
int devspec_vdev(const char *vdev, int *disk_r, int *devnum_r);
/*
 * The emulated slot of @d (its vdev set): CD-ROMs on IDE whatever their
 * prefix, sd* disks on SCSI, hd* and xvd* disks on IDE. Returns 0, or -1 with
 * @why (of @len) saying what is wrong.
 */
int devspec_disk_slot(const struct dm_disk *d, struct devspec_slot *slot_r,
		      char *why, size_t len);
/* The QEMU id of a CD-ROM drive at @vdev, as libxl's: "ide-<devnum>". */
int devspec_cd_id(const char *vdev, char *buf, size_t len);
/* The QEMU image format for a config format ("vhd" is QEMU's "vpc"). */
const char *devspec_qemu_format(const char *format);

/*
 * An xl disk spec ("format=qcow2,vdev=hda,target=/x.qcow2", or the
 * positional "/x.iso,raw,hdc,ro,cdrom") as a config disk object. Returns
 * 0 and *obj_r, or -1 with *err_r (malloc'd) saying why.
 */
int devspec_disk_from_xl(const char *spec, struct json_object **obj_r,
			 char **err_r);
/* An xl vif spec ("model=e1000,mac=...,bridge=br0") as a config NIC. */
int devspec_nic_from_xl(const char *spec, struct json_object **obj_r,
			char **err_r);

/*
 * After parsing: gives each disk without a vdev the first free IDE slot
 * (CD-ROMs from hdc on), refuses duplicates, slots libxl does not
 * emulate and read-only IDE disks. On failure returns -1, @path names the
 * field ("disks[1].vdev") and @msg says why.
 */
int devspec_check(struct dm_config *cfg, char *path, size_t path_len, char *msg,
		  size_t msg_len);

/* The NIC's defaults, computed (they follow the domid): */
/* 00:16:3e:DD:DD:II from the domid and the NIC's index, unless given. */
void devspec_nic_mac(const struct dm_config *cfg, int i, char buf[18]);
/* vif<domid>.<i>-emu, libxl's name for an emulated NIC's tap. */
void devspec_nic_ifname(const struct dm_config *cfg, int i, char buf[16]);
/*
 * "DMSUP_VIF_BRIDGES=IFNAME=BRIDGE ..." for the device model's
 * environment (the hook script reads it; QEMU gives a tap script only the
 * interface name). NULL without tap NICs, or out of memory (*oom_r).
 */
char *devspec_bridges_env(const struct dm_config *cfg, bool *oom_r);

#endif
