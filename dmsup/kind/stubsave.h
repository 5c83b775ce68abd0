/*
 * stubsave: the daemon's side of a save of a Linux stub's device state,
 * which QEMU in the stub writes into console 1 and the stub keeper
 * drains into the save file (stubkeep/stubctl.h has the keeper's side):
 *
 *   stubsave_begin  connect to the keeper's socket, "save" + the file's
 *                   fd; @ready once it said "ok" (console 1 goes there)
 *   (the caller: QMP xen-save-devices-state into /dev/fdset/1)
 *   stubsave_end    "end"; @done with the bytes the file got
 *
 * Each wait is bounded by the timeout; the callbacks run from the loop,
 * once each, never after stubsave_free. Errors say what the keeper said
 * (or that it went away), after @domain (if not NULL).
 */
#ifndef DMSUP_KIND_STUBSAVE_H
#define DMSUP_KIND_STUBSAVE_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct stubsave;

/* err NULL: @bytes is what the keeper wrote (stubsave_end) or 0. */
typedef void stubsave_fn(void *arg, int64_t bytes, const char *err);

/* NULL with err filled if the keeper cannot be reached at once. @fd is
 * not taken (sent as a copy). */
struct stubsave *stubsave_begin(struct event_base *base, const char *domain,
				const char *sock, int fd, int timeout_s,
				stubsave_fn *ready, void *arg, char *err,
				size_t errsz);

/* After @ready without an error: asks for the end; @done follows. */
void stubsave_end(struct stubsave *s, stubsave_fn *done);

/* Closes the connection (the keeper drops console 1 again). NULL ok. */
void stubsave_free(struct stubsave *s);

#endif
