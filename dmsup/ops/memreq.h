/*
 * Runtime page requests (docs/memory-protocol.md 3.2): an operation that
 * makes QEMU populate more pages in its guest asks the toolstack first,
 * through xenstore, and goes on only once the toolstack granted and the
 * room is really there. dmsup never raises a limit itself.
 *
 * One `struct memreq` per domain. Operations run one at a time in the
 * order submitted; each goes IDLE -> REQUESTED (memory-request written,
 * memory-grant watched, timer armed) -> CHECKING (a grant with the
 * pending id: max_pages - tot_pages re-read) -> PROCEEDING (the caller
 * runs the operation and calls memreq_finish) -> IDLE. A refusal, the
 * timeout, a grant without room or the domain going down end it in IDLE
 * with the operation failed. An operation of 0 pages asks nothing: it
 * goes from IDLE to PROCEEDING in its turn.
 *
 * Nodes, under /local/domain/0/device-model/<domid>/, both n0:
 *   memory-request  "<id> <pages> <reason>"  written here
 *   memory-grant    "<id> granted" | "<id> refused [<text>]"  by dom0;
 *		     created empty with the request, so only dom0 may
 *		     write it, re-read on every watch event, and anything
 *		     that does not parse or names another id is ignored,
 *		     as is a node dom0 does not own (a domain that may
 *		     write the directory can create one once dom0 removed it)
 * Both are removed whenever a request ends, whatever the outcome.
 *
 * Callbacks are never called from inside the call that caused them
 * (submit, finish, fail_all): always later, from the event loop.
 */
#ifndef DMSUP_MEMREQ_H
#define DMSUP_MEMREQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct json_object;
struct xsp;
struct memreq;

#define MEMREQ_VALUE_MAX 256 /* a node's value, bytes */
#define MEMREQ_REASON_MAX 64 /* [a-z0-9._:-] */
#define MEMREQ_QUEUE_MAX 64  /* operations waiting per domain */
#define MEMREQ_ID_MAX 0x7fffffffu

/* max_pages and tot_pages of the domain now: 0, or -1 with *err_r. */
typedef int memreq_room_fn(void *arg, uint64_t *max_r, uint64_t *tot_r,
			   const char **err_r);
/* A control-socket event ({"event": "memory-request", ...} or
 * "memory-request-done"); @ev is borrowed. */
typedef void memreq_event_fn(void *arg, struct json_object *ev);

struct memreq_config {
	struct event_base *base;
	struct xsp *xs; /* dom0's connection; must outlive the memreq */
	unsigned int domid;
	memreq_room_fn *room;	/* libxenctrl in the daemon */
	memreq_event_fn *event; /* may be NULL */
	void *arg;		/* for room and event */
};

enum memreq_result {
	MEMREQ_PROCEED, /* go on, then call memreq_finish(ticket) */
	MEMREQ_REFUSED, /* the toolstack said no */
	MEMREQ_TIMEOUT, /* no answer in time */
	MEMREQ_FAILED,	/* still short after a grant, xenstore, stopped */
};

struct memreq_outcome {
	enum memreq_result result;
	uint32_t ticket;   /* MEMREQ_PROCEED: for memreq_finish */
	uint32_t id;	   /* the request's id; 0 if nothing was asked */
	const char *error; /* NULL for MEMREQ_PROCEED; one line */
};
/* Called exactly once per submitted operation; `o` lives until it
 * returns. */
typedef void memreq_cb(const struct memreq_outcome *o, void *arg);

/* NULL on ENOMEM. */
struct memreq *memreq_new(const struct memreq_config *cfg);
/* Queues an operation needing @pages (0: none) for @reason (one token of
 * [a-z0-9._:-], at most MEMREQ_REASON_MAX), waiting at most @timeout_s
 * for the toolstack's answer. 0, or -EINVAL (reason, timeout), -ENOSPC
 * (queue full), -ENOMEM; @cb is then never called. */
int memreq_submit(struct memreq *m, uint64_t pages, const char *reason,
		  unsigned int timeout_s, memreq_cb *cb, void *arg);
/* The operation let through with @ticket ended (QEMU answered), @ok or
 * not. A ticket that is no longer current (the domain went down in
 * between) is ignored. */
void memreq_finish(struct memreq *m, uint32_t ticket, bool ok);
/* The domain stopped or died: the request in flight ends and every
 * queued operation fails with @why, each once. */
void memreq_fail_all(struct memreq *m, const char *why);
/* Removes the nodes of a pending request and frees everything; pending
 * operations are called back now (the one synchronous exception) with
 * MEMREQ_FAILED "dmsup is shutting down". NULL ok. */
void memreq_free(struct memreq *m);

const char *memreq_result_name(enum memreq_result r);

#endif
