/*
 * One hook for everything that wants to hear about domains: the lifecycle,
 * the domain registry and the operation queue announce here, and the
 * subscribers (persistence, the control socket's clients) listen. So the
 * announcers never call their listeners by name, and no file of the daemon
 * calls back into one that calls it. main wires the subscribers.
 */
#ifndef DMSUP_OBSERVE_H
#define DMSUP_OBSERVE_H

struct dmsup;
struct domain;
struct json_object;

#define OBSERVE_MAX 4 /* subscribers per dmsup */

/* Any callback may be NULL. They run in registration order. */
struct dm_observer {
	/* @d's lifecycle state changed (before the new state's entry
	 * action runs). */
	void (*changed)(void *arg, struct domain *d);
	/* @d's device model was spawned: its pids are known, its state is
	 * unchanged. */
	void (*spawned)(void *arg, struct domain *d);
	/* An event about @d (borrowed), e.g. a page request's. */
	void (*event)(void *arg, struct domain *d, struct json_object *ev);
	/* @d is being freed: nobody may keep pointing at it. */
	void (*gone)(void *arg, struct domain *d);
};

/* 0, or -1 when OBSERVE_MAX are registered already. */
int observe_add(struct dmsup *sup, const struct dm_observer *o, void *arg);

/* To every subscriber of @sup (@d's). */
void observe_changed(struct dmsup *sup, struct domain *d);
void observe_spawned(struct dmsup *sup, struct domain *d);
void observe_event(struct dmsup *sup, struct domain *d, struct json_object *ev);
void observe_gone(struct dmsup *sup, struct domain *d);

#endif
