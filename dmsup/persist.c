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
#include "dmsup/safefile.h"

/* No fsync: this protects against a dmsup crash, not a host crash. */
static int persist_write(struct domain *d, const char *suffix,
			 struct json_object *obj)
{
	char *path = domain_path(d, suffix);
	char *tmp = domain_path(d, ".tmp");
	int rc = -1;

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

void persist_remove_config(struct domain *d)
{
	char *path = domain_path(d, ".json");

	if (path)
		unlink(path);
	free(path);
}

void persist_save_run(struct domain *d)
{
	if (!lifecycle_is_active(d->state) || !d->pid) {
		char *path = domain_path(d, ".run");
		if (path && unlink(path) && errno != ENOENT)
			log_warn("domid %d (%s): unlink %s", d->cfg.domid,
				 d->cfg.name, path);
		free(path);
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
	json_object_object_add(
	    obj, "state",
	    json_object_new_string(lifecycle_state_name(d->state)));
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

static void persist_load_one(struct dmsup *sup, const char *file)
{
	char *err = NULL, *text = persist_read(sup->state_dir, file, &err);
	struct dm_config cfg;

	if (!text || config_from_string(&cfg, text, &err)) {
		log_warnx("state: ignoring %s: %s", file,
			  err ? err : "unreadable");
		free(text);
		free(err);
		return;
	}
	free(text);
	if (strlen(file) != strlen(cfg.name) + 5 ||
	    strncmp(file, cfg.name, strlen(cfg.name))) {
		log_warnx("state: ignoring %s/%s: its name is '%s'",
			  sup->state_dir, file, cfg.name);
		config_dispose(&cfg);
		return;
	}
	if (!domain_new(sup, &cfg))
		config_dispose(&cfg);
}

/* A .run without a configuration: a device model nobody supervises. */
static void persist_warn_orphans(struct dmsup *sup, DIR *dir)
{
	struct dirent *de;

	rewinddir(dir);
	while ((de = readdir(dir))) {
		size_t len = strlen(de->d_name);
		if (len <= 4 || strcmp(de->d_name + len - 4, ".run"))
			continue;
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)(len - 4),
			 de->d_name);
		if (!domain_find(sup, name))
			log_warnx("state: %s/%s has no valid %s.json: its "
				  "device model is not supervised",
				  sup->state_dir, de->d_name, name);
	}
}

void persist_load_all(struct dmsup *sup)
{
	DIR *dir = opendir(sup->state_dir);
	struct dirent *de;

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		size_t len = strlen(de->d_name);
		if (len > 5 && !strcmp(de->d_name + len - 5, ".json"))
			persist_load_one(sup, de->d_name);
	}
	persist_warn_orphans(sup, dir);
	closedir(dir);
	for (struct domain *d = sup->domains; d; d = d->next) {
		char file[256];
		snprintf(file, sizeof(file), "%s.run", d->cfg.name);
		char *err = NULL;
		char *text = persist_read(sup->state_dir, file, &err);
		struct json_object *run =
		    text ? json_tokener_parse(text) : NULL;
		if (err && errno != ENOENT)
			log_warnx("state: ignoring %s", err);
		free(err);
		free(text);
		if (run && json_object_is_type(run, json_type_object))
			domain_reattach(d, run);
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
