/*
 * One device model's QMP link over libqmp. QEMU creates its socket some
 * time after exec, so until the deadline a refused or missing socket is
 * retried on a short timer; once connected, libqmp owns the protocol.
 * The address is a unix socket path, or "vchan:DOMID:XSPATH" for a QEMU
 * in a Linux stub domain, whose bridge is absent (ENOENT) or used up
 * (EAGAIN) between sessions: retried the same way.
 * QEMU's events go to the subscribers' hub (dmqmp-event.c), which outlives
 * the retries' qmp objects: a subscription made before readiness sees
 * the first events; the connection's end (or failing to be ready) ends it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include <json-c/json.h>

#include "dmsup/kind/dmqmp-event.h"
#include "dmsup/kind/dmqmp.h"
#include "qmp/qmp.h"
#include "qmp/transport-vchan.h"

/*
 * Retries start at 1 ms and double up to 5 ms for the first 2 s: QEMU
 * usually creates its socket within tens of ms, and readiness should not
 * lag behind it. A QEMU that takes longer is polled every 50 ms.
 */
#define DMQMP_RETRY_FIRST_US 1000
#define DMQMP_RETRY_FAST_US 5000
#define DMQMP_RETRY_SLOW_US 50000
#define DMQMP_FAST_PERIOD 2.0 /* s */

struct dmqmp {
	struct event_base *base;
	char *path;
	struct qmp *q;
	struct event *retry, *deadline;
	struct dmqmp_events *events;
	dmqmp_ready_fn *ready_fn;
	dmqmp_lost_fn *lost_fn;
	void *arg;
	int ready;
	int freeing; /* in dmqmp_free, which a callback may call again */
	unsigned timeout_ms;
	long retry_us;
	struct timeval since; /* when connecting began */
};

struct dmqmp_call {
	dmqmp_reply_fn *cb;
	void *arg;
};

static void dmqmp_try(struct dmqmp *m);

static void dmqmp_retry_later(struct dmqmp *m)
{
	struct timeval tv = {0, m->retry_us}, now;

	event_add(m->retry, &tv);
	event_base_gettimeofday_cached(m->base, &now);
	double elapsed = (double)(now.tv_sec - m->since.tv_sec) +
			 (double)(now.tv_usec - m->since.tv_usec) / 1e6;
	long max = elapsed < DMQMP_FAST_PERIOD ? DMQMP_RETRY_FAST_US
					       : DMQMP_RETRY_SLOW_US;
	m->retry_us = m->retry_us * 2 > max ? max : m->retry_us * 2;
}

static void dmqmp_fail(struct dmqmp *m, const char *why)
{
	event_del(m->retry);
	event_del(m->deadline);
	qmp_free(m->q);
	m->q = NULL;
	dmqmp_events_end(m->events, why);
	m->ready_fn(m->arg, why);
}

static void dmqmp_ready_cb(struct qmp *q, void *arg)
{
	struct dmqmp *m = arg;

	m->ready = 1;
	event_del(m->deadline);
	m->ready_fn(m->arg, NULL);
}

static void dmqmp_closed_cb(struct qmp *q, int rc, const char *why, void *arg)
{
	struct dmqmp *m = arg;

	if (m->ready) {
		m->ready = 0;
		qmp_free(m->q);
		m->q = NULL;
		dmqmp_events_end(m->events, why);
		if (m->lost_fn)
			m->lost_fn(m->arg, why);
		return;
	}
	/* Closed during the handshake: QEMU may still be coming up. */
	qmp_free(m->q);
	m->q = NULL;
	if (rc == QMP_E_DISCONNECTED) {
		dmqmp_retry_later(m);
		return;
	}
	dmqmp_fail(m, why);
}

static void dmqmp_event_cb(struct qmp *q, const char *name,
			   struct json_object *data,
			   const struct qmp_timestamp *ts, void *arg)
{
	struct dmqmp *m = arg;

	dmqmp_events_post(m->events, name, data);
}

static void dmqmp_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	dmqmp_try(arg);
}

static void dmqmp_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	dmqmp_fail(arg, "no QMP greeting before the readiness timeout");
}

