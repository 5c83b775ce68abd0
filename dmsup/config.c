/*
 * Device-model configuration: one table of fields drives parsing,
 * validation, defaults, serialisation and `dmctl set`.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmsup/config.h"
#include "dmsup/devspec.h"
#include "dmsup/cgroup.h"
#include "dmsup/restrict.h"

/* Table rows leave their trailing fields zero on purpose. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

enum cfg_type { CFG_INT, CFG_BOOL, CFG_STR, CFG_LIST, CFG_STRLIST, CFG_OBJ };

struct cfg_field {
	const char *key;
	enum cfg_type type;
	size_t off;
	bool required;
	long min, max;		     /* CFG_INT range; CFG_STR max length */
	const char *def_str;	     /* CFG_STR default (NULL: none) */
	long def_int;		     /* CFG_INT/CFG_BOOL default */
	const char *const *choices;  /* CFG_STR: allowed values */
	bool (*check)(const char *); /* CFG_STR: syntax */
	const char *what;	     /* what check expects, for errors */
	/* CFG_LIST: element table, element size, count field; CFG_OBJ: the
	 * table of the object's fields (a struct at off) */
	const struct cfg_field *sub;
	size_t n_sub, elem_size, count_off;
	/* CFG_LIST: an element given as a string (xl's spec syntax) */
	int (*from_string)(const char *, struct json_object **, char **);
};

#define FIELD(f) offsetof(struct dm_config, f)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static bool cfg_chars_ok(const char *s, const char *extra)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return false;
	return true;
}

static bool cfg_check_name(const char *s)
{
	return cfg_chars_ok(s, "_.-") && s[0] != '.' && s[0] != '-';
}

static bool cfg_check_uuid(const char *s)
{
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return s[36] == '\0';
}

/* A comma in a path would smuggle options into QEMU's -drive. */
static bool cfg_check_path(const char *s)
{
	return s[0] == '/' && !strchr(s, ',') && !strpbrk(s, "\n\r");
}

static bool cfg_check_optval(const char *s)
{
	return cfg_chars_ok(s, "_.,=:-");
}

static bool cfg_check_token(const char *s)
{
	return cfg_chars_ok(s, "_.:-");
}

static bool cfg_check_boot(const char *s)
{
	return strlen(s) <= 4 && strspn(s, "acdn") == strlen(s) && *s;
}

