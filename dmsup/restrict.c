/*
 * The restrict policy (docs/restrict.md): which uid a device model gets,
 * its limits, what of the policy this host or kind cannot give, and the
 * command line that applies it. Nothing here touches the host: the user
 * database is a function the caller passes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmsup/argv.h"
#include "dmsup/restrict-exec.h"
#include "dmsup/restrict.h"

#define RESTRICT_UID_MAX 0x7fff0000L

void restrict_missing(struct restrict_plan *p, const char *what)
{
	for (int i = 0; i < p->n_missing; i++)
		if (!strcmp(p->missing[i], what))
			return;
	if (p->n_missing < RESTRICT_MAX_MISSING)
		p->missing[p->n_missing++] = what;
}

void restrict_no_sandbox(struct restrict_plan *p)
{
	p->sandbox[0] = '\0';
	restrict_missing(p, "sandbox (this QEMU is built without seccomp)");
}

static const char *restrict_mode(const struct dm_config *cfg)
{
	return cfg->rst.mode ? cfg->rst.mode : "auto";
}

int restrict_config_check(const struct dm_config *cfg, char *path,
			  size_t path_len, char *msg, size_t msg_len)
{
	const struct dm_restrict *r = &cfg->rst;
	const char *mode = restrict_mode(cfg);
	bool asked = strcmp(mode, "auto") && strcmp(mode, "off");

	snprintf(path, path_len, "restrict.mode");
	if (asked && config_is_stub(cfg)) {
		snprintf(msg, msg_len,
			 "'%s' is only for kind 'dom0' (a stub domain is "
			 "deprivileged by Xen itself)",
			 mode);
		return -1;
	}
	if (asked && config_adopted(cfg)) {
		snprintf(msg, msg_len,
			 "'%s' is not for device models started by xl yet "
			 "(xl.cfg's dm_restrict applies there)",
			 mode);
		return -1;
	}
	if (!strcmp(mode, "user") && !r->user && !r->uid) {
		snprintf(msg, msg_len,
			 "'user' needs restrict.user or "
			 "restrict.uid");
		return -1;
	}
	if (r->memory_mib > 0 && r->cgroup && !strcmp(r->cgroup, "off")) {
		snprintf(path, path_len, "restrict.memory_mib");
		snprintf(msg, msg_len,
			 "a memory limit needs a cgroup (restrict.cgroup is "
			 "off)");
		return -1;
	}
	if (r->cgroup && strcmp(r->cgroup, "auto") &&
	    strcmp(r->cgroup, "off") &&
	    (config_is_stub(cfg) || config_adopted(cfg))) {
		snprintf(path, path_len, "restrict.cgroup");
		snprintf(msg, msg_len,
			 "a cgroup directory is only for kind 'dom0' started "
			 "by dmsup");
		return -1;
	}
	if (!strcmp(mode, "range") && !cfg->xen) {
		/* Without Xen nothing gives a domid: the range has no
		 * offset. */
		snprintf(msg, msg_len,
			 "'range' needs xen: true (the uid is base + domid)");
		return -1;
	}
	return 0;
}

/* The uid and gid of @name (or of @def when the section names none). */
static int restrict_user(const struct dm_restrict *r, const char *def,
			 restrict_lookup_fn *lookup, uid_t *uid_r, gid_t *gid_r,
			 const char **name_r)
{
	*name_r = r->user ? r->user : def;
	if (r->uid) {
		*uid_r = (uid_t)r->uid;
		*gid_r = (gid_t)(r->gid ? r->gid : r->uid);
		*name_r = NULL;
		return 0;
	}
	if (!*name_r || lookup(*name_r, uid_r, gid_r))
		return -1;
	if (r->gid)
		*gid_r = (gid_t)r->gid;
	return 0;
}

/* A writable disk is written by QEMU: RLIMIT_FSIZE would cut it. */
static bool restrict_writes_files(const struct dm_config *cfg)
{
	for (int i = 0; i < cfg->n_disks; i++) {
		const struct dm_disk *k = &cfg->disks[i];
		if (k->path && !k->readonly &&
		    (!k->media || strcmp(k->media, "cdrom")))
			return true;
	}
	return false;
}

static void restrict_limits(const struct dm_config *cfg,
			    struct restrict_plan *p)
{
	const struct dm_restrict *r = &cfg->rst;

