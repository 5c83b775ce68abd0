/*
 * A domain's restricted run: the plan of this run (restrict.c), its
 * chroot (an empty directory of root's, mode 0555, in the runtime dir),
 * the reaper of its uid (reaper.c), and the argv of the exec
 * trampoline (restrict-exec.c) that sets what QEMU cannot set itself.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dmsup/domain.h"
#include "dmsup/dmsup.h"
#include "dmsup/log.h"
#include "dmsup/reaper.h"
#include "dmsup/restrict-cg.h"
#include "dmsup/restrict-ns.h"
#include "dmsup/restrict-rom.h"
#include "dmsup/restrict-run.h"
#include "dmsup/restrict-seen.h"
#include "dmsup/restrict.h"
#include "dmsup/usercache.h"

/* How much of QEMU's binary is searched for its libseccomp. */
#define RESTRICT_ELF_HEAD (1 << 20)

struct restrict_run {
	struct restrict_plan plan;
	char *chroot;
	struct restrict_cg cg;
	struct reaper_waiter *wait;
	restrict_resume_fn *resume;
	struct domain *d;
	bool waited;   /* this start waited for the reaper once */
	bool died;     /* the reaper was started for this run */
	bool by_libxl; /* adopted from xl: the plan is what /proc showed */
	struct restrict_seen seen;
};

/* "domid N (name)", as the log names a domain. */
static const char *restrict_label(const struct domain *d)
{
	static char label[96];

	snprintf(label, sizeof(label), "domid %d (%s)", d->cfg.domid,
		 d->cfg.name);
	return label;
}

/*
 * Whether @qemu links libseccomp (else -sandbox is an error: Debian's
 * qemu-system-xen has none). The dynamic section's strings are at the
 * file's start; the answer is kept per binary (inode and mtime).
 */
static bool restrict_qemu_has_seccomp(const char *qemu)
{
	static struct {
		dev_t dev;
		ino_t ino;
		struct timespec mtime;
		bool known, has;
	} cache;
	static const char needle[] = "libseccomp.so";
	struct stat st;
	char *buf;
	ssize_t n;
	int fd;

	if (stat(qemu, &st))
		return true; /* the spawn says what is wrong */
	if (cache.known && cache.dev == st.st_dev && cache.ino == st.st_ino &&
	    cache.mtime.tv_sec == st.st_mtim.tv_sec &&
	    cache.mtime.tv_nsec == st.st_mtim.tv_nsec)
		return cache.has;
	if ((fd = open(qemu, O_RDONLY | O_CLOEXEC)) < 0)
		return true;
	buf = malloc(RESTRICT_ELF_HEAD);
	n = buf ? read(fd, buf, RESTRICT_ELF_HEAD) : -1;
	close(fd);
	bool has = n < 0 || memmem(buf, (size_t)n, needle, sizeof(needle) - 1);
	free(buf);
	cache.dev = st.st_dev;
	cache.ino = st.st_ino;
	cache.mtime = st.st_mtim;
	cache.known = true;
	cache.has = has;
	return has;
}

