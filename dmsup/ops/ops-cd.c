/*
 * CD-ROM change (see ops-cd.h). The request names the drive by the vdev
 * its disk has in the configuration; only a disk of media cdrom has a
 * removable medium. The medium stored is changed only once QEMU took it
 * (or at once, for a domain whose device model is not running), then
 * saved with the rest of the configuration.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "dmsup/ctl/control.h"
#include "dmsup/devspec.h"
#include "dmsup/domain.h"
#include "dmsup/kind/dmqmp.h"
#include "dmsup/kind/stubreq.h"
#include "dmsup/log.h"
#include "dmsup/ops/ops-cd.h"
#include "dmsup/persist.h"

#define OPS_CD_PATH_MAX 1024
#define OPS_CD_VDEV_MAX 16
/* blkfront says Connected just before it adds the disk (and its node):
 * QEMU may look for the stub's new /dev/xvdX a moment too early. */
#define OPS_CD_XVD_TRIES 20
#define OPS_CD_XVD_WAIT_MS 100

/* stubdom-linux: the steps after QMP's eject (see ops_cd_stub_next). */
enum ops_cd_step {
	CD_QMP,	       /* dom0: the one QMP command */
	CD_EJECT,      /* QMP eject of the stub's drive */
	CD_VBD_EJECT,  /* the keeper removes the CD's vbd */
	CD_VBD_INSERT, /* the keeper attaches the new medium's vbd */
	CD_CHANGE,     /* QMP blockdev-change-medium of /dev/xvdX */
};

struct ops_cd {
	struct ctl_ref *ref;
	struct domain *d;
	const char *op;		    /* "cd-insert", "cd-eject" */
	char vdev[OPS_CD_VDEV_MAX]; /* found again at the reply */
	char *file;		    /* NULL: eject */
	/* stubdom-linux */
	enum ops_cd_step step;
	int index;	     /* the disk's: the stub's xvd<a+index> */
	const char *format;  /* QEMU's, of the new medium */
	struct stubreq *req; /* to the keeper */
	int tries;	     /* CD_CHANGE: the new xvdX is not there */
	struct event *retry;
};

static const char *ops_cd_str(struct json_object *req, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The disk at @vdev, or NULL. */
static struct dm_disk *ops_cd_disk(struct domain *d, const char *vdev)
{
	for (int i = 0; i < d->cfg.n_disks; i++)
		if (d->cfg.disks[i].vdev && !strcmp(d->cfg.disks[i].vdev, vdev))
			return &d->cfg.disks[i];
	return NULL;
}

static void ops_cd_vdevs(const struct domain *d, char *buf, size_t len)
{
	size_t pos = 0;

	buf[0] = '\0';
	for (int i = 0; i < d->cfg.n_disks && pos < len; i++) {
		int n = snprintf(
		    buf + pos, len - pos, "%s%s%s", pos ? ", " : "",
		    d->cfg.disks[i].vdev ? d->cfg.disks[i].vdev : "?",
		    strcmp(d->cfg.disks[i].media, "cdrom") ? "" : " (cdrom)");
		pos = n < 0 ? len : pos + (size_t)n;
	}
	if (!d->cfg.n_disks)
		snprintf(buf, len, "none");
}

/* Why the kind of @d cannot change a medium, or NULL. */
static const char *ops_cd_kind_refusal(const struct domain *d)
{
	if (config_adopted(&d->cfg))
		return "its device model belongs to xl: use xl cd-insert or "
		       "xl cd-eject";
	switch (config_kind(&d->cfg)) {
	case DM_KIND_DOM0:
		return NULL;
	case DM_KIND_STUBDOM_MINIOS:
		return "kind stubdom-minios cannot change a CD: its "
		       "qemu-traditional has no QMP and the stub's handshake "
		       "has no command for it";
	case DM_KIND_STUBDOM_LINUX:
		return NULL;
	}
	return "unknown kind";
}

/* The medium @file (NULL: none) for the drive at @vdev, saved. */
static int ops_cd_store(struct domain *d, const char *vdev, const char *file)
{
	struct dm_disk *disk = ops_cd_disk(d, vdev);
	char *copy = NULL;

	if (!disk)
		return 0; /* redefined meanwhile: its new config stands */
	if (file && !(copy = strdup(file)))
		return -1;
	free(disk->path);
	disk->path = copy;
	return persist_save_config(d);
}

static struct json_object *ops_cd_result(const struct ops_cd *q)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "command", json_object_new_string(q->op));
	json_object_object_add(o, "vdev", json_object_new_string(q->vdev));
	json_object_object_add(
	    o, "file", q->file ? json_object_new_string(q->file) : NULL);
	return o;
}