static bool cfg_check_mac(const char *s)
{
	for (int i = 0; i < 17; i++) {
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return s[17] == '\0';
}

static bool cfg_check_cmdline(const char *s)
{
	for (; *s; s++)
		if (!isprint((unsigned char)*s))
			return false;
	return true;
}

static const char *const kinds[] = {"dom0", "stubdom-linux", "stubdom-minios",
				    NULL};
static const char *const vgas[] = {"none", "std", "cirrus", NULL};
static const char *const serials[] = {"none", "pty", "null", NULL};
static const char *const restarts[] = {"off", "on-crash", NULL};
static const char *const origins[] = {"dmsup", "xl", NULL};
static const char *const dm_crashes[] = {"crash-domain", "report", NULL};
static const char *const medias[] = {"disk", "cdrom", NULL};
static const char *const formats[] = {"raw",  "qcow2", "qcow", "vhd",
				      "vhdx", "vmdk",  "qed",  NULL};
static const char *const backends[] = {"tap", "user", "none", NULL};

/* QEMU's tap script: "no", or an absolute path. */
static bool cfg_check_script(const char *s)
{
	return !strcmp(s, "no") || cfg_check_path(s);
}

#define DFIELD(f) offsetof(struct dm_disk, f)
static const struct cfg_field disk_fields[] = {
    /* Required but for an empty CD-ROM drive (devspec_check). */
    {"path", CFG_STR, DFIELD(path), .max = 4095, .check = cfg_check_path,
     .what = "an absolute path without commas"},
    {"format", CFG_STR, DFIELD(format), .max = 16, .def_str = "raw",
     .choices = formats},
    {"media", CFG_STR, DFIELD(media), .max = 16, .def_str = "disk",
     .choices = medias},
    {"vdev", CFG_STR, DFIELD(vdev), .max = 16, .check = cfg_check_token,
     .what = "a virtual device name like hda, sdb or xvda"},
    {"readonly", CFG_BOOL, DFIELD(readonly)},
};

#define NFIELD(f) offsetof(struct dm_nic, f)
static const struct cfg_field nic_fields[] = {
    {"model", CFG_STR, NFIELD(model), .max = 32, .def_str = "e1000",
     .check = cfg_check_token, .what = "a device model name"},
    {"mac", CFG_STR, NFIELD(mac), .max = 17, .check = cfg_check_mac,
     .what = "a MAC address like 00:16:3e:00:00:01"},
    /* Debian's qemu-system-xen has no slirp: no "user" by default. */
    {"backend", CFG_STR, NFIELD(backend), .max = 8, .def_str = "tap",
     .choices = backends},
    /* Default vif<domid>.<i>-emu (devspec_nic_ifname): it follows domid. */
    {"ifname", CFG_STR, NFIELD(ifname), .max = 15, .check = cfg_check_name,
     .what = "an interface name"},
    {"bridge", CFG_STR, NFIELD(bridge), .max = 15,
     .def_str = DEVSPEC_DEFAULT_BRIDGE, .check = cfg_check_name,
     .what = "a bridge name"},
    {"script", CFG_STR, NFIELD(script), .max = 4095,
     .def_str = DMSUP_VIF_SCRIPT, .check = cfg_check_script,
     .what = "'no' or an absolute path without commas"},
};

static const char *const restrict_modes[] = {"auto",   "off",  "range",
					     "shared", "user", NULL};

/* The device model's deprivileging (dmsup/restrict.c, docs/restrict.md).
 * uid and gid 0 mean "from the user"; fsize_mib -1 "auto". */
static const struct cfg_field restrict_fields[] = {
    {"mode", CFG_STR, offsetof(struct dm_restrict, mode), .max = 8,
     .def_str = "auto", .choices = restrict_modes},
    {"user", CFG_STR, offsetof(struct dm_restrict, user), .max = 32,
     .check = cfg_check_name, .what = "a user name"},
    {"uid", CFG_INT, offsetof(struct dm_restrict, uid), false, 1, 0x7fff0000},
    {"gid", CFG_INT, offsetof(struct dm_restrict, gid), false, 1, 0x7fff0000},
    {"nproc", CFG_INT, offsetof(struct dm_restrict, nproc), false, 16, 65536,
     .def_int = 256},
    {"fsize_mib", CFG_INT, offsetof(struct dm_restrict, fsize_mib), false, 0,
     1 << 30, .def_int = -1},
    {"sandbox", CFG_STR, offsetof(struct dm_restrict, sandbox), .max = 256,
     .def_str = RESTRICT_SANDBOX, .check = cfg_check_optval,
     .what = "a QEMU -sandbox option string"},
    {"reap_timeout", CFG_INT, offsetof(struct dm_restrict, reap_timeout), false,
     1, 600, .def_int = 10},
    {"cgroup", CFG_STR, offsetof(struct dm_restrict, cgroup), .max = 900,
     .def_str = "auto", .check = dmcg_config_ok,
     .what = "'auto', 'off' or the absolute path of a cgroup2 directory"},
    {"memory_mib", CFG_INT, offsetof(struct dm_restrict, memory_mib), false, 1,
     1 << 20},
};

static const struct cfg_field config_fields[] = {
    /* Optional: start --domid binds a definition to its live domain; 0
     * (left out of the JSON) is "none yet". */
    {"domid", CFG_INT, FIELD(domid), false, 1, 0x7fef},
    {"name", CFG_STR, FIELD(name), true, .max = 64, .check = cfg_check_name,
     .what = "letters, digits, '_', '.', '-'"},
    {"uuid", CFG_STR, FIELD(uuid), .max = 36, .check = cfg_check_uuid,
     .what = "a UUID like 01234567-89ab-cdef-0123-456789abcdef"},
    {"kind", CFG_STR, FIELD(kind), .max = 16, .def_str = "dom0",
     .choices = kinds},
    {"xen", CFG_BOOL, FIELD(xen), .def_int = 1},
    /* Required with kind dom0 (cfg_check_kind). */
    {"qemu", CFG_STR, FIELD(qemu), .max = 4095, .check = cfg_check_path,
     .what = "an absolute path without commas"},
    {"machine", CFG_STR, FIELD(machine), .max = 128, .check = cfg_check_optval,
     .what = "a QEMU machine option string"},
    {"memory", CFG_INT, FIELD(memory), false, 1, 1 << 20, .def_int = 128},
    {"vcpus", CFG_INT, FIELD(vcpus), false, 1, 128, .def_int = 1},
    {"vga", CFG_STR, FIELD(vga), .max = 16, .def_str = "std", .choices = vgas},
    {"videoram", CFG_INT, FIELD(videoram), false, 1, 256, .def_int = 16},
    {"vnc", CFG_STR, FIELD(vnc), .max = 64, .def_str = "none",
     .check = cfg_check_optval, .what = "'none' or a VNC display"},
    {"serial", CFG_STR, FIELD(serial), .max = 8, .def_str = "none",
     .choices = serials},
    {"boot", CFG_STR, FIELD(boot), .max = 4, .def_str = "c",
     .check = cfg_check_boot, .what = "1 to 4 of the letters a, c, d, n"},
    {"disks", CFG_LIST, FIELD(disks), .max = 16, .sub = disk_fields,
     .n_sub = ARRAY_SIZE(disk_fields), .elem_size = sizeof(struct dm_disk),
     .count_off = FIELD(n_disks), .from_string = devspec_disk_from_xl},
    {"nics", CFG_LIST, FIELD(nics), .max = 16, .sub = nic_fields,
     .n_sub = ARRAY_SIZE(nic_fields), .elem_size = sizeof(struct dm_nic),
     .count_off = FIELD(n_nics), .from_string = devspec_nic_from_xl},
    {"extra_args", CFG_STRLIST, FIELD(extra_args), .max = 256,
     .count_off = FIELD(n_extra_args)},
    {"restart", CFG_STR, FIELD(restart), .max = 16, .def_str = "off",
     .choices = restarts},
    {"ready_timeout", CFG_INT, FIELD(ready_timeout), false, 1, 3600,
     .def_int = 60},
    {"stop_timeout", CFG_INT, FIELD(stop_timeout), false, 1, 3600,
     .def_int = 10},
    {"memory_grant_timeout", CFG_INT, FIELD(memory_grant_timeout), false, 1,
     3600, .def_int = 30},
    {"log_files", CFG_INT, FIELD(log_files), false, 1, 100, .def_int = 4},
    {"log_size", CFG_INT, FIELD(log_size), false, 4096, 1 << 30,
     .def_int = 2 << 20},
    {"stubdom_kernel", CFG_STR, FIELD(stubdom_kernel), .max = 4095,
     .check = cfg_check_path, .what = "an absolute path without commas"},
    {"stubdom_ramdisk", CFG_STR, FIELD(stubdom_ramdisk), .max = 4095,
     .check = cfg_check_path, .what = "an absolute path without commas"},
    {"stubdom_cmdline", CFG_STR, FIELD(stubdom_cmdline), .max = 1024,
     .check = cfg_check_cmdline, .what = "printable text on one line"},
    {"stubdom_memory", CFG_INT, FIELD(stubdom_memory), false, 0, 1 << 16},
    {"origin", CFG_STR, FIELD(origin), .max = 8, .def_str = "dmsup",
     .choices = origins},
    {"on_dm_crash", CFG_STR, FIELD(on_dm_crash), .max = 16,
     .def_str = "crash-domain", .choices = dm_crashes},
    {"restrict", CFG_OBJ, FIELD(rst), .sub = restrict_fields,
     .n_sub = ARRAY_SIZE(restrict_fields)},
};

/* What a kind changes in the defaults; NULL: no default. kernel and
 * ramdisk are file names in the stub image's directory. */
static const struct cfg_kind {
	const char *name;
	enum dm_kind kind;
	const char *kernel, *ramdisk, *cmdline;
	int ready_timeout, stop_timeout;
} cfg_kinds[] = {
    {"dom0", DM_KIND_DOM0, .ready_timeout = 60, .stop_timeout = 10},
    /* Building and booting a stub takes seconds; its keeper's stop
     * destroys a domain. */
    {"stubdom-linux", DM_KIND_STUBDOM_LINUX, "vmlinuz", "initrd",
     DMSUP_STUBDOM_LINUX_CMDLINE, 30, 30},
    {"stubdom-minios", DM_KIND_STUBDOM_MINIOS, .ready_timeout = 30,
     .stop_timeout = 30},
};

static int cfg_fail(char **err_r, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int cfg_fail(char **err_r, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	free(*err_r);
	if (asprintf(err_r, "field '%s': %s", path, msg) < 0)
		*err_r = NULL;
	return -1;
}

static int cfg_parse_object(void *base, const struct cfg_field *fields,
			    size_t n, struct json_object *obj,
			    const char *prefix, char **err_r);

static void cfg_path(char *buf, size_t len, const char *prefix, const char *key)
{
	snprintf(buf, len, "%s%s%s", prefix, *prefix ? "." : "", key);
}

static int cfg_parse_str(const struct cfg_field *f, struct json_object *v,
			 char **out, const char *path, char **err_r)
{
	if (!json_object_is_type(v, json_type_string))
		return cfg_fail(err_r, path, "expected a string");
	const char *s = json_object_get_string(v);
	size_t len = json_object_get_string_len(v);
	if (len != strlen(s))
		return cfg_fail(err_r, path, "contains a NUL byte");
	if ((long)len > f->max)
		return cfg_fail(err_r, path, "longer than %ld characters",
				f->max);
	if (f->choices) {
		const char *const *c;
		for (c = f->choices; *c && strcmp(*c, s); c++)
			;
		if (!*c) {
			char allowed[256] = "";
			for (c = f->choices; *c; c++)
				snprintf(allowed + strlen(allowed),
					 sizeof(allowed) - strlen(allowed),
					 "%s'%s'", c == f->choices ? "" : ", ",
					 *c);
			return cfg_fail(err_r, path, "'%s' is not one of %s", s,
					allowed);
		}
	}
	if (f->check && !f->check(s))
		return cfg_fail(err_r, path, "'%s' is not %s", s, f->what);
	*out = strdup(s);
	return *out ? 0 : cfg_fail(err_r, path, "out of memory");
}

/* One object of a list; a string is xl's spec syntax for one. */
static int cfg_parse_elem(const struct cfg_field *f, struct json_object *e,
			  void *elem, const char *path, char **err_r)
{
	struct json_object *obj = NULL;
	char *why = NULL;
	int rc;

	if (!f->from_string || !json_object_is_type(e, json_type_string))
		return cfg_parse_object(elem, f->sub, f->n_sub, e, path, err_r);
	if (json_object_get_string_len(e) !=
	    (int)strlen(json_object_get_string(e)))
		return cfg_fail(err_r, path, "contains a NUL byte");
	if (f->from_string(json_object_get_string(e), &obj, &why)) {
		rc = cfg_fail(err_r, path, "%s", why ? why : "out of memory");
		free(why);
		return rc;
	}
	rc = cfg_parse_object(elem, f->sub, f->n_sub, obj, path, err_r);
	json_object_put(obj);
	return rc;
}

static int cfg_parse_list(const struct cfg_field *f, struct json_object *v,
			  void *base, const char *path, char **err_r)
{
	if (!json_object_is_type(v, json_type_array))
		return cfg_fail(err_r, path, "expected an array");
	size_t n = json_object_array_length(v);
	if ((long)n > f->max)
		return cfg_fail(err_r, path, "more than %ld entries", f->max);
	size_t esz = f->type == CFG_LIST ? f->elem_size : sizeof(char *);
	char *elems = calloc(n ? n : 1, esz);
	if (!elems)
		return cfg_fail(err_r, path, "out of memory");
	*(void **)((char *)base + f->off) = elems;
	for (size_t i = 0; i < n; i++) {
		char ipath[224];
		struct json_object *e = json_object_array_get_idx(v, i);
		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
		/* Counted as we go so that dispose frees what was parsed. */
		*(int *)((char *)base + f->count_off) = (int)i + 1;
		int rc =
		    f->type == CFG_LIST
			? cfg_parse_elem(f, e, elems + i * esz, ipath, err_r)
			: cfg_parse_str(&(struct cfg_field){.max = 4096}, e,
					(char **)(elems + i * esz), ipath,
					err_r);
		if (rc)
			return rc;
	}
	return 0;
}

static int cfg_parse_field(void *base, const struct cfg_field *f,
			   struct json_object *v, const char *path,
			   char **err_r)
{
	char *p = (char *)base + f->off;

	switch (f->type) {
	case CFG_INT: {
		if (!v) {
			*(int *)p = (int)f->def_int;
			return 0;
		}
		if (!json_object_is_type(v, json_type_int))
			return cfg_fail(err_r, path, "expected an integer");
		errno = 0;
		int64_t x = json_object_get_int64(v);
		if (errno || x < f->min || x > f->max)
			return cfg_fail(err_r, path,
					"expected an integer from %ld to %ld",
					f->min, f->max);
		*(int *)p = (int)x;
		return 0;
	}
	case CFG_BOOL:
		if (!v) {
			*(bool *)p = f->def_int;
			return 0;
		}
		if (!json_object_is_type(v, json_type_boolean))
			return cfg_fail(err_r, path, "expected true or false");
		*(bool *)p = json_object_get_boolean(v);
		return 0;
	case CFG_STR:
		if (!v) {
			*(char **)p = f->def_str ? strdup(f->def_str) : NULL;
			return 0;
		}
		return cfg_parse_str(f, v, (char **)p, path, err_r);
	case CFG_LIST:
	case CFG_STRLIST:
		return v ? cfg_parse_list(f, v, base, path, err_r) : 0;
	case CFG_OBJ: {
		/* Absent: an empty object, so every default applies. */
		struct json_object *empty = v ? NULL : json_object_new_object();
		int rc = cfg_parse_object(p, f->sub, f->n_sub, v ? v : empty,
					  path, err_r);
		json_object_put(empty);
		return rc;
	}
	}
	return cfg_fail(err_r, path, "unknown type");
}

static int cfg_parse_object(void *base, const struct cfg_field *fields,
			    size_t n, struct json_object *obj,
			    const char *prefix, char **err_r)
{
	char path[192];

	if (!json_object_is_type(obj, json_type_object))
		return cfg_fail(err_r, *prefix ? prefix : "(top)",
				"expected a JSON object");
	json_object_object_foreach(obj, key, val)
	{
		size_t i;
		(void)val;
		for (i = 0; i < n && strcmp(fields[i].key, key); i++)
			;
		cfg_path(path, sizeof(path), prefix, key);
		if (i == n)
			return cfg_fail(err_r, path, "unknown field");
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = NULL;
		cfg_path(path, sizeof(path), prefix, fields[i].key);
		json_object_object_get_ex(obj, fields[i].key, &v);
		if (v && json_object_is_type(v, json_type_null))
			v = NULL;
		if (!v && fields[i].required)
			return cfg_fail(err_r, path, "required");
		int rc = cfg_parse_field(base, &fields[i], v, path, err_r);
		if (rc)
			return rc;
	}
	return 0;
}

static void cfg_dispose_object(void *base, const struct cfg_field *fields,
			       size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct cfg_field *f = &fields[i];
		char *p = (char *)base + f->off;
		if (f->type == CFG_STR) {
			free(*(char **)p);
			*(char **)p = NULL;
		} else if (f->type == CFG_OBJ) {
			cfg_dispose_object(p, f->sub, f->n_sub);
		} else if (f->type == CFG_LIST || f->type == CFG_STRLIST) {
			char *elems = *(char **)p;
			int *count = (int *)((char *)base + f->count_off);
			for (int j = 0; elems && j < *count; j++) {
				if (f->type == CFG_LIST)
					cfg_dispose_object(elems +
							       j * f->elem_size,
							   f->sub, f->n_sub);
				else
					free(((char **)elems)[j]);
			}
			free(elems);
			*(char **)p = NULL;
			*count = 0;
		}
	}
}

static const struct cfg_kind *cfg_kind_of(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(cfg_kinds); i++)
		if (name && !strcmp(cfg_kinds[i].name, name))
			return &cfg_kinds[i];
	return &cfg_kinds[0];
}

