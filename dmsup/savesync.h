/*
 * The durability of a save file, off the event loop: fdatasync can take
 * seconds on a busy disk, so a short-lived thread runs it and an eventfd
 * brings the outcome back to the loop. The save's reply waits for it.
 */
#ifndef DMSUP_SAVESYNC_H
#define DMSUP_SAVESYNC_H

struct event_base;
struct savesync;

/* 0 once the data is durable, else the errno (ECANCELED: cancelled). */
typedef void savesync_done_fn(void *arg, int err);

/*
 * Syncs a duplicate of @fd (the caller keeps @fd) and tells @done from
 * the loop, never before this returns. NULL with errno set if the sync
 * could not be started.
 */
struct savesync *savesync_start(struct event_base *base, int fd,
				savesync_done_fn *done, void *arg);

/* Tells @done ECANCELED now (if not told yet); the thread's end is then
 * only cleaned up. NULL is fine. */
void savesync_cancel(struct savesync *s);

#endif
