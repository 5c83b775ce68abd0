/*
 * One device model's QMP link over libqmp. A dom0 QEMU listens on the
 * socket dmsup bound before the spawn, so the first connect is taken and
 * the greeting comes when QEMU is ready; a socket that is not there yet
 * (another's, or a stub's bridge) is retried on a short timer until the
 * deadline. Once connected, libqmp owns the protocol.
 * The address is a unix socket path, or "vchan:DOMID:XSPATH" for a QEMU
 * in a Linux stub domain, whose bridge is absent (ENOENT) or used up
 * (EAGAIN) between sessions: retried the same way.
 * QEMU's events go to the subscribers' hub (dmqmp-event.c), which outlives
 * the retries' qmp objects: a subscription made before readiness sees
 * the first events; failing to be ready (the link lost) ends it.
 * A ready connection that ends is reconnected (dmqmp-link.c's state
 * machine gives the backoff): the same address, a new qmp object, a
 * fresh greeting; QEMU's chardev server (and a stub's vchan bridge)
 * accepts the next client once the last one is gone.
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
/* A reconnect attempt's greeting and capabilities. */
#define DMQMP_RECONNECT_HANDSHAKE_MS 10000

struct dmqmp {
	struct event_base *base;
	char *path;
	struct qmp *q;
	struct event *retry, *deadline;
	struct dmqmp_events *events;
	dmqmp_ready_fn *ready_fn;
	dmqmp_link_fn *link_fn;
	void *arg;
	struct dmqmp_link link;
	char label[96];	  /* the device model, for errors */
	char why[160];	  /* why the last connection ended */
	char errbuf[400]; /* dmqmp_execute's *err_r */
	int ready;
	int keep_trying; /* dmqmp_keep_trying: a first failure retries */
	int freeing;	 /* in dmqmp_free, which a callback may call again */
	unsigned timeout_ms;
	long retry_us;
	struct timeval since; /* when connecting began */
};

struct dmqmp_call {
	struct dmqmp *m;
	dmqmp_reply_fn *cb;
	void *arg;
};

static void dmqmp_try(struct dmqmp *m);

/* Feeds the link's state machine; tells the owner of a change. */
static void dmqmp_link_to(struct dmqmp *m, enum dmqmp_link_event ev,
			  const char *why)
{
	if (dmqmp_link_post(&m->link, ev) == 1 && m->link_fn)
		m->link_fn(m->arg, m->link.state, why);
}

/* Reconnecting: the next try after the link's backoff. */
static void dmqmp_reconnect_later(struct dmqmp *m)
{
	struct timeval tv = {m->link.delay_ms / 1000,
			     (m->link.delay_ms % 1000) * 1000};

	event_add(m->retry, &tv);
}

/* A reconnect attempt did not get ready: a longer wait, then again. */
static void dmqmp_retry_failed(struct dmqmp *m)
{
	dmqmp_link_to(m, DMQMP_LINK_EV_RETRY_FAILED, m->why);
	dmqmp_reconnect_later(m);
}

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
	if (m->keep_trying && m->link.state == DMQMP_LINK_CONNECTING) {
		snprintf(m->why, sizeof(m->why), "%s", why);
		dmqmp_link_to(m, DMQMP_LINK_EV_FIRST_FAILED, m->why);
		dmqmp_reconnect_later(m);
		return;
	}
	dmqmp_events_end(m->events, why);
	dmqmp_link_to(m, DMQMP_LINK_EV_GONE, why);
	m->ready_fn(m->arg, why);
}

static void dmqmp_ready_cb(struct qmp *q, void *arg)
{
	struct dmqmp *m = arg;
	int first = m->link.state == DMQMP_LINK_CONNECTING;

	m->ready = 1;
	event_del(m->deadline);
	dmqmp_link_to(m, DMQMP_LINK_EV_READY, NULL);
	if (first)
		m->ready_fn(m->arg, NULL);
}