static void ops_cd_free(struct ops_cd *q)
{
	if (q->ref)
		ctl_ref_take(q->ref);
	stubreq_free(q->req);
	if (q->retry)
		event_free(q->retry);
	free(q->file);
	free(q);
}

/* QEMU refused @cmd: the reply says so. */
static void ops_cd_qmp_error(struct ops_cd *q, const char *cmd, const char *err)
{
	struct ctl_conn *c = ctl_ref_take(q->ref);
	struct domain *d = q->d;

	q->ref = NULL;
	log_warnx("domid %d (%s): %s %s: %s: %s", d->cfg.domid, d->cfg.name,
		  q->op, q->vdev, cmd, err);
	if (c)
		ctl_reply_error(c, "qmp",
				"domain %s (domid %d): qmp: %s of %s: %s",
				d->cfg.name, d->cfg.domid, cmd, q->vdev, err);
	ops_cd_free(q);
}

static void ops_cd_done_cb(void *arg, struct json_object *ret, const char *err)
{
	struct ops_cd *q = arg;
	struct ctl_conn *c;
	struct domain *d = q->d;

	(void)ret;
	if (err) {
		ops_cd_qmp_error(
		    q,
		    dmqmp_cmd_name(q->file ? DMQMP_CHANGE_MEDIUM : DMQMP_EJECT),
		    err);
		return;
	}
	c = ctl_ref_take(q->ref);
	q->ref = NULL;
	log_info("domid %d (%s): CD %s now %s%s", d->cfg.domid, d->cfg.name,
		 q->vdev, q->file ? "holds " : "empty", q->file ? q->file : "");
	if (ops_cd_store(d, q->vdev, q->file)) {
		if (c)
			ctl_reply_error(c, "config",
					"domain %s (domid %d): the medium "
					"changed but the configuration cannot "
					"be saved",
					d->cfg.name, d->cfg.domid);
	} else if (c) {
		ctl_reply(c, ops_cd_result(q));
	}
	ops_cd_free(q);
}

/* @file must be an absolute path to a file dmsup can read. */
static int ops_cd_file_ok(struct ctl_conn *c, const struct domain *d,
			  const char *file)
{
	struct stat st;
	int fd;

	if (file[0] != '/' || strlen(file) > OPS_CD_PATH_MAX ||
	    strchr(file, ',')) {
		ctl_reply_error(c, "request",
				"domain %s (domid %d): cd-insert: '%.64s' is "
				"not an absolute path without commas",
				d->cfg.name, d->cfg.domid, file);
		return -1;
	}
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) ||
	    (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))) {
		int e = fd < 0 ? errno : 0;
		if (fd >= 0)
			close(fd);
		ctl_reply_error(c, "request",
				"domain %s (domid %d): cd-insert: cannot use "
				"'%s': %s",
				d->cfg.name, d->cfg.domid, file,
				e ? strerror(e)
				  : "not a regular file or block device");
		return -1;
	}
	close(fd);
	return 0;
}

/* The drive at the request's vdev, checked; NULL after replying. */
static struct dm_disk *ops_cd_find(struct ctl_conn *c, struct domain *d,
				   const char *op, const char *vdev)
{
	struct dm_disk *disk = ops_cd_disk(d, vdev);
	char list[256];

	if (!disk) {
		ops_cd_vdevs(d, list, sizeof(list));
		ctl_reply_error(c, "request",
				"domain %s (domid %d): %s: no disk at vdev "
				"'%.16s' (its disks: %s)",
				d->cfg.name, d->cfg.domid, op, vdev, list);
		return NULL;
	}
	if (strcmp(disk->media, "cdrom")) {
		ctl_reply_error(c, "request",
				"domain %s (domid %d): %s: %s is a disk, not "
				"a CD-ROM (media \"%s\"): its medium cannot "
				"change",
				d->cfg.name, d->cfg.domid, op, vdev,
				disk->media);
		return NULL;
	}
	return disk;
}