static bool cfg_absent(struct json_object *json, const char *key)
{
	struct json_object *v;

	return !json_object_object_get_ex(json, key, &v) ||
	       json_object_is_type(v, json_type_null);
}

static int cfg_default_str(char **field, const char *def, char **err_r)
{
	if (*field || !def)
		return 0;
	*field = strdup(def);
	return *field ? 0 : cfg_fail(err_r, "(top)", "out of memory");
}

/* Set once by main, before any definition is read. */
static const char *cfg_stubdom_dir = DMSUP_STUBDOM_DIR;

int config_set_stubdom_dir(const char *dir)
{
	if (!cfg_check_path(dir) || strlen(dir) > 4000)
		return -1;
	cfg_stubdom_dir = dir;
	return 0;
}

const char *config_stubdom_dir(void)
{
	return cfg_stubdom_dir;
}

/* @name in the stub image's directory into @buf; NULL for no @name. */
static const char *cfg_stubdom_file(char *buf, size_t len, const char *name)
{
	if (!name)
		return NULL;
	snprintf(buf, len, "%s/%s", cfg_stubdom_dir, name);
	return buf;
}

/* The defaults that depend on the kind, for fields @json leaves out. */
static int cfg_kind_defaults(struct dm_config *cfg, struct json_object *json,
			     const struct cfg_kind *k, char **err_r)
{
	if (cfg_absent(json, "ready_timeout"))
		cfg->ready_timeout = k->ready_timeout;
	if (cfg_absent(json, "stop_timeout"))
		cfg->stop_timeout = k->stop_timeout;
	char kernel[4096], ramdisk[4096];

	if (cfg_default_str(&cfg->stubdom_kernel,
			    cfg_stubdom_file(kernel, sizeof(kernel), k->kernel),
			    err_r) ||
	    cfg_default_str(
		&cfg->stubdom_ramdisk,
		cfg_stubdom_file(ramdisk, sizeof(ramdisk), k->ramdisk),
		err_r) ||
	    cfg_default_str(&cfg->stubdom_cmdline, k->cmdline, err_r))
		return -1;
	return 0;
}

