/*
 * What the control socket's clients hear about domains: a subscriber of
 * the observer hook (observe.h) that sends state and page-request events
 * to watching clients, and the replies to a start or a stop once the
 * lifecycle's verdict is in. control.c itself only frames and routes.
 */
#ifndef DMSUP_CTL_NOTIFY_H
#define DMSUP_CTL_NOTIFY_H

#include "dmsup/lifecycle.h"

struct ctl_conn;
struct domain;
struct dm_observer;

/* Registered by main with struct dmsup as its argument (it sends through
 * sup->ctl, and to nobody while that is NULL). */
extern const struct dm_observer notify_observer;

/* @c's request waits for @d to settle (lifecycle_wait), then gets its
 * reply: the domain, or why the start failed. Call before posting the
 * event: the transition may settle at once. 0, or -1 after replying an
 * error (out of memory). */
int notify_when_settled(struct ctl_conn *c, struct domain *d,
			enum dm_wait what);

#endif
