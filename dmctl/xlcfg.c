/*
 * xl.cfg import (xlcfg.h): libxlutil parses the file and answers for each
 * key; one table says what each key becomes in dmsup-config(5). libxlutil
 * cannot list the keys of a file, so a small scanner of the (already
 * parsed) text finds them and their lines: a key the table does not map is
 * named, never dropped silently.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include "dmctl/xlcfg.h"
#include "dmsup/config.h"
#include "dmsup/safefile.h"
#include "dmsup/xlu-dl.h"

/* Table rows leave their trailing fields zero on purpose. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define XLC_KEYS_MAX 512 /* statements in one file */
#define XLC_KEY_LEN 64

struct xlc_key {
	char name[XLC_KEY_LEN];
	int line;
};

struct xlc {
	const char *name; /* the file, in messages */
	FILE *report;
	XLU_Config *cfg;
	struct json_object *out;
	struct xlc_key keys[XLC_KEYS_MAX];
	int n_keys;
};

struct xlc_rule;
typedef int xlc_map_fn(struct xlc *x, const struct xlc_rule *r);

struct xlc_rule {
	const char *key;
	xlc_map_fn *map; /* NULL: not mapped, *why says why */
	const char *field;
	const char *why;
};

/* The line @key was last set on (libxl takes the last), 0 if unknown. */
static int xlc_line(const struct xlc *x, const char *key)
{
	for (int i = x->n_keys - 1; i >= 0; i--)
		if (!strcmp(x->keys[i].name, key))
			return x->keys[i].line;
	return 0;
}

static void __attribute__((format(printf, 3, 4)))
xlc_say(struct xlc *x, const char *key, const char *fmt, ...)
{
	int line = key ? xlc_line(x, key) : 0;
	va_list ap;

	fprintf(x->report, "%s:", x->name);
	if (line)
		fprintf(x->report, "%d:", line);
	fprintf(x->report, " %s%s", key ? key : "", key ? ": " : "");
	va_start(ap, fmt);
	vfprintf(x->report, fmt, ap);
	va_end(ap);
	fputc('\n', x->report);
}

/* ---- the keys of the text, with their lines ---- */

/* Skips a quoted string at *p (libxlutil accepted it: it is closed). */
static const char *xlc_skip_string(const char *p, int *line)
{
	char q = *p++;

	for (; *p && *p != q; p++) {
		if (*p == '\\' && p[1])
			p++;
		if (*p == '\n')
			(*line)++;
	}
	return *p ? p + 1 : p;
}

static void xlc_add_key(struct xlc *x, const char *p, size_t n, int line)
{
	if (x->n_keys == XLC_KEYS_MAX || n >= XLC_KEY_LEN)
		return; /* still parsed by libxlutil; only not named */
	memcpy(x->keys[x->n_keys].name, p, n);
	x->keys[x->n_keys].name[n] = '\0';
	x->keys[x->n_keys++].line = line;
}

/* A statement is KEY = VALUE or KEY += VALUE, ended by a newline or ';'
 * outside brackets; '#' starts a comment. */
static void xlc_scan(struct xlc *x, const char *p)
{
	int line = 1, depth = 0;
	bool start = true;

	while (*p) {
		if (*p == '\n') {
			line++;
			if (!depth)
				start = true;
			p++;
		} else if (*p == '#') {
			p += strcspn(p, "\n");
		} else if (*p == '"' || *p == '\'') {
			p = xlc_skip_string(p, &line);
			start = false;
		} else if (start && (isalpha((unsigned char)*p) || *p == '_')) {
			size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz"
					     "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					     "0123456789_.");
			xlc_add_key(x, p, n, line);
			p += n;
			start = false;
		} else {
			depth += *p == '[';
			depth -= *p == ']' && depth;
			if (*p == ';' && !depth)
				start = true;
			else if (!isspace((unsigned char)*p))
				start = false;
			p++;
		}
	}
}

/* ---- the values ---- */

static void xlc_put_str(struct xlc *x, const char *field, const char *v)
{
	json_object_object_add(x->out, field, json_object_new_string(v));
}

static int xlc_map_string(struct xlc *x, const struct xlc_rule *r)
{
	const char *v;

	if (XLU.cfg_get_string(x->cfg, r->key, &v, 0))
		return -1;
	xlc_put_str(x, r->field, v);
	return 0;
}