/* An empty directory of root's that nobody else may write. */
static int restrict_make_chroot(const char *path, char *err, size_t len)
{
	struct stat st;
	DIR *dir;
	struct dirent *de;
	int n = 0;

	/* ROMs a crashed dmsup left (its own, root's) are not a reason. */
	restrict_rom_clear(path);
	if (mkdir(path, 0555) && errno != EEXIST) {
		snprintf(err, len, "chroot %s: %s", path, strerror(errno));
		return -1;
	}
	if (lstat(path, &st) || !S_ISDIR(st.st_mode) || st.st_uid != 0) {
		snprintf(err, len, "chroot %s: not a directory of root's",
			 path);
		return -1;
	}
	if (chmod(path, 0555) || !(dir = opendir(path))) {
		snprintf(err, len, "chroot %s: %s", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(dir)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(dir);
	if (n) {
		snprintf(err, len, "chroot %s is not empty", path);
		return -1;
	}
	return 0;
}

static void restrict_run_waited_cb(void *arg, bool ok)
{
	struct restrict_run *r = arg;

	r->wait = NULL;
	r->resume(r->d);
}

/* Another live run with the same uid (not shared) would be reaped too. */
static const struct domain *restrict_uid_user(const struct domain *d)
{
	for (const struct domain *o = d->sup->domains; o; o = o->next)
		if (o != d && o->pid && o->rst && o->rst->plan.on &&
		    !o->rst->plan.shared &&
		    o->rst->plan.uid == d->rst->plan.uid)
			return o;
	return NULL;
}

/* The last run's reaper of this uid: 1 to wait, 0 clear, -1 failed. */
static int restrict_run_reaper(struct domain *d, char *err, size_t len)
{
	struct restrict_run *r = d->rst;
	const char *st = reaper_state(r->plan.uid);

	if (r->plan.shared || !st || !strcmp(st, "done"))
		return 0;
	if (!strcmp(st, "failed") && !r->waited) {
		/* Another try, which this start waits for. */
		reaper_start(d->sup->base, r->plan.uid, r->plan.gid,
			     d->cfg.rst.reap_timeout, restrict_label(d));
		st = reaper_state(r->plan.uid);
		if (!strcmp(st, "done"))
			return 0;
	}
	if (!strcmp(st, "reaping") && !r->waited) {
		r->waited = true;
		r->wait = reaper_wait(r->plan.uid, restrict_run_waited_cb, r);
		if (r->wait)
			return 1;
	}
	snprintf(err, len,
		 "%d process%s of uid %ld from its last run still alive "
		 "after %d s",
		 reaper_left(r->plan.uid),
		 reaper_left(r->plan.uid) == 1 ? "" : "es", (long)r->plan.uid,
		 d->cfg.rst.reap_timeout);
	return -1;
}

/* Whether the host gives the mount namespace (else named, or refused). */
static int restrict_run_mntns(struct domain *d, char *err, size_t len)
{
	/* What the host gives does not change while dmsup runs: one probe
	 * that passed serves every later start (each is a fork of dmsup). A
	 * trampoline that fails later still says why in the DM's log. */
	static bool host_ok;
	struct restrict_run *r = d->rst;
	char why[160];

	if (!r->plan.mntns)
		return 0;
	/* Made before the spawn: the trampoline binds it into the tmpfs. */
	if (restrict_rom_dir(r->chroot)) {
		snprintf(err, len, "chroot %s/rom: %s", r->chroot,
			 strerror(errno));
		return -1;
	}
	if (host_ok || !restrict_ns_probe(r->chroot, why, sizeof(why))) {
		host_ok = true;
		return 0;
	}
	restrict_rom_clear(r->chroot);
	log_warnx("%s: restrict: no mount namespace: %s", restrict_label(d),
		  why);
	return restrict_no_mntns(&d->cfg, &r->plan, why, err, len);
}

static int restrict_run_setup(struct domain *d, char *err, size_t len)
{
	struct restrict_run *r = d->rst;
	const struct domain *o;

	if (restrict_resolve(&d->cfg, geteuid() == 0, usercache_getpw, &r->plan,
			     err, len))
		return -1;
	if (!r->plan.on)
		return 0;
	if ((o = restrict_uid_user(d))) {
		snprintf(err, len, "uid %ld is already %s's device model's",
			 (long)r->plan.uid, o->cfg.name);
		return -1;
	}
	if (*r->plan.sandbox && !restrict_qemu_has_seccomp(d->cfg.qemu))
		restrict_no_sandbox(&r->plan);
	if (restrict_cg_setup(&r->cg, d, &r->plan, err, len))
		return -1;
	free(r->chroot);
	if (asprintf(&r->chroot, "%s/%s.root", d->sup->run_dir, d->cfg.name) <
	    0) {
		r->chroot = NULL;
		snprintf(err, len, "out of memory");
		return -1;
	}
	if (restrict_make_chroot(r->chroot, err, len))
		return -1;
	return restrict_run_mntns(d, err, len);
}

int restrict_run_prepare(struct domain *d, restrict_resume_fn *resume,
			 const char **err_r)
{
	static char err[512];
	char why[448];
	int rc;

	/* A start that waited comes back here with its run kept. */
	if (!d->rst || d->rst->died || !d->rst->waited) {
		restrict_run_free(d);
		if (!(d->rst = calloc(1, sizeof(*d->rst)))) {
			*err_r = "out of memory";
			return -1;
		}
		d->rst->d = d;
	}
	d->rst->resume = resume;
	rc = restrict_run_setup(d, why, sizeof(why));
	if (!rc && d->rst->plan.on)
		rc = restrict_run_reaper(d, why, sizeof(why));
	if (rc == 1) {
		log_info("domid %d (%s): restrict: waiting for the reaper of "
			 "uid %ld",
			 d->cfg.domid, d->cfg.name, (long)d->rst->plan.uid);
		return 1;
	}
	d->rst->waited = false;
	if (rc) {
		snprintf(err, sizeof(err), "domain %s: restrict: %s",
			 d->cfg.name, why);
		*err_r = err;
		return -1;
	}
	return 0;
}

char **restrict_run_argv(const struct domain *d, char **qemu)
{
	if (!d->rst || !d->rst->plan.on)
		return qemu;
	return restrict_argv(qemu, &d->rst->plan, d->rst->chroot,
			     d->rst->cg.path, d->sup->restrict_exec);
}

/* The real uid of @pid, or -1. */
static long restrict_proc_uid(pid_t pid)
{
	char path[64], buf[256];
	unsigned long uid;
	long r = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "re")))
		return -1;
	while (fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "Uid: %lu", &uid) == 1) {
			r = (long)uid;
			break;
		}
	fclose(f);
	return r;
}

