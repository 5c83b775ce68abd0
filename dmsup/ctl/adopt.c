/*
 * The control request "adopt" (docs/control-protocol.md, docs/xl.md):
 * dmsup-qemu-dm, run by libxl as the device model, announces the QEMU it
 * is about to exec. The definition it makes (origin "xl") lives as long
 * as the device model: a stop by the toolstack retires it, a crash keeps
 * the report until the name is adopted again or `dmctl stop`.
 *
 * Everything in the request is the sender's word except its pid, which
 * is the socket's (SO_PEERCRED): exec keeps it, so it is QEMU's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "dmsup/ctl/adopt-restrict.h"
#include "dmsup/ctl/adopt.h"
#include "dmsup/ctl/control.h"
#include "dmsup/domain.h"
#include "dmsup/log.h"
#include "dmsup/logfile.h"
#include "dmsup/loghead.h"
#include "dmsup/observe.h"
#include "dmsup/persist.h"
#include "dmsup/spawn.h"

#define ADOPT_ARGS_MAX 512 /* of libxl's argv, for the log */

/* The definition libxl's device model gets: the Xen dom0 kind. */
static struct json_object *adopt_config(struct json_object *req)
{
	struct json_object *cfg = json_object_new_object(), *v;
	static const char *const copied[] = {"domid", "name", "qemu",
					     "on_dm_crash"};

	for (size_t i = 0; i < sizeof(copied) / sizeof(*copied); i++)
		if (json_object_object_get_ex(req, copied[i], &v))
			json_object_object_add(cfg, copied[i],
					       json_object_get(v));
	json_object_object_add(cfg, "origin", json_object_new_string("xl"));
	json_object_object_add(cfg, "xen", json_object_new_boolean(true));
	return cfg;
}

/* libxl's argv into dmsup's log, as libxl logs it (bounded), and as the
 * start header of the device model's own log (@logfd, loghead.h). */
static void adopt_log_argv(const struct domain *d, struct json_object *req,
			   int logfd)
{
	char *args[ADOPT_ARGS_MAX + 1];
	struct json_object *argv;
	char line[2048];
	size_t n = 0, argc = 0;

	if (!json_object_object_get_ex(req, "argv", &argv) ||
	    !json_object_is_type(argv, json_type_array))
		return;
	for (; argc < json_object_array_length(argv) && argc < ADOPT_ARGS_MAX;
	     argc++) {
		const char *a = json_object_get_string(
		    json_object_array_get_idx(argv, argc));
		args[argc] = (char *)(a ? a : "");
	}
	args[argc] = NULL;
	line[0] = '\0';
	for (size_t i = 0; i < argc; i++) {
		int r = snprintf(line + n, sizeof(line) - n, "%s%s",
				 i ? " " : "", args[i]);
		if (r < 0 || (size_t)r >= sizeof(line) - n)
			break;
		n += (size_t)r;
	}
	log_info("domid %d (%s): libxl's argv: %s", d->cfg.domid, d->cfg.name,
		 line);
	loghead_write(logfd, d->cfg.name, d->cfg.domid, d->spawns, args);
}

/* The definition to use: an adopted one not running is replaced; any
 * other clash is refused. NULL with the reply sent. */
static struct domain *adopt_domain(struct ctl_conn *c, struct dm_config *cfg)
{
	struct dmsup *sup = ctl_sup(c);
	struct domain *d = domain_find_name(sup, cfg->name);
	struct domain *by_id = domain_find_domid(sup, cfg->domid);

	if (by_id && by_id != d && lifecycle_is_active(by_id->state)) {
		ctl_reply_error(c, "adopt",
				"domain %s (domid %d): domid %d is already "
				"supervised as %s",
				cfg->name, cfg->domid, cfg->domid,
				by_id->cfg.name);
		return NULL;
	}
	if (d && (!config_adopted(&d->cfg) || lifecycle_is_active(d->state))) {
		ctl_reply_error(c, "adopt",
				"domain %s (domid %d): the name is taken by "
				"%s (%s)",
				cfg->name, cfg->domid,
				config_adopted(&d->cfg)
				    ? "a device model from xl"
				    : "a dmsup definition",
				lifecycle_state_name(d->state));
		return NULL;
	}
	if (d) {
		domain_set_config(d, cfg);
		return d;
	}
	d = domain_new(sup, cfg);
	if (!d)
		ctl_reply_error(c, "adopt", "out of memory");
	return d;
}