static int xlc_map_long(struct xlc *x, const struct xlc_rule *r)
{
	long v;

	if (XLU.cfg_get_long(x->cfg, r->key, &v, 0)) {
		xlc_say(x, r->key, "expected a number");
		return -1;
	}
	if (v < 0 || v > 1L << 30) {
		xlc_say(x, r->key, "%ld is out of range", v);
		return -1;
	}
	json_object_object_add(x->out, r->field, json_object_new_int((int)v));
	return 0;
}

/* A list of strings appended to the field (device_model_args*). */
static int xlc_map_args(struct xlc *x, const struct xlc_rule *r)
{
	struct json_object *list;
	XLU_ConfigList *l;
	const char *item;
	int n;

	if (XLU.cfg_get_list(x->cfg, r->key, &l, &n, 0))
		return -1;
	if (!json_object_object_get_ex(x->out, r->field, &list)) {
		list = json_object_new_array();
		json_object_object_add(x->out, r->field, list);
	}
	for (int i = 0; i < n && (item = XLU.cfg_get_listitem(l, i)); i++)
		json_object_array_add(list, json_object_new_string(item));
	return 0;
}

static int xlc_map_type(struct xlc *x, const struct xlc_rule *r)
{
	const char *v;

	if (XLU.cfg_get_string(x->cfg, r->key, &v, 0))
		return -1;
	if (strcmp(v, "hvm")) {
		xlc_say(x, r->key,
			"'%s' is not supported: dmsup runs the device "
			"models of HVM guests (type = \"hvm\")",
			v);
		return -1;
	}
	return 0;
}

/* Read by xlc_finish with the keys it goes with. */
static int xlc_map_later(struct xlc *x, const struct xlc_rule *r)
{
	return 0;
}

static const char *xlc_disk_format(int format)
{
	switch (format) {
	case LIBXL_DISK_FORMAT_UNKNOWN: /* xl's default */
	case LIBXL_DISK_FORMAT_RAW:
		return "raw";
	case LIBXL_DISK_FORMAT_QCOW2:
		return "qcow2";
	}
	return NULL;
}

static int xlc_disk(struct xlc *x, const char *spec, struct json_object *list)
{
	libxl_device_disk disk;
	const char *format;
	int rc = -1;

	XLU.disk_init(&disk);
	/* It reports a bad spec itself, on x->report. */
	if (XLU.disk_parse(x->cfg, 1, &spec, &disk)) {
		xlc_say(x, "disk", "cannot parse '%s'", spec);
		goto out;
	}
	if (!disk.pdev_path || !*disk.pdev_path) {
		xlc_say(x, "disk",
			"'%s': an empty drive is not supported (dmsup's "
			"disks need a path)",
			spec);
		goto out;
	}
	if (!(format = xlc_disk_format(disk.format))) {
		xlc_say(x, "disk",
			"'%s': format %s is not supported (raw or qcow2)", spec,
			XLU.disk_format_to_string(disk.format));
		goto out;
	}
	struct json_object *d = json_object_new_object();
	json_object_object_add(d, "path",
			       json_object_new_string(disk.pdev_path));
	json_object_object_add(d, "format", json_object_new_string(format));
	json_object_object_add(
	    d, "media",
	    json_object_new_string(disk.is_cdrom ? "cdrom" : "disk"));
	if (disk.vdev)
		json_object_object_add(d, "vdev",
				       json_object_new_string(disk.vdev));
	if (!disk.readwrite)
		json_object_object_add(d, "readonly",
				       json_object_new_boolean(1));
	json_object_array_add(list, d);
	rc = 0;
out:
	XLU.disk_dispose(&disk);
	return rc;
}

/* One vif option: what dmsup takes of it, or a warning. */
static void xlc_vif_opt(struct xlc *x, const char *opt, struct json_object *n)
{
	static const char *const fields[][2] = {
	    {"mac", "mac"}, {"model", "model"}, {"bridge", "bridge"}};
	const char *eq = strchr(opt, '=');
	size_t klen = eq ? (size_t)(eq - opt) : strlen(opt);

	/* libxl names the emulated NIC's tap VIFNAME-emu (the PV vif is
	 * VIFNAME), as a vif spec in dmsup-config(5) does. */
	if (eq && klen == 7 && !strncmp(opt, "vifname", 7)) {
		char tap[64];

		/* Too long for a name is the config's check to refuse. */
		snprintf(tap, sizeof(tap), "%.58s-emu", eq + 1);
		json_object_object_add(n, "ifname",
				       json_object_new_string(tap));
		return;
	}
	for (size_t i = 0; eq && i < sizeof(fields) / sizeof(*fields); i++)
		if (strlen(fields[i][0]) == klen &&
		    !strncmp(opt, fields[i][0], klen)) {
			json_object_object_add(n, fields[i][1],
					       json_object_new_string(eq + 1));
			return;
		}
	if (eq && klen == 4 && !strncmp(opt, "type", 4))
		return; /* ioemu or vif: an emulated NIC either way */
	xlc_say(x, "vif", "'%s' is not mapped (ignored)", opt);
}

