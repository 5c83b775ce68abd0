/* The subscribers of struct dmsup (see observe.h). */
#include <stddef.h>

#include "dmsup/dmsup.h"
#include "dmsup/observe.h"

int observe_add(struct dmsup *sup, const struct dm_observer *o, void *arg)
{
	if (sup->n_observers >= OBSERVE_MAX)
		return -1;
	sup->observers[sup->n_observers].o = o;
	sup->observers[sup->n_observers].arg = arg;
	sup->n_observers++;
	return 0;
}

/* Calls @member of every subscriber that has one. */
#define OBSERVE_EACH(sup, member, ...)                                         \
	do {                                                                   \
		for (int i_ = 0; i_ < (sup)->n_observers; i_++)                \
			if ((sup)->observers[i_].o->member)                    \
				(sup)->observers[i_].o->member(                \
				    (sup)->observers[i_].arg, __VA_ARGS__);    \
	} while (0)

void observe_changed(struct dmsup *sup, struct domain *d)
{
	OBSERVE_EACH(sup, changed, d);
}

void observe_spawned(struct dmsup *sup, struct domain *d)
{
	OBSERVE_EACH(sup, spawned, d);
}

void observe_event(struct dmsup *sup, struct domain *d, struct json_object *ev)
{
	OBSERVE_EACH(sup, event, d, ev);
}

void observe_gone(struct dmsup *sup, struct domain *d)
{
	OBSERVE_EACH(sup, gone, d);
}
