/*
 * mkhvm-pv: the guest's PV devices, written as libxl 4.17 writes them
 * (docs/devices.md): a vbd whose backend is the device model's qdisk
 * (QEMU in dom0 finds it under /local/domain/0/backend/qdisk/<domid>) and
 * a vif whose backend is netback in dom0. Each device has three
 * directories, written in one transaction:
 *   frontend /local/domain/<domid>/device/<kind>/<devid>  (guest's, dom0 reads)
 *   backend  /local/domain/0/backend/<be>/<domid>/<devid> (dom0's, guest reads)
 *   libxl's  /libxl/<domid>/device/<kind>/<devid>         (dom0 only)
 * mkhvm does not wait for the devices to connect: the backends (QEMU,
 * netback) and the frontend (the guest) come later, and a vif's hotplug
 * (the bridge, hotplug-status) is the caller's, as a hotplug script's.
 */
#include "tests/xen/progs/mkhvm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MKHVM_PV_MTU 1500
#define MKHVM_PV_VIF_SCRIPT "/etc/xen/scripts/vif-bridge"

static const char *const mkhvm_pv_formats[] = {"raw", "qcow2", "qcow", "vhd"};

/*
 * Xen's virtual-device number of a vdev (xen/include/public/io/blkif.h's
 * scheme), the single-letter forms only: xvd[a-p], hd[a-d], sd[a-p].
 */
static bool mkhvm_pv_devid(const char *vdev, unsigned int *devid_r)
{
	size_t len = strlen(vdev);
	unsigned int i;

	if (len < 3 || vdev[len - 1] < 'a' || vdev[len - 1] > 'p')
		return false;
	i = (unsigned int)(vdev[len - 1] - 'a');
	if (len == 4 && !strncmp(vdev, "xvd", 3))
		*devid_r = 202u << 8 | i << 4;
	else if (len == 3 && !strncmp(vdev, "sd", 2))
		*devid_r = 8u << 8 | i << 4;
	else if (len == 3 && !strncmp(vdev, "hd", 2) && i < 4)
		*devid_r = (i < 2 ? 3u : 22u) << 8 | (i % 2) << 6;
	else
		return false;
	return true;
}

static bool mkhvm_pv_format_ok(const char *f)
{
	for (size_t i = 0; i < sizeof(mkhvm_pv_formats) / sizeof(char *); i++)
		if (!strcmp(f, mkhvm_pv_formats[i]))
			return true;
	return false;
}

/* PATH[,vdev=xvda][,format=raw] */
bool mkhvm_pv_parse_disk(char *spec, struct mkhvm_disk *d)
{
	char *save = NULL, *opt;
	const char *vdev = "xvda";

	d->path = strtok_r(spec, ",", &save);
	d->format = "raw";
	if (!d->path || d->path[0] != '/' ||
	    strlen(d->path) >= MKHVM_PATH_MAX) {
		mkhvm_log("--qdisk: the image must be an absolute path of "
			  "less than %d characters",
			  MKHVM_PATH_MAX);
		return false;
	}
	while ((opt = strtok_r(NULL, ",", &save))) {
		if (!strncmp(opt, "vdev=", 5))
			vdev = opt + 5;
		else if (!strncmp(opt, "format=", 7) &&
			 mkhvm_pv_format_ok(opt + 7))
			d->format = opt + 7;
		else {
			mkhvm_log("--qdisk: bad option '%s'", opt);
			return false;
		}
	}
	if (strlen(vdev) >= sizeof(d->vdev) ||
	    !mkhvm_pv_devid(vdev, &d->devid)) {
		mkhvm_log("--qdisk: bad vdev '%s' (xvd[a-p], hd[a-d], sd[a-p])",
			  vdev);
		return false;
	}
	snprintf(d->vdev, sizeof(d->vdev), "%s", vdev);
	return true;
}

static bool mkhvm_pv_mac_ok(const char *m)
{
	unsigned int b[6];
	char end;

	return strlen(m) == 17 &&
	       sscanf(m, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
		      &b[3], &b[4], &b[5], &end) == 6 &&
	       !(b[0] & 1); /* a unicast address */
}

