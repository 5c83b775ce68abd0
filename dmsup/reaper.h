/*
 * The uid reaper (docs/restrict.md): once a restricted device model died,
 * every process of its uid is killed before the uid serves again. A job
 * per uid: rounds of kill(-1, SIGKILL) from a child that became the uid
 * (what libxl does, without its race: the kernel's kill(-1) and fork
 * exclude each other, so a round leaves no new child behind), each round
 * followed by a scan of /proc; done when no live process of the uid is
 * left, failed at the deadline. Starts of the same uid wait for it.
 */
#ifndef DMSUP_REAPER_H
#define DMSUP_REAPER_H

#include <stdbool.h>
#include <sys/types.h>

struct event_base;
struct reaper_waiter;

typedef void reaper_done_fn(void *arg, bool ok);

/* Starts (or restarts) the job of @uid; @label names it in the log. */
void reaper_start(struct event_base *base, uid_t uid, gid_t gid, int timeout_s,
		  const char *label);
/* "reaping", "done", "failed", or NULL (no job seen for @uid). */
const char *reaper_state(uid_t uid);
/* How many processes of @uid the last failed round left. */
int reaper_left(uid_t uid);
/* While @uid's job runs: @cb at its end (never from this call) and the
 * waiter; NULL when no job runs. */
struct reaper_waiter *reaper_wait(uid_t uid, reaper_done_fn *cb, void *arg);
/* Idempotent with NULL; the callback is not called any more. */
void reaper_wait_cancel(struct reaper_waiter *w);
/* Live (not zombie) processes whose real, effective or saved uid is
 * @uid; -1 if /proc cannot be read. */
int reaper_count_uid(uid_t uid);

#endif
