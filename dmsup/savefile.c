/*
 * The device-model save file (savefile.h, docs/save-restore.md). The
 * configuration fields that shape QEMU's device state are one table: what
 * the header records is what a restore compares.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "dmsup/savefile.h"

/* One configuration field: a string (NULL written as "") or an int. */
static const struct savefile_field {
	const char *name;
	size_t off;
	bool is_int;
} savefile_fields[] = {
    {"machine", offsetof(struct dm_config, machine), false},
    {"memory", offsetof(struct dm_config, memory), true},
    {"vcpus", offsetof(struct dm_config, vcpus), true},
    {"vga", offsetof(struct dm_config, vga), false},
    {"videoram", offsetof(struct dm_config, videoram), true},
    {"disks", offsetof(struct dm_config, n_disks), true},
    {"nics", offsetof(struct dm_config, n_nics), true},
};

#define SAVEFILE_NFIELDS (sizeof(savefile_fields) / sizeof(*savefile_fields))

static const char *savefile_kind(const struct dm_config *cfg)
{
	static const char *const names[] = {
	    [DM_KIND_DOM0] = "dom0",
	    [DM_KIND_STUBDOM_LINUX] = "stubdom-linux",
	    [DM_KIND_STUBDOM_MINIOS] = "stubdom-minios",
	};

	return names[config_kind(cfg)];
}

static const char *savefile_str(const struct dm_config *cfg,
				const struct savefile_field *f)
{
	const char *s = *(char *const *)((const char *)cfg + f->off);

	return s ? s : "";
}

static int savefile_int(const struct dm_config *cfg,
			const struct savefile_field *f)
{
	return *(const int *)((const char *)cfg + f->off);
}

static int savefile_errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int savefile_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static struct json_object *savefile_config(const struct dm_config *cfg)
{
	struct json_object *o = json_object_new_object();

	for (size_t i = 0; o && i < SAVEFILE_NFIELDS; i++) {
		const struct savefile_field *f = &savefile_fields[i];

		json_object_object_add(
		    o, f->name,
		    f->is_int ? json_object_new_int(savefile_int(cfg, f))
			      : json_object_new_string(savefile_str(cfg, f)));
	}
	return o;
}

int savefile_header(const struct dm_config *cfg, const char *qemu,
		    uint64_t length, char *buf, char *err, size_t errlen)
{
	struct json_object *o = json_object_new_object();
	size_t magic = strlen(SAVEFILE_MAGIC);
	const char *text;
	int rc = -1;

	if (!o)
		return savefile_errf(err, errlen, "out of memory");
	json_object_object_add(o, "kind",
			       json_object_new_string(savefile_kind(cfg)));
	json_object_object_add(o, "qemu", json_object_new_string(qemu));
	json_object_object_add(o, "name", json_object_new_string(cfg->name));
	json_object_object_add(o, "config", savefile_config(cfg));
	json_object_object_add(o, "length",
			       json_object_new_int64((int64_t)length));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	memset(buf, 0, SAVEFILE_HEADER_SIZE);
	if (text && strlen(text) < SAVEFILE_HEADER_SIZE - magic - 1) {
		memcpy(buf, SAVEFILE_MAGIC, magic);
		memcpy(buf + magic, text, strlen(text));
		rc = 0;
	} else {
		savefile_errf(err, errlen,
			      "domain %s: the save file's header does not fit "
			      "in %d bytes",
			      cfg->name, SAVEFILE_HEADER_SIZE);
	}
	json_object_put(o);
	return rc;
}

/* The header's JSON text, or NULL (@err filled). */
static struct json_object *savefile_parse(const char *buf, size_t got,
					  const char *what, char *err,
					  size_t errlen)
{
	size_t magic = strlen(SAVEFILE_MAGIC);
	char text[SAVEFILE_HEADER_SIZE + 1];
	struct json_object *o;

	if (got < magic || memcmp(buf, SAVEFILE_MAGIC, magic)) {
		savefile_errf(err, errlen,
			      "%s: not a dmsup save file (no \"DMSUP-SAVE 1\" "
			      "magic)",
			      what);
		return NULL;
	}
	if (got < SAVEFILE_HEADER_SIZE) {
		savefile_errf(err, errlen,
			      "%s: truncated: %zu bytes, shorter than its "
			      "%d-byte header",
			      what, got, SAVEFILE_HEADER_SIZE);
		return NULL;
	}
	memcpy(text, buf + magic, SAVEFILE_HEADER_SIZE - magic);
	text[SAVEFILE_HEADER_SIZE - magic] = '\0';
	o = json_tokener_parse(text);
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		savefile_errf(err, errlen,
			      "%s: the header is not a JSON object", what);
		return NULL;
	}
	return o;
}