static struct json_object *adopt_reply(struct domain *d,
				       struct json_object *req)
{
	struct json_object *o = json_object_new_object();
	struct json_object *add = adopt_restrict_args(d, req);
	struct json_object *env = json_object_new_array();
	char **envp = spawn_dm_env(&d->cfg);
	char *log = logfile_path(d->sup->log_dir, d->cfg.name, 0);

	for (char **e = envp; e && *e; e++)
		json_object_array_add(env, json_object_new_string(*e));
	json_object_object_add(o, "env", env);
	json_object_object_add(o, "log",
			       json_object_new_string(log ? log : ""));
	json_object_object_add(o, "fds",
			       json_tokener_parse("[\"log\", "
						  "\"sentinel\", "
						  "\"qmp\"]"));
	if (add)
		json_object_object_add(o, "argv_add", add);
	spawn_env_free(envp);
	free(log);
	return o;
}

void adopt_request(struct ctl_conn *c, struct json_object *req,
		   struct domain *unused)
{
	struct json_object *json = adopt_config(req);
	struct dm_config cfg;
	struct domain *d;
	char *err = NULL;
	const char *why;
	int fds[3];
	pid_t pid;
	uid_t uid;

	/* The socket is dmsup's user's already (mode 0600); a pid is
	 * needed to supervise. */
	if (ctl_peer(c, &pid, &uid) || pid <= 0 ||
	    (uid != 0 && uid != geteuid())) {
		ctl_reply_error(c, "adopt",
				"the sender's pid and user are unknown or not "
				"dmsup's");
		goto out;
	}
	if (config_from_json(&cfg, json, &err)) {
		ctl_reply_error(c, "config", "adopt: %s", err ? err : "?");
		goto out;
	}
	if (!(d = adopt_domain(c, &cfg))) {
		config_dispose(&cfg);
		goto out;
	}
	if (persist_save_config(d) || domain_adopt(d, pid, fds, &why)) {
		ctl_reply_error(c, "adopt", "domain %s (domid %d): %s",
				d->cfg.name, d->cfg.domid,
				d->error ? d->error
					 : "cannot save its definition");
		/* A definition that never ran is not kept. */
		persist_remove_config(d);
		domain_free(d);
		goto out;
	}
	adopt_log_argv(d, req, fds[0]);
	if (ctl_reply_fds(c, adopt_reply(d, req), fds, 3))
		ctl_reply_error(c, "adopt", "cannot pass the fds");
	/* dmsup-qemu-dm holds them now (or never will: the FIFO's EOF then
	 * ends the run). */
	for (int i = 0; i < 3; i++)
		close(fds[i]);
out:
	json_object_put(json);
	free(err);
}

/* ---- retiring: a stopped adopted device model leaves nothing ---- */

static void adopt_retire_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dmsup *sup = ((void **)arg)[0];
	char *name = ((void **)arg)[1];
	struct domain *d = domain_find_name(sup, name);

	/* Adopted again in between, or gone: nothing to do. */
	if (d && config_adopted(&d->cfg) && d->state == DM_STOPPED) {
		log_info("domid %d (%s): retired (stopped by the toolstack)",
			 d->cfg.domid, d->cfg.name);
		persist_remove_config(d);
		domain_free(d);
	}
	free(name);
	free(arg);
}

static void adopt_changed(void *arg, struct domain *d)
{
	void **ctx;

	if (!config_adopted(&d->cfg) || d->state != DM_STOPPED)
		return;
	/* Not now: the transition and its callers still use @d. */
	ctx = calloc(2, sizeof(*ctx));
	if (!ctx || !(ctx[1] = strdup(d->cfg.name))) {
		free(ctx);
		return;
	}
	ctx[0] = d->sup;
	if (event_base_once(d->sup->base, -1, EV_TIMEOUT, adopt_retire_cb, ctx,
			    NULL)) {
		free(ctx[1]);
		free(ctx);
	}
}

const struct dm_observer adopt_observer = {.changed = adopt_changed};
