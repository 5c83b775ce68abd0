/*
 * QMP events to their subscribers (see dmqmp-event.h). Each delivery is a
 * note: the subscription, the event's name and a reference to its data;
 * an end note has no name. Notes wait in one queue drained by a one-shot
 * event, so a callback may do anything, subscribe, unsubscribe or free
 * the connection, without the hub touching freed memory: the drain never
 * looks at a note's subscription after its callback, and a hub freed
 * during the drain is released when the drain returns. The queue holds
 * what libqmp read in one turn of the loop: it is drained in that turn.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/event.h>

#include <json-c/json.h>

#include "dmsup/kind/dmqmp-event.h"

struct dmqmp_sub {
	TAILQ_ENTRY(dmqmp_sub) entry;
	struct dmqmp_events *hub;
	char *event, *key, *value; /* the filter; NULL: any */
	dmqmp_event_fn *cb;
	void *arg;
	int ended; /* told its end, or being told */
};

struct dmqmp_note {
	TAILQ_ENTRY(dmqmp_note) entry;
	struct dmqmp_sub *sub;
	char *event; /* NULL: the end */
	struct json_object *data;
};

struct dmqmp_events {
	struct event *deliver;
	TAILQ_HEAD(, dmqmp_sub) subs;	/* not told their end yet */
	TAILQ_HEAD(, dmqmp_note) notes; /* to deliver, in order */
	char why[160];			/* once ended: why; else "" */
	int draining;			/* in dmqmp_events_deliver_cb */
	int freeing, freed; /* in dmqmp_events_free; it ran in a drain */
};

static void dmqmp_events_deliver_cb(evutil_socket_t fd, short what, void *arg);

struct dmqmp_events *dmqmp_events_new(struct event_base *base)
{
	struct dmqmp_events *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	TAILQ_INIT(&h->subs);
	TAILQ_INIT(&h->notes);
	h->deliver = event_new(base, -1, 0, dmqmp_events_deliver_cb, h);
	if (!h->deliver) {
		free(h);
		return NULL;
	}
	return h;
}

static void dmqmp_note_free(struct dmqmp_note *n)
{
	free(n->event);
	json_object_put(n->data);
	free(n);
}

static void dmqmp_sub_free(struct dmqmp_sub *s)
{
	free(s->event);
	free(s->key);
	free(s->value);
	free(s);
}

/* strdup, with NULL kept: whether it failed is @s && !result. */
static char *dmqmp_strdup_opt(const char *s)
{
	return s ? strdup(s) : NULL;
}

struct dmqmp_sub *dmqmp_events_subscribe(struct dmqmp_events *h,
					 const char *event, const char *key,
					 const char *value, dmqmp_event_fn *cb,
					 void *arg, const char **err_r)
{
	struct dmqmp_sub *s;

	if (*h->why) {
		*err_r = h->why;
		return NULL;
	}
	if (!cb || (key && !value)) {
		*err_r = "a subscription needs a callback, and a key a value";
		return NULL;
	}
	if (!(s = calloc(1, sizeof(*s)))) {
		*err_r = "out of memory";
		return NULL;
	}
	s->event = dmqmp_strdup_opt(event);
	s->key = dmqmp_strdup_opt(key);
	s->value = dmqmp_strdup_opt(value);
	if ((event && !s->event) || (key && (!s->key || !s->value))) {
		dmqmp_sub_free(s);
		*err_r = "out of memory";
		return NULL;
	}
	s->hub = h;
	s->cb = cb;
	s->arg = arg;
	TAILQ_INSERT_TAIL(&h->subs, s, entry);
	return s;
}

/* Drops the notes still queued for @s. */
static void dmqmp_events_drop_notes(struct dmqmp_events *h, struct dmqmp_sub *s)
{
	struct dmqmp_note *n, *next;

	for (n = TAILQ_FIRST(&h->notes); n; n = next) {
		next = TAILQ_NEXT(n, entry);
		if (n->sub == s) {
			TAILQ_REMOVE(&h->notes, n, entry);
			dmqmp_note_free(n);
		}
	}
}

void dmqmp_unsubscribe(struct dmqmp_sub *s)
{
	if (!s || s->ended)
		return; /* an ended one is freed by whoever tells it */
	TAILQ_REMOVE(&s->hub->subs, s, entry);
	dmqmp_events_drop_notes(s->hub, s);
	dmqmp_sub_free(s);
}

