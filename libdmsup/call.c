/*
 * The blocking call (dmsup_call): one connection and one request on an
 * event base of its own, a timer for the timeout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "libdmsup/libdmsup.h"
#include "libdmsup/private.h"

struct dmsup_wait {
	bool done, timed_out;
	struct json_object *reply;
	char *error;
};

static void dmsup_call_cb(void *arg, struct json_object *reply,
			  const char *error)
{
	struct dmsup_wait *w = arg;

	if (w->done)
		return;
	w->done = true;
	w->reply = reply ? json_object_get(reply) : NULL;
	w->error = error ? strdup(error) : NULL;
}

static void dmsup_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dmsup_wait *w = arg;

	w->timed_out = true;
}

/* Runs @base until @w's reply or its timeout. */
static void dmsup_wait_for(struct event_base *base, struct dmsup_wait *w,
			   int timeout_ms)
{
	struct event *timer = NULL;

	if (timeout_ms >= 0) {
		struct timeval tv = {timeout_ms / 1000,
				     (timeout_ms % 1000) * 1000};
		timer = evtimer_new(base, dmsup_timeout_cb, w);
		if (!timer || evtimer_add(timer, &tv))
			w->timed_out = true;
	}
	while (!w->done && !w->timed_out &&
	       event_base_loop(base, EVLOOP_ONCE) == 0)
		;
	if (timer)
		event_free(timer);
}

DMSUP_EXPORT int dmsup_call(const char *path, struct json_object *req,
			    int timeout_ms, struct json_object **reply_r,
			    char **err_r)
{
	struct event_base *base = event_base_new();
	struct dmsup_wait w = {0};
	struct dmsup_client *cl = NULL;
	int rc = -1;

	*reply_r = NULL;
	*err_r = NULL;
	if (!base || !(cl = dmsup_client_new(base, path, err_r))) {
		json_object_put(req);
		goto out;
	}
	if (dmsup_request(cl, req, dmsup_call_cb, &w)) {
		*err_r = strdup("cannot send the request to dmsup");
		goto out;
	}
	dmsup_wait_for(base, &w, timeout_ms);
	if (!w.done) {
		bool whole = timeout_ms % 1000 == 0;
		if (asprintf(err_r, "no reply from dmsup within %d %s",
			     whole ? timeout_ms / 1000 : timeout_ms,
			     whole ? "s" : "ms") < 0)
			*err_r = NULL;
		w.done = true; /* the free below ends it: not ours any more */
	} else if (!w.reply) {
		*err_r = w.error;
	} else {
		*reply_r = w.reply;
		*err_r = w.error;
		rc = w.error ? 1 : 0;
	}
out:
	dmsup_client_free(cl);
	if (base)
		event_base_free(base);
	return rc;
}
