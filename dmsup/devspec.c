/*
 * xl's device specs and libxl's placement rules (the facts are in
 * docs/argv-libxl.md). Disk specs are parsed by libxlutil itself, so that
 * every syntax xl takes (key=value, positional, legacy prefixes) means
 * here what it means to xl.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmsup/devspec.h"
#include "dmsup/xlu-dl.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Letters as a bijective base-26 number (a = 0, z = 25, aa = 26). */
static const char *devspec_letters(const char *s, int *disk_r)
{
	int disk = -1;
	int n = 0;

	for (; *s >= 'a' && *s <= 'z' && n < 3; s++, n++)
		disk = (disk + 1) * 26 + (*s - 'a');
	*disk_r = disk;
	return n ? s : NULL;
}

int devspec_vdev(const char *vdev, int *disk_r, int *devnum_r)
{
	static const char *const prefixes[] = {"xvd", "hd", "sd"};
	size_t p, len = 0;
	const char *s = NULL;
	int disk, part = 0;

	for (p = 0; p < ARRAY_SIZE(prefixes); p++) {
		len = strlen(prefixes[p]);
		if (vdev && !strncmp(vdev, prefixes[p], len))
			break;
	}
	if (p == ARRAY_SIZE(prefixes) ||
	    !(s = devspec_letters(vdev + len, &disk)))
		return -1;
	for (int n = 0; *s >= '0' && *s <= '9'; s++, n++) {
		if (n == 3 || (n == 0 && *s == '0'))
			return -1;
		part = part * 10 + (*s - '0');
	}
	if (*s)
		return -1;
	if (p == 0 && disk < 16 && part < 16)
		*devnum_r = (202 << 8) | (disk << 4) | part;
	else if (p == 0 && part < 256)
		*devnum_r = (1 << 28) | (disk << 8) | part; /* extended */
	else if (p == 1 && disk < 4 && part < 64)
		*devnum_r =
		    ((disk < 2 ? 3 : 22) << 8) | ((disk & 1) << 6) | part;
	else if (p == 2 && disk < 16 && part < 16)
		*devnum_r = (8 << 8) | (disk << 4) | part;
	else
		return -1;
	*disk_r = disk;
	return 0;
}

int devspec_disk_slot(const struct dm_disk *d, struct devspec_slot *slot_r,
		      char *why, size_t len)
{
	bool cdrom = d->media && !strcmp(d->media, "cdrom");

	if (devspec_vdev(d->vdev, &slot_r->index, &slot_r->devnum)) {
		snprintf(why, len,
			 "'%s' is not a vdev like hda, sdb or xvdc (hd[a-d], "
			 "sd[a-p], xvd*)",
			 d->vdev ? d->vdev : "");
		return -1;
	}
	slot_r->bus =
	    !cdrom && !strncmp(d->vdev, "sd", 2) ? DEVSPEC_SCSI : DEVSPEC_IDE;
	if (slot_r->bus == DEVSPEC_IDE && slot_r->index >= DEVSPEC_IDE_SLOTS) {
		snprintf(why, len,
			 "'%s' has no emulated slot: IDE takes 4 drives "
			 "(hda-hdd, xvda-xvdd)%s",
			 d->vdev, cdrom ? "" : "; use sda... for SCSI");
		return -1;
	}
	/* QEMU's ide-hd refuses a read-only drive (libxl refuses it too). */
	if (!cdrom && slot_r->bus == DEVSPEC_IDE && d->readonly) {
		snprintf(why, len,
			 "'%s' is an IDE disk, which cannot be read-only; use "
			 "an sd* vdev (SCSI) or media 'cdrom'",
			 d->vdev);
		return -1;
	}
	return 0;
}

int devspec_cd_id(const char *vdev, char *buf, size_t len)
{
	int disk, devnum;

	if (devspec_vdev(vdev, &disk, &devnum) || disk >= DEVSPEC_IDE_SLOTS)
		return -1;
	snprintf(buf, len, "ide-%d", devnum);
	return 0;
}

const char *devspec_qemu_format(const char *format)
{
	return !strcmp(format, "vhd") ? "vpc" : format;
}

static int devspec_err(char **err_r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int devspec_err(char **err_r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(err_r, fmt, ap) < 0)
		*err_r = NULL;
	va_end(ap);
	return -1;
}

/* The xl disk as the config's disk fields; the backend's own fields
 * (backendtype, script, discard...) are the toolstack's. */
static struct json_object *devspec_disk_json(const libxl_device_disk *disk)
{
	static const struct {
		libxl_disk_format xl;
		const char *name;
	} formats[] = {
	    {LIBXL_DISK_FORMAT_RAW, "raw"},
	    {LIBXL_DISK_FORMAT_QCOW, "qcow"},
	    {LIBXL_DISK_FORMAT_QCOW2, "qcow2"},
	    {LIBXL_DISK_FORMAT_VHD, "vhd"},
	    {LIBXL_DISK_FORMAT_QED, "qed"},
	};
	struct json_object *o = json_object_new_object();