void restrict_run_adopted(struct domain *d)
{
	struct restrict_seen s;
	uid_t base;
	gid_t gid;

	restrict_run_free(d);
	if (restrict_seen_read(d->pid, &s) ||
	    !(d->rst = calloc(1, sizeof(*d->rst))))
		return;
	d->rst->d = d;
	d->rst->by_libxl = true;
	d->rst->seen = s;
	if (usercache_getpw(RESTRICT_RANGE_USER, &base, &gid))
		base = 0;
	restrict_seen_plan(&s, base, d->cfg.domid, &d->rst->plan);
	if (d->rst->plan.on)
		log_info("%s: restricted by %s: uid %u, root %s%s; %s",
			 restrict_label(d), s.by_dmsup ? "dmsup" : "libxl",
			 (unsigned)s.uid, s.root,
			 s.domid_restrict ? ", -xen-domid-restrict" : "",
			 d->rst->plan.shared
			     ? "not reaped by uid (not libxl's range)"
			     : "its uid is reaped at the death");
}

/* A reattached run shows the limits QEMU runs with: its config may have
 * been changed since its start. */
static void restrict_run_live_limits(struct domain *d)
{
	struct restrict_plan *p = &d->rst->plan;
	long long nproc, fsize;

	if (restrict_seen_limits(d->pid, &nproc, &fsize))
		return;
	if (nproc != p->nproc || fsize != p->fsize)
		log_info("%s: restrict: pid %d runs with nproc %lld and fsize "
			 "%lld; its config now says %d and %lld (the next "
			 "start takes those)",
			 restrict_label(d), (int)d->pid, nproc, fsize, p->nproc,
			 p->fsize);
	p->nproc = nproc > 0 && nproc < (1 << 30) ? (int)nproc : -1;
	p->fsize = fsize;
}

void restrict_run_reattach(struct domain *d)
{
	long uid = restrict_proc_uid(d->pid);
	char err[256];

	if (config_adopted(&d->cfg)) {
		restrict_run_adopted(d);
		return;
	}
	restrict_run_free(d);
	if (uid <= 0 || !(d->rst = calloc(1, sizeof(*d->rst))))
		return;
	d->rst->d = d;
	if (restrict_resolve(&d->cfg, geteuid() == 0, usercache_getpw,
			     &d->rst->plan, err, sizeof(err)) ||
	    !d->rst->plan.on || (long)d->rst->plan.uid != uid) {
		log_warnx("domid %d (%s): restrict: pid %d runs as uid %ld, "
			  "which its config does not give: not reaped by uid",
			  d->cfg.domid, d->cfg.name, (int)d->pid, uid);
		restrict_run_free(d);
		return;
	}
	if (asprintf(&d->rst->chroot, "%s/%s.root", d->sup->run_dir,
		     d->cfg.name) < 0)
		d->rst->chroot = NULL;
	if (!restrict_qemu_has_seccomp(d->cfg.qemu))
		restrict_no_sandbox(&d->rst->plan);
	if (!restrict_ns_own(d->pid)) {
		snprintf(err, sizeof(err), "pid %d is in dmsup's", (int)d->pid);
		restrict_no_mntns(NULL, &d->rst->plan, err, NULL, 0);
	}
	restrict_cg_reattach(&d->rst->cg, d, &d->rst->plan);
	restrict_run_live_limits(d);
}

bool restrict_run_cancel_wait(struct domain *d)
{
	if (!d->rst || !d->rst->wait)
		return false;
	reaper_wait_cancel(d->rst->wait);
	d->rst->wait = NULL;
	d->rst->waited = false;
	log_info("domid %d (%s): restrict: the start waiting for the reaper "
		 "is given up",
		 d->cfg.domid, d->cfg.name);
	return true;
}

