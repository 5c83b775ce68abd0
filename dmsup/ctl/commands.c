/*
 * The control commands' handlers, indexed by their entry in the shared
 * table (cmdtab.c: names, fields, which are required); the dispatcher
 * checks a request against its entry first. docs/control-protocol.md
 * lists them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "dmsup/ctl/adopt.h"
#include "dmsup/ctl/cmd-restore.h"
#include "dmsup/ctl/cmdtab.h"
#include "dmsup/ctl/commands.h"
#include "dmsup/ctl/control.h"
#include "dmsup/ctl/notify.h"
#include "dmsup/kind/dmqmp.h"
#include "dmsup/kind/kind.h"
#include "dmsup/domain.h"
#include "dmsup/ops/hotplug.h"
#include "dmsup/log.h"
#include "dmsup/logfile.h"
#include "dmsup/ops/ops.h"
#include "dmsup/ops/ops-cd.h"
#include "dmsup/persist.h"
#include "dmsup/rundir.h"
#include "dmsup/savefile.h"
#include "version.h"

#define CMD_QMP_TIMEOUT 30 /* s */
#define CMD_LOG_MAX_LINES 10000
#define CMD_LOG_MAX_BYTES (512 * 1024)
/* The control protocol versions dmsup speaks (docs/control-protocol.md). */
#define CTL_PROTOCOL_MIN 1
#define CTL_PROTOCOL 2

typedef void cmd_fn(struct ctl_conn *c, struct json_object *req,
		    struct domain *d);

static const char *cmd_str(struct json_object *req, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The dispatcher checked the type; the range is the caller's. */
static long long cmd_int(struct json_object *req, const char *key,
			 long long def)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return def;
	return json_object_get_int64(v);
}

static bool cmd_check_running(struct ctl_conn *c, struct domain *d)
{
	if (!lifecycle_is_active(d->state))
		return true;
	ctl_reply_error(c, "start", "domain %s (domid %d) is already %s",
			d->cfg.name, d->cfg.domid,
			lifecycle_state_name(d->state));
	return false;
}

/* Defines (or redefines, when not running) a domain from a config. */
/* Refused when defined, not at its first start: a name whose QMP socket
 * cannot be made in the runtime directory. */
static bool cmd_name_fits(struct ctl_conn *c, const struct dm_config *cfg)
{
	char err[512];

	if (kind_ops_of(cfg)->qmp != KIND_QMP_SOCKET ||
	    rundir_name_fits(ctl_sup(c), cfg->name, err, sizeof(err)))
		return true;
	ctl_reply_error(c, "config", "cannot define %s: %s", cfg->name, err);
	return false;
}

static struct domain *cmd_define(struct ctl_conn *c, struct json_object *json)
{
	struct dmsup *sup = ctl_sup(c);
	struct dm_config cfg;
	char *err;

	if (config_from_json(&cfg, json, &err)) {
		ctl_reply_error(c, "config", "invalid configuration: %s",
				err ? err : "out of memory");
		free(err);
		return NULL;
	}
	if (!cmd_name_fits(c, &cfg)) {
		config_dispose(&cfg);
		return NULL;
	}
	struct domain *d = domain_find_name(sup, cfg.name);
	struct domain *other = domain_holding_domid(sup, cfg.domid);
	if (other && other != d) {
		ctl_reply_error(c, "config", "domid %d is already used by %s",
				cfg.domid, other->cfg.name);
		config_dispose(&cfg);
		return NULL;
	}
	if (d && !cmd_check_running(c, d)) {
		config_dispose(&cfg);
		return NULL;
	}
	if (d) {
		domain_set_config(d, &cfg);
	} else if (!(d = domain_new(sup, &cfg))) {
		config_dispose(&cfg);
		ctl_reply_error(c, "config", "out of memory");
		return NULL;
	}
	if (persist_save_config(d)) {
		ctl_reply_error(c, "config",
				"cannot save the configuration "
				"of %s",
				d->cfg.name);
		return NULL;
	}
	return d;
}

/*
 * start's domid: @domid (> 0) binds the definition to that live domain
 * for this run and the next ones; without it the stored one is used.
 * Either must not be held by another running device model.
 */
