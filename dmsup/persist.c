/* Per-domain files under the state directory (see persist.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <json-c/json.h>

#include "dmsup/domain.h"
#include "dmsup/log.h"
#include "dmsup/observe.h"
#include "dmsup/persist.h"
#include "dmsup/rundir.h"
#include "dmsup/runfile.h"
#include "dmsup/safefile.h"

/* No fsync: this protects against a dmsup crash, not a host crash. */
static int persist_write(struct domain *d, const char *suffix,
			 struct json_object *obj)
{
	char *path = domain_path(d, suffix), *tmp = NULL;
	int rc = -1;

	/* Beside the file it replaces: rename(2) stays in one directory. */
	if (path && asprintf(&tmp, "%s.tmp", path) < 0)
		tmp = NULL;
	if (path && tmp) {
		/* O_EXCL after unlink: a symlink planted as the temp file is
		 * removed, never followed. */
		unlink(tmp);
		int fd = open(
		    tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0600);
		const char *text = json_object_to_json_string_ext(
		    obj, JSON_C_TO_STRING_PRETTY);
		size_t len = strlen(text);
		if (fd >= 0 && write(fd, text, len) == (ssize_t)len &&
		    write(fd, "\n", 1) == 1 && !close(fd)) {
			fd = -1;
			rc = rename(tmp, path);
		}
		if (fd >= 0)
			close(fd);
		if (rc) {
			log_warn("domid %d (%s): cannot write %s", d->cfg.domid,
				 d->cfg.name, path);
			unlink(tmp);
		}
	}
	free(path);
	free(tmp);
	return rc;
}

int persist_save_config(struct domain *d)
{
	struct json_object *obj = config_to_json(&d->cfg);
	int rc = persist_write(d, ".json", obj);

	json_object_put(obj);
	return rc;
}

static void persist_unlink(struct domain *d, const char *suffix)
{
	char *path = domain_path(d, suffix);

	if (path && unlink(path) && errno != ENOENT)
		log_warn("domid %d (%s): unlink %s", d->cfg.domid, d->cfg.name,
			 path);
	free(path);
}

void persist_remove_config(struct domain *d)
{
	char *path = domain_path(d, ".json");

	if (path)
		unlink(path);
	free(path);
	persist_unlink(d, ".last");
}

static void persist_add_str(struct json_object *obj, const char *key,
			    const char *val)
{
	if (val)
		json_object_object_add(obj, key, json_object_new_string(val));
}

/* NAME.last: how the last run ended, as status shows it, so that a
 * restart of dmsup keeps the crash report (docs/supervision.md). */
static void persist_save_last(struct domain *d)
{
	struct json_object *obj = json_object_new_object();

	json_object_object_add(
	    obj, "state",
	    json_object_new_string(lifecycle_state_name(d->state)));
	json_object_object_add(obj, "spawns", json_object_new_int64(d->spawns));
	persist_add_str(obj, "error", d->error);
	persist_add_str(obj, "step", d->error ? d->step : NULL);
	persist_add_str(obj, "exit", d->exit_desc);
	json_object_object_add(obj, "signal",
			       json_object_new_int(d->exit_signal));
	json_object_object_add(obj, "exit_status",
			       json_object_new_int(d->exit_code));
	persist_add_str(obj, "log_tail", d->log_tail);
	persist_write(d, ".last", obj);
	json_object_put(obj);
}

