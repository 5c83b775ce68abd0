/*
 * A device model's lifecycle: the states, the events, and the one entry
 * point that moves a domain from state to state (docs/supervision.md has
 * the table). Its sub-states (readiness while starting, the stop phases
 * while stopping) are domain.c's, in domain.h.
 */
#ifndef DMSUP_LIFECYCLE_H
#define DMSUP_LIFECYCLE_H

#include <stdbool.h>

enum dm_state {
	DM_DEFINED,  /* known, never started by this dmsup */
	DM_STARTING, /* spawned, waiting for readiness */
	DM_RUNNING,  /* ready, supervised */
	DM_STOPPING, /* quit / SIGTERM / SIGKILL under way */
	DM_STOPPED,  /* stopped on request, nothing left behind */
	DM_CRASHED,  /* died on its own; may be restarted */
	DM_FAILED,   /* could not start, or crashed too often */
	DM_N_STATES
};

enum dm_event {
	DM_EV_START,	      /* a client asked to start */
	DM_EV_READY,	      /* readiness reached */
	DM_EV_NOT_READY,      /* readiness failed or timed out */
	DM_EV_SPAWN_FAILED,   /* nothing could be started */
	DM_EV_DIED,	      /* the process is gone (and reaped) */
	DM_EV_DIED_FAILING,   /* gone, after a failed start */
	DM_EV_STOP,	      /* a client asked to stop */
	DM_EV_RESTART,	      /* the restart delay elapsed */
	DM_EV_GIVE_UP,	      /* too many crashes */
	DM_EV_ADOPT_ALIVE,    /* found running after a dmsup restart */
	DM_EV_ADOPT_STARTING, /* found alive but not yet ready */
	DM_EV_ADOPT_DEAD,     /* found dead after a dmsup restart */
	DM_N_EVENTS
};

struct domain;

/* What runs on entering each state (NULL: nothing); domain.c's
 * domain_actions, set in struct dmsup by main. */
struct lifecycle_actions {
	void (*enter[DM_N_STATES])(struct domain *d);
};

/* Events posted while a transition is under way wait here, in order. */
#define LIFECYCLE_QUEUE_MAX 4
struct lifecycle_queue {
	bool busy; /* a transition (and its entry action) is under way */
	unsigned n;
	enum dm_event ev[LIFECYCLE_QUEUE_MAX];
};

const char *lifecycle_state_name(enum dm_state s);
const char *lifecycle_event_name(enum dm_event ev);
/* Is a process (possibly) alive in this state? */
int lifecycle_is_active(enum dm_state s);

/*
 * Feeds @ev to @d. A transition is logged with the domid, announced to
 * the observers (observe.h: persistence, watching clients), settles the
 * waiters it settles, and then the new state's entry action runs. An
 * event posted while a transition of @d is under way (by an entry action
 * or an observer) is queued, and fed once that transition and its entry
 * action are complete. Returns 0 (also when queued), or -1 if @ev is not
 * allowed in the current state (logged, nothing changes).
 */
int lifecycle_post(struct domain *d, enum dm_event ev);

/* ---- waiting for a start or a stop to settle ---- */

enum dm_wait {
	DM_WAIT_START, /* until running, or the start ended otherwise */
	DM_WAIT_STOP,  /* until nothing is active */
};

enum dm_verdict {
	DM_VERDICT_OK,	   /* running (a start), not active (a stop) */
	DM_VERDICT_FAILED, /* a start ended in crashed, failed or stopped */
	DM_VERDICT_GONE,   /* the domain is being freed */
};

typedef void dm_verdict_fn(void *arg, struct domain *d, enum dm_verdict v);

/* @fn(@arg, d, verdict) once, from the transition that settles @what (or
 * from lifecycle_dispose), never from this call. 0, or -1 (no memory). */
int lifecycle_wait(struct domain *d, enum dm_wait what, dm_verdict_fn *fn,
		   void *arg);
/* @d is going away: every waiter gets DM_VERDICT_GONE. */
void lifecycle_dispose(struct domain *d);

#endif