static void dmqmp_try(struct dmqmp *m)
{
	struct qmp_callbacks cbs = {.ready = dmqmp_ready_cb,
				    .event = dmqmp_event_cb,
				    .closed = dmqmp_closed_cb,
				    .arg = m};
	struct qmp_limits lim = {.handshake_timeout_ms = m->timeout_ms};

	m->q = qmp_new(m->base, &cbs, &lim);
	if (!m->q) {
		dmqmp_fail(m, "out of memory");
		return;
	}
	int domid = 0;
	const char *xs_path = NULL;
	int rc = qmp_vchan_parse_address(m->path, &domid, &xs_path);
	if (rc == 1)
		rc = qmp_connect_vchan(m->q, domid, xs_path);
	else if (rc == 0)
		rc = qmp_connect_unix(m->q, m->path);
	if (rc == 0)
		return;
	int err = errno;
	qmp_free(m->q);
	m->q = NULL;
	if (rc == QMP_E_SYS && (err == ENOENT || err == ECONNREFUSED ||
				err == EAGAIN || (xs_path && err == EACCES))) {
		dmqmp_retry_later(m);
		return;
	}
	dmqmp_fail(m, rc == QMP_E_SYS ? strerror(err) : qmp_strerror(rc));
}

struct dmqmp *dmqmp_connect(struct event_base *base, const char *path,
			    int timeout_s, dmqmp_ready_fn *ready,
			    dmqmp_lost_fn *lost, void *arg)
{
	struct dmqmp *m = calloc(1, sizeof(*m));
	struct timeval tv = {timeout_s, 0};
	struct timeval now = {0, 0};

	if (!m)
		return NULL;
	m->base = base;
	m->path = strdup(path);
	m->ready_fn = ready;
	m->lost_fn = lost;
	m->arg = arg;
	m->timeout_ms = (unsigned)timeout_s * 1000;
	m->retry_us = DMQMP_RETRY_FIRST_US;
	event_base_gettimeofday_cached(base, &m->since);
	m->retry = evtimer_new(base, dmqmp_retry_cb, m);
	m->deadline = evtimer_new(base, dmqmp_deadline_cb, m);
	m->events = dmqmp_events_new(base);
	if (!m->path || !m->retry || !m->deadline || !m->events) {
		dmqmp_free(m);
		return NULL;
	}
	/* The first attempt runs from the loop: no synchronous callback. */
	event_add(m->retry, &now);
	event_add(m->deadline, &tv);
	return m;
}

static void dmqmp_reply_cb(struct qmp *q, int rc, struct json_object *ret,
			   const struct qmp_error *err, void *arg)
{
	struct dmqmp_call *call = arg;
	char msg[512];

	if (rc == QMP_OK) {
		call->cb(call->arg, ret, NULL);
	} else if (rc == QMP_E_QEMU) {
		snprintf(msg, sizeof(msg), "%s: %s", err->class, err->desc);
		call->cb(call->arg, NULL, msg);
	} else {
		call->cb(call->arg, NULL, qmp_strerror(rc));
	}
	free(call);
}

int dmqmp_execute(struct dmqmp *m, const char *cmd, struct json_object *args,
		  int timeout_s, dmqmp_reply_fn *cb, void *arg,
		  const char **err_r)
{
	struct dmqmp_call *call;

	if (!m || !m->q || !m->ready) {
		json_object_put(args);
		*err_r = "QMP is not connected";
		return -1;
	}
	call = malloc(sizeof(*call));
	if (!call) {
		json_object_put(args);
		*err_r = "out of memory";
		return -1;
	}
	call->cb = cb;
	call->arg = arg;
	int rc = qmp_execute(m->q, cmd, args, -1, (unsigned)timeout_s * 1000,
			     dmqmp_reply_cb, call);
	if (rc) {
		free(call);
		*err_r = qmp_strerror(rc);
		return -1;
	}
	return 0;
}

int dmqmp_is_ready(const struct dmqmp *m)
{
	return m && m->ready;
}

struct dmqmp_sub *dmqmp_subscribe(struct dmqmp *m, const char *event,
				  const char *key, const char *value,
				  dmqmp_event_fn *cb, void *arg,
				  const char **err_r)
{
	return dmqmp_events_subscribe(m->events, event, key, value, cb, arg,
				      err_r);
}

void dmqmp_free(struct dmqmp *m)
{
	if (!m || m->freeing)
		return;
	m->freeing = 1;
	/* Subscribers first, while m still carries the commands they may
	 * send on their way out (cancelled next). */
	dmqmp_events_free(m->events);
	qmp_free(m->q);
	if (m->retry)
		event_free(m->retry);
	if (m->deadline)
		event_free(m->deadline);
	free(m->path);
	free(m);
}