void persist_save_run(struct domain *d)
{
	if (!lifecycle_is_active(d->state) || !d->pid) {
		persist_unlink(d, ".run");
		if (d->state == DM_CRASHED || d->state == DM_FAILED ||
		    d->state == DM_STOPPED)
			persist_save_last(d);
		else if (d->state == DM_DEFINED)
			persist_unlink(d, ".last");
		return;
	}
	struct json_object *obj = json_object_new_object();
	json_object_object_add(obj, "pid", json_object_new_int(d->pid));
	json_object_object_add(obj, "pid_start",
			       json_object_new_int64((int64_t)d->pid_start));
	json_object_object_add(obj, "log_pid", json_object_new_int(d->log_pid));
	json_object_object_add(obj, "log_start",
			       json_object_new_int64((int64_t)d->log_start));
	json_object_object_add(obj, "started",
			       json_object_new_int64(d->started_at));
	json_object_object_add(obj, "spawns", json_object_new_int64(d->spawns));
	json_object_object_add(
	    obj, "state",
	    json_object_new_string(lifecycle_state_name(d->state)));
	/* A restarted dmsup resumes a restore under way (dmrestore.h). */
	if (d->state == DM_STARTING && d->restore_file)
		json_object_object_add(obj, "restore",
				       json_object_new_string(d->restore_file));
	persist_write(d, ".run", obj);
	json_object_put(obj);
}

static void persist_run_cb(void *arg, struct domain *d)
{
	persist_save_run(d);
}

const struct dm_observer persist_observer = {
    .changed = persist_run_cb,
    .spawned = persist_run_cb,
};

/* State files are untrusted: a FIFO or symlink planted there must not
 * hang or redirect us (safefile.h). */
static char *persist_read(const char *dir, const char *file, char **err_r)
{
	char *path, *text;

	*err_r = NULL;
	if (asprintf(&path, "%s/%s", dir, file) < 0)
		return NULL;
	text = safefile_read(AT_FDCWD, path, SAFEFILE_NOFOLLOW, SAFEFILE_MAX,
			     err_r);
	free(path);
	return text;
}

bool persist_is_definition(const char *file)
{
	size_t len = strlen(file);

	return len > 5 && !strcmp(file + len - 5, ".json");
}

int persist_read_config(struct dmsup *sup, const char *file,
			struct dm_config *cfg)
{
	char *err = NULL, *text = persist_read(sup->state_dir, file, &err);

	if (!text || config_from_string(cfg, text, &err)) {
		log_warnx("state: ignoring %s: %s", file,
			  err ? err : "unreadable");
		free(text);
		free(err);
		return -1;
	}
	free(text);
	if (strlen(file) != strlen(cfg->name) + 5 ||
	    strncmp(file, cfg->name, strlen(cfg->name))) {
		log_warnx("state: ignoring %s/%s: its name is '%s'",
			  sup->state_dir, file, cfg->name);
		config_dispose(cfg);
		return -1;
	}
	return 0;
}

static void persist_load_one(struct dmsup *sup, const char *file)
{
	struct dm_config cfg;

	if (!persist_read_config(sup, file, &cfg) && !domain_new(sup, &cfg))
		config_dispose(&cfg);
}

/* A .run without a configuration: a device model nobody supervises. */
static void persist_warn_orphans(struct dmsup *sup, const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *de;

	while (dir && (de = readdir(dir))) {
		size_t len = strlen(de->d_name);
		if (len <= 4 || strcmp(de->d_name + len - 4, ".run"))
			continue;
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)(len - 4),
			 de->d_name);
		if (!domain_find_name(sup, name))
			log_warnx("state: %s/%s has no valid %s.json: its "
				  "device model is not supervised",
				  path, de->d_name, name);
	}
	if (dir)
		closedir(dir);
}

/* Untrusted: bounded strings, known states only, counts in range. */
static char *persist_last_str(struct json_object *o, const char *key,
			      size_t max)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    (size_t)json_object_get_string_len(v) > max)
		return NULL;
	return strdup(json_object_get_string(v));
}

static int persist_last_int(struct json_object *o, const char *key, int lo,
			    int hi, int def)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return def;
	n = json_object_get_int64(v);
	return n < lo || n > hi ? def : (int)n;
}

/* d->step points to static strings: one of ours, else "run". */
static const char *persist_last_step(struct json_object *o)
{
	static const char *const steps[] = {
	    "adopt", "memory", "restart", "run", "spawn",
	    "xen",   "start",  "ready",	  "qmp", "stub"};
	struct json_object *v;

	if (json_object_object_get_ex(o, "step", &v) &&
	    json_object_is_type(v, json_type_string))
		for (size_t i = 0; i < sizeof(steps) / sizeof(*steps); i++)
			if (!strcmp(json_object_get_string(v), steps[i]))
				return steps[i];
	return "run";
}