/* stubdom-linux: each NIC is the stub's vif on its bridge in dom0 and a
 * tap in the stub (docs/stubdom-linux.md), so only backend tap. */
static int cfg_check_stub_nics(const struct dm_config *cfg,
			       const struct cfg_kind *k, char **err_r)
{
	char path[32];

	if (cfg->n_nics && k->kind != DM_KIND_STUBDOM_LINUX)
		return cfg_fail(err_r, "nics",
				"not supported with kind '%s' yet (the stub "
				"domain gets no network devices)",
				k->name);
	for (int i = 0; i < cfg->n_nics; i++) {
		if (!strcmp(cfg->nics[i].backend, "tap"))
			continue;
		snprintf(path, sizeof(path), "nics[%d].backend", i);
		return cfg_fail(err_r, path,
				"'%s' is not supported with kind '%s' (the "
				"NIC reaches dom0 through the stub's vif: "
				"only 'tap')",
				cfg->nics[i].backend, k->name);
	}
	return 0;
}

/* What the QEMU in a stub domain cannot be given yet (see argv.c). */
static int cfg_check_stub(const struct dm_config *cfg, const struct cfg_kind *k,
			  char **err_r)
{
	const char *kind = k->name;

	if (!cfg->xen)
		return cfg_fail(err_r, "xen", "kind '%s' requires xen: true",
				kind);
	if (cfg->n_disks && k->kind != DM_KIND_STUBDOM_LINUX)
		return cfg_fail(err_r, "disks",
				"not supported with kind '%s' yet (the stub "
				"domain gets no block devices)",
				kind);
	if (cfg_check_stub_nics(cfg, k, err_r))
		return -1;
	if (strcmp(cfg->vnc, "none"))
		return cfg_fail(err_r, "vnc",
				"'%s' is not supported with kind '%s' yet "
				"(only 'none')",
				cfg->vnc, kind);
	if (!strcmp(cfg->serial, "pty"))
		return cfg_fail(err_r, "serial",
				"'pty' is not supported with kind '%s' (the "
				"pty would be inside the stub domain)",
				kind);
	if (!cfg->stubdom_kernel)
		return cfg_fail(err_r, "stubdom_kernel",
				"required with kind '%s'", kind);
	for (int i = 0;
	     k->kind == DM_KIND_STUBDOM_MINIOS && i < cfg->n_extra_args; i++) {
		const char *a = cfg->extra_args[i];
		char path[32];
		if (*a && !strchr(a, ' '))
			continue;
		snprintf(path, sizeof(path), "extra_args[%d]", i);
		return cfg_fail(err_r, path,
				"'%s' is empty or has a space: kind '%s' "
				"passes its arguments space-separated",
				a, kind);
	}
	return 0;
}