static const char *savefile_get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* @key of @o as a non-negative integer, or -1. */
static int64_t savefile_get_int(struct json_object *o, const char *key)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	errno = 0;
	n = json_object_get_int64(v);
	return errno || n < 0 ? -1 : n;
}

static int savefile_check_config(struct json_object *c,
				 const struct dm_config *cfg, const char *what,
				 char *err, size_t errlen)
{
	for (size_t i = 0; i < SAVEFILE_NFIELDS; i++) {
		const struct savefile_field *f = &savefile_fields[i];

		if (f->is_int) {
			int64_t n = savefile_get_int(c, f->name);

			if (n == savefile_int(cfg, f))
				continue;
			if (n < 0)
				return savefile_errf(
				    err, errlen,
				    "%s: config field %s missing or not a "
				    "number",
				    what, f->name);
			return savefile_errf(err, errlen,
					     "%s: config field %s is %" PRId64
					     " in the file, %d in the "
					     "domain's config",
					     what, f->name, n,
					     savefile_int(cfg, f));
		}
		const char *s = savefile_get_str(c, f->name);
		if (s && !strcmp(s, savefile_str(cfg, f)))
			continue;
		if (!s)
			return savefile_errf(err, errlen,
					     "%s: config field %s missing or "
					     "not a string",
					     what, f->name);
		return savefile_errf(err, errlen,
				     "%s: config field %s is \"%.64s\" in the "
				     "file, \"%.64s\" in the domain's config",
				     what, f->name, s, savefile_str(cfg, f));
	}
	return 0;
}

static int savefile_check_json(struct json_object *o, uint64_t size,
			       const struct dm_config *cfg, const char *what,
			       struct savefile_info *info_r, char *err,
			       size_t errlen)
{
	const char *kind = savefile_get_str(o, "kind");
	const char *qemu = savefile_get_str(o, "qemu");
	int64_t length = savefile_get_int(o, "length");
	struct json_object *c;

	if (!kind || strcmp(kind, savefile_kind(cfg)))
		return savefile_errf(err, errlen,
				     "%s: saved by kind %.32s, the domain is "
				     "kind %s",
				     what, kind ? kind : "(none)",
				     savefile_kind(cfg));
	if (!qemu || strlen(qemu) >= sizeof(info_r->qemu))
		return savefile_errf(err, errlen,
				     "%s: no QEMU version in the header", what);
	if (!json_object_object_get_ex(o, "config", &c) ||
	    !json_object_is_type(c, json_type_object))
		return savefile_errf(
		    err, errlen, "%s: no config object in the header", what);
	if (savefile_check_config(c, cfg, what, err, errlen))
		return -1;
	if (length < 0)
		return savefile_errf(err, errlen, "%s: no length in the header",
				     what);
	if (size != SAVEFILE_SIZE_UNKNOWN &&
	    size - SAVEFILE_HEADER_SIZE != (uint64_t)length)
		return savefile_errf(
		    err, errlen,
		    "%s: %s: the header says %" PRId64 " bytes of QEMU "
		    "state, the file has %" PRIu64,
		    what,
		    size - SAVEFILE_HEADER_SIZE < (uint64_t)length
			? "truncated"
			: "longer than its header says",
		    length, size - SAVEFILE_HEADER_SIZE);
	snprintf(info_r->qemu, sizeof(info_r->qemu), "%s", qemu);
	info_r->length = (uint64_t)length;
	return 0;
}

int savefile_check(const char *buf, size_t got, uint64_t size,
		   const struct dm_config *cfg, const char *path,
		   struct savefile_info *info_r, char *err, size_t errlen)
{
	char what[SAVEFILE_ERR_MAX / 2];
	struct json_object *o;
	int rc;

	snprintf(what, sizeof(what), "domain %s: save file %s", cfg->name,
		 path);
	if (!(o = savefile_parse(buf, got, what, err, errlen)))
		return -1;
	rc = savefile_check_json(o, size, cfg, what, info_r, err, errlen);
	json_object_put(o);
	return rc;
}