static bool cmd_bind_domid(struct ctl_conn *c, struct domain *d,
			   long long domid)
{
	struct domain *other;

	if (domid != -1 && (domid < 1 || domid > 0x7fef)) {
		ctl_reply_error(c, "request",
				"start: field 'domid' must be 1 to 32751, not "
				"%lld",
				domid);
		return false;
	}
	if (domid == -1 && !d->cfg.domid) {
		ctl_reply_error(c, "start",
				"domain %s has no domid: start it with the "
				"live domain's (--domid N)",
				d->cfg.name);
		return false;
	}
	int want = domid == -1 ? d->cfg.domid : (int)domid;
	if ((other = domain_holding_domid(ctl_sup(c), want)) && other != d) {
		ctl_reply_error(c, "start",
				"domain %s: domid %d is already used by %s",
				d->cfg.name, want, other->cfg.name);
		return false;
	}
	if (want == d->cfg.domid)
		return true;
	domain_set_domid(d, want);
	if (persist_save_config(d)) {
		ctl_reply_error(c, "start", "domain %s: cannot save",
				d->cfg.name);
		return false;
	}
	return true;
}

static void cmd_start_go(struct ctl_conn *c, struct domain *d);

static void cmd_start(struct ctl_conn *c, struct json_object *req,
		      struct domain *d)
{
	struct json_object *config;

	if (json_object_object_get_ex(req, "config", &config)) {
		if (!(d = cmd_define(c, config)))
			return;
	} else if (!d) {
		ctl_reply_error(c, "start", "start needs a domain or a config");
		return;
	}
	if (cmd_check_running(c, d) &&
	    cmd_bind_domid(c, d, cmd_int(req, "domid", -1)) &&
	    cmd_restore(c, req, d, cmd_start_go) == CMD_RESTORE_GO)
		cmd_start_go(c, d);
}

/* The start's checks passed (its restore is held, if any). */
static void cmd_start_go(struct ctl_conn *c, struct domain *d)
{
	domain_forget_save(d);
	/* Waits first: the transition may settle at once (spawn failed). */
	if (!notify_when_settled(c, d, DM_WAIT_START))
		lifecycle_post(d, DM_EV_START);
}

/* define: what start does with a config, without the start. */
static void cmd_define_req(struct ctl_conn *c, struct json_object *req,
			   struct domain *d)
{
	struct json_object *config, *o;

	json_object_object_get_ex(req, "config", &config);
	if (!(d = cmd_define(c, config)))
		return;
	o = json_object_new_object();
	json_object_object_add(o, "domain", domain_to_json(d));
	ctl_reply(c, o);
}

static void cmd_stop(struct ctl_conn *c, struct json_object *req,
		     struct domain *d)
{
	if (!lifecycle_is_active(d->state) && d->state != DM_CRASHED) {
		ctl_reply_error(c, "stop",
				"domain %s (domid %d) is not running "
				"(%s)",
				d->cfg.name, d->cfg.domid,
				lifecycle_state_name(d->state));
		return;
	}
	if (config_adopted(&d->cfg) && lifecycle_is_active(d->state)) {
		ctl_reply_error(c, "stop",
				"domain %s (domid %d) belongs to xl: stop it "
				"with xl destroy or xl shutdown",
				d->cfg.name, d->cfg.domid);
		return;
	}
	d->no_restart = true;
	if (!notify_when_settled(c, d, DM_WAIT_STOP) && d->state != DM_STOPPING)
		lifecycle_post(d, DM_EV_STOP);
}

static void cmd_status(struct ctl_conn *c, struct json_object *req,
		       struct domain *d)
{
	struct json_object *o = json_object_new_object();

	if (d) {
		json_object_object_add(o, "domain", domain_to_json(d));
	} else {
		struct json_object *list = json_object_new_array();
		/* Log tails are for status NAME: the list stays small. */
		for (d = ctl_sup(c)->domains; d; d = d->next) {
			struct json_object *one = domain_to_json(d);
			json_object_object_del(one, "log_tail");
			json_object_array_add(list, one);
		}
		json_object_object_add(o, "domains", list);
	}
	ctl_reply(c, o);
}

static void cmd_watch(struct ctl_conn *c, struct json_object *req,
		      struct domain *d)
{
	ctl_watch(c, d);
	cmd_status(c, req, d);
}