static int cfg_check_dom0(const struct dm_config *cfg, char **err_r)
{
	static const char *const stub_only[] = {
	    "stubdom_kernel", "stubdom_ramdisk", "stubdom_cmdline"};
	const char *const vals[] = {cfg->stubdom_kernel, cfg->stubdom_ramdisk,
				    cfg->stubdom_cmdline};

	if (!cfg->qemu)
		return cfg_fail(err_r, "qemu", "required");
	for (size_t i = 0; i < ARRAY_SIZE(stub_only); i++)
		if (vals[i])
			return cfg_fail(err_r, stub_only[i],
					"only with kind 'stubdom-linux' or "
					"'stubdom-minios'");
	if (cfg->stubdom_memory)
		return cfg_fail(err_r, "stubdom_memory",
				"only with kind 'stubdom-linux' or "
				"'stubdom-minios'");
	return 0;
}

/* Kind defaults, then what the kind refuses. */
static int cfg_check_kind(struct dm_config *cfg, struct json_object *json,
			  char **err_r)
{
	const struct cfg_kind *k = cfg_kind_of(cfg->kind);

	if (cfg_kind_defaults(cfg, json, k, err_r))
		return -1;
	return k->kind == DM_KIND_DOM0 ? cfg_check_dom0(cfg, err_r)
				       : cfg_check_stub(cfg, k, err_r);
}