static int xlc_map_vif(struct xlc *x, const struct xlc_rule *r)
{
	struct json_object *list = json_object_new_array();
	XLU_ConfigList *l;
	const char *spec;
	int n;

	json_object_object_add(x->out, r->field, list);
	if (XLU.cfg_get_list(x->cfg, r->key, &l, &n, 0))
		return -1;
	for (int i = 0; i < n && (spec = XLU.cfg_get_listitem(l, i)); i++) {
		char *copy = strdup(spec), *save = NULL;
		struct json_object *nic = json_object_new_object();
		if (!copy)
			return -1;
		for (char *o = strtok_r(copy, ",", &save); o;
		     o = strtok_r(NULL, ",", &save))
			xlc_vif_opt(x, o + strspn(o, " "), nic);
		free(copy);
		json_object_array_add(list, nic);
	}
	return 0;
}

static int xlc_map_disk(struct xlc *x, const struct xlc_rule *r)
{
	struct json_object *list = json_object_new_array();
	XLU_ConfigList *l;
	const char *spec;
	int n;

	json_object_object_add(x->out, r->field, list);
	if (XLU.cfg_get_list(x->cfg, r->key, &l, &n, 0))
		return -1;
	for (int i = 0; i < n && (spec = XLU.cfg_get_listitem(l, i)); i++)
		if (xlc_disk(x, spec, list))
			return -1;
	return 0;
}

/* serial = "pty" or serial = ["pty"]: dmsup has one serial port. */
static int xlc_map_serial(struct xlc *x, const struct xlc_rule *r)
{
	static const char *const ok[] = {"pty", "null", "none"};
	XLU_ConfigList *l;
	const char *v = NULL;
	int n = 0;

	if (XLU.cfg_get_string(x->cfg, r->key, &v, 1) &&
	    !XLU.cfg_get_list(x->cfg, r->key, &l, &n, 1)) {
		v = n ? XLU.cfg_get_listitem(l, 0) : "none";
		if (n > 1)
			xlc_say(x, r->key, "only the first port is mapped");
	}
	for (size_t i = 0; v && i < sizeof(ok) / sizeof(*ok); i++)
		if (!strcmp(v, ok[i])) {
			xlc_put_str(x, r->field, v);
			return 0;
		}
	xlc_say(x, r->key, "'%s' is not mapped (dmsup takes pty, null or none)",
		v ? v : "?");
	return 0;
}

static const struct xlc_rule xlc_rules[] = {
    {"name", xlc_map_string, "name"},
    {"uuid", xlc_map_string, "uuid"},
    {"type", xlc_map_type},
    {"builder", xlc_map_type},
    {"memory", xlc_map_long, "memory"},
    {"vcpus", xlc_map_long, "vcpus"},
    {"videoram", xlc_map_long, "videoram"},
    {"boot", xlc_map_string, "boot"},
    {"disk", xlc_map_disk, "disks"},
    {"vif", xlc_map_vif, "nics"},
    {"serial", xlc_map_serial, "serial"},
    {"device_model_override", xlc_map_string, "qemu"},
    {"device_model_args", xlc_map_args, "extra_args"},
    {"device_model_args_hvm", xlc_map_args, "extra_args"},
    {"stubdomain_kernel", xlc_map_string, "stubdom_kernel"},
    {"stubdomain_ramdisk", xlc_map_string, "stubdom_ramdisk"},
    {"stubdomain_cmdline", xlc_map_string, "stubdom_cmdline"},
    {"stubdomain_memory", xlc_map_long, "stubdom_memory"},
    {"device_model_version", xlc_map_later},
    {"device_model_stubdomain_override", xlc_map_later},
    {"vga", xlc_map_later},
    {"stdvga", xlc_map_later},
    {"nographic", xlc_map_later},
    {"vnc", xlc_map_later},
    {"vnclisten", xlc_map_later},
    {"vncdisplay", xlc_map_later},
    {"vncunused", xlc_map_later},
    {"maxmem", .why = "the guest's page limit is the toolstack's "
		      "(dmctl plan gives the device model's pages)"},
    {"maxvcpus", .why = "dmsup starts QEMU with vcpus only"},
    {"pci", .why = "passthrough is a runtime operation: dmctl pci-attach "
		   "after start"},
    {"usb", .why = "dmsup configures no USB"},
    {"usbdevice", .why = "dmsup configures no USB"},
    {"usbctrl", .why = "dmsup configures no USB"},
    {"usbdev", .why = "dmsup configures no USB"},
    {"soundhw", .why = "dmsup configures no sound device"},
    {"device_model_user", .why = "dmsup drops privileges itself"},
    {"device_model_args_pv", .why = "dmsup runs HVM device models only"},
};

