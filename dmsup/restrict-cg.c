/*
 * A restricted run's cgroup (restrict-cg.h). The removal waits for the
 * kernel to empty the cgroup after cgroup.kill: rmdir retried on a
 * timer (10 ms, doubling to 320 ms) until the run's reap_timeout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "dmsup/cgroup.h"
#include "dmsup/domain.h"
#include "dmsup/dmsup.h"
#include "dmsup/log.h"
#include "dmsup/restrict-cg.h"
#include "dmsup/restrict.h"

/* The cgroup path of @d's run: 0, 1 with @why (a missing feature), -1
 * with @why (an error: the configured directory cannot serve). */
static int restrict_cg_path(const struct domain *d, char *out, size_t len,
			    char *why, size_t why_len)
{
	const char *cfg = d->cfg.rst.cgroup ? d->cfg.rst.cgroup : "auto";
	char base[DMCG_PATH_MAX];
	int rc;

	if (!strcmp(cfg, "off")) {
		snprintf(why, why_len, "restrict.cgroup off");
		return 1;
	}
	if ((rc = dmcg_base(cfg, base, sizeof(base), why, why_len)))
		return rc;
	if (dmcg_path(strcmp(base, "/") ? base : "", d->sup->run_dir,
		      d->cfg.name, out, len)) {
		snprintf(why, why_len, "the cgroup path under %s is too long",
			 base);
		return -1;
	}
	return 0;
}

static void restrict_cg_missing(struct restrict_cg *c, struct restrict_plan *p,
				const char *why)
{
	snprintf(c->miss[0], sizeof(c->miss[0]), "cgroup (%s)", why);
	restrict_missing(p, c->miss[0]);
}

int restrict_cg_setup(struct restrict_cg *c, const struct domain *d,
		      struct restrict_plan *p, char *err, size_t len)
{
	struct dmcg_limits l = {p->nproc,
				(long long)d->cfg.rst.memory_mib << 20};
	char path[DMCG_PATH_MAX], why[DMCG_PATH_MAX + 100];
	bool asked = d->cfg.rst.cgroup && strcmp(d->cfg.rst.cgroup, "auto") &&
		     strcmp(d->cfg.rst.cgroup, "off");
	int rc;

	restrict_cg_dispose(c);
	if ((rc = restrict_cg_path(d, path, sizeof(path), why, sizeof(why)))) {
		if (rc < 0) {
			snprintf(err, len, "%s", why);
			return -1;
		}
		restrict_cg_missing(c, p, why);
		return 0;
	}
	if (dmcg_make(path, &l, c->miss[1], c->miss[2], sizeof(c->miss[1]), why,
		      sizeof(why))) {
		if (asked) {
			snprintf(err, len, "%s", why);
			return -1;
		}
		restrict_cg_missing(c, p, why);
		return 0;
	}
	if (!(c->path = strdup(path))) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	c->pids = *c->miss[1] ? 0 : l.pids;
	c->memory = *c->miss[2] ? 0 : l.memory;
	for (int i = 1; i < 3; i++)
		if (*c->miss[i])
			restrict_missing(p, c->miss[i]);
	return 0;
}

void restrict_cg_reattach(struct restrict_cg *c, const struct domain *d,
			  struct restrict_plan *p)
{
	char path[DMCG_PATH_MAX], why[DMCG_PATH_MAX + 100];

	restrict_cg_dispose(c);
	if (restrict_cg_path(d, path, sizeof(path), why, sizeof(why))) {
		restrict_cg_missing(c, p, why);
		return;
	}
	if (!dmcg_holds(path, d->pid)) {
		snprintf(why, sizeof(why), "pid %d is not in %s", (int)d->pid,
			 path);
		log_warnx("domid %d (%s): restrict: %s", d->cfg.domid,
			  d->cfg.name, why);
		restrict_cg_missing(c, p, why);
		return;
	}
	c->path = strdup(path);
}

void restrict_cg_kill(struct restrict_cg *c, const char *label)
{
	if (c->path && dmcg_kill(c->path) && errno != ENOENT)
		log_warn("%s: %s/cgroup.kill", label, c->path);
}

/* One rmdir: gone, given up, or another try a little later. */
static void restrict_cg_rm_cb(evutil_socket_t fd, short what, void *arg)
{
	struct restrict_cg *c = arg;
	int r = dmcg_remove(c->path);

	if (r == 1 && c->rm_waited < c->rm_budget) {
		struct timeval tv = {0, c->rm_ms * 1000};
		c->rm_waited += c->rm_ms;
		c->rm_ms = c->rm_ms < 320 ? c->rm_ms * 2 : c->rm_ms;
		event_add(c->rm, &tv);
		return;
	}
	if (r)
		log_warnx("%s: cgroup %s not removed: %s", c->label, c->path,
			  r == 1 ? "processes still in it" : strerror(errno));
	free(c->path);
	c->path = NULL;
}

void restrict_cg_remove(struct restrict_cg *c, const struct domain *d)
{
	if (!c->path || c->rm)
		return;
	snprintf(c->label, sizeof(c->label), "domid %d (%s)", d->cfg.domid,
		 d->cfg.name);
	c->rm_budget = d->cfg.rst.reap_timeout * 1000;
	c->rm_waited = 0;
	c->rm_ms = 10;
	if (!(c->rm = evtimer_new(d->sup->base, restrict_cg_rm_cb, c))) {
		dmcg_remove(c->path);
		return;
	}
	restrict_cg_rm_cb(-1, 0, c);
}

void restrict_cg_json(const struct restrict_cg *c, bool live,
		      struct json_object *o, struct json_object *rst)
{
	json_object_object_add(o, "cgroup",
			       live && c->path ? json_object_new_string(c->path)
					       : NULL);
	if (!live || !c->path || !rst)
		return;
	if (c->pids)
		json_object_object_add(rst, "pids_max",
				       json_object_new_int(c->pids));
	if (c->memory)
		json_object_object_add(rst, "memory_max",
				       json_object_new_int64(c->memory));
}

void restrict_cg_dispose(struct restrict_cg *c)
{
	if (c->rm)
		event_free(c->rm);
	/* An empty one goes (a failed start's); a live one stays (EBUSY). */
	if (c->path)
		dmcg_remove(c->path);
	free(c->path);
	memset(c, 0, sizeof(*c));
}