/* BRIDGE[,mac=00:16:3e:..] */
bool mkhvm_pv_parse_nic(char *spec, struct mkhvm_nic *n)
{
	char *save = NULL, *opt;
	const char *bridge = strtok_r(spec, ",", &save);

	if (!bridge || strlen(bridge) >= sizeof(n->bridge) ||
	    strchr(bridge, '/')) {
		mkhvm_log("--vif: a bridge name of 1 to 15 characters first");
		return false;
	}
	snprintf(n->bridge, sizeof(n->bridge), "%s", bridge);
	n->mac[0] = '\0';
	while ((opt = strtok_r(NULL, ",", &save))) {
		if (strncmp(opt, "mac=", 4) || !mkhvm_pv_mac_ok(opt + 4)) {
			mkhvm_log("--vif: bad option '%s'", opt);
			return false;
		}
		snprintf(n->mac, sizeof(n->mac), "%s", opt + 4);
	}
	return true;
}

/* The three directories of one device, and the keys both ends get. */
struct mkhvm_pv_dev {
	char fe[96], be[96], lx[96];
	const char *(*be_kv)[2];
	size_t n_be;
};

/* Backend keys go to the backend and (as libxl keeps a copy that it
 * trusts more than the backend) to /libxl. */
static void mkhvm_pv_write(struct mkhvm_xs *x, const struct mkhvm_pv_dev *d,
			   const char *const (*fe_kv)[2], size_t n_fe)
{
	char path[160];

	xs_rm(x->xs, x->t, d->fe);
	xs_rm(x->xs, x->t, d->be);
	xs_rm(x->xs, x->t, d->lx);
	mkhvm_xs_mkdir_for(x, d->fe, x->domid, 0);
	snprintf(path, sizeof(path), "%s/backend", d->fe);
	mkhvm_xs_printf(x, path, "%s", d->be);
	for (size_t i = 0; i < n_fe; i++) {
		snprintf(path, sizeof(path), "%s/%s", d->fe, fe_kv[i][0]);
		mkhvm_xs_printf(x, path, "%s", fe_kv[i][1]);
	}
	mkhvm_xs_mkdir_for(x, d->be, 0, x->domid);
	mkhvm_xs_mkdir_for(x, d->lx, 0, 0);
	snprintf(path, sizeof(path), "%s/frontend", d->be);
	mkhvm_xs_printf(x, path, "%s", d->fe);
	snprintf(path, sizeof(path), "%s/frontend", d->lx);
	mkhvm_xs_printf(x, path, "%s", d->fe);
	snprintf(path, sizeof(path), "%s/backend", d->lx);
	mkhvm_xs_printf(x, path, "%s", d->be);
	for (size_t i = 0; i < d->n_be; i++) {
		snprintf(path, sizeof(path), "%s/%s", d->be, d->be_kv[i][0]);
		mkhvm_xs_printf(x, path, "%s", d->be_kv[i][1]);
		snprintf(path, sizeof(path), "%s/%s", d->lx, d->be_kv[i][0]);
		mkhvm_xs_printf(x, path, "%s", d->be_kv[i][1]);
	}
}

static void mkhvm_pv_paths(struct mkhvm_pv_dev *d, uint32_t domid,
			   const char *kind, const char *be_kind,
			   unsigned int devid)
{
	snprintf(d->fe, sizeof(d->fe), "/local/domain/%u/device/%s/%u", domid,
		 kind, devid);
	snprintf(d->be, sizeof(d->be), "/local/domain/0/backend/%s/%u/%u",
		 be_kind, domid, devid);
	snprintf(d->lx, sizeof(d->lx), "/libxl/%u/device/%s/%u", domid, kind,
		 devid);
}

