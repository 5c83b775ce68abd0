/*
 * Domains and their entry actions. A device model is spawned with its
 * stdout/stderr into a pipe whose read end belongs to a log helper, and
 * with the write end of a sentinel FIFO as fd 3: the FIFO's EOF is its
 * death, for us and for a dmsup that restarted and re-opened the FIFO.
 * Signals go through a pidfd, so a recycled pid is never signalled.
 * A device model leads its own session: once it died, what it left in
 * its process group (a child holding its stderr open) is killed, so the
 * log pipe ends and the death is reported at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "dmsup/argv.h"
#include "dmsup/domain.h"
#include "dmsup/fdlimit.h"
#include "dmsup/kind/dmqmp.h"
#include "dmsup/kind/dmrestore.h"
#include "dmsup/kind/guestwatch.h"
#include "dmsup/kind/kind.h"
#include "dmsup/log.h"
#include "dmsup/logfile.h"
#include "dmsup/savesync.h"
#include "dmsup/loghead.h"
#include "dmsup/observe.h"
#include "dmsup/ops/hotplug.h"
#include "dmsup/restrict-run.h"
#include "dmsup/rundir.h"
#include "dmsup/spawn.h"
#include "dmsup/unixsock.h"
#include "dmsup/zombie.h"

#define DOMAIN_TAIL_LINES 20
#define DOMAIN_TAIL_BYTES 4096
#define DOMAIN_LOG_WAIT 2 /* s for the log helper to drain after a death */

static void domain_fifo_cb(evutil_socket_t fd, short what, void *arg);
static void domain_died(struct domain *d, bool known, int status);
static int domain_qmp_connect(struct domain *d);
static void domain_qmp_gone(struct domain *d, const char *why);

struct domain *domain_new(struct dmsup *sup, struct dm_config *cfg)
{
	struct domain *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->sup = sup;
	d->run_dir = sup->run_dir;
	d->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	d->state = DM_DEFINED;
	d->pidfd = d->log_pidfd = d->fifo_fd = d->restore_fd = -1;
	d->exit_signal = d->exit_code = -1;
	d->qmp_link = DMQMP_LINK_N_STATES;
	if (domindex_add(&sup->index, &d->ix, d->cfg.name, d->cfg.domid)) {
		*cfg = d->cfg;
		free(d);
		return NULL;
	}
	d->next = sup->domains;
	sup->domains = d;
	return d;
}

void domain_set_config(struct domain *d, struct dm_config *cfg)
{
	config_dispose(&d->cfg);
	d->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	domindex_rename(&d->sup->index, &d->ix, d->cfg.name);
	domindex_set_domid(&d->sup->index, &d->ix, d->cfg.domid);
}

void domain_set_domid(struct domain *d, int domid)
{
	d->cfg.domid = domid;
	domindex_set_domid(&d->sup->index, &d->ix, domid);
}

static void domain_clear_events(struct domain *d)
{
	if (d->pidfd_ev)
		event_free(d->pidfd_ev);
	d->pidfd_ev = NULL;
	if (d->fifo_ev)
		event_free(d->fifo_ev);
	if (d->log_ev)
		event_free(d->log_ev);
	if (d->timer)
		event_free(d->timer);
	d->fifo_ev = d->log_ev = d->timer = NULL;
	if (d->fifo_fd >= 0)
		close(d->fifo_fd);
	d->fifo_fd = -1;
}

