/*
 * A cgroup v2 per restricted device model (docs/restrict.md): where it
 * goes (the base: restrict.cgroup, or "auto", dmsup's own cgroup on the
 * host's cgroup2 mount), its name (the runtime dir's hash and the
 * domain's name, so two dmsups never share one), its limits (pids.max,
 * memory.max where the parent offers the controllers), its end
 * (cgroup.kill: every process in it, forks included, without a race)
 * and its removal. The parsing part is pure: unit tests give it text.
 */
#ifndef DMSUP_CGROUP_H
#define DMSUP_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DMCG_PATH_MAX 1024

/* The leaf dmsup may run in, its parent then the base of "auto". */
#define DMCG_SUPERVISOR "supervisor"

/* restrict.cgroup's syntax: "auto", "off", or an absolute path with no
 * empty, "." or ".." component and no trailing '/'. */
bool dmcg_config_ok(const char *s);

/* 32-bit FNV-1a of @s. */
uint32_t dmcg_hash(const char *s);

/* @base/dmsup-<hash of @run_dir, 8 hex>-@name; -1 if too long. */
int dmcg_path(const char *base, const char *run_dir, const char *name,
	      char *out, size_t len);

/*
 * The base dir "auto" means, from the text of /proc/self/mountinfo and of
 * /proc/self/cgroup: the cgroup2 mount point plus dmsup's own cgroup (the
 * "0::" line), or that cgroup's parent when it is a leaf named
 * DMCG_SUPERVISOR. 0, or -1 with @why saying what the host lacks.
 */
int dmcg_base_parse(const char *mountinfo, const char *self_cgroup, char *out,
		    size_t len, char *why, size_t why_len);

/* The cgroup2 mount point that holds @path (from @mountinfo's text), the
 * longest that is a prefix of it: its length, or 0 for none. */
size_t dmcg_mount_of(const char *mountinfo, const char *path);

/* ---- on the host ---- */

struct dmcg_limits {
	int pids;	  /* pids.max; 0: none */
	long long memory; /* memory.max in bytes; 0: none */
};

/*
 * The base for @cfg (restrict.cgroup: "auto" or a path), read from the
 * host. 0; 1 when "auto" finds none (@why says why: a missing feature);
 * -1 when the configured path is not a cgroup2 directory (@why: an error).
 */
int dmcg_base(const char *cfg, char *out, size_t len, char *why,
	      size_t why_len);

/*
 * Makes @path (its parent the base): kills what an earlier run left in
 * it, enables the controllers @l needs in the parent where it offers
 * them, sets the limits. 0, with what could not be set in @miss_pids and
 * @miss_mem ("" when set or not asked for); -1 with @err when there is no
 * usable cgroup at all.
 */
int dmcg_make(const char *path, const struct dmcg_limits *l, char *miss_pids,
	      char *miss_mem, size_t miss_len, char *err, size_t err_len);

/* Writes 1 to @path/cgroup.kill: 0, or -1 (errno; ENOENT: no cgroup). */
int dmcg_kill(const char *path);

/* rmdir @path: 0 when gone, 1 while processes are still in it, -1 on
 * another error (errno). */
int dmcg_remove(const char *path);

/* Whether @pid's cgroup (its "0::" line) is @path. */
bool dmcg_holds(const char *path, pid_t pid);

#endif
