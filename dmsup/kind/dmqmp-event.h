/*
 * The subscribers to one QMP connection's events (dmqmp's, see dmqmp.h
 * for what a subscriber sees). A hub of its own, knowing nothing of QMP,
 * so that its rules can be tested without a peer:
 *  - an event posted is queued for each subscription it matches then, and
 *    delivered from a one-shot event of the loop, never from the call
 *    that posted it or subscribed;
 *  - each subscription ends once: queued after dmqmp_events_end, or
 *    synchronously in dmqmp_events_free, which may be called from inside
 *    any of the hub's callbacks.
 */
#ifndef DMSUP_KIND_DMQMP_EVENT_H
#define DMSUP_KIND_DMQMP_EVENT_H

#include "dmsup/kind/dmqmp.h"

struct event_base;
struct json_object;
struct dmqmp_events;

/* NULL on allocation failure. */
struct dmqmp_events *dmqmp_events_new(struct event_base *base);
/* As dmqmp_subscribe. */
struct dmqmp_sub *dmqmp_events_subscribe(struct dmqmp_events *h,
					 const char *event, const char *key,
					 const char *value, dmqmp_event_fn *cb,
					 void *arg, const char **err_r);
/* An event from QEMU; @data (borrowed) an object or NULL. */
void dmqmp_events_post(struct dmqmp_events *h, const char *event,
		       struct json_object *data);
/* No more events will come (@why): every subscription is told, later, and
 * new ones are refused. Only the first call counts. */
void dmqmp_events_end(struct dmqmp_events *h, const char *why);
/* Ends the subscriptions not yet told (why "cancelled", or the end's
 * reason if there was one), then frees. NULL ok. */
void dmqmp_events_free(struct dmqmp_events *h);

#endif