static void dmqmp_closed_cb(struct qmp *q, int rc, const char *why, void *arg)
{
	struct dmqmp *m = arg;

	/* Pending commands have had their error: now the connection goes. */
	qmp_free(m->q);
	m->q = NULL;
	snprintf(m->why, sizeof(m->why), "%s", why && *why ? why : "closed");
	if (m->ready) {
		m->ready = 0;
		dmqmp_link_to(m, DMQMP_LINK_EV_DROPPED, m->why);
		dmqmp_reconnect_later(m);
		return;
	}
	if (m->link.state == DMQMP_LINK_RECONNECTING) {
		dmqmp_retry_failed(m);
		return;
	}
	/* Closed during the handshake: QEMU may still be coming up. */
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
	int reconnecting = m->link.state == DMQMP_LINK_RECONNECTING;

	if (reconnecting)
		lim.handshake_timeout_ms = DMQMP_RECONNECT_HANDSHAKE_MS;
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
	if (reconnecting) {
		snprintf(m->why, sizeof(m->why), "connect: %s",
			 rc == QMP_E_SYS ? strerror(err) : qmp_strerror(rc));
		dmqmp_retry_failed(m);
		return;
	}
	if (rc == QMP_E_SYS && (err == ENOENT || err == ECONNREFUSED ||
				err == EAGAIN || (xs_path && err == EACCES))) {
		dmqmp_retry_later(m);
		return;
	}
	dmqmp_fail(m, rc == QMP_E_SYS ? strerror(err) : qmp_strerror(rc));
}

struct dmqmp *dmqmp_connect(struct event_base *base, const char *path,
			    const char *label, int timeout_s,
			    dmqmp_ready_fn *ready, dmqmp_link_fn *link,
			    void *arg)
{
	struct dmqmp *m = calloc(1, sizeof(*m));
	struct timeval tv = {timeout_s, 0};
	struct timeval now = {0, 0};

	if (!m)
		return NULL;
	m->base = base;
	m->path = strdup(path);
	m->ready_fn = ready;
	m->link_fn = link;
	m->arg = arg;
	dmqmp_link_init(&m->link);
	snprintf(m->label, sizeof(m->label), "%s", label ? label : path);
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

void dmqmp_keep_trying(struct dmqmp *m)
{
	m->keep_trying = 1;
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
	} else if (rc == QMP_E_DISCONNECTED) {
		snprintf(msg, sizeof(msg),
			 "the QMP connection to the device model of %s ended "
			 "while the command was pending; reconnecting",
			 call->m->label);
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
	return dmqmp_execute_fd(m, cmd, args, -1, timeout_s, cb, arg, err_r);
}

int dmqmp_execute_fd(struct dmqmp *m, const char *cmd, struct json_object *args,
		     int fd, int timeout_s, dmqmp_reply_fn *cb, void *arg,
		     const char **err_r)
{
	struct dmqmp_call *call;

	if (!m || !m->q || !m->ready) {
		json_object_put(args);
		*err_r = "QMP is not connected";
		if (m && m->link.state == DMQMP_LINK_RECONNECTING) {
			snprintf(m->errbuf, sizeof(m->errbuf),
				 "the QMP connection to the device model of "
				 "%s is reconnecting (%u tries failed; it "
				 "ended: %s)",
				 m->label, m->link.attempts, m->why);
			*err_r = m->errbuf;
		} else if (m) {
			snprintf(m->errbuf, sizeof(m->errbuf),
				 "the QMP connection to the device model of "
				 "%s is %s",
				 m->label,
				 dmqmp_link_state_name(m->link.state));
			*err_r = m->errbuf;
		}
		return -1;
	}
	call = malloc(sizeof(*call));
	if (!call) {
		json_object_put(args);
		*err_r = "out of memory";
		return -1;
	}
	call->m = m;
	call->cb = cb;
	call->arg = arg;
	int rc = qmp_execute(m->q, cmd, args, fd, (unsigned)timeout_s * 1000,
			     dmqmp_reply_cb, call);
	if (rc) {
		free(call);
		*err_r = qmp_strerror(rc);
		return -1;
	}
	return 0;
}

void dmqmp_version(const struct dmqmp *m, char *buf, size_t len)
{
	int major, minor, micro;

	if (m && m->q && !qmp_version(m->q, &major, &minor, &micro))
		snprintf(buf, len, "%d.%d.%d", major, minor, micro);
	else
		snprintf(buf, len, "unknown");
}

int dmqmp_is_ready(const struct dmqmp *m)
{
	return m && m->ready;
}

enum dmqmp_link_state dmqmp_link_state(const struct dmqmp *m)
{
	return m ? m->link.state : DMQMP_LINK_LOST;
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
	/* Subscribers kept while reconnecting hear why it ended. */
	if (m->events && m->link.state == DMQMP_LINK_RECONNECTING)
		dmqmp_events_end(m->events, m->why);
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
