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
	struct pvdev *pv; /* NULL: no medium (an ejected CD) */
	struct stubloop loop;
	char name[8];
	bool cdrom;
	stubvbd_done_fn *insert_done; /* a medium inserted later: its own */
	void *insert_arg;
};

struct stubvbd {
	struct stubvbd_one one[STUBVBD_MAX];
	size_t n;
	struct stubset set;
	/* For a medium inserted later (stubvbd_insert). */
	struct xsp *xs;
	char domain[64];
	unsigned int stub, timeout_ms;
};

int stubvbd_parse(const char *spec, struct stubvbd_disk *d)
{
	static const struct {
		const char *prefix;
		bool readonly, cdrom;
	} kinds[] = {{"disk:", false, false},
		     {"disk-ro:", true, false},
		     {"cdrom:", true, true}};

	if (!strcmp(spec, "cdrom-empty")) {
		*d = (struct stubvbd_disk){NULL, true, true};
		return 0;
	}

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
	stubvbd_done_fn *done = o->insert_done;

	if (!done) {
		stubset_result(&o->set->set, res);
		return;
	}
	o->insert_done = NULL;
	done(res->rc, res->rc ? res->error : o->name, o->insert_arg);
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
	v->xs = xs;
	snprintf(v->domain, sizeof(v->domain), "%s", domain);
	v->stub = stub;
	v->timeout_ms = timeout_ms;
	for (size_t i = 0; i < n; i++) {
		struct stubvbd_one *o = &v->one[i];
		o->set = v;
		o->loop.fd = -1;
		o->cdrom = disks[i].cdrom;
		v->n = i + 1;
		/* An empty CD drive keeps its place (xvd<a+i>): no vbd yet. */
		if (!disks[i].path) {
			unsigned int devid;
			pvdev_xvd((unsigned int)i, &devid, o->name,
				  sizeof(o->name));
			continue;
		}
		v->set.n++;
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

/* The CD at @i, or NULL with err filled. */
static struct stubvbd_one *stubvbd_cd(struct stubvbd *v, size_t i, char *err,
				      size_t errsz)
{
	if (!v || i >= v->n) {
		snprintf(err, errsz, "no vbd %zu (the stub has %zu)", i,
			 v ? v->n : 0);
		return NULL;
	}
	if (!v->one[i].cdrom) {
		snprintf(err, errsz, "vbd %s is a disk, not a CD-ROM",
			 v->one[i].name);
		return NULL;
	}
	return &v->one[i];
}

int stubvbd_eject(struct stubvbd *v, size_t i, char *err, size_t errsz)
{
	struct stubvbd_one *o = stubvbd_cd(v, i, err, errsz);

	if (!o)
		return -1;
	/* Both ends' nodes go: blkfront drops the stub's xvdX, blkback
	 * lets go of the loop device, which then detaches (autoclear). */
	pvdev_destroy(o->pv);
	o->pv = NULL;
	o->insert_done = NULL;
	stubloop_close(&o->loop);
	return 0;
}

int stubvbd_insert(struct stubvbd *v, size_t i, const char *path,
		   stubvbd_done_fn *done, void *arg, char *err, size_t errsz)
{
	struct stubvbd_one *o = stubvbd_cd(v, i, err, errsz);
	const struct stubvbd_disk d = {path, true, true};

	if (!o)
		return -1;
	if (o->pv) {
		snprintf(err, errsz, "vbd %s holds a medium: eject it first",
			 o->name);
		return -1;
	}
	if (stubvbd_one(v->xs, v->domain, v->stub, &d, i, v->timeout_ms, o, err,
			errsz))
		return -1;
	o->insert_done = done;
	o->insert_arg = arg;
	return 0;
}

void stubvbd_detach(struct stubvbd *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		pvdev_destroy(v->one[i].pv);
		stubloop_close(&v->one[i].loop);
	}
	free(v);
}
