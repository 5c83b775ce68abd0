/*
 * NIC hotplug (see hotplug.h). An attach is one operation through the
 * domain's page-request queue (memreq): its pages are the planner's for
 * the NIC model's ROM (plan_nic_pages, with the ROM the model loads by
 * default, as at start), its device is what the argv builder would give
 * QEMU at start (dmplan_nic_device, id, mac; no netdev). Once the
 * toolstack granted and the room is there, device_add; QEMU's answer
 * ends the operation. Domains with xen: false have no page limit: their
 * attach goes straight to device_add.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "dmsup/ctl/control.h"
#include "dmsup/kind/dmplan.h"
#include "dmsup/kind/dmqmp.h"
#include "dmsup/domain.h"
#include "dmsup/ops/hotplug.h"
#include "dmsup/log.h"
#include "dmsup/observe.h"
#include "dmsup/ops/memreq.h"
#include "dmsup/restrict-rom.h"
#include "dmsup/restrict-run.h"
#include "dmsup/kind/xendm.h"

#define HOTPLUG_ID_MAX 24 /* with the model, fits a memreq reason */

struct hotplug {
	struct memreq *mr;
	unsigned int next_nic; /* for ids not given: hotnic0, hotnic1, ... */
};

/* One nic-attach, from the request to QEMU's answer. */
struct hotplug_op {
	struct ctl_ref *ref;
	struct domain *d;
	uint32_t ticket; /* 0: not through memreq */
	uint64_t pages;
	char model[HOTPLUG_ID_MAX + 1], id[HOTPLUG_ID_MAX + 1], mac[18];
	char romfile[96]; /* a restricted run's: the ROM inside its chroot */
};

static const char *hotplug_str(struct json_object *req, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Fits a QEMU id and a memreq reason token alike. */
static bool hotplug_id_ok(const char *s)
{
	size_t n = strlen(s);

	return n && n <= HOTPLUG_ID_MAX && s[0] >= 'a' && s[0] <= 'z' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static bool hotplug_mac_ok(const char *s)
{
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':'
			       : !strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	return true;
}

/* QMP is there to carry the operation. */
static bool hotplug_check_running(struct ctl_conn *c, struct domain *d)
{
	if (d->state == DM_RUNNING && !d->dying && dmqmp_is_ready(d->qmp))
		return true;
	ctl_reply_error(c, "qmp",
			"domain %s (domid %d): qmp: the device model "
			"is %s, not running with QMP (QMP link: %s)",
			d->cfg.name, d->cfg.domid,
			lifecycle_state_name(d->state),
			dmqmp_link_state_name(dmqmp_link_state(d->qmp)));
	return false;
}

static void hotplug_op_free(struct hotplug_op *op)
{
	if (op->ref)
		ctl_ref_take(op->ref);
	free(op);
}

static void hotplug_op_error(struct hotplug_op *op, const char *step,
			     const char *err)
{
	struct ctl_conn *c = ctl_ref_take(op->ref);

	op->ref = NULL;
	if (c)
		ctl_reply_error(c, step, "domain %s (domid %d): %s: %s",
				op->d->cfg.name, op->d->cfg.domid, step, err);
	hotplug_op_free(op);
}

/* ---- memreq glue ---- */

static int hotplug_room_cb(void *arg, uint64_t *max_r, uint64_t *tot_r,
			   const char **err_r)
{
	return xendm_room(arg, max_r, tot_r, err_r);
}

static void hotplug_event_cb(void *arg, struct json_object *ev)
{
	struct domain *d = arg;

	observe_event(d->sup, d, ev);
}

/* The domain's queue, made at its first request. */
static struct memreq *hotplug_memreq(struct domain *d, const char **err_r)
{
	struct memreq_config cfg = {.base = d->sup->base,
				    .domid = (unsigned)d->cfg.domid,
				    .room = hotplug_room_cb,
				    .event = hotplug_event_cb,
				    .arg = d};

	if (d->hotplug->mr)
		return d->hotplug->mr;
	if (!(cfg.xs = xendm_xenstore(d, err_r)))
		return NULL;
	if (!(d->hotplug->mr = memreq_new(&cfg)))
		*err_r = "out of memory";
	return d->hotplug->mr;
}

/* ---- device_add ---- */

static void hotplug_added_cb(void *arg, struct json_object *ret,
			     const char *err)
{
	struct hotplug_op *op = arg;
	struct domain *d = op->d;
	struct ctl_conn *c;

	hotplug_memreq_finish(d, op->ticket, !err);
	if (err) {
		hotplug_op_error(op, "qmp", err);
		return;
	}
	log_info("domid %d (%s): NIC %s (%s) added, %" PRIu64 " pages",
		 d->cfg.domid, d->cfg.name, op->id, op->model, op->pages);
	c = ctl_ref_take(op->ref);
	op->ref = NULL;
	if (c) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(op->id));
		json_object_object_add(
		    o, "device",
		    json_object_new_string(dmplan_nic_device(op->model)));
		json_object_object_add(
		    o, "pages", json_object_new_int64((int64_t)op->pages));
		ctl_reply(c, o);
	}
	hotplug_op_free(op);
}