static void mkhvm_pv_disk(struct mkhvm_xs *x, const struct mkhvm_disk *disk)
{
	char domid[12], devid[12], params[MKHVM_PATH_MAX + 16];
	const char *be[][2] = {
	    {"params", params},	     {"frontend-id", domid},  {"online", "1"},
	    {"removable", "0"},	     {"bootable", "1"},	      {"state", "1"},
	    {"dev", disk->vdev},     {"type", "qdisk"},	      {"mode", "w"},
	    {"device-type", "disk"}, {"discard-enable", "1"},
	};
	const char *const fe[][2] = {
	    {"backend-id", "0"},
	    {"state", "1"},
	    {"virtual-device", devid},
	    {"device-type", "disk"},
	};
	struct mkhvm_pv_dev d = {.be_kv = be, .n_be = sizeof(be) / sizeof(*be)};

	snprintf(domid, sizeof(domid), "%u", x->domid);
	snprintf(devid, sizeof(devid), "%u", disk->devid);
	/* QEMU's xen-block reads FORMAT:PATH. */
	snprintf(params, sizeof(params), "%s:%s", disk->format, disk->path);
	mkhvm_pv_paths(&d, x->domid, "vbd", "qdisk", disk->devid);
	mkhvm_pv_write(x, &d, fe, sizeof(fe) / sizeof(*fe));
}

static void mkhvm_pv_nic(struct mkhvm_xs *x, const struct mkhvm_nic *nic,
			 unsigned int index)
{
	char domid[12], handle[12], mac[18], mtu[12], path[128];
	const char *be[][2] = {
	    {"frontend-id", domid},
	    {"online", "1"},
	    {"state", "1"},
	    {"script", MKHVM_PV_VIF_SCRIPT},
	    {"mac", mac},
	    {"bridge", nic->bridge},
	    {"handle", handle},
	    {"type", "vif_ioemu"}, /* an HVM guest's NIC: PV and emulated */
	};
	const char *const fe[][2] = {
	    {"backend-id", "0"},
	    {"state", "1"},
	    {"handle", handle},
	    {"mac", mac},
	};
	struct mkhvm_pv_dev d = {.be_kv = be, .n_be = sizeof(be) / sizeof(*be)};

	snprintf(domid, sizeof(domid), "%u", x->domid);
	snprintf(handle, sizeof(handle), "%u", index);
	snprintf(mtu, sizeof(mtu), "%d", MKHVM_PV_MTU);
	/* The default dmsup gives the emulated NIC of the same index, so
	 * that the guest sees one MAC whichever driver it uses. */
	if (nic->mac[0])
		snprintf(mac, sizeof(mac), "%s", nic->mac);
	else
		snprintf(mac, sizeof(mac), "00:16:3e:%02x:%02x:%02x",
			 (x->domid >> 8) & 0x7f, x->domid & 0xff, index & 0xff);
	mkhvm_pv_paths(&d, x->domid, "vif", "vif", index);
	mkhvm_pv_write(x, &d, fe, sizeof(fe) / sizeof(*fe));
	/* The MTU is dom0's say: read-only in the guest's directory (the
	 * backend gets one only when it is not the default). */
	snprintf(path, sizeof(path), "%s/mtu", d.fe);
	mkhvm_xs_mkdir_for(x, path, 0, x->domid);
	mkhvm_xs_printf(x, path, "%s", mtu);
}

static void mkhvm_pv_fill(struct mkhvm_xs *x, const void *a, const void *b)
{
	const struct mkhvm_cfg *cfg = a;

	(void)b;
	for (unsigned int i = 0; i < cfg->n_disks; i++)
		mkhvm_pv_disk(x, &cfg->disks[i]);
	for (unsigned int i = 0; i < cfg->n_nics; i++)
		mkhvm_pv_nic(x, &cfg->nics[i], i);
}

int mkhvm_pv_add(struct xs_handle *xs, const struct mkhvm_cfg *cfg,
		 const struct mkhvm_dom *dom)
{
	if (!cfg->n_disks && !cfg->n_nics)
		return 0;
	return mkhvm_xs_transact(xs, dom->domid, mkhvm_pv_fill, cfg, dom);
}

/*
 * The backends' directories (the frontends' and libxl's go with the
 * domain's). Removing them makes netback drop the vif, as libxl's forced
 * destroy does; QEMU, stopped before, has nothing left to serve.
 */
void mkhvm_pv_remove(struct xs_handle *xs, uint32_t domid)
{
	static const char *const kinds[] = {"qdisk", "vbd", "vif"};
	char path[64];

	for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
		snprintf(path, sizeof(path), "/local/domain/0/backend/%s/%u",
			 kinds[i], domid);
		xs_rm(xs, XBT_NULL, path);
	}
}
