/*
 * stubreq: the daemon's requests to a Linux stub's keeper, over its
 * control socket (stubkeep/stubctl.h has the keeper's side).
 *
 * A save of the device state, which QEMU in the stub writes into
 * console 1 and the keeper drains into the save file:
 *
 *   stubreq_begin  connect, "save" + the file's fd; @ready once the
 *                  keeper said "ok" (console 1 goes there)
 *   (the caller: QMP xen-save-devices-state into the stub's /dev/hvc1)
 *   stubreq_end    "end"; @done with the bytes the file got
 *
 * A CD change's PV half: stubreq_call("vbd-eject I") or ("vbd-insert I
 * PATH"), @done at the keeper's "ok".
 *
 * Each wait is bounded by the timeout; the callbacks run from the loop,
 * once each, never after stubreq_free. Errors say what the keeper said
 * (or that it went away), after @domain (if not NULL).
 */
#ifndef DMSUP_KIND_STUBREQ_H
#define DMSUP_KIND_STUBREQ_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct stubreq;

/* err NULL: @bytes is what the keeper wrote (stubreq_end) or 0. */
typedef void stubreq_fn(void *arg, int64_t bytes, const char *err);

/* NULL with err filled if the keeper cannot be reached at once. @fd is
 * not taken (sent as a copy). */
struct stubreq *stubreq_begin(struct event_base *base, const char *domain,
			      const char *sock, int fd, int timeout_s,
			      stubreq_fn *ready, void *arg, char *err,
			      size_t errsz);

#define STUBREQ_LINE_MAX 1100 /* a request line, without its newline */

/* One request line (no newline in it); @done at its "ok". NULL with err
 * filled if the keeper cannot be reached at once. */
struct stubreq *stubreq_call(struct event_base *base, const char *domain,
			     const char *sock, const char *line, int timeout_s,
			     stubreq_fn *done, void *arg, char *err,
			     size_t errsz);

/* After @ready without an error: asks for the end; @done follows. */
void stubreq_end(struct stubreq *s, stubreq_fn *done);

/* Closes the connection (the keeper drops console 1 again). NULL ok. */
void stubreq_free(struct stubreq *s);

#endif