static const char *const persist_last_states[] = {"crashed", "failed",
						  "stopped"};

static void persist_load_last(struct domain *d, struct json_object *o)
{
	const char *state = NULL;
	struct json_object *v;

	if (json_object_object_get_ex(o, "state", &v) &&
	    json_object_is_type(v, json_type_string))
		state = json_object_get_string(v);
	for (size_t i = 0; state && i < 3; i++) {
		if (strcmp(state, persist_last_states[i]))
			continue;
		/* Before any client or observer: the state it ended in,
		 * without its entry action (no restart is due after us). */
		d->state = i == 0   ? DM_CRASHED
			   : i == 1 ? DM_FAILED
				    : DM_STOPPED;
		d->spawns =
		    (unsigned)persist_last_int(o, "spawns", 0, 1000000000, 0);
		d->error = persist_last_str(o, "error", 4096);
		d->step = d->error ? persist_last_step(o) : NULL;
		d->exit_desc = persist_last_str(o, "exit", 256);
		d->exit_signal = persist_last_int(o, "signal", -1, 128, -1);
		d->exit_code = persist_last_int(o, "exit_status", -1, 255, -1);
		d->log_tail = persist_last_str(o, "log_tail", 1 << 16);
		d->no_restart = true;
		return;
	}
}

static struct json_object *
persist_read_json(struct dmsup *sup, const struct domain *d, const char *suffix)
{
	char *path = domain_path(d, suffix), *err = NULL, *text = NULL;
	struct json_object *o;

	if (path)
		text = safefile_read(AT_FDCWD, path, SAFEFILE_NOFOLLOW,
				     SAFEFILE_MAX, &err);
	free(path);
	if (err && errno != ENOENT)
		log_warnx("state: ignoring %s", err);
	o = text ? json_tokener_parse(text) : NULL;
	free(err);
	free(text);
	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

/* A run an older dmsup started keeps its files in the state directory
 * until it ends; its next run has them in the runtime directory. */
static void persist_find_run(struct domain *d)
{
	d->run_dir = rundir_find_run(d->sup, d->cfg.name);
	if (d->run_dir != d->sup->run_dir)
		log_info("state: %s: the runtime files of its device model are "
			 "in %s (an older dmsup's layout): used there until it "
			 "ends",
			 d->cfg.name, d->run_dir);
}

void persist_load_all(struct dmsup *sup)
{
	DIR *dir = opendir(sup->state_dir);
	struct dirent *de;

	if (!dir)
		return;
	while ((de = readdir(dir)))
		if (persist_is_definition(de->d_name))
			persist_load_one(sup, de->d_name);
	closedir(dir);
	persist_warn_orphans(sup, sup->run_dir);
	if (strcmp(sup->run_dir, sup->state_dir))
		persist_warn_orphans(sup, sup->state_dir);
	for (struct domain *d = sup->domains; d; d = d->next) {
		persist_find_run(d);
		struct json_object *run = persist_read_json(sup, d, ".run");
		char why[128];
		if (run && runfile_check(run, why, sizeof(why))) {
			log_warnx("state: ignoring %s/%s.run: %s", d->run_dir,
				  d->cfg.name, why);
			json_object_put(run);
			run = NULL;
		}
		if (run) {
			/* Reattached domains keep their spawn count. */
			d->spawns = (unsigned)persist_last_int(run, "spawns", 0,
							       1000000000, 0);
			domain_reattach(d, run);
		} else if ((run = persist_read_json(sup, d, ".last"))) {
			persist_load_last(d, run);
		}
		json_object_put(run);
	}
}

int persist_lock(const char *state_dir)
{
	char *path;
	int fd;

	if (asprintf(&path, "%s/.lock", state_dir) < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB)) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}