static void hotplug_device_add(struct hotplug_op *op)
{
	struct domain *d = op->d;
	struct json_object *props = NULL;
	const char *err;

	if (d->state != DM_RUNNING || d->dying || !dmqmp_is_ready(d->qmp)) {
		hotplug_added_cb(op, NULL, "the device model is not running");
		return;
	}
	if (*op->mac || *op->romfile)
		props = json_object_new_object();
	if (*op->mac)
		json_object_object_add(props, "mac",
				       json_object_new_string(op->mac));
	if (*op->romfile)
		json_object_object_add(props, "romfile",
				       json_object_new_string(op->romfile));
	if (dmqmp_device_add(d->qmp, dmplan_nic_device(op->model), op->id,
			     props, hotplug_added_cb, op, &err))
		hotplug_added_cb(op, NULL, err);
}

static void hotplug_granted_cb(const struct memreq_outcome *o, void *arg)
{
	struct hotplug_op *op = arg;

	if (o->result != MEMREQ_PROCEED) {
		hotplug_op_error(op, "memory", o->error);
		return;
	}
	op->ticket = o->ticket;
	hotplug_device_add(op);
}

/* A chrooted QEMU loads the ROM after its chroot: put it there. */
static int hotplug_rom_in_chroot(struct hotplug_op *op, const char *rom,
				 char *err, size_t len)
{
	const char *chroot = restrict_run_chroot(op->d);

	if (!chroot || !*rom)
		return 0;
	return restrict_rom_install(chroot, rom, op->romfile,
				    sizeof(op->romfile), err, len);
}

/* The op from the request's fields, or NULL after replying why not. */
static struct hotplug_op *
hotplug_op_new(struct ctl_conn *c, struct json_object *req, struct domain *d)
{
	const char *model = hotplug_str(req, "model");
	const char *id = hotplug_str(req, "id");
	const char *mac = hotplug_str(req, "mac");
	struct plan_nic nic = {.model = model};
	struct plan_error perr = {{0}};
	struct hotplug_op *op;
	char rom[512], err[256];

	if (!model || !*model || strlen(model) > HOTPLUG_ID_MAX) {
		ctl_reply_error(c, "request", "nic-attach needs a NIC model");
		return NULL;
	}
	if ((id && !hotplug_id_ok(id)) || (mac && !hotplug_mac_ok(mac))) {
		ctl_reply_error(c, "request",
				"nic-attach: %s '%s' is not valid (%s)",
				id && !hotplug_id_ok(id) ? "id" : "mac",
				id && !hotplug_id_ok(id) ? id : mac,
				id && !hotplug_id_ok(id)
				    ? "a-z first, then a-z 0-9 . _ -, at most "
				      "24"
				    : "like 52:54:00:12:34:56");
		return NULL;
	}
	if (!(op = calloc(1, sizeof(*op))) || !(op->ref = ctl_ref_new(c))) {
		free(op);
		ctl_reply_error(c, "request", "out of memory");
		return NULL;
	}
	op->d = d;
	snprintf(op->model, sizeof(op->model), "%s", model);
	snprintf(op->mac, sizeof(op->mac), "%s", mac ? mac : "");
	/* The ROM the planner counts is the one the model loads at start. */
	if (plan_nic_rom(&nic, NULL, rom, sizeof(rom), &op->pages, &perr)) {
		ctl_reply_error(c, "memory",
				"domain %s (domid %d): memory: cannot plan "
				"the NIC: %s",
				d->cfg.name, d->cfg.domid, perr.message);
		hotplug_op_free(op);
		return NULL;
	}
	if (hotplug_rom_in_chroot(op, rom, err, sizeof(err))) {
		ctl_reply_error(c, "restrict",
				"domain %s (domid %d): restrict: the NIC's "
				"ROM: %s",
				d->cfg.name, d->cfg.domid, err);
		hotplug_op_free(op);
		return NULL;
	}
	return op;
}