	p->nproc = r->nproc > 0 ? r->nproc : 256;
	if (r->fsize_mib >= 0)
		p->fsize = (long long)r->fsize_mib << 20;
	else if (restrict_writes_files(cfg)) {
		p->fsize = -1;
		restrict_missing(p, "fsize limit (writable disks: set "
				    "restrict.fsize_mib)");
	} else
		p->fsize = 0; /* it has no file of its own to write */
	snprintf(p->sandbox, sizeof(p->sandbox), "%s",
		 r->sandbox ? r->sandbox : RESTRICT_SANDBOX);
	p->domid_restrict = cfg->xen;
	p->mntns = true; /* unless the host cannot (restrict_no_mntns) */
}

int restrict_no_mntns(const struct dm_config *cfg, struct restrict_plan *p,
		      const char *why, char *err, size_t err_len)
{
	if (cfg && strcmp(restrict_mode(cfg), "auto")) {
		snprintf(err, err_len,
			 "no mount namespace (%s): restrict.mode %s needs one "
			 "(auto runs without)",
			 why, restrict_mode(cfg));
		return -1;
	}
	p->mntns = false;
	snprintf(p->mntns_why[0], sizeof(p->mntns_why[0]),
		 "mount namespace (%s)", why);
	snprintf(p->mntns_why[1], sizeof(p->mntns_why[1]),
		 "private /tmp (no mount namespace)");
	restrict_missing(p, p->mntns_why[0]);
	restrict_missing(p, p->mntns_why[1]);
	return 0;
}

/* auto: libxl's users if the host has them, else off (and why). */
static int restrict_auto(const struct dm_config *cfg,
			 restrict_lookup_fn *lookup, struct restrict_plan *p,
			 const char **mode_r)
{
	uid_t u;
	gid_t g;

	if (config_is_stub(cfg) || config_adopted(cfg)) {
		snprintf(p->off_why, sizeof(p->off_why), "%s",
			 config_is_stub(cfg)
			     ? "a stub domain is deprivileged by Xen"
			     : "started by xl: xl.cfg's dm_restrict applies");
		return 1;
	}
	if (cfg->xen && !lookup(RESTRICT_RANGE_USER, &u, &g))
		*mode_r = "range";
	else if (!lookup(RESTRICT_SHARED_USER, &u, &g))
		*mode_r = "shared";
	else {
		snprintf(p->off_why, sizeof(p->off_why),
			 "auto: the host has no user %s%s%s",
			 cfg->xen ? RESTRICT_RANGE_USER : "",
			 cfg->xen ? " or " : "", RESTRICT_SHARED_USER);
		return 1;
	}
	return 0;
}

static int restrict_ids(const struct dm_config *cfg, const char *mode,
			restrict_lookup_fn *lookup, struct restrict_plan *p,
			char *err, size_t err_len)
{
	const struct dm_restrict *r = &cfg->rst;
	const char *def = !strcmp(mode, "range")    ? RESTRICT_RANGE_USER
			  : !strcmp(mode, "shared") ? RESTRICT_SHARED_USER
						    : NULL;
	const char *name;
	uid_t uid;
	gid_t gid;

	if (restrict_user(r, def, lookup, &uid, &gid, &name)) {
		snprintf(err, err_len, "restrict %s: user %s does not exist",
			 mode, name ? name : "(none)");
		return -1;
	}
	p->shared = !strcmp(mode, "shared");
	if (!strcmp(mode, "range")) {
		if (cfg->domid < 1) {
			snprintf(err, err_len,
				 "restrict range: no domid for the offset");
			return -1;
		}
		snprintf(p->how, sizeof(p->how), "range %s (%ld) + %d",
			 name ? name : "uid", (long)uid, cfg->domid);
		uid += (uid_t)cfg->domid;
	} else
		snprintf(p->how, sizeof(p->how), "%s %s", mode,
			 name ? name : "uid");
	if (uid == 0 || gid == 0 || (long)uid > RESTRICT_UID_MAX) {
		snprintf(err, err_len,
			 "restrict %s: uid %ld gid %ld is not a device model's "
			 "(root, or above %ld)",
			 mode, (long)uid, (long)gid, RESTRICT_UID_MAX);
		return -1;
	}
	p->uid = uid;
	p->gid = gid;
	return 0;
}