/* `set kind=...`: what only followed the old kind follows the new one. */
static void cfg_drop_kind_defaults(struct json_object *json,
				   const struct dm_config *cfg)
{
	const struct cfg_kind *k = cfg_kind_of(cfg->kind);
	const char *keys[] = {"stubdom_kernel", "stubdom_ramdisk",
			      "stubdom_cmdline"};
	const char *vals[] = {cfg->stubdom_kernel, cfg->stubdom_ramdisk,
			      cfg->stubdom_cmdline};
	char kernel[4096], ramdisk[4096];
	const char *defs[] = {
	    cfg_stubdom_file(kernel, sizeof(kernel), k->kernel),
	    cfg_stubdom_file(ramdisk, sizeof(ramdisk), k->ramdisk), k->cmdline};

	if (cfg->ready_timeout == k->ready_timeout)
		json_object_object_del(json, "ready_timeout");
	if (cfg->stop_timeout == k->stop_timeout)
		json_object_object_del(json, "stop_timeout");
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (vals[i] && defs[i] && !strcmp(vals[i], defs[i]))
			json_object_object_del(json, keys[i]);
}

enum dm_kind config_kind(const struct dm_config *cfg)
{
	return cfg_kind_of(cfg->kind)->kind;
}

bool config_adopted(const struct dm_config *cfg)
{
	return cfg->origin && !strcmp(cfg->origin, "xl");
}