static const struct xlc_rule *xlc_rule(const char *key)
{
	for (size_t i = 0; i < sizeof(xlc_rules) / sizeof(*xlc_rules); i++)
		if (!strcmp(xlc_rules[i].key, key))
			return &xlc_rules[i];
	return NULL;
}

/* ---- what goes with what ---- */

static long xlc_long(struct xlc *x, const char *key, long def)
{
	long v;

	return XLU.cfg_get_long(x->cfg, key, &v, 1) ? def : v;
}

static const char *xlc_str(struct xlc *x, const char *key, const char *def)
{
	const char *v;

	return XLU.cfg_get_string(x->cfg, key, &v, 1) ? def : v;
}

/* device_model_version and the stub override make dmsup's kind. */
static int xlc_kind(struct xlc *x)
{
	const char *ver = xlc_str(x, "device_model_version", "qemu-xen");
	bool stub = xlc_long(x, "device_model_stubdomain_override", 0);
	bool trad = !strcmp(ver, "qemu-xen-traditional");

	if (!trad && strcmp(ver, "qemu-xen")) {
		xlc_say(x, "device_model_version",
			"'%s' is not supported (qemu-xen or "
			"qemu-xen-traditional)",
			ver);
		return -1;
	}
	if (trad && !stub) {
		xlc_say(x, "device_model_version",
			"qemu-xen-traditional runs only in a stub domain with "
			"dmsup (device_model_stubdomain_override = 1)");
		return -1;
	}
	xlc_put_str(x, "kind",
		    !stub  ? "dom0"
		    : trad ? "stubdom-minios"
			   : "stubdom-linux");
	return 0;
}

/* vga, stdvga, nographic; xl's default is cirrus. */
static int xlc_vga(struct xlc *x)
{
	static const char *const vgas[][2] = {
	    {"stdvga", "std"}, {"cirrus", "cirrus"}, {"none", "none"}};
	const char *v = xlc_str(x, "vga", NULL);

	if (xlc_long(x, "nographic", 0)) {
		xlc_put_str(x, "vga", "none");
		return 0;
	}
	if (!v) {
		xlc_put_str(x, "vga",
			    xlc_long(x, "stdvga", 0) ? "std" : "cirrus");
		return 0;
	}
	for (size_t i = 0; i < sizeof(vgas) / sizeof(*vgas); i++)
		if (!strcmp(v, vgas[i][0])) {
			xlc_put_str(x, "vga", vgas[i][1]);
			return 0;
		}
	xlc_say(x, "vga", "'%s' is not supported (stdvga, cirrus or none)", v);
	return -1;
}

static const char *xlc_kind_of(struct xlc *x)
{
	struct json_object *v;

	return json_object_object_get_ex(x->out, "kind", &v)
		   ? json_object_get_string(v)
		   : "dom0";
}

/* vnc (on unless 0, as in xl), vnclisten, vncdisplay, vncunused. */
static void xlc_vnc(struct xlc *x)
{
	const char *listen = xlc_str(x, "vnclisten", "127.0.0.1");
	char buf[96];

	if (!xlc_long(x, "vnc", 1) || xlc_long(x, "nographic", 0)) {
		xlc_put_str(x, "vnc", "none");
		return;
	}
	if (strcmp(xlc_kind_of(x), "dom0")) {
		xlc_say(x, "vnc",
			"not mapped: dmsup has no VNC for a stub "
			"domain's device model yet");
		xlc_put_str(x, "vnc", "none");
		return;
	}
	if (strchr(listen, ':'))
		snprintf(buf, sizeof(buf), "%s", listen);
	else
		snprintf(buf, sizeof(buf), "%s:%ld", listen,
			 xlc_long(x, "vncdisplay", 0));
	/* vncunused (xl's default): the first free display from there. */
	if (xlc_long(x, "vncunused", 1) &&
	    strlen(buf) + sizeof(",to=99") <= sizeof(buf))
		strcat(buf, ",to=99");
	xlc_put_str(x, "vnc", buf);
}

