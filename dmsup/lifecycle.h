/*
 * A device model's lifecycle: the states, the events, and the one entry
 * point that moves a domain from state to state (docs/supervision.md has
 * the table).
 */
#ifndef DMSUP_LIFECYCLE_H
#define DMSUP_LIFECYCLE_H

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

const char *lifecycle_state_name(enum dm_state s);
const char *lifecycle_event_name(enum dm_event ev);
/* Is a process (possibly) alive in this state? */
int lifecycle_is_active(enum dm_state s);

/*
 * Feeds @ev to @d. A transition is logged with the domid, persisted,
 * announced to watching clients, and then the new state's entry action
 * runs. Returns 0, or -1 if @ev is not allowed in the current state
 * (logged, nothing changes).
 */
int lifecycle_post(struct domain *d, enum dm_event ev);

#endif
