/* The pure parts of dmsup-qemu-dm: its config, libxl's argv, QEMU's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropin/dropin.h"

static void conf_defaults(struct dropin_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->qemu, sizeof(c->qemu), "%s", DROPIN_QEMU);
	snprintf(c->control, sizeof(c->control), "%s", DROPIN_CONTROL);
	c->timeout_ms = DROPIN_TIMEOUT_MS;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int conf_path(char *dst, size_t size, const char *v)
{
	if (v[0] != '/' || strlen(v) >= size)
		return -1;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

/* One "key = value" pair; -1 with a reason for the caller's message. */
static int conf_set(struct dropin_conf *c, const char *k, const char *v,
		    const char **why)
{
	char *end;
	long n;

	if (!strcmp(k, "qemu")) {
		*why = "qemu must be an absolute path of at most 255 bytes";
		return conf_path(c->qemu, sizeof(c->qemu), v);
	}
	if (!strcmp(k, "control")) {
		*why = "control must be an absolute path of at most 107 bytes";
		return conf_path(c->control, sizeof(c->control), v);
	}
	if (!strcmp(k, "timeout_ms")) {
		*why = "timeout_ms must be a number from 1 to 60000";
		n = strtol(v, &end, 10);
		if (!*v || *end || n < 1 || n > 60000)
			return -1;
		c->timeout_ms = (int)n;
		return 0;
	}
	if (!strcmp(k, "on_no_dmsup")) {
		*why = "on_no_dmsup must be fail-open or fail-closed";
		if (strcmp(v, "fail-open") && strcmp(v, "fail-closed"))
			return -1;
		c->fail_closed = !strcmp(v, "fail-closed");
		return 0;
	}
	if (!strcmp(k, "on_dm_crash")) {
		*why = "on_dm_crash must be crash-domain or report";
		if (strcmp(v, "crash-domain") && strcmp(v, "report"))
			return -1;
		c->crash_report = !strcmp(v, "report");
		return 0;
	}
	*why = "unknown key (known: qemu, control, timeout_ms, on_no_dmsup, "
	       "on_dm_crash)";
	return -1;
}

int dropin_conf_parse(struct dropin_conf *c, const char *text, char *err,
		      size_t len)
{
	char line[512];
	const char *p = text, *why = "";
	int lineno = 0;

	conf_defaults(c);
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *s, *eq;

		lineno++;
		if (n >= sizeof(line)) {
			snprintf(err, len, "line %d: longer than %zu bytes",
				 lineno, sizeof(line) - 1);
			return -1;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl ? nl + 1 : NULL;
		s = trim(line);
		if (!*s || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, len, "line %d: expected key = value",
				 lineno);
			return -1;
		}
		*eq = '\0';
		if (conf_set(c, trim(s), trim(eq + 1), &why)) {
			snprintf(err, len, "line %d: %s", lineno, why);
			return -1;
		}
	}
	return 0;
}

void dropin_scan_argv(int argc, char *const argv[], struct dropin_guest *g)
{
	g->domid = -1;
	g->name = NULL;
	for (int i = 1; i < argc; i++) {
		/* A qdisk backend for a PV guest attaches to the domain:
		 * libxl runs it through the same override; not ours. */
		if (!strcmp(argv[i], "-xen-attach")) {
			g->domid = -1;
			return;
		}
	}
	for (int i = 1; i + 1 < argc; i++) {
		char *end;
		long n;

		if (!strcmp(argv[i], "-xen-domid")) {
			n = strtol(argv[i + 1], &end, 10);
			if (*argv[i + 1] && !*end && n > 0 && n < 0x7ff0)
				g->domid = (int)n;
		} else if (!strcmp(argv[i], "-name")) {
			g->name = argv[i + 1];
		}
	}
}

char **dropin_qemu_argv(const char *qemu, int argc, char *const argv[],
			int qmp_fd)
{
	char **v = calloc((size_t)argc + 5, sizeof(*v));
	int n = 0;

	if (!v)
		return NULL;
	v[n++] = (char *)qemu;
	for (int i = 1; i < argc; i++)
		v[n++] = argv[i];
	if (qmp_fd < 0)
		return v;
	/* dmsup's own monitor; libxl's stays as libxl asked for it. */
	v[n++] = strdup("-chardev");
	if (asprintf(&v[n++], "socket,id=%s,fd=%d,server=on,wait=off",
		     DROPIN_MON_ID, qmp_fd) < 0)
		v[n - 1] = NULL;
	v[n++] = strdup("-mon");
	v[n++] = strdup("chardev=" DROPIN_MON_ID ",mode=control");
	for (int i = argc; i < n; i++) {
		if (!v[i]) {
			dropin_argv_free(v, argc);
			return NULL;
		}
	}
	return v;
}

void dropin_argv_free(char **v, int argc)
{
	if (!v)
		return;
	/* The four monitor strings; NULL slots when there were none (the
	 * array has room for them and the terminator). */
	for (int i = argc; i < argc + 4; i++)
		free(v[i]);
	free(v);
}