bool config_is_stub(const struct dm_config *cfg)
{
	return config_kind(cfg) != DM_KIND_DOM0;
}

void config_dispose(struct dm_config *cfg)
{
	cfg_dispose_object(cfg, config_fields, ARRAY_SIZE(config_fields));
}

int config_from_json(struct dm_config *cfg, struct json_object *json,
		     char **err_r)
{
	*err_r = NULL;
	memset(cfg, 0, sizeof(*cfg));
	if (cfg_parse_object(cfg, config_fields, ARRAY_SIZE(config_fields),
			     json, "", err_r)) {
		config_dispose(cfg);
		return -1;
	}
	/* The machine depends on whether QEMU runs with Xen. */
	if (!cfg->machine)
		cfg->machine = strdup(cfg->xen ? "xenfv" : "pc");
	char path[64], msg[256];
	if (devspec_check(cfg, path, sizeof(path), msg, sizeof(msg))) {
		cfg_fail(err_r, path, "%s", msg);
		config_dispose(cfg);
		return -1;
	}
	if (cfg_check_kind(cfg, json, err_r)) {
		config_dispose(cfg);
		return -1;
	}
	if (restrict_config_check(cfg, path, sizeof(path), msg, sizeof(msg))) {
		cfg_fail(err_r, path, "%s", msg);
		config_dispose(cfg);
		return -1;
	}
	return 0;
}

