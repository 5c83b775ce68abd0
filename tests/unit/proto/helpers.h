/*
 * helpers.h - shared pieces of the stubdom-proto unit tests: a store with
 * three connections (dom0, a stub domain, its guest), waiting on the event
 * loop with a generous timeout, and a watch-event recorder.
 */
#ifndef TESTS_UNIT_PROTO_HELPERS_H
#define TESTS_UNIT_PROTO_HELPERS_H

#include <stdbool.h>

#include "stubdom-proto/xs.h"

#define T_GUEST 5
#define T_STUB 6
#define T_OTHER 9
#define T_WAIT_S 20 /* generous: machines are shared and slow */

struct fx {
	struct event_base *base;
	struct xsp_mem_store *st;
	struct xsp *dom0, *stub, *guest, *other;
};

void fx_open(struct fx *f);
void fx_close(struct fx *f);

/* Runs the loop until *flag is true or T_WAIT_S pass; returns *flag. */
bool fx_until(struct fx *f, const bool *flag);
/* Runs the loop until nothing is pending (every queued watch event
 * delivered, no ready callback left); pending timers do not count. */
void fx_settle(struct fx *f);

/* Records watch events. */
#define REC_MAX 64
struct rec {
	unsigned int n;
	char paths[REC_MAX][256];
};
void rec_cb(struct xsp *xs, const char *path, void *arg);
bool rec_has(const struct rec *r, const char *path);

/* Runs a suite and returns main's exit status. */
struct Suite;
int fx_run(struct Suite *s);

/* Reads a node into a static buffer; "<errno N>" on failure. */
const char *fx_read(struct xsp *xs, const char *path);

#endif