static void cmd_log(struct ctl_conn *c, struct json_object *req,
		    struct domain *d)
{
	long long lines = cmd_int(req, "lines", 20);

	if (lines < 0 || lines > CMD_LOG_MAX_LINES) {
		ctl_reply_error(c, "request",
				"log: field 'lines' must be 0 to %d, not %lld",
				CMD_LOG_MAX_LINES, lines);
		return;
	}
	struct json_object *o = json_object_new_object();
	char *text =
	    logfile_tail(ctl_sup(c)->log_dir, d->cfg.name, d->cfg.log_files,
			 (int)lines, CMD_LOG_MAX_BYTES);
	char *path = logfile_path(ctl_sup(c)->log_dir, d->cfg.name, 0);
	json_object_object_add(o, "path",
			       json_object_new_string(path ? path : ""));
	json_object_object_add(o, "text",
			       json_object_new_string(text ? text : ""));
	free(text);
	free(path);
	ctl_reply(c, o);
}

static void cmd_qmp_reply_cb(void *arg, struct json_object *ret,
			     const char *err)
{
	struct ctl_conn *c = ctl_ref_take(arg);

	if (!c)
		return;
	if (err) {
		ctl_reply_error(c, "qmp", "%s", err);
		return;
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "return", json_object_get(ret));
	ctl_reply(c, o);
}

static void cmd_qmp(struct ctl_conn *c, struct json_object *req,
		    struct domain *d)
{
	const char *cmd = cmd_str(req, "command");
	struct json_object *args = NULL;
	const char *err;

	if (!cmd || !*cmd) {
		ctl_reply_error(c, "qmp", "qmp needs a command");
		return;
	}
	if (ops_refuse_qmp(c, d))
		return;
	if (json_object_object_get_ex(req, "arguments", &args) &&
	    !json_object_is_type(args, json_type_object)) {
		ctl_reply_error(c, "qmp", "arguments must be a JSON object");
		return;
	}
	struct ctl_ref *ref = ctl_ref_new(c);
	if (!ref) {
		ctl_reply_error(c, "qmp", "out of memory");
		return;
	}
	ctl_hold(c);
	if (dmqmp_execute(d->qmp, cmd, json_object_get(args), CMD_QMP_TIMEOUT,
			  cmd_qmp_reply_cb, ref, &err)) {
		ctl_ref_take(ref);
		ctl_reply_error(c, "qmp", "domain %s: %s", d->cfg.name, err);
	}
}

static void cmd_set(struct ctl_conn *c, struct json_object *req,
		    struct domain *d)
{
	struct json_object *list;
	struct dm_config next = {0};
	char *err = NULL;

	if (!json_object_object_get_ex(req, "set", &list) ||
	    !json_object_is_type(list, json_type_array) ||
	    !json_object_array_length(list)) {
		ctl_reply_error(c, "set", "set needs key=value assignments");
		return;
	}
	/* All or nothing: apply to a copy, keep it only if all pass. */
	struct json_object *json = config_to_json(&d->cfg);
	int rc = config_from_json(&next, json, &err);
	json_object_put(json);
	for (size_t i = 0; !rc && i < json_object_array_length(list); i++) {
		struct json_object *a = json_object_array_get_idx(list, i);
		rc = json_object_is_type(a, json_type_string)
			 ? config_set(&next, json_object_get_string(a), &err)
			 : -1;
	}
	struct domain *other =
	    rc ? NULL : domain_holding_domid(ctl_sup(c), next.domid);
	if (rc || (other && other != d)) {
		ctl_reply_error(c, "set", "domain %s: %s", d->cfg.name,
				rc ? (err ? err : "assignments must be strings")
				   : "that domid is already used");
		free(err);
		config_dispose(&next);
		return;
	}
	domain_set_config(d, &next);
	if (persist_save_config(d)) {
		ctl_reply_error(c, "set", "domain %s: cannot save",
				d->cfg.name);
		return;
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "config", config_to_json(&d->cfg));
	json_object_object_add(o, "applies",
			       json_object_new_string("at the next start"));
	ctl_reply(c, o);
}

static void cmd_undefine(struct ctl_conn *c, struct json_object *req,
			 struct domain *d)
{
	if (lifecycle_is_active(d->state)) {
		ctl_reply_error(c, "undefine", "domain %s is %s; stop it first",
				d->cfg.name, lifecycle_state_name(d->state));
		return;
	}
	persist_remove_config(d);
	domain_forget_save(d);
	domain_free(d);
	ctl_reply(c, NULL);
}