	if (disk->pdev_path && *disk->pdev_path &&
	    disk->format != LIBXL_DISK_FORMAT_EMPTY)
		json_object_object_add(o, "path",
				       json_object_new_string(disk->pdev_path));
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
		if (formats[i].xl == disk->format)
			json_object_object_add(
			    o, "format",
			    json_object_new_string(formats[i].name));
	json_object_object_add(
	    o, "media",
	    json_object_new_string(disk->is_cdrom ? "cdrom" : "disk"));
	if (disk->vdev)
		json_object_object_add(o, "vdev",
				       json_object_new_string(disk->vdev));
	json_object_object_add(o, "readonly",
			       json_object_new_boolean(!disk->readwrite));
	return o;
}

/* xlu's report, one line, without its "disk spec: " prefix noise. */
static char *devspec_report(char *report)
{
	size_t n = report ? strlen(report) : 0;

	while (n && (report[n - 1] == '\n' || report[n - 1] == ' '))
		report[--n] = '\0';
	for (char *p = report; p && *p; p++)
		if (*p == '\n')
			*p = ' ';
	return report;
}

int devspec_disk_from_xl(const char *spec, struct json_object **obj_r,
			 char **err_r)
{
	char *report = NULL;
	size_t report_len = 0;
	FILE *f = NULL;
	XLU_Config *xlu = NULL;
	libxl_device_disk disk;
	int r, rc = -1;

	*obj_r = NULL;
	*err_r = NULL;
	const char *no_xlu = xlu_dl_load();
	if (no_xlu)
		return devspec_err(err_r, "'%s': %s", spec, no_xlu);
	XLU.disk_init(&disk);
	f = open_memstream(&report, &report_len);
	if (f)
		xlu = XLU.cfg_init(f, "xl disk spec");
	r = xlu ? XLU.disk_parse(xlu, 1, &spec, &disk) : ENOMEM;
	if (xlu)
		XLU.cfg_destroy(xlu);
	if (f)
		fclose(f);
	if (r) {
		char *why = devspec_report(report);
		devspec_err(err_r, "'%s' is not an xl disk spec: %s", spec,
			    why && *why ? why : strerror(r));
		goto out;
	}
	*obj_r = devspec_disk_json(&disk);
	rc = *obj_r ? 0 : devspec_err(err_r, "out of memory");
out:
	free(report);
	XLU.disk_dispose(&disk);
	return rc;
}

/* vif keys that only the PV side (the toolstack's backend) uses. */
static const char *const devspec_vif_pv_keys[] = {
    "ip", "rate", "backend", "script", "gatewaydev", "mtu", "trusted", NULL};

static int devspec_vif_key(struct json_object *o, const char *key,
			   const char *val, char **err_r)
{
	static const char *const direct[][2] = {
	    {"mac", "mac"}, {"bridge", "bridge"}, {"model", "model"}};
	char ifname[64];

	for (size_t i = 0; i < ARRAY_SIZE(direct); i++)
		if (!strcmp(key, direct[i][0])) {
			json_object_object_add(o, direct[i][1],
					       json_object_new_string(val));
			return 0;
		}
	if (!strcmp(key, "vifname")) {
		/* libxl names the emulated NIC's tap after the vif. */
		snprintf(ifname, sizeof(ifname), "%.40s-emu", val);
		json_object_object_add(o, "ifname",
				       json_object_new_string(ifname));
		return 0;
	}
	if (!strcmp(key, "type"))
		return !strcmp(val, "ioemu")
			   ? 0
			   : devspec_err(err_r,
					 "type '%s': only 'ioemu' (an emulated "
					 "NIC) is the device model's",
					 val);
	for (const char *const *k = devspec_vif_pv_keys; *k; k++)
		if (!strcmp(key, *k))
			return 0;
	return devspec_err(err_r, "unknown vif key '%s'", key);
}