/* Does @s want @event? Its data is QEMU's: a value of another type than
 * a string simply does not match. */
static int dmqmp_sub_matches(const struct dmqmp_sub *s, const char *event,
			     struct json_object *data)
{
	struct json_object *v;

	if (s->event && strcmp(s->event, event))
		return 0;
	if (!s->key)
		return 1;
	return json_object_is_type(data, json_type_object) &&
	       json_object_object_get_ex(data, s->key, &v) &&
	       json_object_is_type(v, json_type_string) &&
	       !strcmp(json_object_get_string(v), s->value);
}

/* Queues a note for @s (@event NULL: its end); 0 or -1 out of memory. */
static int dmqmp_events_queue(struct dmqmp_events *h, struct dmqmp_sub *s,
			      const char *event, struct json_object *data)
{
	struct dmqmp_note *n = calloc(1, sizeof(*n));

	if (!n || (event && !(n->event = strdup(event)))) {
		free(n);
		return -1;
	}
	n->sub = s;
	n->data = data ? json_object_get(data) : NULL;
	TAILQ_INSERT_TAIL(&h->notes, n, entry);
	event_active(h->deliver, 0, 0);
	return 0;
}

void dmqmp_events_post(struct dmqmp_events *h, const char *event,
		       struct json_object *data)
{
	struct dmqmp_sub *s;

	if (*h->why || !event)
		return;
	TAILQ_FOREACH(s, &h->subs, entry)
	{
		if (dmqmp_sub_matches(s, event, data))
			dmqmp_events_queue(h, s, event, data); /* or lost */
	}
}

/* Tells @s its end and frees it; @s is already off the list. */
static void dmqmp_sub_end(struct dmqmp_events *h, struct dmqmp_sub *s)
{
	s->ended = 1;
	s->cb(s->arg, NULL, NULL, h->why);
	dmqmp_sub_free(s);
}

void dmqmp_events_end(struct dmqmp_events *h, const char *why)
{
	struct dmqmp_sub *s;

	if (*h->why)
		return;
	snprintf(h->why, sizeof(h->why), "%s", why && *why ? why : "ended");
	/* Without memory for a note, dmqmp_events_free tells the rest. */
	TAILQ_FOREACH(s, &h->subs, entry)
	{
		dmqmp_events_queue(h, s, NULL, NULL);
	}
}

static void dmqmp_events_deliver(struct dmqmp_events *h, struct dmqmp_note *n)
{
	struct dmqmp_sub *s = n->sub;

	if (n->event) {
		s->cb(s->arg, n->event, n->data, NULL);
		return; /* @s may be gone now */
	}
	TAILQ_REMOVE(&h->subs, s, entry);
	dmqmp_sub_end(h, s);
}

static void dmqmp_events_destroy(struct dmqmp_events *h)
{
	event_free(h->deliver);
	free(h);
}

static void dmqmp_events_deliver_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dmqmp_events *h = arg;
	struct dmqmp_note *n;

	h->draining = 1;
	while (!h->freed && (n = TAILQ_FIRST(&h->notes))) {
		TAILQ_REMOVE(&h->notes, n, entry);
		dmqmp_events_deliver(h, n);
		dmqmp_note_free(n);
	}
	h->draining = 0;
	if (h->freed)
		dmqmp_events_destroy(h);
}

void dmqmp_events_free(struct dmqmp_events *h)
{
	struct dmqmp_sub *s;
	struct dmqmp_note *n;

	if (!h || h->freeing)
		return;
	h->freeing = 1;
	if (!*h->why)
		snprintf(h->why, sizeof(h->why), "cancelled");
	while ((n = TAILQ_FIRST(&h->notes))) {
		TAILQ_REMOVE(&h->notes, n, entry);
		dmqmp_note_free(n);
	}
	/* A callback may unsubscribe others: take them one at a time. */
	while ((s = TAILQ_FIRST(&h->subs))) {
		TAILQ_REMOVE(&h->subs, s, entry);
		dmqmp_sub_end(h, s);
	}
	if (h->draining)
		h->freed = 1; /* the drain frees it when it returns */
	else
		dmqmp_events_destroy(h);
}