/* A domain without a running device model: the stored config only. */
static void ops_cd_offline(struct ctl_conn *c, struct ops_cd *q)
{
	struct json_object *o;

	if (ops_cd_store(q->d, q->vdev, q->file)) {
		ctl_reply_error(c, "config",
				"domain %s (domid %d): cannot save the "
				"configuration",
				q->d->cfg.name, q->d->cfg.domid);
		return;
	}
	o = ops_cd_result(q);
	json_object_object_add(o, "applies",
			       json_object_new_string("at the next start"));
	ctl_reply(c, o);
}

/* --- stubdom-linux: the medium is the stub's vbd (DESIGN.md: QMP eject,
 * PV block detach, PV block attach, QMP change-medium) --- */

static void ops_cd_stub_fail(struct ops_cd *q, const char *err)
{
	struct ctl_conn *c = ctl_ref_take(q->ref);
	struct domain *d = q->d;

	q->ref = NULL;
	/* QEMU's drive is empty from its eject on, whatever failed after. */
	ops_cd_store(d, q->vdev, NULL);
	log_warnx("domid %d (%s): %s %s: keeper: %s", d->cfg.domid, d->cfg.name,
		  q->op, q->vdev, err);
	if (c)
		ctl_reply_error(c, "keeper",
				"domain %s (domid %d): keeper: %s of %s: %s "
				"(the drive is empty now)",
				d->cfg.name, d->cfg.domid, q->op, q->vdev, err);
	ops_cd_free(q);
}

static void ops_cd_stub_next(struct ops_cd *q);

/* QMP's eject of the stub's drive: the keeper's part next. */
static void ops_cd_stub_ejected_cb(void *arg, struct json_object *ret,
				   const char *err)
{
	struct ops_cd *q = arg;

	(void)ret;
	if (err) {
		ops_cd_qmp_error(q, dmqmp_cmd_name(DMQMP_EJECT), err);
		return;
	}
	ops_cd_stub_next(q);
}

/* change-medium of the stub's /dev/xvdX, again while it is not there
 * yet; a failure leaves the drive empty (its old vbd went). */
static void ops_cd_stub_changed_cb(void *arg, struct json_object *ret,
				   const char *err)
{
	struct ops_cd *q = arg;
	struct timeval tv = {0, OPS_CD_XVD_WAIT_MS * 1000};

	if (err && strstr(err, "No such file") &&
	    q->tries++ < OPS_CD_XVD_TRIES) {
		evtimer_add(q->retry, &tv);
		return;
	}
	if (err)
		ops_cd_store(q->d, q->vdev, NULL);
	ops_cd_done_cb(q, ret, err);
}

static void ops_cd_change(struct ops_cd *q)
{
	char id[32], dev[16];
	const char *err;

	devspec_cd_id(q->vdev, id, sizeof(id));
	snprintf(dev, sizeof(dev), "/dev/xvd%c", 'a' + q->index);
	q->step = CD_CHANGE;
	if (dmqmp_change_medium(q->d->qmp, id, dev, q->format,
				ops_cd_stub_changed_cb, q, &err))
		ops_cd_stub_fail(q, err);
}

static void ops_cd_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	ops_cd_change(arg);
}

static void ops_cd_keeper_cb(void *arg, int64_t bytes, const char *err)
{
	struct ops_cd *q = arg;

	(void)bytes;
	stubreq_free(q->req);
	q->req = NULL;
	if (err) {
		ops_cd_stub_fail(q, err);
		return;
	}
	if (q->step == CD_VBD_EJECT && !q->file) {
		ops_cd_done_cb(q, NULL, NULL); /* stores the empty drive */
		return;
	}
	if (q->step == CD_VBD_INSERT) {
		ops_cd_change(q);
		return;
	}
	ops_cd_stub_next(q);
}

/* The keeper's part after QMP's eject: the old vbd goes (if there was
 * a medium), then the new one comes. */
static void ops_cd_stub_next(struct ops_cd *q)
{
	char line[STUBREQ_LINE_MAX + 1], err[512];
	char *sock = domain_path(q->d, ".keep");
	const struct dm_disk *disk = ops_cd_disk(q->d, q->vdev);

	if (!sock || !disk) {
		free(sock);
		ops_cd_stub_fail(q, sock ? "the drive was redefined meanwhile"
					 : "out of memory");
		return;
	}
	if (q->step == CD_EJECT && disk->path) {
		q->step = CD_VBD_EJECT;
		snprintf(line, sizeof(line), "vbd-eject %d", q->index);
	} else {
		q->step = CD_VBD_INSERT;
		snprintf(line, sizeof(line), "vbd-insert %d %s", q->index,
			 q->file);
	}
	q->req = stubreq_call(q->d->sup->base, NULL, sock, line,
			      q->d->cfg.ready_timeout, ops_cd_keeper_cb, q, err,
			      sizeof(err));
	free(sock);
	if (!q->req)
		ops_cd_stub_fail(q, err);
}