/* A regular file, or -1 with @err filled (@fd then closed). */
static int savefile_regular(int fd, const char *what, char *err, size_t errlen,
			    struct stat *st)
{
	if (fstat(fd, st)) {
		savefile_errf(err, errlen, "%s: %s", what, strerror(errno));
	} else if (!S_ISREG(st->st_mode)) {
		savefile_errf(err, errlen, "%s: not a regular file", what);
	} else if (fcntl(fd, F_SETFL, 0)) {
		savefile_errf(err, errlen, "%s: %s", what, strerror(errno));
	} else {
		return 0;
	}
	close(fd);
	return -1;
}

static int savefile_open_err(const char *what, char *err, size_t errlen)
{
	/* O_NOFOLLOW's ELOOP, a FIFO without reader's ENXIO. */
	return savefile_errf(err, errlen, "%s: %s", what,
			     errno == ELOOP   ? "a symbolic link (refused)"
			     : errno == ENXIO ? "not a regular file"
					      : strerror(errno));
}

int savefile_create(const char *path, const char *name, char *err,
		    size_t errlen)
{
	char what[SAVEFILE_ERR_MAX / 2];
	struct stat st;
	int fd;

	snprintf(what, sizeof(what), "domain %s: save file %s", name, path);
	fd =
	    open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
		 0600);
	if (fd < 0)
		return savefile_open_err(what, err, errlen);
	if (savefile_regular(fd, what, err, errlen, &st))
		return -1;
	if (ftruncate(fd, 0) || lseek(fd, SAVEFILE_HEADER_SIZE, SEEK_SET) < 0) {
		savefile_errf(err, errlen, "%s: %s", what, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int savefile_finish(int fd, const struct dm_config *cfg, const char *qemu,
		    const char *path, char *err, size_t errlen)
{
	char buf[SAVEFILE_HEADER_SIZE];
	struct stat st;

	if (fstat(fd, &st))
		return savefile_errf(err, errlen, "domain %s: save file %s: %s",
				     cfg->name, path, strerror(errno));
	if (st.st_size <= SAVEFILE_HEADER_SIZE)
		return savefile_errf(err, errlen,
				     "domain %s: save file %s: QEMU wrote no "
				     "state",
				     cfg->name, path);
	if (savefile_header(cfg, qemu,
			    (uint64_t)st.st_size - SAVEFILE_HEADER_SIZE, buf,
			    err, errlen))
		return -1;
	if (pwrite(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
		return savefile_errf(err, errlen,
				     "domain %s: save file %s: writing the "
				     "header: %s",
				     cfg->name, path, strerror(errno));
	return 0;
}

int savefile_restorable(const struct dm_config *cfg, char *err, size_t errlen)
{
	/* An adopted QEMU's argv is libxl's: dmsup cannot add -incoming. A
	 * Linux stub loads from its console 2 (the keeper feeds it). */
	if ((config_kind(cfg) == DM_KIND_DOM0 ||
	     config_kind(cfg) == DM_KIND_STUBDOM_LINUX) &&
	    !config_adopted(cfg))
		return 0;
	return savefile_errf(err, errlen,
			     "domain %s: restore is supported for kinds dom0 "
			     "and stubdom-linux started by dmsup only",
			     cfg->name);
}

int savefile_open(const char *path, const struct dm_config *cfg,
		  struct savefile_info *info_r, char *err, size_t errlen)
{
	char what[SAVEFILE_ERR_MAX / 2], buf[SAVEFILE_HEADER_SIZE];
	struct stat st;
	ssize_t got;
	int fd;

	snprintf(what, sizeof(what), "domain %s: save file %s", cfg->name,
		 path);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return savefile_open_err(what, err, errlen);
	if (savefile_regular(fd, what, err, errlen, &st))
		return -1;
	got = pread(fd, buf, sizeof(buf), 0);
	if (got < 0) {
		savefile_errf(err, errlen, "%s: %s", what, strerror(errno));
	} else if (!savefile_check(buf, (size_t)got, (uint64_t)st.st_size, cfg,
				   path, info_r, err, errlen)) {
		if (lseek(fd, SAVEFILE_HEADER_SIZE, SEEK_SET) >= 0)
			return fd;
		savefile_errf(err, errlen, "%s: %s", what, strerror(errno));
	}
	close(fd);
	return -1;
}