/* The handler of each request cmdtab.c lists for dmsup (CMDTAB_WIRE). */
/*
 * hello: the highest protocol both speak. 1 is a client that sends no
 * hello; 2 adds hello itself (and req_id, which protocol 1 clients may
 * already send).
 */
static void cmd_hello(struct ctl_conn *c, struct json_object *req,
		      struct domain *d)
{
	struct json_object *v, *o, *features;
	long long pick = 0;

	json_object_object_get_ex(req, "protocols", &v);
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		long long p =
		    json_object_get_int64(json_object_array_get_idx(v, i));
		if (p >= CTL_PROTOCOL_MIN && p <= CTL_PROTOCOL && p > pick)
			pick = p;
	}
	if (!pick) {
		ctl_reply_error(c, "request",
				"hello: dmsup speaks protocols %d to %d, none "
				"of those given",
				CTL_PROTOCOL_MIN, CTL_PROTOCOL);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "protocol", json_object_new_int64(pick));
	json_object_object_add(o, "version",
			       json_object_new_string(DMSUP_VERSION));
	features = json_object_new_array();
	json_object_array_add(features, json_object_new_string("req_id"));
	/* start's restore and save's file (docs/save-restore.md). */
	json_object_array_add(features, json_object_new_string("restore"));
	for (size_t i = 0; i < CMDTAB_N; i++)
		if (cmdtab[i].where & CMDTAB_WIRE)
			json_object_array_add(
			    features, json_object_new_string(cmdtab[i].name));
	json_object_object_add(o, "features", features);
	ctl_reply(c, o);
}

static cmd_fn *const cmd_handlers[CMDTAB_N] = {
    [CMD_START] = cmd_start,
    [CMD_STOP] = cmd_stop,
    [CMD_STATUS] = cmd_status,
    [CMD_WATCH] = cmd_watch,
    [CMD_LOG] = cmd_log,
    [CMD_QMP] = cmd_qmp,
    [CMD_SET] = cmd_set,
    [CMD_UNDEFINE] = cmd_undefine,
    [CMD_NIC_ATTACH] = hotplug_nic_attach,
    [CMD_NIC_DETACH] = hotplug_nic_detach,
    [CMD_PCI_ATTACH] = ops_pci_attach,
    [CMD_PCI_DETACH] = ops_pci_detach,
    [CMD_CD_INSERT] = ops_cd_insert,
    [CMD_CD_EJECT] = ops_cd_eject,
    [CMD_SAVE] = ops_save,
    [CMD_RESUME] = ops_resume,
    [CMD_ADOPT] = adopt_request,
    [CMD_DEFINE] = cmd_define_req,
    [CMD_HELLO] = cmd_hello,
};

void commands_dispatch(struct ctl_conn *c, struct json_object *req)
{
	const char *name = cmd_str(req, "cmd");
	const char *dom = cmd_str(req, "domain");
	const struct cmdtab *e = name ? cmdtab_find(name, CMDTAB_WIRE) : NULL;
	const struct cmdtab_arg *lack;
	const char *bad, *want;
	struct domain *d = NULL;

	if (json_object_object_get_ex(req, "cmd", NULL) && !name) {
		ctl_reply_error(c, "request", "field 'cmd' must be a string");
		return;
	}
	if (!e || !cmd_handlers[e - cmdtab]) {
		ctl_reply_error(c, "request", "unknown command '%s'",
				name ? name : "(none)");
		return;
	}
	/* A field of another type is refused, never read as absent. */
	if ((bad = cmdtab_mistyped(e, req, &want))) {
		ctl_reply_error(c, "request", "%s: field '%s' must be %s",
				e->name, bad, want);
		return;
	}
	if (dom && !(d = domain_find(ctl_sup(c), dom))) {
		ctl_reply_error(c, "request", "no domain '%s'", dom);
		return;
	}
	/* The handlers may count on what the table requires. */
	if ((lack = cmdtab_missing(e, req))) {
		ctl_reply_error(c, "request", "%s %s", e->name, lack->missing);
		return;
	}
	cmd_handlers[e - cmdtab](c, req, d);
}