int restrict_resolve(const struct dm_config *cfg, bool root,
		     restrict_lookup_fn *lookup, struct restrict_plan *p,
		     char *err, size_t err_len)
{
	const char *mode = restrict_mode(cfg);

	memset(p, 0, sizeof(*p));
	*err = '\0';
	if (!strcmp(mode, "off")) {
		snprintf(p->off_why, sizeof(p->off_why), "restrict.mode off");
		return 0;
	}
	if (!strcmp(mode, "auto") && restrict_auto(cfg, lookup, p, &mode))
		return 0;
	if (!root) {
		if (!strcmp(restrict_mode(cfg), "auto")) {
			snprintf(p->off_why, sizeof(p->off_why),
				 "auto: dmsup is not root");
			return 0;
		}
		snprintf(err, err_len,
			 "restrict %s: dmsup is not root (it cannot give a "
			 "device model another uid)",
			 mode);
		return -1;
	}
	if (restrict_ids(cfg, mode, lookup, p, err, err_len))
		return -1;
	p->on = true;
	restrict_limits(cfg, p);
	return 0;
}

static char *restrict_fmt(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static char *restrict_fmt(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

char **restrict_argv(char **qemu, const struct restrict_plan *p,
		     const char *chroot, const char *cgroup, const char *tramp)
{
	int n = 0;
	char **v;

	if (!qemu)
		return NULL;
	while (qemu[n])
		n++;
	v = calloc((size_t)n + 24, sizeof(*v));
	if (!v) {
		argv_free(qemu);
		return NULL;
	}
	int k = 0, bad = 0;
#define PUT(expr) ((v[k] = (expr)) ? (void)k++ : (void)bad++)
	PUT(strdup(tramp));
	PUT(strdup(RESTRICT_EXEC_OPT));
	PUT(strdup("--nproc"));
	PUT(restrict_fmt("%d", p->nproc));
	PUT(strdup("--fsize"));
	PUT(restrict_fmt("%lld", p->fsize));
	PUT(strdup("--cgroup"));
	PUT(strdup(cgroup ? cgroup : ""));
	if (p->mntns) {
		PUT(strdup("--mntns"));
		PUT(strdup(chroot));
	}
	PUT(strdup("--"));
	for (int i = 0; i < n; i++)
		PUT(strdup(qemu[i]));
	PUT(strdup("-runas"));
	PUT(restrict_fmt("%ld:%ld", (long)p->uid, (long)p->gid));
	PUT(strdup("-chroot"));
	PUT(strdup(chroot));
	if (*p->sandbox) {
		PUT(strdup("-sandbox"));
		PUT(strdup(p->sandbox));
	}
	if (p->domid_restrict)
		PUT(strdup("-xen-domid-restrict"));
#undef PUT
	argv_free(qemu);
	if (bad) {
		argv_free(v);
		return NULL;
	}
	return v;
}

struct json_object *restrict_plan_json(const struct restrict_plan *p,
				       const char *chroot)
{
	struct json_object *o = json_object_new_object();
	struct json_object *m = json_object_new_array();

	json_object_object_add(o, "enabled", json_object_new_boolean(p->on));
	if (!p->on) {
		json_object_object_add(o, "why",
				       json_object_new_string(p->off_why));
		json_object_put(m);
		return o;
	}
	json_object_object_add(o, "uid", json_object_new_int((int)p->uid));
	json_object_object_add(o, "gid", json_object_new_int((int)p->gid));
	json_object_object_add(o, "user", json_object_new_string(p->how));
	if (chroot)
		json_object_object_add(o, "chroot",
				       json_object_new_string(chroot));
	if (*p->sandbox)
		json_object_object_add(o, "sandbox",
				       json_object_new_string(p->sandbox));
	json_object_object_add(o, "xen_domid_restrict",
			       json_object_new_boolean(p->domid_restrict));
	json_object_object_add(o, "nproc", json_object_new_int(p->nproc));
	json_object_object_add(o, "fsize", json_object_new_int64(p->fsize));
	json_object_object_add(o, "core", json_object_new_int(0));
	json_object_object_add(o, "no_new_privs",
			       json_object_new_boolean(true));
	json_object_object_add(o, "mount_ns",
			       json_object_new_boolean(p->mntns));
	for (int i = 0; i < p->n_missing; i++)
		json_object_array_add(m, json_object_new_string(p->missing[i]));
	json_object_object_add(o, "missing", m);
	return o;
}
