/*
 * A restricted run's cgroup (docs/restrict.md): cgroup.c's pieces put
 * together for a domain: made before the spawn (the trampoline puts QEMU
 * in it), checked at a reattach, killed at the death (before the uid's
 * reaper), then removed once empty, retried on a timer.
 */
#ifndef DMSUP_RESTRICT_CG_H
#define DMSUP_RESTRICT_CG_H

#include <stdbool.h>

#include "dmsup/cgroup.h"

#include <json-c/json.h>

struct domain;
struct restrict_plan;
struct event;

struct restrict_cg {
	char *path;			   /* the run's cgroup; NULL: none */
	int pids;			   /* pids.max set; 0: none */
	long long memory;		   /* memory.max set; 0: none */
	char miss[3][DMCG_PATH_MAX + 200]; /* named in the plan's missing */
	struct event *rm;		   /* the removal's retry */
	int rm_ms, rm_waited, rm_budget;   /* ms: the next delay, so far, all */
	char label[96];
};

/* Before a spawn: 0 (c->path set, or what is missing named in @p), or
 * -1 with @err when restrict.cgroup names a directory that cannot
 * serve. */
int restrict_cg_setup(struct restrict_cg *c, const struct domain *d,
		      struct restrict_plan *p, char *err, size_t len);
/* After dmsup's restart: the live QEMU's cgroup is its run's if
 * /proc/PID/cgroup says so, else named missing in @p. */
void restrict_cg_reattach(struct restrict_cg *c, const struct domain *d,
			  struct restrict_plan *p);
/* The death: every process in the cgroup killed (cgroup.kill). */
void restrict_cg_kill(struct restrict_cg *c, const char *label);
/* Then the cgroup removed, retried until empty or @timeout_s. */
void restrict_cg_remove(struct restrict_cg *c, const struct domain *d);
/* status: "cgroup" (the path while the run lives, else null) in @o and
 * the limits in @rst. */
void restrict_cg_json(const struct restrict_cg *c, bool live,
		      struct json_object *o, struct json_object *rst);
/* Frees; the cgroup is removed if empty (a live one stays). Idempotent. */
void restrict_cg_dispose(struct restrict_cg *c);

#endif
