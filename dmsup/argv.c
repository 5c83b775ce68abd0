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
#include "dmsup/devspec.h"
#include "dmsup/kind/dmplan.h"
#include "dmsup/spawn.h"

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
	char machine[160]; /* upstream QEMU's -machine (argv_machine) */
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

/*
 * Per-device hooks: what a kind gives QEMU for each disk and NIC. The
 * generic emitters below turn the result into -drive/-device/-netdev, so
 * a kind changes only where a device's data comes from.
 */
struct argv_disk {
	struct devspec_slot slot;
	const char *path;   /* NULL: an empty CD-ROM drive */
	const char *format; /* QEMU's name */
	char devpath[16];   /* a stub's /dev/xvdX, when path points here */
};

struct argv_nic {
	char mac[18];
	char ifname[16];
	const char *script;
};

struct argv_dev_hooks {
	/* 0, or -1 to leave the device out of the argv. */
	int (*disk)(const struct argv_ctx *, int i, struct argv_disk *);
	int (*nic)(const struct argv_ctx *, int i, struct argv_nic *);
};

/* dom0: QEMU opens the image itself and runs the tap hook script. */
static int argv_disk_dom0(const struct argv_ctx *c, int i,
			  struct argv_disk *out)
{
	const struct dm_disk *d = &c->cfg->disks[i];
	char why[160];

	if (devspec_disk_slot(d, &out->slot, why, sizeof(why)))
		return -1; /* config_from_json refused it already */
	out->path = d->path;
	out->format = devspec_qemu_format(d->format);
	return 0;
}

/*
 * stubdom-linux: the i-th disk is the stub's i-th PV vbd (the keeper's
 * --vbd, stubkeep/stubvbd.h), so QEMU in the stub opens /dev/xvd<a+i>.
 * The format stays the image's: the vbd passes its bytes through.
 */
static int argv_disk_stub_linux(const struct argv_ctx *c, int i,
				struct argv_disk *out)
{
	if (argv_disk_dom0(c, i, out))
		return -1;
	snprintf(out->devpath, sizeof(out->devpath), "/dev/xvd%c", 'a' + i);
	if (out->path)
		out->path = out->devpath;
	return 0;
}

static int argv_nic_dom0(const struct argv_ctx *c, int i, struct argv_nic *out)
{
	devspec_nic_mac(c->cfg, i, out->mac);
	devspec_nic_ifname(c->cfg, i, out->ifname);
	out->script = c->cfg->nics[i].script;
	return 0;
}

/*
 * stubdom-linux: the tap is in the stub, where dm-launch has put it on
 * the bridge to the stub's vif i (the keeper's --vif) before QEMU opens
 * it; dom0's end is vif<stub>.<i>, on the NIC's bridge. So no script.
 */
static int argv_nic_stub_linux(const struct argv_ctx *c, int i,
			       struct argv_nic *out)
{
	argv_nic_dom0(c, i, out);
	out->script = "no";
	return 0;
}

static const struct argv_dev_hooks argv_hooks[] = {
    [DM_KIND_DOM0] = {argv_disk_dom0, argv_nic_dom0},
    [DM_KIND_STUBDOM_LINUX] = {argv_disk_stub_linux, argv_nic_stub_linux},
    [DM_KIND_STUBDOM_MINIOS] = {argv_disk_dom0, argv_nic_dom0},
};

static const struct argv_dev_hooks *argv_hooks_of(const struct argv_ctx *c)
{
	return &argv_hooks[config_kind(c->cfg)];
}

static bool argv_is_cd(const struct dm_disk *d)
{
	return !strcmp(d->media, "cdrom");
}

/* As libxl: one controller for the SCSI disks, ahead of other devices. */
static void argv_scsi(struct argv_buf *b, const struct argv_ctx *c)
{
	for (int i = 0; i < c->cfg->n_disks; i++) {
		const struct dm_disk *d = &c->cfg->disks[i];
		if (!argv_is_cd(d) && d->vdev && !strncmp(d->vdev, "sd", 2)) {
			argv_add(b, "-device");
			argv_add(b, "lsi53c895a");
			return;
		}
	}
}

