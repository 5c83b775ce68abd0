/*
 * A device model's configuration (dmsup-config(5)): parsed from JSON,
 * validated field by field from one table, serialised back for persistence
 * and for offline changes (`dmctl set`).
 */
#ifndef DMSUP_CONFIG_H
#define DMSUP_CONFIG_H

#include <stdbool.h>

#include <json-c/json.h>

#include "dmsup/restrict-config.h"

struct dm_disk {
	char *path; /* NULL: an empty CD-ROM drive */
	char *format;
	char *media;
	/* The guest's name for the drive (hda, sdb, xvda...); it decides the
	 * slot as in libxl (devspec_disk_slot). Set after parsing: a disk
	 * given none takes the first free IDE slot. */
	char *vdev;
	bool readonly;
};

struct dm_nic {
	char *model;
	char *mac;     /* NULL: devspec_nic_mac's, from the domid */
	char *backend; /* tap (default), user, none */
	char *ifname;  /* NULL: vif<domid>.<i>-emu (devspec_nic_ifname) */
	char *bridge;  /* the tap's bridge, for the hook script */
	char *script;  /* QEMU's tap script= ("no": none) */
};

struct dm_config {
	int domid;
	char *name;
	char *uuid;
	char *kind;
	bool xen;
	char *qemu;
	char *machine;
	int memory;
	int vcpus;
	char *vga;
	int videoram;
	char *vnc;
	char *serial;
	char *boot;
	struct dm_disk *disks;
	int n_disks;
	struct dm_nic *nics;
	int n_nics;
	char **extra_args;
	int n_extra_args;
	char *restart;
	int ready_timeout;
	int stop_timeout;
	int memory_grant_timeout;
	int log_files;
	int log_size;
	/* Stub kinds (dmsup-config(5)); NULL/0 with kind dom0. */
	char *stubdom_kernel;
	char *stubdom_ramdisk;
	char *stubdom_cmdline;
	int stubdom_memory; /* MiB; 0: the planner's default for the kind */
	/* Who started the device model: "dmsup", or "xl" (adopted through
	 * dmsup-qemu-dm, docs/xl.md), and what a crash of an adopted one
	 * does to its domain. */
	char *origin;
	char *on_dm_crash;
	/* The device model's deprivileging: dmsup/restrict.h. */
	struct dm_restrict rst;
};

enum dm_kind { DM_KIND_DOM0, DM_KIND_STUBDOM_LINUX, DM_KIND_STUBDOM_MINIOS };

/* DMSUP_STUBDOM_DIR: where the package dmsup-stubdom (make
 * install-stubdom) puts the Linux stub image; make's STUBDOM_DIR. */
#include "paths.h"
/* The Linux stub image's kernel command line (docs/stubdom-linux.md). */
#define DMSUP_STUBDOM_LINUX_CMDLINE "console=hvc0 quiet rootfstype=ramfs"

/*
 * Parses and validates @json. On success returns 0 and fills @cfg (free
 * with config_dispose). On failure returns -1 and sets *err_r to a
 * malloc'd message naming the field.
 */
int config_from_json(struct dm_config *cfg, struct json_object *json,
		     char **err_r);
int config_from_string(struct dm_config *cfg, const char *text, char **err_r);
/* Idempotent. */
void config_dispose(struct dm_config *cfg);
/* A new JSON object holding every field, defaults included. */
struct json_object *config_to_json(const struct dm_config *cfg);
/*
 * Applies `key=value` to a copy of @cfg and validates the result; on
 * success replaces *cfg. Identity fields (name) cannot be changed.
 */
int config_set(struct dm_config *cfg, const char *assignment, char **err_r);
bool config_restart_on_crash(const struct dm_config *cfg);
enum dm_kind config_kind(const struct dm_config *cfg);
/* Started by libxl and adopted by dmsup (origin "xl"). */
bool config_adopted(const struct dm_config *cfg);
/* A stub-domain kind: the supervised process is a stub keeper. */
bool config_is_stub(const struct dm_config *cfg);
/*
 * The directory of the Linux stub image that definitions without
 * stubdom_kernel/stubdom_ramdisk get (dmsup -S, $DMSUP_STUBDOM_DIR;
 * default DMSUP_STUBDOM_DIR). @dir must stay valid. 0, or -1 if @dir is
 * not an absolute path without commas (libxenguest's and QEMU's
 * separators) of at most 4000 characters.
 */
int config_set_stubdom_dir(const char *dir);
const char *config_stubdom_dir(void);

#endif
