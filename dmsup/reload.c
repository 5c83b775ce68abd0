/* SIGHUP's reload of the definitions (see reload.h). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "dmsup/dmsup.h"
#include "dmsup/domain.h"
#include "dmsup/lifecycle.h"
#include "dmsup/log.h"
#include "dmsup/persist.h"
#include "dmsup/reload.h"
#include "dmsup/usercache.h"

struct reload_counts {
	int added, changed, removed;
};

/* NAME.json is there: the domain NAME is not removed. */
static void reload_mark_seen(struct dmsup *sup, const char *file)
{
	char name[256];
	struct domain *d;

	snprintf(name, sizeof(name), "%.*s", (int)(strlen(file) - 5), file);
	if ((d = domain_find_name(sup, name)))
		d->reload_seen = true;
}

static bool reload_same(const struct dm_config *a, const struct dm_config *b)
{
	struct json_object *ja = config_to_json(a), *jb = config_to_json(b);
	bool same = ja && jb &&
		    !strcmp(json_object_to_json_string(ja),
			    json_object_to_json_string(jb));

	json_object_put(ja);
	json_object_put(jb);
	return same;
}

/* One definition file as read again; takes @cfg. */
static void reload_one(struct dmsup *sup, struct dm_config *cfg,
		       struct reload_counts *n)
{
	struct domain *d = domain_find_name(sup, cfg->name);
	struct domain *other = domain_find_domid(sup, cfg->domid);

	if (d)
		d->reload_seen = true;
	if (d && reload_same(&d->cfg, cfg)) {
		config_dispose(cfg);
		return;
	}
	if (other && other != d) {
		log_warnx("reload: ignoring %s.json: domid %d is already used "
			  "by %s",
			  cfg->name, cfg->domid, other->cfg.name);
		config_dispose(cfg);
		return;
	}
	if (!d) {
		if (!(d = domain_new(sup, cfg))) {
			log_warnx("reload: %s: out of memory", cfg->name);
			config_dispose(cfg);
			return;
		}
		d->reload_seen = true;
		n->added++;
		log_info("reload: domid %d (%s): defined", d->cfg.domid,
			 d->cfg.name);
		return;
	}
	domain_set_config(d, cfg);
	n->changed++;
	log_info("reload: domid %d (%s): definition changed, applies at its "
		 "next start (%s now)",
		 d->cfg.domid, d->cfg.name, lifecycle_state_name(d->state));
}

/* Domains whose file has gone. */
static void reload_sweep(struct dmsup *sup, struct reload_counts *n)
{
	struct domain *d = sup->domains, *next;

	for (; d; d = next) {
		next = d->next;
		if (d->reload_seen)
			continue;
		if (lifecycle_is_active(d->state)) {
			log_warnx("reload: domid %d (%s): %s.json was removed "
				  "while it is %s: kept, the file written "
				  "again; stop it, then undefine it",
				  d->cfg.domid, d->cfg.name, d->cfg.name,
				  lifecycle_state_name(d->state));
			persist_save_config(d);
			continue;
		}
		log_info("reload: domid %d (%s): %s.json was removed: "
			 "undefined",
			 d->cfg.domid, d->cfg.name, d->cfg.name);
		n->removed++;
		persist_remove_config(d);
		domain_free(d);
	}
}

void reload_definitions(struct dmsup *sup)
{
	struct reload_counts n = {0};
	DIR *dir = opendir(sup->state_dir);
	struct dirent *de;

	/* A reload is how an admin says "look again": users too. */
	usercache_flush();
	if (!dir) {
		log_warn("reload: %s", sup->state_dir);
		return;
	}
	for (struct domain *d = sup->domains; d; d = d->next)
		d->reload_seen = false;
	while ((de = readdir(dir))) {
		struct dm_config cfg;
		if (!persist_is_definition(de->d_name))
			continue;
		/* Even an invalid file keeps its domain (as it was). */
		reload_mark_seen(sup, de->d_name);
		if (!persist_read_config(sup, de->d_name, &cfg))
			reload_one(sup, &cfg, &n);
	}
	closedir(dir);
	reload_sweep(sup, &n);
	log_info("reload: done: %d defined, %d changed, %d undefined", n.added,
		 n.changed, n.removed);
}