/* A CD-ROM: a drive of its own and an ide-cd with libxl's id. */
static void argv_cdrom(struct argv_buf *b, const struct argv_disk *a)
{
	int bus = a->slot.index / 2, unit = a->slot.index % 2;

	argv_add(b, "-drive");
	if (a->path)
		argv_add(b, "if=none,readonly=on,id=ide-%d,file=%s,format=%s",
			 a->slot.devnum, a->path, a->format);
	else
		argv_add(b, "if=none,readonly=on,id=ide-%d", a->slot.devnum);
	argv_add(b, "-device");
	argv_add(b, "ide-cd,id=ide-%d,drive=ide-%d,bus=ide.%d,unit=%d",
		 a->slot.devnum, a->slot.devnum, bus, unit);
}

static void argv_disks(struct argv_buf *b, const struct argv_ctx *c)
{
	for (int i = 0; i < c->cfg->n_disks; i++) {
		const struct dm_disk *d = &c->cfg->disks[i];
		struct argv_disk a = {0};
		if (argv_hooks_of(c)->disk(c, i, &a))
			continue;
		if (argv_is_cd(d)) {
			argv_cdrom(b, &a);
			continue;
		}
		argv_add(b, "-drive");
		if (a.slot.bus == DEVSPEC_SCSI) {
			argv_add(b,
				 "file=%s,id=scsi0-hd%d,format=%s,if=none,"
				 "readonly=%s,cache=writeback",
				 a.path, a.slot.index, a.format,
				 d->readonly ? "on" : "off");
			argv_add(b, "-device");
			argv_add(b, "scsi-hd,drive=scsi0-hd%d,scsi-id=%d",
				 a.slot.index, a.slot.index);
			continue;
		}
		argv_add(b,
			 "file=%s,if=ide,index=%d,media=disk,format=%s,"
			 "cache=writeback",
			 a.path, a.slot.index, a.format);
	}
}