void domain_free(struct domain *d)
{
	struct domain **pp;

	for (pp = &d->sup->domains; *pp && *pp != d; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = d->next;
	domindex_remove(&d->sup->index, &d->ix);
	observe_gone(d->sup, d);
	lifecycle_dispose(d);
	domain_set_restore_take_fd(d, -1, NULL);
	savesync_cancel(d->save_sync);
	dmqmp_free(d->qmp);
	hotplug_domain_free(d);
	domain_clear_events(d);
	if (d->pidfd >= 0)
		close(d->pidfd);
	if (d->log_pidfd >= 0)
		close(d->log_pidfd);
	kind_dispose(d);
	restrict_run_free(d);
	config_dispose(&d->cfg);
	free(d->error);
	free(d->exit_desc);
	free(d->log_tail);
	free(d);
}

/* The kind of the run; before any, the configured one. */
static const struct dm_kind_ops *domain_kind(const struct domain *d)
{
	return d->kind ? d->kind : kind_ops_of(&d->cfg);
}

/* The domain whose index node @node is. */
static struct domain *domain_of(const struct domindex_node *node)
{
	return (struct domain *)((const char *)node -
				 offsetof(struct domain, ix));
}

static struct domain *domain_of_found(const struct domindex_node *node)
{
	return node ? domain_of(node) : NULL;
}

static bool domain_index_active(const struct domindex_node *node)
{
	return lifecycle_is_active(domain_of(node)->state);
}

struct domain *domain_find_name(struct dmsup *sup, const char *name)
{
	return domain_of_found(domindex_find_name(&sup->index, name));
}

struct domain *domain_find(struct dmsup *sup, const char *key)
{
	struct domain *d = domain_find_name(sup, key);
	char *end;
	long domid = strtol(key, &end, 10);

	/* A name wins over a domid that looks the same. */
	if (d)
		return d;
	if (!*key || *end || domid < 0 || domid > 0x7fef)
		return NULL;
	return domain_find_domid(sup, (int)domid);
}

struct domain *domain_find_domid(struct dmsup *sup, int domid)
{
	/* A definition does not own its domid: the running one wins, else
	 * the newest definition (the first in sup->domains). */
	return domain_of_found(
	    domindex_find_domid(&sup->index, domid, domain_index_active));
}

struct domain *domain_holding_domid(struct dmsup *sup, int domid)
{
	struct domain *d = domain_find_domid(sup, domid);

	return d && lifecycle_is_active(d->state) ? d : NULL;
}

char *domain_path(const struct domain *d, const char *suffix)
{
	const char *dir =
	    rundir_is_runtime(suffix) ? d->run_dir : d->sup->state_dir;
	char *p;

	if (asprintf(&p, "%s/%s%s", dir, d->cfg.name, suffix) < 0)
		return NULL;
	return p;
}

static void domain_set_error(struct domain *d, const char *step,
			     const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void domain_set_error(struct domain *d, const char *step,
			     const char *fmt, ...)
{
	va_list ap;

	free(d->error);
	va_start(ap, fmt);
	if (vasprintf(&d->error, fmt, ap) < 0)
		d->error = NULL;
	va_end(ap);
	d->step = step;
	log_warnx("domid %d (%s): %s: %s", d->cfg.domid, d->cfg.name, step,
		  d->error ? d->error : "?");
}

/* "cdrom": each CD-ROM drive's medium as stored ("hdc: /x.iso, hdd:
 * empty"), the one dmctl cd-insert and cd-eject change. */
static void domain_cdrom_json(const struct domain *d, struct json_object *o)
{
	char buf[2048];
	size_t pos = 0;

	buf[0] = '\0';
	for (int i = 0; i < d->cfg.n_disks && pos < sizeof(buf); i++) {
		const struct dm_disk *k = &d->cfg.disks[i];
		if (strcmp(k->media, "cdrom"))
			continue;
		int n = snprintf(buf + pos, sizeof(buf) - pos, "%s%s: %s",
				 pos ? ", " : "", k->vdev ? k->vdev : "?",
				 k->path ? k->path : "empty");
		pos = n < 0 ? sizeof(buf) : pos + (size_t)n;
	}
	if (pos)
		json_object_object_add(o, "cdrom", json_object_new_string(buf));
}

struct json_object *domain_to_json(const struct domain *d)
{
	struct json_object *o = json_object_new_object();
	char *log = logfile_path(d->sup->log_dir, d->cfg.name, 0);
	/* The configured kind: what status shows is what the next start
	 * does. */
	const struct dm_kind_ops *k = kind_ops_of(&d->cfg);
	char *qmp = k->qmp == KIND_QMP_SOCKET ? domain_path(d, ".qmp")
		    : k->qmp == KIND_QMP_KIND ? k->qmp_address(d)
					      : NULL;

	json_object_object_add(o, "name", json_object_new_string(d->cfg.name));
	json_object_object_add(o, "domid", json_object_new_int(d->cfg.domid));
	json_object_object_add(o, "kind", json_object_new_string(d->cfg.kind));
	json_object_object_add(o, "origin",
			       json_object_new_string(d->cfg.origin));
	if (d->stub_domid > 0)
		json_object_object_add(o, "stub_domid",
				       json_object_new_int(d->stub_domid));
	json_object_object_add(
	    o, "state", json_object_new_string(lifecycle_state_name(d->state)));
	if (d->pid)
		json_object_object_add(o, "pid", json_object_new_int(d->pid));
	if (d->pid && d->started_at)
		json_object_object_add(o, "started",
				       json_object_new_int64(d->started_at));
	json_object_object_add(o, "spawns",
			       json_object_new_int((int)d->spawns));
	if (k->qmp != KIND_QMP_NONE)
		json_object_object_add(o, "qmp",
				       json_object_new_string(qmp ? qmp : ""));
	if (d->qmp_link != DMQMP_LINK_N_STATES)
		json_object_object_add(
		    o, "qmp_link",
		    json_object_new_string(dmqmp_link_state_name(d->qmp_link)));
	json_object_object_add(o, "log",
			       json_object_new_string(log ? log : ""));
	if (d->error) {
		json_object_object_add(o, "error",
				       json_object_new_string(d->error));
		json_object_object_add(o, "step",
				       json_object_new_string(d->step));
	}
	if (d->paused)
		json_object_object_add(o, "paused",
				       json_object_new_boolean(true));
	if (d->exit_desc)
		json_object_object_add(o, "exit",
				       json_object_new_string(d->exit_desc));
	if (d->exit_signal >= 0)
		json_object_object_add(o, "signal",
				       json_object_new_int(d->exit_signal));
	if (d->exit_code >= 0)
		json_object_object_add(o, "exit_status",
				       json_object_new_int(d->exit_code));
	if (d->log_tail)
		json_object_object_add(o, "log_tail",
				       json_object_new_string(d->log_tail));
	domain_cdrom_json(d, o);
	restrict_run_json(d, o);
	if (d->guest)
		json_object_object_add(
		    o, "guest",
		    json_object_new_string(guest_state_name(d->guest)));
	free(log);
	free(qmp);
	return o;
}

static void domain_unlink(const struct domain *d, const char *suffix)
{
	char *p = domain_path(d, suffix);

	if (p && unlink(p) && errno != ENOENT)
		log_warn("domid %d (%s): unlink %s", d->cfg.domid, d->cfg.name,
			 p);
	free(p);
}

void domain_forget_save(const struct domain *d)
{
	domain_unlink(d, ".save");
}

/* Everything of a run goes: fds, events, FIFO, QMP socket, .run file. */
static void domain_release(struct domain *d)
{
	domain_set_restore_take_fd(d, -1, NULL);
	domain_qmp_gone(d, "the run ended");
	d->qmp_link = DMQMP_LINK_N_STATES;
	hotplug_domain_down(d);
	domain_clear_events(d);
	/* Whatever of ours has not been reaped yet (the log helper, a
	 * process of a failed spawn) is, once it ends. */
	zombie_reap_later(d->sup->base, d->pidfd);
	zombie_reap_later(d->sup->base, d->log_pidfd);
	d->pidfd = d->log_pidfd = -1;
	d->pid = d->log_pid = d->pgrp = 0;
	d->dying = false;
	d->paused = false;
	domain_unlink(d, ".fifo");
	domain_unlink(d, ".qmp");
	d->stop = DM_STOP_NONE;
	d->ready = DM_READY_NONE;
	if (domain_kind(d)->cleanup)
		domain_kind(d)->cleanup(d);
}

/* Through the pidfd; without one, only if the pid is still ours. */
static void domain_signal(struct domain *d, int pidfd, pid_t pid,
			  unsigned long long start, int sig)
{
	unsigned long long now;
	int r;

	if (pidfd >= 0)
		r = pidfd_send_signal(pidfd, sig, NULL, 0);
	else if (pid > 0 && !spawn_start_time(pid, &now) && now == start)
		r = kill(pid, sig);
	else
		return;
	if (r && errno != ESRCH)
		log_warn("domid %d (%s): signal %d", d->cfg.domid, d->cfg.name,
			 sig);
}

/* The device model's own process group, if it leads one (0 if not). */
static pid_t domain_own_pgrp(pid_t pid)
{
	return pid > 0 && getpgid(pid) == pid ? pid : 0;
}

/*
 * What the device model left behind goes. For our child this runs
 * before the reap, while its zombie keeps the group's id reserved;
 * otherwise the group's id is held by whatever is still in it.
 */
static void domain_kill_group(struct domain *d)
{
	pid_t g = d->pgrp;

	d->pgrp = 0;
	if (g > 0 && kill(-g, SIGKILL) && errno != ESRCH)
		log_warn("domid %d (%s): kill process group %d", d->cfg.domid,
			 d->cfg.name, (int)g);
	/* And, for a restricted one, every process of its uid. */
	restrict_run_died(d);
}

/* ---- readiness ---- */

/* Clients hear of each change of the QMP link: a "qmp" event. */
static void domain_qmp_link_to(struct domain *d, enum dmqmp_link_state to,
			       const char *why)
{
	struct json_object *ev = json_object_new_object();

	d->qmp_link = to;
	json_object_object_add(ev, "event", json_object_new_string("qmp"));
	json_object_object_add(ev, "name", json_object_new_string(d->cfg.name));
	json_object_object_add(ev, "domid", json_object_new_int(d->cfg.domid));
	json_object_object_add(
	    ev, "qmp_link", json_object_new_string(dmqmp_link_state_name(to)));
	if (why)
		json_object_object_add(ev, "why", json_object_new_string(why));
	observe_event(d->sup, d, ev);
	json_object_put(ev);
}

static void domain_qmp_link_cb(void *arg, enum dmqmp_link_state state,
			       const char *why)
{
	struct domain *d = arg;

	if (state == DMQMP_LINK_RECONNECTING)
		log_warnx("domid %d (%s): QMP connection lost (%s); "
			  "reconnecting",
			  d->cfg.domid, d->cfg.name, why);
	else
		log_info("domid %d (%s): QMP %s%s%s", d->cfg.domid, d->cfg.name,
			 dmqmp_link_state_name(state), why ? ": " : "",
			 why ? why : "");
	domain_qmp_link_to(d, state, why);
}

/* No QMP any more this run: the link is lost. */
static void domain_qmp_gone(struct domain *d, const char *why)
{
	/* A restore under way goes first: it sends through d->qmp. */
	dmrestore_free(d->restore);
	d->restore = NULL;
	dmqmp_free(d->qmp);
	d->qmp = NULL;
	if (d->qmp_link != DMQMP_LINK_N_STATES &&
	    d->qmp_link != DMQMP_LINK_LOST)
		domain_qmp_link_cb(d, DMQMP_LINK_LOST, why);
}

static const char *const ready_names[DM_N_READY] = {
    "none", "wait-both", "wait-qmp", "wait-xen", "ready", "failed",
};

enum domain_half { DOMAIN_HALF_QMP, DOMAIN_HALF_XEN };

/* A half came: the next state. A failure moves any WAIT_* to FAILED. */
static const struct {
	enum dm_ready from;
	enum domain_half half;
	enum dm_ready to;
} ready_table[] = {
    {DM_READY_WAIT_BOTH, DOMAIN_HALF_QMP, DM_READY_WAIT_XEN},
    {DM_READY_WAIT_BOTH, DOMAIN_HALF_XEN, DM_READY_WAIT_QMP},
    {DM_READY_WAIT_QMP, DOMAIN_HALF_QMP, DM_READY_DONE},
    {DM_READY_WAIT_XEN, DOMAIN_HALF_XEN, DM_READY_DONE},
};

static void domain_ready_to(struct domain *d, enum dm_ready to, const char *why)
{
	log_debug("domid %d (%s): readiness: %s -> %s (%s)", d->cfg.domid,
		  d->cfg.name, ready_names[d->ready], ready_names[to], why);
	d->ready = to;
}

static bool domain_ready_waiting(const struct domain *d)
{
	return d->ready == DM_READY_WAIT_BOTH ||
	       d->ready == DM_READY_WAIT_QMP || d->ready == DM_READY_WAIT_XEN;
}

/* Readiness failed before it was armed, or one half failed: the start
 * fails. */
static void domain_not_ready(struct domain *d, const char *step,
			     const char *prefix, const char *err)
{
	domain_ready_to(d, DM_READY_FAILED, step);
	domain_set_error(d, step, "%s%s", prefix, err);
	d->failing = true;
	lifecycle_post(d, DM_EV_NOT_READY);
}

/* One half of readiness came (err NULL) or failed: posts ready when both
 * halves are there, not-ready at the first failure. */
static void domain_half_ready(struct domain *d, enum domain_half half,
			      const char *step, const char *err)
{
	enum dm_ready to = d->ready;

	if (d->state != DM_STARTING || !domain_ready_waiting(d))
		return;
	if (err) {
		domain_not_ready(d, step, "not ready: ", err);
		return;
	}
	for (size_t i = 0; i < sizeof(ready_table) / sizeof(*ready_table); i++)
		if (ready_table[i].from == d->ready &&
		    ready_table[i].half == half)
			to = ready_table[i].to;
	if (to == d->ready)
		return;
	domain_ready_to(d, to, step);
	if (to != DM_READY_DONE)
		return;
	d->ran = true;
	if (domain_kind(d)->ready_done)
		domain_kind(d)->ready_done(d);
	lifecycle_post(d, DM_EV_READY);
}

int domain_set_restore_take_fd(struct domain *d, int fd, const char *file)
{
	dmrestore_free(d->restore);
	d->restore = NULL;
	if (d->restore_fd >= 0)
		close(d->restore_fd);
	free(d->restore_file);
	d->restore_file = NULL;
	d->restore_fd = -1;
	d->restore_resume = d->restore_follow = false;
	if (!file)
		return 0;
	if (!(d->restore_file = strdup(file))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	d->restore_fd = fd;
	return 0;
}

static void domain_restored_cb(void *arg, const char *err)
{
	struct domain *d = arg;

	if (!err)
		log_info("domid %d (%s): device state loaded from %s",
			 d->cfg.domid, d->cfg.name, d->restore_file);
	domain_half_ready(d, DOMAIN_HALF_QMP, "restore", err);
}

/* QMP is ready for a start --restore: the state is loaded first, and
 * QMP's half of readiness is that load's end. */
static void domain_restore(struct domain *d)
{
	char label[96];
	int fd = d->restore_fd;

	snprintf(label, sizeof(label), "domid %d (%s)", d->cfg.domid,
		 d->cfg.name);
	struct dmrestore_args a = {label, d->restore_file, d->cfg.ready_timeout,
				   domain_restored_cb, d};

	d->restore_fd = -1;
	d->restore =
	    d->restore_follow ? dmrestore_follow(d->sup->base, d->qmp, &a)
	    : d->restore_resume
		? dmrestore_resume(d->sup->base, d->qmp, &a)
		: dmrestore_start_take_fd(d->sup->base, d->qmp, fd, &a);
	if (!d->restore)
		domain_half_ready(d, DOMAIN_HALF_QMP, "restore",
				  "out of memory");
}

static void domain_qmp_ready_cb(void *arg, const char *err)
{
	struct domain *d = arg;

	if (d->state != DM_STARTING) {
		/* A reattached domain: QMP is back, or is not. */
		if (err)
			log_warnx("domid %d (%s): QMP not reconnected: %s",
				  d->cfg.domid, d->cfg.name, err);
		return;
	}
	if (!err &&
	    (d->restore_fd >= 0 || d->restore_resume || d->restore_follow)) {
		domain_restore(d);
		return;
	}
	domain_half_ready(d, DOMAIN_HALF_QMP, "qmp", err);
}

/* The kind's half: xenstore's state, or the stub's own signal. */
static void domain_xen_ready_cb(struct domain *d, const char *err)
{
	domain_half_ready(d, DOMAIN_HALF_XEN, domain_kind(d)->side, err);
}

/* The kind knows its QMP address now (a Linux stub's vchan). */
static void domain_qmp_known_cb(struct domain *d, const char *err)
{
	if (domain_kind(d)->qmp != KIND_QMP_KIND || d->state != DM_STARTING)
		return;
	if (domain_qmp_connect(d))
		domain_half_ready(d, DOMAIN_HALF_QMP, "qmp", "out of memory");
}

/* Both halves of readiness armed; on failure the start fails. */
static void domain_wait_ready(struct domain *d)
{
	const struct dm_kind_ops *k = domain_kind(d);
	bool qmp = k->qmp != KIND_QMP_NONE, xen = k->watch_ready != NULL;
	const char *err;

	domain_ready_to(d,
			qmp && xen ? DM_READY_WAIT_BOTH
			: qmp	   ? DM_READY_WAIT_QMP
				   : DM_READY_WAIT_XEN,
			"armed");
	if (k->qmp == KIND_QMP_SOCKET && domain_qmp_connect(d)) {
		domain_not_ready(d, "qmp", "", "out of memory");
		return;
	}
	if (xen &&
	    k->watch_ready(d, domain_xen_ready_cb, domain_qmp_known_cb, &err))
		domain_not_ready(d, k->side, "", err);
}

/* The QMP address: our socket, or the kind's (a Linux stub's vchan). */
static int domain_qmp_connect(struct domain *d)
{
	const struct dm_kind_ops *k = domain_kind(d);
	char *path = k->qmp == KIND_QMP_KIND ? k->qmp_address(d)
					     : domain_path(d, ".qmp");

	char label[96];

	snprintf(label, sizeof(label), "%s (domid %d)", d->cfg.name,
		 d->cfg.domid);
	if (path)
		d->qmp =
		    dmqmp_connect(d->sup->base, path, label,
				  d->cfg.ready_timeout + k->qmp_grace,
				  domain_qmp_ready_cb, domain_qmp_link_cb, d);
	free(path);
	if (d->qmp)
		domain_qmp_link_to(d, DMQMP_LINK_CONNECTING, NULL);
	if (d->qmp && k->qmp_connected)
		k->qmp_connected(d);
	return d->qmp ? 0 : -1;
}

/* ---- spawn ---- */

static int domain_spawn_log_helper(struct domain *d, int rd)
{
	char files[16], size[16];
	char *argv[] = {d->sup->log_helper,
			(char *)"--log-helper",
			(char *)d->sup->log_dir,
			d->cfg.name,
			files,
			size,
			NULL};
	char **envp = spawn_dm_env(NULL);
	struct spawn_fds fds = {.in = rd, .out = -1, .sentinel = -1};
	int rc;

	snprintf(files, sizeof(files), "%d", d->cfg.log_files);
	snprintf(size, sizeof(size), "%d", d->cfg.log_size);
	rc = envp ? spawn_process(argv, envp, &fds, &d->log_pid) : ENOMEM;
	spawn_env_free(envp);
	if (rc)
		return rc;
	spawn_start_time(d->log_pid, &d->log_start);
	if ((d->log_pidfd = spawn_pidfd(d->log_pid)) < 0) {
		d->log_pid = 0;
		return errno;
	}
	return 0;
}

/* The FIFO, with our read end open first so the write end can open. */
static int domain_open_fifo(struct domain *d, int *wr_r)
{
	char *path = domain_path(d, ".fifo");
	int r = -1;

	*wr_r = -1;
	if (!path)
		return ENOMEM;
	/* The client must hear why an old FIFO stayed (EROFS, EPERM), not
	 * mkfifo's EEXIST that follows. */
	if (unlink(path) && errno != ENOENT) {
		r = errno;
		free(path);
		return r;
	}
	if (mkfifo(path, 0600) == 0)
		d->fifo_fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (d->fifo_fd >= 0)
		*wr_r = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	r = *wr_r >= 0 ? 0 : errno;
	free(path);
	return r;
}

static void domain_pidfd_cb(evutil_socket_t fd, short what, void *arg)
{
	struct domain *d = arg;
	int status;

	event_free(d->pidfd_ev);
	d->pidfd_ev = NULL;
	if (!d->our_child) {
		domain_died(d, false, 0);
		return;
	}
	/* Its group goes first, while the zombie keeps the group's id. */
	domain_kill_group(d);
	if (zombie_reap(d->pidfd, &status))
		domain_died(d, false, 0);
	else
		domain_died(d, true, status);
}

/* The pidfd says when the device model ends (also when a child of it
 * keeps the sentinel FIFO open); for our child it brings the status. */
static int domain_watch_pidfd(struct domain *d)
{
	if (d->pidfd < 0)
		return -1;
	d->pidfd_ev =
	    event_new(d->sup->base, d->pidfd, EV_READ, domain_pidfd_cb, d);
	return d->pidfd_ev && !event_add(d->pidfd_ev, NULL) ? 0 : -1;
}

static int domain_watch_fifo(struct domain *d)
{
	d->fifo_ev = event_new(d->sup->base, d->fifo_fd, EV_READ | EV_PERSIST,
			       domain_fifo_cb, d);
	return d->fifo_ev && !event_add(d->fifo_ev, NULL) ? 0 : -1;
}

/*
 * A new run's QMP socket path: its runtime files go to the runtime
 * directory (also after a run of an older dmsup's layout). NULL with the
 * error set for @step if out of memory or, when QEMU listens there
 * (@socket), too long for a unix socket.
 */
static char *domain_run_qmp(struct domain *d, const char *step, bool socket)
{
	char err[256], *qmp;

	d->run_dir = d->sup->run_dir;
	if (!(qmp = domain_path(d, ".qmp"))) {
		domain_set_error(d, step, "out of memory");
		return NULL;
	}
	if (socket && !rundir_sock_fits("QMP socket", qmp, err, sizeof(err))) {
		domain_set_error(d, step, "%s", err);
		free(qmp);
		return NULL;
	}
	return qmp;
}

/* Spawns the log helper and the device model. 0, or sets the error. */
static int domain_spawn(struct domain *d)
{
	int logpipe[2] = {-1, -1}, fifo_wr = -1, qmp_fd = -2, r;
	const struct dm_kind_ops *k = domain_kind(d);
	char *qmp = domain_run_qmp(d, "spawn", k->qmp == KIND_QMP_SOCKET);
	char **argv = qmp ? k->spawn_argv(d, qmp) : NULL;
	char **envp = spawn_dm_env(&d->cfg);

	if (!qmp) {
		r = -1;
		goto out;
	}
	if (!argv || !envp) {
		domain_set_error(d, "spawn", "out of memory");
		r = -1;
		goto out;
	}
	if (k->qmp != KIND_QMP_SOCKET)
		unlink(qmp);
	/* QEMU gets the socket dmsup listens on (argv_qmp_on_fd). */
	if (k->qmp == KIND_QMP_SOCKET && (qmp_fd = unixsock_listen(qmp)) < 0) {
		domain_set_error(d, "spawn", "QMP socket %s: %s", qmp,
				 strerror(errno));
		r = -1;
		goto out;
	}
	if ((r = domain_open_fifo(d, &fifo_wr))) {
		domain_set_error(d, "spawn", "sentinel FIFO: %s", strerror(r));
		goto out;
	}
	if (pipe2(logpipe, O_CLOEXEC)) {
		r = errno;
		domain_set_error(d, "spawn", "log pipe: %s", strerror(r));
		goto out;
	}
	loghead_write(logpipe[1], d->cfg.name, d->cfg.domid, d->spawns + 1,
		      argv);
	/* A stub keeper's fd 4 is the restore it feeds to console 2
	 * (argv_build_spawn named it). */
	if (config_is_stub(&d->cfg) && d->restore_fd >= 0)
		qmp_fd = d->restore_fd;
	struct spawn_fds fds = {.in = -1,
				.out = logpipe[1],
				.sentinel = fifo_wr,
				.qmp = qmp_fd >= 0 ? qmp_fd : -1,
				.has_qmp = qmp_fd >= 0};
	if ((r = spawn_process(argv, envp, &fds, &d->pid))) {
		domain_set_error(d, "spawn", "cannot execute %s: %s", argv[0],
				 strerror(r));
		d->pid = 0;
		goto out;
	}
	d->our_child = true;
	d->pgrp = d->pid; /* POSIX_SPAWN_SETSID */
	d->spawns++;
	d->started_at = time(NULL);
	spawn_start_time(d->pid, &d->pid_start);
	if ((d->pidfd = spawn_pidfd(d->pid)) < 0) {
		domain_set_error(d, "spawn", "pidfd_open: %s", strerror(errno));
		d->pid = d->pgrp = 0;
		r = -1;
		goto out;
	}
	r = domain_watch_fifo(d) || domain_watch_pidfd(d);
	if (r) {
		domain_set_error(d, "spawn", "cannot watch the device model");
		goto out;
	}
	/* The helper comes second so that QEMU starts first; the pipe
	 * holds what QEMU writes meanwhile. Without it QEMU (spawned and
	 * watched) is stopped by the caller. */
	if ((r = domain_spawn_log_helper(d, logpipe[0])))
		domain_set_error(d, "spawn", "log helper: %s", strerror(r));
	log_info("domid %d (%s): spawned %s, pid %d", d->cfg.domid, d->cfg.name,
		 k->process ? k->process : d->cfg.qemu, (int)d->pid);
out:
	/* Ours are closed: the helper and QEMU hold what they need. */
	if (logpipe[0] >= 0)
		close(logpipe[0]);
	if (logpipe[1] >= 0)
		close(logpipe[1]);
	if (fifo_wr >= 0)
		close(fifo_wr);
	if (qmp_fd >= 0 && qmp_fd == d->restore_fd) {
		d->restore_fd = -1; /* the keeper's now */
		d->restore_follow = !r;
	}
	if (qmp_fd >= 0)
		close(qmp_fd);
	argv_free(argv);
	spawn_env_free(envp);
	free(qmp);
	return r ? -1 : 0;
}

/* The adopted process's side of domain_adopt; -1 with the error set. */
static int domain_adopt_run(struct domain *d, int fds_r[3])
{
	int logpipe[2] = {-1, -1}, r;
	char *qmp = domain_run_qmp(d, "adopt", true);

	if (!qmp)
		return -1;
	if ((fds_r[2] = unixsock_listen(qmp)) < 0) {
		domain_set_error(d, "adopt", "QMP socket %s: %s", qmp,
				 strerror(errno));
		free(qmp);
		return -1;
	}
	free(qmp);
	if ((r = domain_open_fifo(d, &fds_r[1]))) {
		domain_set_error(d, "adopt", "sentinel FIFO: %s", strerror(r));
		return -1;
	}
	if (pipe2(logpipe, O_CLOEXEC) ||
	    (r = domain_spawn_log_helper(d, logpipe[0]))) {
		domain_set_error(d, "adopt", "log helper: %s",
				 strerror(r ? r : errno));
		if (logpipe[0] >= 0) {
			close(logpipe[0]);
			close(logpipe[1]);
		}
		return -1;
	}
	close(logpipe[0]);
	fds_r[0] = logpipe[1];
	if (domain_watch_fifo(d) || domain_watch_pidfd(d)) {
		domain_set_error(d, "adopt", "cannot watch the device model");
		return -1;
	}
	return 0;
}

int domain_adopt(struct domain *d, pid_t pid, int fds_r[3], const char **err_r)
{
	fds_r[0] = fds_r[1] = fds_r[2] = -1;
	d->pid = pid;
	d->our_child = false;
	if (spawn_start_time(pid, &d->pid_start) ||
	    (d->pidfd = pidfd_open(pid, 0)) < 0)
		domain_set_error(d, "adopt", "pid %d: %s", (int)pid,
				 strerror(errno));
	else if (!domain_adopt_run(d, fds_r)) {
		d->pgrp = domain_own_pgrp(pid);
		d->spawns++;
		d->started_at = time(NULL);
		log_info("domid %d (%s): adopting pid %d (origin %s)",
			 d->cfg.domid, d->cfg.name, (int)pid, d->cfg.origin);
		lifecycle_post(d, DM_EV_START);
		return 0;
	}
	*err_r = d->error ? d->error : "out of memory";
	/* Nothing of the run stays: the caller replies the error. */
	for (int i = 0; i < 3; i++)
		if (fds_r[i] >= 0)
			close(fds_r[i]);
	fds_r[0] = fds_r[1] = fds_r[2] = -1;
	if (d->log_pid)
		domain_signal(d, d->log_pidfd, d->log_pid, d->log_start,
			      SIGKILL);
	domain_release(d);
	return -1;
}

static void domain_enter_starting(struct domain *d);

/* The uid's last reaper ended: a start that waited for it goes on. */
static void domain_restrict_resume(struct domain *d)
{
	if (d->state == DM_STARTING && !d->pid)
		domain_enter_starting(d);
}

static void domain_enter_starting(struct domain *d)
{
	const char *err;

	free(d->error);
	free(d->exit_desc);
	free(d->log_tail);
	d->error = d->exit_desc = d->log_tail = NULL;
	d->step = NULL;
	d->exit_signal = d->exit_code = -1;
	d->failing = d->no_restart = false;
	d->ran = d->toolstack_stop = false;
	d->kind = kind_ops_of(&d->cfg);
	if (d->timer) {
		/* A pending restart is overtaken by this start. */
		event_free(d->timer);
		d->timer = NULL;
	}
	if (d->pid) {
		/* Adopted while it was starting: only readiness is left. */
		domain_wait_ready(d);
		return;
	}
	if (!d->kind->spawn_argv) {
		domain_set_error(d, "spawn", "kind %s is not started by dmsup",
				 d->kind->name);
		lifecycle_post(d, DM_EV_SPAWN_FAILED);
		return;
	}
	char why[256];
	if (fdlimit_room(FDLIMIT_PER_DM, why, sizeof(why))) {
		domain_set_error(d, "spawn", "domain %s not started: %s",
				 d->cfg.name, why);
		lifecycle_post(d, DM_EV_SPAWN_FAILED);
		return;
	}
	int rr = restrict_run_prepare(d, domain_restrict_resume, &err);
	if (rr) {
		if (rr < 0) {
			domain_set_error(d, "restrict", "%s", err);
			lifecycle_post(d, DM_EV_SPAWN_FAILED);
		}
		return; /* 1: domain_restrict_resume goes on */
	}
	if (d->kind->prepare && d->kind->prepare(d, &err)) {
		domain_set_error(d, "xen", "%s", err);
		lifecycle_post(d, DM_EV_SPAWN_FAILED);
		return;
	}
	if (domain_spawn(d)) {
		if (d->pid) {
			/* Spawned but unwatchable: stop it, end failed. */
			d->failing = true;
			lifecycle_post(d, DM_EV_NOT_READY);
			return;
		}
		lifecycle_post(d, DM_EV_SPAWN_FAILED);
		return;
	}
	observe_spawned(d->sup, d);
	if (d->kind->spawned)
		d->kind->spawned(d);
	domain_wait_ready(d);
}

/* ---- death ---- */

static void domain_fifo_cb(evutil_socket_t fd, short what, void *arg)
{
	struct domain *d = arg;
	char buf[64];
	ssize_t r = read(fd, buf, sizeof(buf));

	if (r > 0 || (r < 0 && (errno == EAGAIN || errno == EINTR)))
		return;
	/* EOF: every writer is gone. */
	event_free(d->fifo_ev);
	d->fifo_ev = NULL;
	close(d->fifo_fd);
	d->fifo_fd = -1;
	/* Our own child is reaped through its pidfd, which brings its
	 * status (domain_pidfd_cb). */
	if (!d->our_child)
		domain_died(d, false, 0);
}

static void domain_describe_exit(struct domain *d, bool known, int status)
{
	free(d->exit_desc);
	d->exit_desc = NULL;
	if (!known && config_adopted(&d->cfg)) {
		d->exit_desc = strdup("died (started by xl, not dmsup's child: "
				      "exit status unknown)");
	} else if (!known) {
		d->exit_desc = strdup("died while dmsup was not its parent "
				      "(status unknown)");
	} else if (WIFSIGNALED(status)) {
		d->exit_signal = WTERMSIG(status);
		if (asprintf(&d->exit_desc, "killed by signal %d (%s)",
			     d->exit_signal, strsignal(d->exit_signal)) < 0)
			d->exit_desc = NULL;
	} else {
		d->exit_code = WEXITSTATUS(status);
		if (asprintf(&d->exit_desc, "exited with status %d",
			     d->exit_code) < 0)
			d->exit_desc = NULL;
	}
}

/* The log tail's last line (what QEMU said before it died) into @buf,
 * printable and bounded; false if there is none. */
static bool domain_last_line(const struct domain *d, char *buf, size_t len)
{
	const char *t = d->log_tail, *end, *start;

	*buf = '\0';
	if (!t || !*t)
		return false;
	end = t + strlen(t);
	while (end > t && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	for (start = end; start > t && start[-1] != '\n'; start--)
		;
	size_t n = 0;
	for (const char *p = start; p < end && n + 1 < len; p++)
		buf[n++] = *p >= 0x20 && *p < 0x7f ? *p : '?';
	buf[n] = '\0';
	return n > 0;
}

/* The log helper drained the pipe (or took too long): report the death. */
static void domain_log_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct domain *d = arg;

	if (what & EV_TIMEOUT)
		domain_signal(d, d->log_pidfd, d->log_pid, d->log_start,
			      SIGKILL);
	if (d->log_ev)
		event_free(d->log_ev);
	d->log_ev = NULL;
	free(d->log_tail);
	d->log_tail =
	    logfile_tail(d->sup->log_dir, d->cfg.name, d->cfg.log_files,
			 DOMAIN_TAIL_LINES, DOMAIN_TAIL_BYTES);
	domain_qmp_gone(d, "the device model is gone");
	if (d->state != DM_STOPPING && domain_kind(d)->stopped_by_toolstack &&
	    domain_kind(d)->stopped_by_toolstack(d)) {
		log_info("domid %d (%s): stopped by the toolstack",
			 d->cfg.domid, d->cfg.name);
		/* Queued behind this one: stopping, then its death. */
		lifecycle_post(d, DM_EV_STOP);
		lifecycle_post(d, DM_EV_DIED);
		return;
	}
	if (d->state == DM_STOPPING && !d->failing) {
		lifecycle_post(d, DM_EV_DIED);
		return;
	}
	bool memory = false;
	char last[200];
	char *why = domain_kind(d)->explain_death
			? domain_kind(d)->explain_death(d, &memory)
			: NULL;
	if (memory) {
		domain_set_error(d, "memory", "%s", why);
		/* Restarting cannot help until the toolstack makes room. */
		if (d->state == DM_STARTING)
			d->failing = true;
	} else if (!d->error || d->state == DM_RUNNING)
		domain_set_error(
		    d, d->state == DM_RUNNING ? "run" : "start",
		    "%s%s%s%s%s%s%s", d->exit_desc ? d->exit_desc : "died",
		    why ? ": " : "", why ? why : "",
		    /* A restore's QEMU that dies names the state it loaded. */
		    d->state == DM_STARTING && d->restore_file
			? " while restoring from "
			: "",
		    d->state == DM_STARTING && d->restore_file ? d->restore_file
							       : "",
		    domain_last_line(d, last, sizeof(last)) ? "; its log ends: "
							    : "",
		    last);
	free(why);
	lifecycle_post(d, d->failing ? DM_EV_DIED_FAILING : DM_EV_DIED);
}

static void domain_died(struct domain *d, bool known, int status)
{
	struct timeval wait = {DOMAIN_LOG_WAIT, 0};

	if (d->dying)
		return;
	d->dying = true;
	domain_kill_group(d);
	domain_describe_exit(d, known, status);
	log_info("domid %d (%s): device model pid %d %s", d->cfg.domid,
		 d->cfg.name, (int)d->pid,
		 d->exit_desc ? d->exit_desc : "died");
	/* A kind that judges the end by QMP's last events reads them while
	 * the log drains; the others need QMP no more. */
	if (!domain_kind(d)->qmp_connected)
		domain_qmp_gone(d, "the device model is gone");
	if (d->timer)
		event_del(d->timer);
	/* The tail is read once the helper has written everything. */
	if (d->log_pidfd >= 0)
		d->log_ev = event_new(d->sup->base, d->log_pidfd, EV_READ,
				      domain_log_done_cb, d);
	if (!d->log_ev || event_add(d->log_ev, &wait))
		domain_log_done_cb(-1, 0, d);
}

/* ---- stop ---- */

/* What each phase does on entry, and when the next one comes. */
static const struct {
	const char *name;
	int sig;	   /* sent on entry; 0: none */
	int wait;	   /* s before the next phase; 0: stop_timeout */
	enum dm_stop next; /* DM_STOP_NONE: only death is left */
} stop_phases[DM_N_STOPS] = {
    [DM_STOP_NONE] = {"none", 0, 0, DM_STOP_NONE},
    [DM_STOP_QUIT] = {"quit", 0, DOMAIN_QUIT_WAIT, DM_STOP_TERM},
    [DM_STOP_TERM] = {"term", SIGTERM, 0, DM_STOP_KILL},
    [DM_STOP_KILL] = {"kill", SIGKILL, 0, DM_STOP_NONE},
    [DM_STOP_WAIT] = {"wait", 0, 0, DM_STOP_KILL},
};

static void domain_stop_timer_cb(evutil_socket_t fd, short what, void *arg);

static void domain_stop_to(struct domain *d, enum dm_stop to, const char *why)
{
	struct timeval tv = {stop_phases[to].wait ? stop_phases[to].wait
						  : d->cfg.stop_timeout,
			     0};

	log_info("domid %d (%s): stop: %s -> %s (%s)", d->cfg.domid,
		 d->cfg.name, stop_phases[d->stop].name, stop_phases[to].name,
		 why);
	d->stop = to;
	if (stop_phases[to].sig)
		domain_signal(d, d->pidfd, d->pid, d->pid_start,
			      stop_phases[to].sig);
	if (stop_phases[to].next == DM_STOP_NONE)
		return;
	if (!d->timer)
		d->timer = evtimer_new(d->sup->base, domain_stop_timer_cb, d);
	if (d->timer)
		evtimer_add(d->timer, &tv);
}

static void domain_stop_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct domain *d = arg;

	domain_stop_to(d, stop_phases[d->stop].next, "still alive");
}

static void domain_enter_stopping(struct domain *d)
{
	const struct dm_kind_ops *k = domain_kind(d);
	enum dm_stop first;

	if (d->dying)
		return;
	if (!d->pid && restrict_run_cancel_wait(d)) {
		/* A start still waiting for its uid's reaper: nothing runs. */
		lifecycle_post(d, DM_EV_DIED);
		return;
	}
	hotplug_domain_stopping(d);
	first = k->stop ? k->stop(d) : DM_STOP_TERM;
	if (first != DM_STOP_QUIT) {
		/* Nothing is asked through QMP any more. */
		domain_qmp_gone(d, "the device model is stopping");
	}
	domain_stop_to(d, first, k->name);
}

/* ---- end states ---- */

static void domain_enter_stopped(struct domain *d)
{
	domain_release(d);
}

static void domain_enter_failed(struct domain *d)
{
	domain_release(d);
}

static void domain_restart_cb(evutil_socket_t fd, short what, void *arg)
{
	struct domain *d = arg;

	event_free(d->timer);
	d->timer = NULL;
	lifecycle_post(d, DM_EV_RESTART);
}

static double domain_ts_diff(const struct timespec *a, const struct timespec *b)
{
	return (double)(a->tv_sec - b->tv_sec) +
	       (double)(a->tv_nsec - b->tv_nsec) / 1e9;
}

/* Crashes in the last window, this one included. */
static unsigned domain_count_fail(struct domain *d)
{
	struct timespec now;
	unsigned n = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	d->fails[d->n_fails++ % DOMAIN_FAIL_LIMIT] = now;
	for (unsigned i = 0; i < DOMAIN_FAIL_LIMIT && i < d->n_fails; i++)
		n += domain_ts_diff(&now, &d->fails[i]) <= DOMAIN_FAIL_WINDOW;
	return n;
}

static void domain_enter_crashed(struct domain *d)
{
	domain_release(d);
	if (d->no_restart || !config_restart_on_crash(&d->cfg))
		return;
	unsigned n = domain_count_fail(d);
	if (n >= DOMAIN_FAIL_LIMIT) {
		domain_set_error(d, "restart",
				 "crashed %u times in %d s; giving up", n,
				 DOMAIN_FAIL_WINDOW);
		lifecycle_post(d, DM_EV_GIVE_UP);
		return;
	}
	/* At least 1 s between spawns, then doubling. */
	struct timeval tv = {n <= 3 ? 1 : 1 << (n - 3), 0};
	log_info("domid %d (%s): restarting in %ld s", d->cfg.domid,
		 d->cfg.name, (long)tv.tv_sec);
	d->timer = evtimer_new(d->sup->base, domain_restart_cb, d);
	if (d->timer)
		evtimer_add(d->timer, &tv);
}

/* ---- reattach ---- */

/* Alive, and the same process: a zombie or a reused pid is not. */
static bool domain_same_process(pid_t pid, unsigned long long start)
{
	unsigned long long now;
	char state;

	return pid > 0 && !spawn_proc_stat(pid, &state, &now) && now == start &&
	       state != 'Z' && state != 'X';
}

/* A FIFO whose writers are all gone reads EOF at once. */
static bool domain_fifo_has_writer(int fd)
{
	char c;

	return read(fd, &c, 1) < 0 && errno == EAGAIN;
}

void domain_reattach(struct domain *d, struct json_object *run)
{
	struct json_object *v;
	char *fifo = domain_path(d, ".fifo");
	const char *was = "", *err;

#define RUN_GET(key, conv)                                                     \
	(json_object_object_get_ex(run, key, &v) ? conv(v) : 0)
	d->pid = RUN_GET("pid", json_object_get_int);
	d->pid_start =
	    (unsigned long long)RUN_GET("pid_start", json_object_get_int64);
	d->log_pid = RUN_GET("log_pid", json_object_get_int);
	d->log_start =
	    (unsigned long long)RUN_GET("log_start", json_object_get_int64);
	d->started_at = RUN_GET("started", json_object_get_int64);
	if (json_object_object_get_ex(run, "state", &v))
		was = json_object_get_string(v);
#undef RUN_GET
	d->our_child = false;
	d->kind = kind_ops_of(&d->cfg);
	if (domain_same_process(d->pid, d->pid_start) && fifo)
		d->fifo_fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	free(fifo);
	if (domain_same_process(d->log_pid, d->log_start))
		d->log_pidfd = pidfd_open(d->log_pid, 0);
	if (d->fifo_fd < 0 || !domain_fifo_has_writer(d->fifo_fd) ||
	    domain_watch_fifo(d)) {
		/* Gone while we were away: report it, never restart it. */
		d->no_restart = true;
		d->exit_desc = strdup("died while dmsup was not running");
		domain_set_error(d, "run", "%s", d->exit_desc);
		d->log_tail =
		    logfile_tail(d->sup->log_dir, d->cfg.name, d->cfg.log_files,
				 DOMAIN_TAIL_LINES, DOMAIN_TAIL_BYTES);
		lifecycle_post(d, DM_EV_ADOPT_DEAD);
		return;
	}
	d->pidfd = pidfd_open(d->pid, 0);
	d->pgrp = domain_own_pgrp(d->pid);
	/* A restricted one's uid is reaped at its death, as before. */
	restrict_run_reattach(d);
	if (domain_watch_pidfd(d))
		log_warn("domid %d (%s): cannot watch pid %d's pidfd",
			 d->cfg.domid, d->cfg.name, (int)d->pid);
	d->ran = strcmp(was, "starting") != 0;
	log_info("domid %d (%s): reattached to pid %d", d->cfg.domid,
		 d->cfg.name, (int)d->pid);
	if (!strcmp(was, "starting")) {
		/* Not ready yet when we left: readiness decides, as usual;
		 * a restore under way then asks QEMU how far it got. */
		if (json_object_object_get_ex(run, "restore", &v) &&
		    !domain_set_restore_take_fd(d, -1,
						json_object_get_string(v)))
			d->restore_resume = true;
		lifecycle_post(d, DM_EV_ADOPT_STARTING);
		return;
	}
	lifecycle_post(d, DM_EV_ADOPT_ALIVE);
	if (d->kind->reattach && d->kind->reattach(d, &err)) {
		log_warnx("domid %d (%s): %s not found again: %s", d->cfg.domid,
			  d->cfg.name, d->kind->side, err);
	} else if (d->kind->qmp != KIND_QMP_NONE && domain_qmp_connect(d)) {
		log_warnx("domid %d (%s): cannot reconnect QMP", d->cfg.domid,
			  d->cfg.name);
	} else if (d->qmp) {
		/* It lives: a QEMU slow to answer is not a lost QMP. */
		dmqmp_keep_trying(d->qmp);
	}
	if (!strcmp(was, "stopping"))
		lifecycle_post(d, DM_EV_STOP);
}

const struct lifecycle_actions domain_actions = {{
    [DM_STARTING] = domain_enter_starting,
    [DM_STOPPING] = domain_enter_stopping,
    [DM_STOPPED] = domain_enter_stopped,
    [DM_CRASHED] = domain_enter_crashed,
    [DM_FAILED] = domain_enter_failed,
}};
