/*
 * stubvbd.c - the stub domain's vbds (see stubvbd.h). No state machine of
 * its own: each vbd is a pvdev; this counts them to "all connected" or
 * stops at the first that failed.
 */
#include "stubkeep/stubvbd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stubdom-proto/pvdev.h"
#include "stubkeep/stubset.h"
#include "stubkeep/stubloop.h"

#define STUBVBD_MAX 16 /* xvda..xvdp (pvdev_xvd) */

struct stubvbd_one {
	struct stubvbd *set;
	struct pvdev *pv;
	struct stubloop loop;
	char name[8];
};

struct stubvbd {
	struct stubvbd_one one[STUBVBD_MAX];
	struct stubset set;
};

int stubvbd_parse(const char *spec, struct stubvbd_disk *d)
{
	static const struct {
		const char *prefix;
		bool readonly, cdrom;
	} kinds[] = {{"disk:", false, false},
		     {"disk-ro:", true, false},
		     {"cdrom:", true, true}};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
		size_t len = strlen(kinds[i].prefix);
		if (strncmp(spec, kinds[i].prefix, len) || spec[len] != '/')
			continue;
		*d = (struct stubvbd_disk){spec + len, kinds[i].readonly,
					   kinds[i].cdrom};
		return 0;
	}
	return -1;
}

static void stubvbd_done_cb(const struct pvdev_result *res, void *arg)
{
	struct stubvbd_one *o = arg;

	stubset_result(&o->set->set, res);
}

/* blkback registers xenbus backend driver "vbd"; without it the backend
 * would sit at state 1 until the timeout, so say it at once. */
static bool stubvbd_have_blkback(void)
{
	return !access("/sys/bus/xen-backend/drivers/vbd", F_OK) ||
	       !access("/sys/module/xen_blkback", F_OK);
}

static int stubvbd_one(struct xsp *xs, const char *domain, unsigned int stub,
		       const struct stubvbd_disk *d, size_t i,
		       unsigned int timeout_ms, struct stubvbd_one *o,
		       char *err, size_t errsz)
{
	char devid_s[16], phys[32], why[256];
	const bool ro = d->readonly || d->cdrom;
	const char *dtype = d->cdrom ? "cdrom" : "disk";
	unsigned int devid;

	if (pvdev_xvd((unsigned int)i, &devid, o->name, sizeof(o->name))) {
		snprintf(err, errsz, "%s: disk %zu: more than %d vbds", domain,
			 i, STUBVBD_MAX);
		return -1;
	}
	if (stubloop_attach(d->path, ro, &o->loop, why, sizeof(why))) {
		snprintf(err, errsz, "%s: vbd %s: %s", domain, o->name, why);
		return -1;
	}
	snprintf(devid_s, sizeof(devid_s), "%u", devid);
	snprintf(phys, sizeof(phys), "%x:%x", o->loop.major, o->loop.minor);
	const char *fe_kv[] = {"virtual-device", devid_s, "device-type", dtype,
			       NULL};
	const char *be_kv[] = {"params",
			       d->path,
			       "type",
			       "phy",
			       "mode",
			       ro ? "r" : "w",
			       "dev",
			       o->name,
			       "device-type",
			       dtype,
			       "removable",
			       d->cdrom ? "1" : "0",
			       "bootable",
			       "1",
			       "physical-device-path",
			       o->loop.dev,
			       "physical-device",
			       phys,
			       NULL};
	const struct pvdev_config cfg = {.type = PVDEV_VBD,
					 .domain = domain,
					 .name = o->name,
					 .fe_domid = stub,
					 .be_domid = 0,
					 .devid = devid,
					 .fe_kv = fe_kv,
					 .be_kv = be_kv,
					 .timeout_ms = timeout_ms};
	o->pv = pvdev_new(xs, &cfg, stubvbd_done_cb, o, err, errsz);
	return o->pv ? 0 : -1;
}

struct stubvbd *stubvbd_attach(struct xsp *xs, const char *domain,
			       unsigned int stub,
			       const struct stubvbd_disk *disks, size_t n,
			       unsigned int timeout_ms, stubvbd_done_fn *done,
			       void *arg, char *err, size_t errsz)
{
	struct stubvbd *v;

	if (n > STUBVBD_MAX) {
		snprintf(err, errsz, "%s: %zu disks: a stub takes at most %d",
			 domain, n, STUBVBD_MAX);
		return NULL;
	}
	if (!stubvbd_have_blkback()) {
		snprintf(err, errsz,
			 "%s: vbd xvda: no blkback in dom0 (load the "
			 "xen-blkback module)",
			 domain);
		return NULL;
	}
	if (!(v = calloc(1, sizeof(*v)))) {
		snprintf(err, errsz, "%s: vbds: out of memory", domain);
		return NULL;
	}
	v->set.done = done;
	v->set.arg = arg;
	for (size_t i = 0; i < n; i++) {
		struct stubvbd_one *o = &v->one[i];
		o->set = v;
		o->loop.fd = -1;
		v->set.n = i + 1;
		if (stubvbd_one(xs, domain, stub, &disks[i], i, timeout_ms, o,
				err, errsz)) {
			stubvbd_detach(v);
			return NULL;
		}
		stubset_info(&v->set, "%s on %s (%s)", o->name, o->loop.dev,
			     disks[i].path);
	}
	return v;
}

void stubvbd_detach(struct stubvbd *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->set.n; i++) {
		pvdev_destroy(v->one[i].pv);
		stubloop_close(&v->one[i].loop);
	}
	free(v);
}