void restrict_run_died(struct domain *d)
{
	struct restrict_run *r = d->rst;

	if (!r || !r->plan.on || r->died)
		return;
	r->died = true;
	/* The cgroup first: all of the run, forks included, at once. */
	restrict_cg_kill(&r->cg, restrict_label(d));
	if (!r->plan.shared)
		reaper_start(d->sup->base, r->plan.uid, r->plan.gid,
			     d->cfg.rst.reap_timeout, restrict_label(d));
	restrict_cg_remove(&r->cg, d);
	if (r->chroot)
		restrict_rom_clear(r->chroot);
	if (r->chroot && rmdir(r->chroot) && errno != ENOENT)
		log_warn("domid %d (%s): rmdir %s", d->cfg.domid, d->cfg.name,
			 r->chroot);
}

/* The live run's RLIMIT_FSIZE, or -1 for none. */
static long long restrict_run_fsize(const struct domain *d)
{
	return d->rst && d->rst->plan.on && !d->rst->died && d->pid > 0 &&
		       !d->rst->by_libxl
		   ? d->rst->plan.fsize
		   : -1;
}

int restrict_run_save_begin(struct domain *d, char *err, size_t len)
{
	struct rlimit none = {RLIM_INFINITY, RLIM_INFINITY};
	long long fsize = restrict_run_fsize(d);

	if (fsize < 0)
		return 0;
	if (prlimit(d->pid, RLIMIT_FSIZE, &none, NULL)) {
		snprintf(err, len,
			 "%s: lifting RLIMIT_FSIZE (%lld bytes) for QEMU's "
			 "state file: %s",
			 restrict_label(d), fsize, strerror(errno));
		return -1;
	}
	log_info("%s: RLIMIT_FSIZE lifted from %lld bytes while QEMU writes "
		 "its state",
		 restrict_label(d), fsize);
	return 0;
}

void restrict_run_save_end(struct domain *d)
{
	long long fsize = restrict_run_fsize(d);
	struct rlimit l = {(rlim_t)fsize, (rlim_t)fsize};

	if (fsize >= 0 && prlimit(d->pid, RLIMIT_FSIZE, &l, NULL))
		log_warn("%s: RLIMIT_FSIZE back to %lld bytes after the save",
			 restrict_label(d), fsize);
}

const char *restrict_run_chroot(const struct domain *d)
{
	return d->rst && d->rst->plan.on && !d->rst->died ? d->rst->chroot
							  : NULL;
}

static void restrict_reaper_json(const struct restrict_plan *p,
				 struct json_object *j)
{
	if (p->on && !p->shared && reaper_state(p->uid))
		json_object_object_add(
		    j, "reaper", json_object_new_string(reaper_state(p->uid)));
}

void restrict_run_json(const struct domain *d, struct json_object *o)
{
	struct restrict_plan next;
	const struct restrict_plan *p = &next;
	const char *chroot = NULL;
	char err[256];
	struct json_object *j;

	json_object_object_add(o, "cgroup", NULL); /* the run's, below */
	if (d->rst && d->rst->by_libxl && (d->pid || d->rst->died)) {
		p = &d->rst->plan;
		j = restrict_seen_json(&d->rst->seen, p);
		restrict_reaper_json(p, j);
		json_object_object_add(o, "restrict", j);
		return;
	}
	if (d->rst && (d->pid || d->rst->died)) {
		p = &d->rst->plan;
		chroot = d->rst->chroot;
	} else if (restrict_resolve(&d->cfg, geteuid() == 0, usercache_getpw,
				    &next, err, sizeof(err))) {
		j = json_object_new_object();
		json_object_object_add(j, "enabled",
				       json_object_new_boolean(false));
		json_object_object_add(j, "error", json_object_new_string(err));
		json_object_object_add(o, "restrict", j);
		return;
	}
	j = restrict_plan_json(p, chroot);
	if (p != &next)
		restrict_cg_json(&d->rst->cg, d->pid && !d->rst->died, o, j);
	restrict_reaper_json(p, j);
	json_object_object_add(o, "restrict", j);
}

void restrict_run_free(struct domain *d)
{
	if (!d->rst)
		return;
	reaper_wait_cancel(d->rst->wait);
	restrict_cg_dispose(&d->rst->cg);
	free(d->rst->chroot);
	free(d->rst);
	d->rst = NULL;
}
