/*
 * The device model lifecycle as a table of transitions. Anything not
 * in the table is refused. Entry actions live in domain.c (struct
 * dmsup's actions); who hears about a transition, in observe.h.
 */
#include <stdlib.h>
#include <string.h>

#include "dmsup/domain.h"
#include "dmsup/lifecycle.h"
#include "dmsup/log.h"
#include "dmsup/observe.h"

struct dm_waiter {
	struct dm_waiter *next;
	enum dm_wait what;
	dm_verdict_fn *fn;
	void *arg;
};

static const char *const state_names[DM_N_STATES] = {
    "defined", "starting", "running", "stopping",
    "stopped", "crashed",  "failed",
};

static const char *const event_names[DM_N_EVENTS] = {
    "start",   "ready",	       "not-ready",	 "spawn-failed",
    "died",    "died-failing", "stop",		 "restart",
    "give-up", "adopt-alive",  "adopt-starting", "adopt-dead",
};

/* Every allowed transition; anything else is refused. */
static const struct {
	enum dm_state from;
	enum dm_event ev;
	enum dm_state to;
} transitions[] = {
    {DM_DEFINED, DM_EV_START, DM_STARTING},
    {DM_DEFINED, DM_EV_ADOPT_ALIVE, DM_RUNNING},
    {DM_DEFINED, DM_EV_ADOPT_STARTING, DM_STARTING},
    {DM_DEFINED, DM_EV_ADOPT_DEAD, DM_CRASHED},
    {DM_STARTING, DM_EV_READY, DM_RUNNING},
    {DM_STARTING, DM_EV_NOT_READY, DM_STOPPING},
    {DM_STARTING, DM_EV_SPAWN_FAILED, DM_FAILED},
    {DM_STARTING, DM_EV_DIED, DM_CRASHED},
    {DM_STARTING, DM_EV_DIED_FAILING, DM_FAILED},
    {DM_STARTING, DM_EV_STOP, DM_STOPPING},
    {DM_RUNNING, DM_EV_DIED, DM_CRASHED},
    {DM_RUNNING, DM_EV_DIED_FAILING, DM_CRASHED},
    {DM_RUNNING, DM_EV_STOP, DM_STOPPING},
    {DM_STOPPING, DM_EV_DIED, DM_STOPPED},
    {DM_STOPPING, DM_EV_DIED_FAILING, DM_FAILED},
    {DM_STOPPED, DM_EV_START, DM_STARTING},
    {DM_CRASHED, DM_EV_START, DM_STARTING},
    {DM_CRASHED, DM_EV_STOP, DM_STOPPED},
    {DM_CRASHED, DM_EV_RESTART, DM_STARTING},
    {DM_CRASHED, DM_EV_GIVE_UP, DM_FAILED},
    {DM_FAILED, DM_EV_START, DM_STARTING},
};

const char *lifecycle_state_name(enum dm_state s)
{
	return s < DM_N_STATES ? state_names[s] : "?";
}

const char *lifecycle_event_name(enum dm_event ev)
{
	return ev < DM_N_EVENTS ? event_names[ev] : "?";
}

int lifecycle_is_active(enum dm_state s)
{
	return s == DM_STARTING || s == DM_RUNNING || s == DM_STOPPING;
}

/* Has @w's start or stop settled in state @s? Then *v_r says how. */
static bool lifecycle_settled(const struct dm_waiter *w, enum dm_state s,
			      enum dm_verdict *v_r)
{
	if (w->what == DM_WAIT_STOP) {
		*v_r = DM_VERDICT_OK;
		return !lifecycle_is_active(s);
	}
	*v_r = s == DM_RUNNING ? DM_VERDICT_OK : DM_VERDICT_FAILED;
	return s == DM_RUNNING || s == DM_CRASHED || s == DM_FAILED ||
	       s == DM_STOPPED;
}

static void lifecycle_settle(struct domain *d)
{
	enum dm_verdict v;

	for (struct dm_waiter **pp = &d->waiters, *w; (w = *pp);) {
		if (!lifecycle_settled(w, d->state, &v)) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		w->fn(w->arg, d, v);
		free(w);
	}
}

int lifecycle_wait(struct domain *d, enum dm_wait what, dm_verdict_fn *fn,
		   void *arg)
{
	struct dm_waiter *w = calloc(1, sizeof(*w));

	if (!w)
		return -1;
	*w = (struct dm_waiter){d->waiters, what, fn, arg};
	d->waiters = w;
	return 0;
}

void lifecycle_dispose(struct domain *d)
{
	struct dm_waiter *w;

	while ((w = d->waiters)) {
		d->waiters = w->next;
		w->fn(w->arg, d, DM_VERDICT_GONE);
		free(w);
	}
}

/* One transition, then its entry action. */
static int lifecycle_step(struct domain *d, enum dm_event ev)
{
	enum dm_state from = d->state, to = DM_N_STATES;

	for (size_t i = 0; i < sizeof(transitions) / sizeof(transitions[0]);
	     i++)
		if (transitions[i].from == from && transitions[i].ev == ev)
			to = transitions[i].to;
	if (to == DM_N_STATES) {
		log_debug("domid %d (%s): event %s ignored in state %s",
			  d->cfg.domid, d->cfg.name, event_names[ev],
			  state_names[from]);
		return -1;
	}
	log_info("domid %d (%s): %s -> %s (%s)", d->cfg.domid, d->cfg.name,
		 state_names[from], state_names[to], event_names[ev]);
	d->state = to;
	observe_changed(d->sup, d);
	lifecycle_settle(d);
	if (d->sup->actions && d->sup->actions->enter[to])
		d->sup->actions->enter[to](d);
	return 0;
}

int lifecycle_post(struct domain *d, enum dm_event ev)
{
	struct lifecycle_queue *q = &d->posted;
	int rc;

	if (q->busy) {
		/* Runs once the transition under way is complete. */
		if (q->n == LIFECYCLE_QUEUE_MAX) {
			log_warnx("domid %d (%s): event %s dropped: too many "
				  "queued",
				  d->cfg.domid, d->cfg.name, event_names[ev]);
			return -1;
		}
		q->ev[q->n++] = ev;
		return 0;
	}
	q->busy = true;
	rc = lifecycle_step(d, ev);
	while (q->n) {
		ev = q->ev[0];
		q->n--;
		memmove(q->ev, q->ev + 1, q->n * sizeof(q->ev[0]));
		lifecycle_step(d, ev);
	}
	q->busy = false;
	return rc;
}