int devspec_nic_from_xl(const char *spec, struct json_object **obj_r,
			char **err_r)
{
	char *copy = NULL, *save = NULL;
	struct json_object *o = NULL;

	*obj_r = NULL;
	*err_r = NULL;
	if (strlen(spec) > 1024)
		return devspec_err(err_r, "xl vif spec longer than 1024 "
					  "characters");
	copy = strdup(spec);
	o = json_object_new_object();
	if (!copy || !o)
		goto oom;
	for (char *item = strtok_r(copy, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		while (*item == ' ')
			item++;
		char *eq = strchr(item, '=');
		if (!*item)
			continue;
		if (!eq || eq == item) {
			devspec_err(err_r,
				    "'%s' in xl vif spec '%s' is not key=value",
				    item, spec);
			goto fail;
		}
		*eq = '\0';
		char *why = NULL;
		if (devspec_vif_key(o, item, eq + 1, &why)) {
			devspec_err(err_r, "xl vif spec '%s': %s", spec,
				    why ? why : "out of memory");
			free(why);
			goto fail;
		}
	}
	free(copy);
	*obj_r = o;
	return 0;
oom:
	devspec_err(err_r, "out of memory");
fail:
	free(copy);
	json_object_put(o);
	return -1;
}

static bool devspec_is_cd(const struct dm_disk *d)
{
	return d->media && !strcmp(d->media, "cdrom");
}

/* The first free IDE vdev; CD-ROMs from hdc on, as xl users place them. */
static const char *devspec_free_vdev(const bool used[DEVSPEC_IDE_SLOTS],
				     bool cdrom)
{
	static const char *const disk_order[] = {"hda", "hdb", "hdc", "hdd"};
	static const char *const cd_order[] = {"hdc", "hdd", "hda", "hdb"};
	static const int disk_idx[] = {0, 1, 2, 3}, cd_idx[] = {2, 3, 0, 1};

	for (int i = 0; i < DEVSPEC_IDE_SLOTS; i++) {
		int slot = cdrom ? cd_idx[i] : disk_idx[i];
		if (!used[slot])
			return cdrom ? cd_order[i] : disk_order[i];
	}
	return NULL;
}

int devspec_check(struct dm_config *cfg, char *path, size_t path_len, char *msg,
		  size_t msg_len)
{
	bool used[2][DEVSPEC_SCSI_SLOTS] = {{false}};
	struct devspec_slot slot;

	for (int i = 0; i < cfg->n_disks; i++) {
		struct dm_disk *d = &cfg->disks[i];
		snprintf(path, path_len, "disks[%d].path", i);
		if (!d->path && !devspec_is_cd(d)) {
			snprintf(msg, msg_len,
				 "required (only a CD-ROM drive may be empty)");
			return -1;
		}
		if (!d->vdev)
			continue;
		snprintf(path, path_len, "disks[%d].vdev", i);
		if (devspec_disk_slot(d, &slot, msg, msg_len))
			return -1;
		if (used[slot.bus][slot.index]) {
			snprintf(msg, msg_len,
				 "'%s' takes a slot another disk has (%s %d)",
				 d->vdev,
				 slot.bus == DEVSPEC_IDE ? "IDE" : "SCSI",
				 slot.index);
			return -1;
		}
		used[slot.bus][slot.index] = true;
	}
	for (int i = 0; i < cfg->n_disks; i++) {
		struct dm_disk *d = &cfg->disks[i];
		if (d->vdev)
			continue;
		const char *vdev =
		    devspec_free_vdev(used[DEVSPEC_IDE], devspec_is_cd(d));
		snprintf(path, path_len, "disks[%d].vdev", i);
		if (!vdev) {
			snprintf(msg, msg_len,
				 "no free IDE slot (hda-hdd are taken): give a "
				 "vdev, sda... for SCSI");
			return -1;
		}
		if (!(d->vdev = strdup(vdev))) {
			snprintf(msg, msg_len, "out of memory");
			return -1;
		}
		if (devspec_disk_slot(d, &slot, msg, msg_len))
			return -1;
		used[DEVSPEC_IDE][slot.index] = true;
	}
	return 0;
}

void devspec_nic_mac(const struct dm_config *cfg, int i, char buf[18])
{
	const char *mac = cfg->nics[i].mac;

	/* Xen's OUI, as libxl's random ones; unique per domid and index. */
	if (mac)
		snprintf(buf, 18, "%s", mac);
	else
		snprintf(buf, 18, "00:16:3e:%02x:%02x:%02x",
			 (cfg->domid >> 8) & 0x7f, cfg->domid & 0xff, i & 0xff);
}

void devspec_nic_ifname(const struct dm_config *cfg, int i, char buf[16])
{
	const char *ifname = cfg->nics[i].ifname;

	if (ifname)
		snprintf(buf, 16, "%s", ifname);
	else
		snprintf(buf, 16, "vif%d.%d-emu", cfg->domid, i);
}

char *devspec_bridges_env(const struct dm_config *cfg, bool *oom_r)
{
	size_t cap = 32 + (size_t)cfg->n_nics * 40;
	char *env = malloc(cap);
	size_t len;
	int n = 0;

	*oom_r = !env;
	if (!env)
		return NULL;
	len = (size_t)snprintf(env, cap, "DMSUP_VIF_BRIDGES=");
	for (int i = 0; i < cfg->n_nics; i++) {
		const struct dm_nic *nic = &cfg->nics[i];
		char ifname[16];
		if (strcmp(nic->backend, "tap") || !strcmp(nic->script, "no"))
			continue;
		devspec_nic_ifname(cfg, i, ifname);
		len += (size_t)snprintf(env + len, cap - len, "%s%s=%s",
					n++ ? " " : "", ifname, nic->bridge);
	}
	if (!n) {
		free(env);
		return NULL;
	}
	return env;
}
