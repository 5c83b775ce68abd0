/*
 * Runtime operations (see ops.h). One table row per operation: its name
 * on the control socket, the handshake command it becomes, and whether it
 * takes a PCI address. The reply comes from the handshake's callback,
 * which may run after the domain is gone: the call keeps its own copy of
 * what the reply names.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "dmsup/control.h"
#include "dmsup/domain.h"
#include "dmsup/log.h"
#include "dmsup/ops.h"
#include "dmsup/stubdm.h"

#define OPS_PARAM_MAX 256

struct ops_op {
	const char *name; /* control command */
	enum stubdom_cmd cmd;
	bool bdf; /* takes "bdf" */
};

static const struct ops_op ops_ops[] = {
    {"pci-attach", STUBDOM_CMD_PCI_INS, true},
    {"pci-detach", STUBDOM_CMD_PCI_REM, true},
    {"save", STUBDOM_CMD_SAVE, false},
    {"resume", STUBDOM_CMD_CONTINUE, false},
};

struct ops_call {
	struct ctl_ref *ref;
	const struct ops_op *op;
	int domid;
	char name[72];
};

/* [DDDD:]BB:DD.F, then options as xl pci-attach takes them. */
static bool ops_bdf_ok(const char *s)
{
	unsigned dom, bus, dev, fn;
	int n = 0;

	if (strlen(s) > OPS_PARAM_MAX)
		return false;
	if (sscanf(s, "%4x:%2x:%2x.%1x%n", &dom, &bus, &dev, &fn, &n) != 4 ||
	    !n) {
		n = 0;
		if (sscanf(s, "%2x:%2x.%1x%n", &bus, &dev, &fn, &n) != 3 || !n)
			return false;
	}
	if (s[n] && s[n] != ',')
		return false;
	for (s += n; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(",=_.:-", *s))
			return false;
	return true;
}

static void ops_done_cb(const struct stubdom_hs_result *res, void *arg)
{
	struct ops_call *call = arg;
	struct ctl_conn *c = ctl_ref_take(call->ref);

	if (res->rc)
		log_warnx("domid %d (%s): %s: %s", call->domid, call->name,
			  call->op->name, res->error);
	if (c && res->rc) {
		ctl_reply_error(c, call->op->name,
				"domain %s (domid %d): %s: %s", call->name,
				call->domid, call->op->name, res->error);
	} else if (c) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "command",
				       json_object_new_string(call->op->name));
		if (res->cmd == STUBDOM_CMD_PCI_INS) {
			char vdevfn[8];
			snprintf(vdevfn, sizeof(vdevfn), "0x%02x",
				 res->vdevfn & 0xff);
			json_object_object_add(o, "vdevfn",
					       json_object_new_string(vdevfn));
		}
		ctl_reply(c, o);
	}
	free(call);
}

static void ops_run(struct ctl_conn *c, struct json_object *req,
		    struct domain *d, const struct ops_op *op)
{
	struct json_object *v;
	const char *bdf = NULL, *err;

	if (op->bdf && (!json_object_object_get_ex(req, "bdf", &v) ||
			!json_object_is_type(v, json_type_string) ||
			!ops_bdf_ok(bdf = json_object_get_string(v)))) {
		ctl_reply_error(c, op->name,
				"%s needs a PCI address like 0000:03:00.0 "
				"(options after a comma)",
				op->name);
		return;
	}
	if (config_kind(&d->cfg) != DM_KIND_STUBDOM_MINIOS) {
		ctl_reply_error(c, op->name,
				"domain %s (domid %d): %s is not supported "
				"for kind %s yet (only stubdom-minios)",
				d->cfg.name, d->cfg.domid, op->name,
				d->cfg.kind);
		return;
	}
	if (d->state != DM_RUNNING) {
		ctl_reply_error(c, op->name, "domain %s (domid %d) is %s",
				d->cfg.name, d->cfg.domid,
				lifecycle_state_name(d->state));
		return;
	}
	struct ops_call *call = calloc(1, sizeof(*call));
	if (!call || !(call->ref = ctl_ref_new(c))) {
		free(call);
		ctl_reply_error(c, op->name, "out of memory");
		return;
	}
	call->op = op;
	call->domid = d->cfg.domid;
	snprintf(call->name, sizeof(call->name), "%s", d->cfg.name);
	ctl_hold(c);
	if (stubdm_submit(d, op->cmd, bdf, ops_done_cb, call, &err)) {
		c = ctl_ref_take(call->ref);
		ctl_reply_error(c, op->name, "domain %s (domid %d): %s: %s",
				d->cfg.name, d->cfg.domid, op->name, err);
		free(call);
	}
}

void ops_pci_attach(struct ctl_conn *c, struct json_object *req,
		    struct domain *d)
{
	ops_run(c, req, d, &ops_ops[0]);
}

void ops_pci_detach(struct ctl_conn *c, struct json_object *req,
		    struct domain *d)
{
	ops_run(c, req, d, &ops_ops[1]);
}

void ops_save(struct ctl_conn *c, struct json_object *req, struct domain *d)
{
	ops_run(c, req, d, &ops_ops[2]);
}

void ops_resume(struct ctl_conn *c, struct json_object *req, struct domain *d)
{
	ops_run(c, req, d, &ops_ops[3]);
}

bool ops_refuse_qmp(struct ctl_conn *c, struct domain *d)
{
	if (config_kind(&d->cfg) != DM_KIND_STUBDOM_MINIOS)
		return false;
	ctl_reply_error(c, "qmp",
			"domain %s (domid %d) is kind stubdom-minios: its "
			"device model (qemu-traditional) has no QMP; use "
			"pci-attach, pci-detach, save, resume",
			d->cfg.name, d->cfg.domid);
	return true;
}