/* As libxl: the -device first, then its -netdev; ids nic<i>, net<i>. */
static void argv_nics(struct argv_buf *b, const struct argv_ctx *c)
{
	if (!c->cfg->n_nics) {
		argv_add(b, "-net");
		argv_add(b, "none");
	}
	for (int i = 0; i < c->cfg->n_nics; i++) {
		const struct dm_nic *nic = &c->cfg->nics[i];
		struct argv_nic a = {0};
		if (argv_hooks_of(c)->nic(c, i, &a))
			continue;
		argv_add(b, "-device");
		argv_add(b, "%s,id=nic%d,netdev=net%d,mac=%s",
			 dmplan_nic_device(nic->model), i, i, a.mac);
		argv_add(b, "-netdev");
		if (!strcmp(nic->backend, "tap"))
			argv_add(b,
				 "type=tap,id=net%d,ifname=%s,br=%s,script=%s,"
				 "downscript=no",
				 i, a.ifname, nic->bridge, a.script);
		else
			argv_add(b, "type=%s,id=net%d", nic->backend, i);
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
	V_MACHINE_UPSTREAM,
	V_MEMORY,
	V_VCPUS,
	V_VNC,
	V_SERIAL,
	V_BOOT,
	V_QMP
};

/* A row printed only when this says so (NULL: always). */
typedef bool argv_when(const struct dm_config *);

static bool argv_smp_wanted(const struct dm_config *cfg)
{
	return cfg->vcpus > 1; /* as libxl: QEMU's default is one */
}

struct argv_opt {
	const char *flag;
	const char *fmt; /* for the value; one %s or %d */
	enum argv_value value;
	bool xen_only;
	void (*emit)(struct argv_buf *, const struct argv_ctx *);
	bool dom0_only; /* a stub domain's QEMU gets its own QMP socket */
	argv_when *when;
};

/* Upstream QEMU: kind dom0, and kind stubdom-linux without the rows
 * marked dom0_only. */
static const struct argv_opt argv_opts[] = {
    /* In libxl's order (docs/argv-libxl.md). */
    {"-xen-domid", "%d", V_DOMID, true},
    {"-no-shutdown", NULL, V_NONE, true},
    {"-chardev", "socket,id=dmsup-qmp,path=%s,server=on,wait=off", V_QMP,
     .dom0_only = true},
    {"-mon", "chardev=dmsup-qmp,mode=control", V_NONE, .dom0_only = true},
    {"-nodefaults"},
    {"-no-user-config"},
    {"-name", "%s", V_NAME},
    {"-uuid", "%s", V_UUID},
    {"-vnc", "%s", V_VNC},
    {"-display", "none"},
    {.emit = argv_scsi},
    {"-serial", "%s", V_SERIAL},
    {.emit = argv_vga},
    {"-boot", "order=%s", V_BOOT},
    {"-smp", "%d", V_VCPUS, .when = argv_smp_wanted},
    {.emit = argv_nics},
    {.emit = argv_extra},
    {"-machine", "%s", V_MACHINE_UPSTREAM},
    {"-m", "%d", V_MEMORY},
    {.emit = argv_disks},
};

/* qemu-traditional's options, as a MiniOS stub's QEMU takes them. */
static void argv_trad_serial(struct argv_buf *b, const struct argv_ctx *c)
{
	if (strcmp(c->cfg->serial, "none")) {
		argv_add(b, "-serial");
		argv_add(b, "%s", c->cfg->serial);
	}
}

static void argv_trad_vga(struct argv_buf *b, const struct argv_ctx *c)
{
	const char *vga = c->cfg->vga;

	if (!strcmp(vga, "none")) {
		argv_add(b, "-vga");
		argv_add(b, "none");
		return;
	}
	argv_add(b, "-videoram");
	argv_add(b, "%d", c->cfg->videoram);
	/* Cirrus is qemu-traditional's default card. */
	if (!strcmp(vga, "std"))
		argv_add(b, "-std-vga");
}

/* -vcpu_avail: the mask of online vCPUs, in hex (all of them here). */
static void argv_trad_vcpus(struct argv_buf *b, const struct argv_ctx *c)
{
	int n = c->cfg->vcpus;
	char mask[64] = "0x";
	size_t len = 2;

	if (n > 1) {
		argv_add(b, "-vcpus");
		argv_add(b, "%d", n);
	}
	if (n % 4)
		mask[len++] = "0137"[n % 4];
	for (int i = 0; i < n / 4 && len + 1 < sizeof(mask); i++)
		mask[len++] = 'f';
	mask[len] = '\0';
	argv_add(b, "-vcpu_avail");
	argv_add(b, "%s", mask);
}

static const struct argv_opt argv_trad_opts[] = {
    {"-d", "%d", V_DOMID},
    {"-domain-name", "%s", V_NAME},
    {"-nographic"},
    {.emit = argv_trad_serial},
    {.emit = argv_trad_vga},
    {"-boot", "%s", V_BOOT},
    {"-acpi"},
    {.emit = argv_trad_vcpus},
    {"-net", "none"},
    {.emit = argv_extra},
    {"-M", "%s", V_MACHINE},
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
	case V_MACHINE_UPSTREAM:
		return c->machine;
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
static void argv_table(struct argv_buf *b, const struct argv_ctx *c,
		       const struct argv_opt *opts, size_t n)
{
	const struct dm_config *cfg = c->cfg;

	for (size_t i = 0; i < n; i++) {
		const struct argv_opt *o = &opts[i];
		int num = 0;
		bool skip;
		if ((o->xen_only && !cfg->xen) ||
		    (o->dom0_only && config_is_stub(cfg)) ||
		    (o->when && !o->when(cfg)))
			continue;
		if (o->emit) {
			o->emit(b, c);
			continue;
		}
		const char *s = argv_value(c, o->value, &num, &skip);
		if (skip)
			continue;
		argv_add(b, "%s", o->flag);
		if (o->fmt && o->value == V_NONE)
			argv_add(b, "%s", o->fmt);
		else if (o->fmt && s)
			argv_add(b, o->fmt, s);
		else if (o->fmt)
			argv_add(b, o->fmt, num);
	}
}
#pragma GCC diagnostic pop

static char **argv_done(struct argv_buf *b)
{
	if (b->oom) {
		argv_free(b->v);
		return NULL;
	}
	return b->v;
}

/* As libxl: no VM description in the migration stream with Xen (the
 * toolstack's own format carries the device state). */
static void argv_machine(struct argv_ctx *c)
{
	const char *m = c->cfg->machine;

	snprintf(c->machine, sizeof(c->machine), "%s%s", m,
		 c->cfg->xen && !strstr(m, "suppress-vmdesc")
		     ? ",suppress-vmdesc=on"
		     : "");
}

static void argv_build_into(struct argv_buf *b, const struct dm_config *cfg,
			    const char *qmp_path);

char **argv_build(const struct dm_config *cfg, const char *qmp_path)
{
	struct argv_buf b = {0};

	argv_build_into(&b, cfg, qmp_path);
	return argv_done(&b);
}

/*
 * QEMU waits for migrate-incoming (dmrestore.c). xen-save-devices-state
 * writes no configuration section: under Xen the accelerator turns
 * send-configuration off itself; without Xen it is said here, or the
 * load fails with "Configuration section missing" (seen with 7.2).
 */
char **argv_build_restore(const struct dm_config *cfg, const char *qmp_path)
{
	struct argv_buf b = {0};

	argv_build_into(&b, cfg, qmp_path);
	argv_add(&b, "-incoming");
	argv_add(&b, "defer");
	if (!cfg->xen) {
		argv_add(&b, "-global");
		argv_add(&b, "migration.send-configuration=off");
	}
	return argv_done(&b);
}

static void argv_build_into(struct argv_buf *b, const struct dm_config *cfg,
			    const char *qmp_path)
{
	struct argv_ctx c = {cfg, qmp_path, ""};

	argv_machine(&c);
	/* A stub's QEMU binary is in its image: argv[0] is never passed. */
	argv_add(b, "%s", config_is_stub(cfg) ? "stubdom-dm" : cfg->qemu);
	if (config_kind(cfg) == DM_KIND_STUBDOM_MINIOS)
		argv_table(b, &c, argv_trad_opts,
			   sizeof(argv_trad_opts) / sizeof(*argv_trad_opts));
	else
		argv_table(b, &c, argv_opts,
			   sizeof(argv_opts) / sizeof(*argv_opts));
}

unsigned long argv_stub_memory_mib(const struct dm_config *cfg)
{
	struct plan *plan = malloc(sizeof(*plan));
	unsigned long mib = 0;

	if (plan && !dmplan_compute(cfg, false, plan, NULL))
		mib = (unsigned long)((plan->stubdom_pages * PLAN_PAGE_SIZE +
				       (1 << 20) - 1) >>
				      20);
	free(plan);
	if (!mib)
		mib = cfg->stubdom_memory ? (unsigned long)cfg->stubdom_memory
		      : config_kind(cfg) == DM_KIND_STUBDOM_LINUX
			  ? PLAN_STUBDOM_LINUX_MIB
			  : PLAN_STUBDOM_MINIOS_MIB;
	return mib;
}

/* The target's disks, in order: the stub's xvda, xvdb...; and its NICs,
 * in order: the stub's vif 0, 1... (config.c refuses both for the other
 * stub kind, and empty CD-ROM drives); they must connect while the stub
 * boots, so within its readiness timeout. */
static void argv_keeper_devs(struct argv_buf *b, const struct dm_config *cfg)
{
	char mac[18];

	for (int i = 0; i < cfg->n_disks; i++) {
		const struct dm_disk *d = &cfg->disks[i];
		argv_add(b, "--vbd");
		if (!d->path) /* an empty CD drive: its xvd name is kept */
			argv_add(b, "cdrom-empty");
		else
			argv_add(b, "%s:%s",
				 argv_is_cd(d) ? "cdrom"
				 : d->readonly ? "disk-ro"
					       : "disk",
				 d->path);
	}
	for (int i = 0; i < cfg->n_nics; i++) {
		devspec_nic_mac(cfg, i, mac);
		argv_add(b, "--vif");
		argv_add(b, "mac=%s,bridge=%s", mac, cfg->nics[i].bridge);
	}
	if (cfg->n_disks || cfg->n_nics) {
		argv_add(b, "--dev-timeout");
		argv_add(b, "%d", cfg->ready_timeout);
	}
}

/* The stub keeper's command line (the contract in KEEPER.md). */
static void argv_keeper(struct argv_buf *b, const struct dm_config *cfg,
			const struct argv_keeper_run *run, char **qemu)
{
	const char *self_exe = run->self_exe;
	bool linux_kind = config_kind(cfg) == DM_KIND_STUBDOM_LINUX;

	argv_add(b, "%s", self_exe);
	argv_add(b, "--stub-keeper");
	argv_add(b, "--kind");
	argv_add(b, "%s", linux_kind ? "linux" : "minios");
	argv_add(b, "--target");
	argv_add(b, "%d", cfg->domid);
	argv_add(b, "--kernel");
	argv_add(b, "%s", cfg->stubdom_kernel);
	if (cfg->stubdom_ramdisk) {
		argv_add(b, "--ramdisk");
		argv_add(b, "%s", cfg->stubdom_ramdisk);
	}
	if (cfg->stubdom_cmdline) {
		argv_add(b, "--cmdline");
		argv_add(b, "%s", cfg->stubdom_cmdline);
	}
	argv_add(b, "--memory");
	argv_add(b, "%lu", argv_stub_memory_mib(cfg));
	argv_keeper_devs(b, cfg);
	if (linux_kind && run->ctl) {
		argv_add(b, "--ctl");
		argv_add(b, "%s", run->ctl);
	}
	/* The stub's QEMU loads from console 2, which the keeper feeds from
	 * its fd SPAWN_QMP_FD; the stub names the fd (stubdom protocol). */
	if (linux_kind && run->restore) {
		argv_add(b, "--restore-fd");
		argv_add(b, "%d", SPAWN_QMP_FD);
	}
	argv_add(b, "--");
	for (char **p = qemu + 1; *p; p++)
		argv_add(b, "%s", *p);
	if (linux_kind && run->restore) {
		argv_add(b, "-incoming");
		argv_add(b, "%s", ARGV_STUB_RESTORE_ARG);
	}
}

char **argv_build_spawn(const struct dm_config *cfg, const char *qmp_path,
			const struct argv_keeper_run *run)
{
	char **qemu = argv_build(cfg, qmp_path);
	struct argv_buf b = {0};

	if (!qemu || !config_is_stub(cfg))
		return qemu;
	argv_keeper(&b, cfg, run, qemu);
	argv_free(qemu);
	return argv_done(&b);
}

int argv_qmp_on_fd(char **argv, int fd)
{
	static const char head[] = "socket,id=dmsup-qmp,";
	char *s;

	for (char **p = argv; *p; p++) {
		if (strncmp(*p, head, sizeof(head) - 1))
			continue;
		if (asprintf(&s, "%sfd=%d,server=on,wait=off", head, fd) < 0)
			return -1;
		free(*p);
		*p = s;
	}
	return 0;
}

void argv_free(char **argv)
{
	for (char **p = argv; p && *p; p++)
		free(*p);
	free(argv);
}