int hotplug_memreq_submit(struct domain *d, uint64_t pages, const char *reason,
			  memreq_cb *cb, void *arg, const char **err_r)
{
	struct memreq *mr;
	int r;

	*err_r = "out of memory";
	if (!d->hotplug && !(d->hotplug = calloc(1, sizeof(*d->hotplug))))
		return -1;
	if (!(mr = hotplug_memreq(d, err_r)))
		return -1;
	r = memreq_submit(mr, pages, reason,
			  (unsigned)d->cfg.memory_grant_timeout, cb, arg);
	if (r)
		*err_r = r == -ENOSPC ? "too many operations waiting"
				      : "cannot queue the request";
	return r ? -1 : 0;
}

void hotplug_memreq_finish(struct domain *d, uint32_t ticket, bool ok)
{
	struct memreq *mr = d->hotplug ? d->hotplug->mr : NULL;

	if (!mr || !ticket)
		return;
	/* A device model that died takes its queue with it. */
	if (!ok && (d->dying || d->state != DM_RUNNING))
		memreq_fail_all(mr, "the device model stopped");
	else
		memreq_finish(mr, ticket, ok);
}

void hotplug_nic_attach(struct ctl_conn *c, struct json_object *req,
			struct domain *d)
{
	struct hotplug_op *op;
	char reason[MEMREQ_REASON_MAX + 1];
	const char *err = "out of memory";
	const char *id = hotplug_str(req, "id");

	if (!hotplug_check_running(c, d) || !(op = hotplug_op_new(c, req, d)))
		return;
	ctl_hold(c);
	if (!d->hotplug && !(d->hotplug = calloc(1, sizeof(*d->hotplug)))) {
		hotplug_op_error(op, "memory", err);
		return;
	}
	if (id)
		snprintf(op->id, sizeof(op->id), "%s", id);
	else
		snprintf(op->id, sizeof(op->id), "hotnic%u",
			 d->hotplug->next_nic++);
	if (!d->cfg.xen) {
		hotplug_device_add(op); /* no page limit to ask about */
		return;
	}
	snprintf(reason, sizeof(reason), "hotplug-nic:%s:%s", op->id,
		 op->model);
	if (hotplug_memreq_submit(d, op->pages, reason, hotplug_granted_cb, op,
				  &err))
		hotplug_op_error(op, "memory", err);
}

/* ---- device_del ---- */

static void hotplug_deleted_cb(void *arg, struct json_object *ret,
			       const char *err)
{
	struct hotplug_op *op = arg;
	struct ctl_conn *c;

	if (err) {
		hotplug_op_error(op, "qmp", err);
		return;
	}
	c = ctl_ref_take(op->ref);
	op->ref = NULL;
	if (c) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(op->id));
		ctl_reply(c, o);
	}
	hotplug_op_free(op);
}

void hotplug_nic_detach(struct ctl_conn *c, struct json_object *req,
			struct domain *d)
{
	const char *id = hotplug_str(req, "id");
	struct hotplug_op *op;
	const char *err;

	if (!id || !hotplug_id_ok(id)) {
		ctl_reply_error(c, "request", "nic-detach needs the NIC's id");
		return;
	}
	if (!hotplug_check_running(c, d))
		return;
	if (!(op = calloc(1, sizeof(*op))) || !(op->ref = ctl_ref_new(c))) {
		free(op);
		ctl_reply_error(c, "request", "out of memory");
		return;
	}
	op->d = d;
	snprintf(op->id, sizeof(op->id), "%s", id);
	ctl_hold(c);
	if (dmqmp_device_del(d->qmp, id, hotplug_deleted_cb, op, &err))
		hotplug_deleted_cb(op, NULL, err);
}

void hotplug_domain_down(struct domain *d)
{
	char why[160];

	if (!d->hotplug || !d->hotplug->mr)
		return;
	snprintf(why, sizeof(why), "the device model of %s (domid %d) %s",
		 d->cfg.name, d->cfg.domid,
		 d->state == DM_STOPPED ? "was stopped" : "died");
	memreq_fail_all(d->hotplug->mr, why);
}

void hotplug_domain_stopping(struct domain *d)
{
	char why[160];

	if (!d->hotplug || !d->hotplug->mr)
		return;
	snprintf(why, sizeof(why), "the domain is stopping (%s, domid %d)",
		 d->cfg.name, d->cfg.domid);
	memreq_fail_all(d->hotplug->mr, why);
}

void hotplug_domain_free(struct domain *d)
{
	if (!d->hotplug)
		return;
	memreq_free(d->hotplug->mr);
	free(d->hotplug);
	d->hotplug = NULL;
}
