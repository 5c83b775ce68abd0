/*
 * device_del, then DEVICE_DELETED (see pcidel.h). The record lives until
 * both its outcome was told and device_del's reply came back: dmqmp has
 * no way to withdraw a command, so the reply's callback must always find
 * it (the reply comes: QEMU's answer, dmqmp's timeout, or "cancelled").
 */
#include <stdbool.h>
#include <stdlib.h>

#include <event2/event.h>

#include "dmsup/kind/dmqmp.h"
#include "dmsup/ops/pcidel.h"

struct pcidel {
	struct dmqmp_sub *sub; /* NULL once unsubscribed or ended */
	struct event *timer;
	pcidel_done_fn *done; /* NULL once told */
	void *arg;
	bool replied, deleted;
};

static void pcidel_free_if_idle(struct pcidel *p)
{
	if (p->done || !p->replied)
		return;
	event_free(p->timer);
	free(p);
}

/* Tells the outcome once; the subscription and the timer stop with it. */
static void pcidel_tell(struct pcidel *p, enum pcidel_outcome outcome,
			const char *err)
{
	pcidel_done_fn *done = p->done;

	if (!done)
		return;
	p->done = NULL;
	dmqmp_unsubscribe(p->sub);
	p->sub = NULL;
	evtimer_del(p->timer);
	done(p->arg, outcome, err);
}

static void pcidel_reply_cb(void *arg, struct json_object *ret, const char *err)
{
	struct pcidel *p = arg;

	p->replied = true;
	if (err)
		pcidel_tell(p, PCIDEL_REFUSED, err);
	else if (p->deleted)
		pcidel_tell(p, PCIDEL_DONE, NULL);
	pcidel_free_if_idle(p);
}

static void pcidel_event_cb(void *arg, const char *event,
			    struct json_object *data, const char *why)
{
	struct pcidel *p = arg;

	if (!event) {
		p->sub = NULL; /* gone when this returns */
		pcidel_tell(p, PCIDEL_ENDED, why);
	} else {
		p->deleted = true;
		if (p->replied)
			pcidel_tell(p, PCIDEL_DONE, NULL);
	}
	pcidel_free_if_idle(p);
}

static void pcidel_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pcidel *p = arg;

	pcidel_tell(p, PCIDEL_TIMEOUT, NULL);
	pcidel_free_if_idle(p);
}

int pcidel_start(struct event_base *base, struct dmqmp *m, const char *id,
		 int wait_s, pcidel_done_fn *done, void *arg,
		 const char **err_r)
{
	struct timeval tv = {.tv_sec = wait_s};
	struct pcidel *p = calloc(1, sizeof(*p));

	if (!p || !(p->timer = evtimer_new(base, pcidel_timeout_cb, p))) {
		free(p);
		*err_r = "out of memory";
		return -1;
	}
	p->done = done;
	p->arg = arg;
	p->sub = dmqmp_subscribe(m, "DEVICE_DELETED", "device", id,
				 pcidel_event_cb, p, err_r);
	if (!p->sub || dmqmp_device_del(m, id, pcidel_reply_cb, p, err_r)) {
		dmqmp_unsubscribe(p->sub);
		event_free(p->timer);
		free(p);
		return -1;
	}
	evtimer_add(p->timer, &tv);
	return 0;
}
