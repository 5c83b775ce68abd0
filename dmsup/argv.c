/*
 * The QEMU command line, one table row per option. A row either prints
 * one value after its flag or, for the lists (disks, nics, extra args),
 * calls a small emitter. Fixed arguments are rows without a value.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmsup/argv.h"
#include "dmsup/dmplan.h"

/* Table rows leave their trailing fields zero on purpose. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

struct argv_buf {
	char **v;
	int n, cap;
	bool oom;
};

struct argv_ctx {
	const struct dm_config *cfg;
	const char *qmp_path;
};

static void argv_add(struct argv_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void argv_add(struct argv_buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (b->oom)
		return;
	if (b->n + 2 > b->cap) {
		int cap = b->cap ? b->cap * 2 : 32;
		char **v = realloc(b->v, cap * sizeof(*v));
		if (!v) {
			b->oom = true;
			return;
		}
		b->v = v;
		b->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		b->oom = true;
		s = NULL;
	}
	va_end(ap);
	b->v[b->n] = s;
	if (s)
		b->n++;
	b->v[b->n] = NULL;
}

/* The planner says which -device a VGA model is, so that what it plans
 * is what QEMU gets. */
static void argv_vga(struct argv_buf *b, const struct argv_ctx *c)
{
	struct dmplan_req r;
	char dev[128];

	if (dmplan_request(c->cfg, &r, NULL) ||
	    plan_vga_device(&r.req, dev, sizeof(dev), NULL) || !*dev)
		return;
	argv_add(b, "-device");
	argv_add(b, "%s", dev);
}

static void argv_disks(struct argv_buf *b, const struct argv_ctx *c)
{
	for (int i = 0; i < c->cfg->n_disks; i++) {
		const struct dm_disk *d = &c->cfg->disks[i];
		argv_add(b, "-drive");
		argv_add(b, "file=%s,if=ide,index=%d,media=%s,format=%s%s",
			 d->path, i, d->media, d->format,
			 d->readonly ? ",readonly=on" : "");
	}
}

static void argv_nics(struct argv_buf *b, const struct argv_ctx *c)
{
	if (!c->cfg->n_nics) {
		argv_add(b, "-net");
		argv_add(b, "none");
	}
	for (int i = 0; i < c->cfg->n_nics; i++) {
		const struct dm_nic *nic = &c->cfg->nics[i];
		argv_add(b, "-netdev");
		if (!strcmp(nic->backend, "tap"))
			argv_add(b,
				 "tap,id=net%d,ifname=%s,script=no,"
				 "downscript=no",
				 i, nic->ifname);
		else
			argv_add(b, "%s,id=net%d", nic->backend, i);
		argv_add(b, "-device");
		argv_add(b, "%s,netdev=net%d%s%s",
			 dmplan_nic_device(nic->model), i,
			 nic->mac ? ",mac=" : "", nic->mac ? nic->mac : "");
	}
}

static void argv_extra(struct argv_buf *b, const struct argv_ctx *c)
{
	for (int i = 0; i < c->cfg->n_extra_args; i++)
		argv_add(b, "%s", c->cfg->extra_args[i]);
}

enum argv_value {
	V_NONE,
	V_DOMID,
	V_NAME,
	V_UUID,
	V_MACHINE,
	V_MEMORY,
	V_VCPUS,
	V_VNC,
	V_SERIAL,
	V_BOOT,
	V_QMP
};

struct argv_opt {
	const char *flag;
	const char *fmt; /* for the value; one %s or %d */
	enum argv_value value;
	bool xen_only;
	void (*emit)(struct argv_buf *, const struct argv_ctx *);
};

static const struct argv_opt argv_opts[] = {
    {"-xen-domid", "%d", V_DOMID, true},
    {"-no-shutdown", NULL, V_NONE, true},
    {"-chardev", "socket,id=dmsup-qmp,path=%s,server=on,wait=off", V_QMP},
    {"-mon", "chardev=dmsup-qmp,mode=control", V_NONE},
    {"-nodefaults"},
    {"-no-user-config"},
    {"-name", "%s", V_NAME},
    {"-uuid", "%s", V_UUID},
    {"-machine", "%s", V_MACHINE},
    {"-m", "%d", V_MEMORY},
    {"-smp", "%d", V_VCPUS},
    {"-display", "none"},
    {"-vnc", "%s", V_VNC},
    {"-serial", "%s", V_SERIAL},
    {"-boot", "order=%s", V_BOOT},
    {.emit = argv_vga},
    {.emit = argv_disks},
    {.emit = argv_nics},
    {.emit = argv_extra},
};

/* The value a row prints: a string, or NULL with *num set. */
static const char *argv_value(const struct argv_ctx *c, enum argv_value v,
			      int *num, bool *skip)
{
	const struct dm_config *cfg = c->cfg;

	*skip = false;
	switch (v) {
	case V_NONE:
		return NULL;
	case V_DOMID:
		*num = cfg->domid;
		return NULL;
	case V_NAME:
		return cfg->name;
	case V_UUID:
		*skip = !cfg->uuid;
		return cfg->uuid;
	case V_MACHINE:
		return cfg->machine;
	case V_MEMORY:
		/* With Xen, as libxl: the guest's memory less the videoram
		 * that QEMU populates on top. */
		*num = cfg->memory;
		if (cfg->xen && strcmp(cfg->vga, "none"))
			*num -= cfg->videoram;
		return NULL;
	case V_VCPUS:
		*num = cfg->vcpus;
		return NULL;
	case V_VNC:
		return cfg->vnc;
	case V_SERIAL:
		return cfg->serial;
	case V_BOOT:
		return cfg->boot;
	case V_QMP:
		return c->qmp_path;
	}
	return NULL;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
char **argv_build(const struct dm_config *cfg, const char *qmp_path)
{
	struct argv_buf b = {0};
	struct argv_ctx c = {cfg, qmp_path};

	argv_add(&b, "%s", cfg->qemu);
	for (size_t i = 0; i < sizeof(argv_opts) / sizeof(argv_opts[0]); i++) {
		const struct argv_opt *o = &argv_opts[i];
		int num = 0;
		bool skip;
		if (o->xen_only && !cfg->xen)
			continue;
		if (o->emit) {
			o->emit(&b, &c);
			continue;
		}
		const char *s = argv_value(&c, o->value, &num, &skip);
		if (skip)
			continue;
		argv_add(&b, "%s", o->flag);
		if (o->fmt && o->value == V_NONE)
			argv_add(&b, "%s", o->fmt);
		else if (o->fmt && s)
			argv_add(&b, o->fmt, s);
		else if (o->fmt)
			argv_add(&b, o->fmt, num);
	}
	if (b.oom) {
		argv_free(b.v);
		return NULL;
	}
	return b.v;
}
#pragma GCC diagnostic pop

void argv_free(char **argv)
{
	for (char **p = argv; p && *p; p++)
		free(*p);
	free(argv);
}