/* Sends the QMP command; @q is the callback's, or freed on a failure. */
static void ops_cd_qmp(struct ctl_conn *c, struct ops_cd *q,
		       const struct dm_disk *disk)
{
	struct domain *d = q->d;
	char id[32];
	const char *err;
	int rc;

	if (d->state != DM_RUNNING || d->dying || !dmqmp_is_ready(d->qmp)) {
		ctl_reply_error(c, "qmp",
				"domain %s (domid %d): qmp: the device model "
				"is %s, not running with QMP",
				d->cfg.name, d->cfg.domid,
				lifecycle_state_name(d->state));
		ops_cd_free(q);
		return;
	}
	if (devspec_cd_id(q->vdev, id, sizeof(id))) {
		ctl_reply_error(c, "request",
				"domain %s (domid %d): %s: %s has no IDE "
				"drive id",
				d->cfg.name, d->cfg.domid, q->op, q->vdev);
		ops_cd_free(q);
		return;
	}
	if (!(q->ref = ctl_ref_new(c))) {
		ctl_reply_error(c, "request", "out of memory");
		ops_cd_free(q);
		return;
	}
	ctl_hold(c);
	if (config_kind(&d->cfg) == DM_KIND_STUBDOM_LINUX) {
		q->step = CD_EJECT;
		q->index = (int)(disk - d->cfg.disks);
		q->format = devspec_qemu_format(disk->format);
		q->retry = evtimer_new(d->sup->base, ops_cd_retry_cb, q);
		/* An empty drive has nothing to eject: the keeper's part
		 * (an insert), or nothing at all. */
		if (!disk->path) {
			if (q->file)
				ops_cd_stub_next(q);
			else
				ops_cd_done_cb(q, NULL, NULL);
			return;
		}
	}
	rc = q->step == CD_EJECT
		 ? dmqmp_eject(d->qmp, id, ops_cd_stub_ejected_cb, q, &err)
	     : q->file ? dmqmp_change_medium(d->qmp, id, q->file,
					     devspec_qemu_format(disk->format),
					     ops_cd_done_cb, q, &err)
		       : dmqmp_eject(d->qmp, id, ops_cd_done_cb, q, &err);
	if (rc) {
		c = ctl_ref_take(q->ref);
		q->ref = NULL;
		ctl_reply_error(c, "qmp", "domain %s (domid %d): qmp: %s",
				d->cfg.name, d->cfg.domid, err);
		ops_cd_free(q);
	}
}

static void ops_cd_run(struct ctl_conn *c, struct json_object *req,
		       struct domain *d, const char *op, bool insert)
{
	const char *vdev = ops_cd_str(req, "vdev");
	const char *file = insert ? ops_cd_str(req, "file") : NULL;
	const char *why = ops_cd_kind_refusal(d);
	struct dm_disk *disk;
	struct ops_cd *q;

	if (why) {
		ctl_reply_error(c, "request", "domain %s (domid %d): %s: %s",
				d->cfg.name, d->cfg.domid, op, why);
		return;
	}
	if (!(disk = ops_cd_find(c, d, op, vdev)))
		return;
	if (file && ops_cd_file_ok(c, d, file))
		return;
	if (!(q = calloc(1, sizeof(*q))) ||
	    (file && !(q->file = strdup(file)))) {
		free(q);
		ctl_reply_error(c, "request", "out of memory");
		return;
	}
	q->d = d;
	q->op = op;
	snprintf(q->vdev, sizeof(q->vdev), "%s", vdev);
	if (!lifecycle_is_active(d->state)) {
		ops_cd_offline(c, q);
		ops_cd_free(q);
		return;
	}
	ops_cd_qmp(c, q, disk);
}

void ops_cd_insert(struct ctl_conn *c, struct json_object *req,
		   struct domain *d)
{
	ops_cd_run(c, req, d, "cd-insert", true);
}

void ops_cd_eject(struct ctl_conn *c, struct json_object *req, struct domain *d)
{
	ops_cd_run(c, req, d, "cd-eject", false);
}