/* What dmsup would say of the result; a missing domid is the caller's. */
static int xlc_validate(struct xlc *x)
{
	struct json_object *copy = NULL;
	struct dm_config cfg;
	char *err = NULL;
	int rc;

	if (json_object_deep_copy(x->out, &copy, NULL))
		return -1;
	if (!json_object_object_get_ex(copy, "domid", NULL))
		json_object_object_add(copy, "domid", json_object_new_int(1));
	rc = config_from_json(&cfg, copy, &err);
	if (rc)
		xlc_say(x, NULL, "not a configuration dmsup can take: %s",
			err ? err : "out of memory");
	else
		config_dispose(&cfg);
	free(err);
	json_object_put(copy);
	return rc;
}

/* Maps every key of the file, in order; -1 after the first refusal. */
static int xlc_map(struct xlc *x)
{
	for (int i = 0; i < x->n_keys; i++) {
		const char *key = x->keys[i].name;
		const struct xlc_rule *r = xlc_rule(key);
		if (xlc_line(x, key) != x->keys[i].line)
			continue; /* set again later: libxl takes the last */
		if (!r)
			xlc_say(x, key,
				"not mapped (no device-model setting "
				"of dmsup)");
		else if (!r->map)
			xlc_say(x, key, "not mapped: %s", r->why);
		else if (r->map(x, r))
			return -1;
	}
	return xlc_kind(x) || xlc_vga(x) ? -1 : 0;
}

/* libxlutil's own messages, each on a line of its own. */
static void xlc_forward(struct xlc *x, char *text)
{
	if (text && *text)
		fprintf(x->report, "%s%s", text,
			text[strlen(text) - 1] == '\n' ? "" : "\n");
	free(text);
}

struct json_object *xlcfg_parse(const char *name, const char *text, int domid,
				FILE *report)
{
	const char *no_xlu = xlu_dl_load();
	if (no_xlu) {
		fprintf(report, "%s: %s\n", name, no_xlu);
		return NULL;
	}

	struct xlc *x = calloc(1, sizeof(*x));
	char *msgs = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&msgs, &len);
	struct json_object *out = NULL;
	int r;

	if (!x || !mem || strlen(text) > SAFEFILE_MAX) {
		fprintf(report, "%s: %s\n", name,
			x && mem ? "too large" : "out of memory");
		goto out;
	}
	*x = (struct xlc){.name = name, .report = mem};
	if (!(x->cfg = XLU.cfg_init(mem, name)))
		goto out;
	if ((r = XLU.cfg_readdata(x->cfg, text, (int)strlen(text)))) {
		fflush(mem); /* its message may lack its newline */
		fprintf(mem, "%s%s: not an xl.cfg file dmctl can read%s%s\n",
			len && msgs[len - 1] != '\n' ? "\n" : "", name,
			r == EINVAL ? "" : ": ",
			r == EINVAL ? "" : strerror(r));
		goto out;
	}
	xlc_scan(x, text);
	x->out = json_object_new_object();
	if (domid > 0)
		json_object_object_add(x->out, "domid",
				       json_object_new_int(domid));
	if (xlc_map(x))
		goto out;
	xlc_vnc(x);
	if (xlc_validate(x))
		goto out;
	out = json_object_get(x->out);
out:
	if (x && x->cfg)
		XLU.cfg_destroy(x->cfg);
	if (mem)
		fclose(mem);
	if (x)
		json_object_put(x->out);
	xlc_forward(&(struct xlc){.report = report}, msgs);
	free(x);
	return out;
}

struct json_object *xlcfg_read(const char *path, int domid, FILE *report)
{
	char *err = NULL;
	char *text = safefile_read(AT_FDCWD, path, 0, SAFEFILE_MAX, &err);
	struct json_object *out;

	if (!text) {
		fprintf(report, "%s\n", err ? err : "out of memory");
		free(err);
		return NULL;
	}
	out = xlcfg_parse(path, text, domid, report);
	free(text);
	return out;
}
