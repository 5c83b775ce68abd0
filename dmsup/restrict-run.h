/*
 * A domain's restricted run (docs/restrict.md): the glue between the
 * domain's lifecycle and restrict.c's policy. The hooks: prepare before
 * the spawn (plan, users, chroot, the uid's last reaper), the QMP socket
 * dmsup listens on for QEMU, the argv, the death (the reaper), status.
 */
#ifndef DMSUP_RESTRICT_RUN_H
#define DMSUP_RESTRICT_RUN_H

#include <stdbool.h>

#include <json-c/json.h>

struct domain;

typedef void restrict_resume_fn(struct domain *d);

/*
 * Before a spawn: 0 to go on, 1 when the start waits for the reaper of
 * the uid's last run (@resume is called later, never from here), -1 with
 * *err_r (static until the next call) when the start must fail.
 */
int restrict_run_prepare(struct domain *d, restrict_resume_fn *resume,
			 const char **err_r);
/* The kind's argv through the policy (unchanged when not restricted). */
char **restrict_run_argv(const struct domain *d, char **qemu);
/* After dmsup's restart, a live device model running as the uid its
 * config gives is a restricted run again (its death reaps the uid). */
void restrict_run_reattach(struct domain *d);
/* An adopted QEMU (kind xl) ready, its privileges dropped: what libxl's
 * dm_restrict did, read in /proc; a range uid is reaped at the death. */
void restrict_run_adopted(struct domain *d);
/* A start waiting for the reaper is given up (a stop came): true if one
 * waited. */
bool restrict_run_cancel_wait(struct domain *d);
/* The device model died: the uid's reaper starts. Idempotent. */
void restrict_run_died(struct domain *d);
/*
 * A save: QEMU writes its state into a file itself, and RLIMIT_FSIZE (0
 * by default) would kill it with SIGXFSZ there. save_begin lifts the live
 * run's limit (0, or -1 with @err: prlimit failed); save_end puts it back.
 * Both do nothing for a run without the limit.
 */
int restrict_run_save_begin(struct domain *d, char *err, size_t len);
void restrict_run_save_end(struct domain *d);
/* The chroot of the running restricted run, or NULL. */
const char *restrict_run_chroot(const struct domain *d);
/* status: "restrict": the run's plan, or what the next start does. */
void restrict_run_json(const struct domain *d, struct json_object *o);
void restrict_run_free(struct domain *d);

#endif