int config_from_string(struct dm_config *cfg, const char *text, char **err_r)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *json;
	int rc;

	*err_r = NULL;
	if (!tok)
		return -1;
	json = json_tokener_parse_ex(tok, text, (int)strlen(text));
	if (!json || tok->char_offset != (int)strlen(text)) {
		enum json_tokener_error jerr = json_tokener_get_error(tok);
		if (asprintf(err_r, "not valid JSON at offset %d: %s",
			     (int)tok->char_offset,
			     jerr == json_tokener_success
				 ? "trailing data"
				 : json_tokener_error_desc(jerr)) < 0)
			*err_r = NULL;
		json_object_put(json);
		json_tokener_free(tok);
		return -1;
	}
	json_tokener_free(tok);
	rc = config_from_json(cfg, json, err_r);
	json_object_put(json);
	return rc;
}

static struct json_object *
cfg_object_to_json(const void *base, const struct cfg_field *fields, size_t n)
{
	struct json_object *obj = json_object_new_object();

	for (size_t i = 0; i < n; i++) {
		const struct cfg_field *f = &fields[i];
		const char *p = (const char *)base + f->off;
		struct json_object *v = NULL;
		if (f->type == CFG_INT) {
			/* Only an absent optional field is below its range. */
			if (*(const int *)p < f->min)
				continue;
			v = json_object_new_int(*(const int *)p);
		} else if (f->type == CFG_BOOL) {
			v = json_object_new_boolean(*(const bool *)p);
		} else if (f->type == CFG_STR) {
			if (!*(char *const *)p)
				continue;
			v = json_object_new_string(*(char *const *)p);
		} else if (f->type == CFG_OBJ) {
			v = cfg_object_to_json(p, f->sub, f->n_sub);
		} else {
			const char *elems = *(char *const *)p;
			int count =
			    *(const int *)((const char *)base + f->count_off);
			v = json_object_new_array();
			for (int j = 0; j < count; j++)
				json_object_array_add(
				    v, f->type == CFG_LIST
					   ? cfg_object_to_json(
						 elems + j * f->elem_size,
						 f->sub, f->n_sub)
					   : json_object_new_string(
						 ((char *const *)elems)[j]));
		}
		json_object_object_add(obj, f->key, v);
	}
	return obj;
}

struct json_object *config_to_json(const struct dm_config *cfg)
{
	return cfg_object_to_json(cfg, config_fields,
				  ARRAY_SIZE(config_fields));
}

/* The value of `key=value`: JSON where the field wants it, else text. */
static struct json_object *cfg_set_value(const struct cfg_field *f,
					 const char *text)
{
	if (f->type == CFG_STR)
		return json_object_new_string(text);
	return json_tokener_parse(text);
}

int config_set(struct dm_config *cfg, const char *assignment, char **err_r)
{
	const char *eq = strchr(assignment, '=');
	struct dm_config next;
	size_t i;

	*err_r = NULL;
	if (!eq || eq == assignment) {
		if (asprintf(err_r, "'%s' is not key=value", assignment) < 0)
			*err_r = NULL;
		return -1;
	}
	char key[64];
	snprintf(key, sizeof(key), "%.*s", (int)(eq - assignment), assignment);
	for (i = 0; i < ARRAY_SIZE(config_fields); i++)
		if (!strcmp(config_fields[i].key, key))
			break;
	if (i == ARRAY_SIZE(config_fields))
		return cfg_fail(err_r, key, "unknown field");
	if (!strcmp(key, "name"))
		return cfg_fail(err_r, key, "cannot be changed");
	struct json_object *v = cfg_set_value(&config_fields[i], eq + 1);
	if (!v)
		return cfg_fail(err_r, key, "'%s' is not a valid value",
				eq + 1);
	struct json_object *json = config_to_json(cfg);
	/* A machine that was only xen's default follows xen. */
	if (!strcmp(key, "xen") &&
	    !strcmp(cfg->machine, cfg->xen ? "xenfv" : "pc"))
		json_object_object_del(json, "machine");
	if (!strcmp(key, "kind"))
		cfg_drop_kind_defaults(json, cfg);
	json_object_object_add(json, key, v);
	int rc = config_from_json(&next, json, err_r);
	json_object_put(json);
	if (rc)
		return rc;
	config_dispose(cfg);
	*cfg = next;
	return 0;
}

bool config_restart_on_crash(const struct dm_config *cfg)
{
	return !strcmp(cfg->restart, "on-crash");
}
