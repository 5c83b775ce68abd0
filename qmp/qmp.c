/*
 * libqmp: the protocol. Greeting, capability negotiation, commands with
 * ids and timeouts, replies matched by id, events. The transport (see
 * transport.h) moves the bytes, the parser (parser.h) frames them, and
 * state.c owns the connection's states.
 *
 * Reentrancy: every entry from the event loop holds q->busy; qmp_free
 * inside a callback only marks q dead and tears the connection down, and
 * the memory goes when the outermost entry leaves (qmp_leave).
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include "qmp/internal.h"
#include "qmp/parser.h"
#include "qmp/qmp.h"
#include "qmp/state.h"
#include "qmp/transport.h"

/* One read's worth, on the stack: a buffer in struct qmp cost 64 KiB per
 * device model whether it ever talked or not. */
#define QMP_READ_CHUNK 65536

struct qmp_cmd {
	TAILQ_ENTRY(qmp_cmd) entry;
	struct qmp *q;
	int64_t id;
	char *text; /* the serialized command, with a trailing "\n" */
	size_t len, off;
	int fd;	      /* our duplicate, closed once sent; -1 if none */
	int internal; /* qmp_capabilities: may be sent before READY */
	struct event *timer;
	qmp_reply_cb cb; /* NULL once answered by a timeout (an orphan) */
	void *arg;
};

TAILQ_HEAD(qmp_cmdq, qmp_cmd);

struct qmp {
	struct event_base *base;
	struct qmp_callbacks cbs;
	struct qmp_limits lim;
	enum qmp_state state;
	struct qmp_transport *t;
	struct qmp_parser *parser;
	struct event *handshake_timer;
	/* A failure found where no callback may run (inside qmp_execute). */
	struct event *defer_ev;
	int defer_rc;
	char defer_why[200];
	int io_failed;
	struct qmp_cmdq sendq; /* not yet (fully) written, in order */
	struct qmp_cmdq waitq; /* written, waiting for the reply */
	unsigned npending;     /* user commands whose cb is still due */
	int64_t next_id;
	int want_write;
	int busy, dead;
	int have_version, major, minor, micro;
	char *package;
};

static const char *const qmp_rc_names[] = {
    [0] = "success",
    [-QMP_E_QEMU] = "QEMU returned an error",
    [-QMP_E_TIMEOUT] = "timeout",
    [-QMP_E_DISCONNECTED] = "disconnected",
    [-QMP_E_PROTOCOL] = "protocol error",
    [-QMP_E_CANCELLED] = "cancelled",
    [-QMP_E_INVAL] = "invalid argument",
    [-QMP_E_STATE] = "not possible in this state",
    [-QMP_E_NOMEM] = "out of memory",
    [-QMP_E_SYS] = "system call failed",
    [-QMP_E_LIMIT] = "too many commands pending",
};

const char *qmp_strerror(int rc)
{
	if (rc > 0 ||
	    (size_t)-rc >= sizeof(qmp_rc_names) / sizeof(*qmp_rc_names))
		return "unknown error";
	return qmp_rc_names[-rc];
}

void qmp_logf(struct qmp *q, enum qmp_log_level level, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!q->cbs.log)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	q->cbs.log(q, level, buf, q->cbs.arg);
}

/* ---- lifetime ---------------------------------------------------------- */

static void qmp_defer_cb(evutil_socket_t fd, short what, void *arg);
static void qmp_handshake_timeout_cb(evutil_socket_t fd, short what, void *arg);

static void qmp_set_limits(struct qmp *q, const struct qmp_limits *lim)
{
	if (lim)
		q->lim = *lim;
	if (!q->lim.max_message)
		q->lim.max_message = QMP_DEFAULT_MAX_MESSAGE;
	if (q->lim.max_depth <= 0)
		q->lim.max_depth = QMP_DEFAULT_MAX_DEPTH;
	if (!q->lim.command_timeout_ms)
		q->lim.command_timeout_ms = QMP_DEFAULT_TIMEOUT_MS;
	if (!q->lim.handshake_timeout_ms)
		q->lim.handshake_timeout_ms = QMP_DEFAULT_TIMEOUT_MS;
	if (!q->lim.max_pending)
		q->lim.max_pending = QMP_DEFAULT_MAX_PENDING;
}

static void qmp_destroy(struct qmp *q)
{
	if (q->handshake_timer)
		event_free(q->handshake_timer);
	if (q->defer_ev)
		event_free(q->defer_ev);
	qmp_parser_free(q->parser);
	free(q->package);
	free(q);
}

struct qmp *qmp_new(struct event_base *base, const struct qmp_callbacks *cbs,
		    const struct qmp_limits *lim)
{
	struct qmp *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->base = base;
	if (cbs)
		q->cbs = *cbs;
	qmp_set_limits(q, lim);
	q->state = QMP_STATE_IDLE;
	q->next_id = 1;
	TAILQ_INIT(&q->sendq);
	TAILQ_INIT(&q->waitq);
	q->parser = qmp_parser_new(q->lim.max_message, q->lim.max_depth);
	q->handshake_timer = evtimer_new(base, qmp_handshake_timeout_cb, q);
	q->defer_ev = event_new(base, -1, 0, qmp_defer_cb, q);
	if (!q->parser || !q->handshake_timer || !q->defer_ev) {
		qmp_destroy(q);
		return NULL;
	}
	return q;
}

/* Leave an entry from the event loop; frees q if it died meanwhile. */
static void qmp_leave(struct qmp *q)
{
	if (--q->busy == 0 && q->dead)
		qmp_destroy(q);
}

static void qmp_cmd_free(struct qmp_cmd *c)
{
	if (c->timer)
		event_free(c->timer);
	if (c->fd >= 0)
		close(c->fd);
	free(c->text);
	free(c);
}

static struct qmp_cmd *qmp_first_pending(struct qmp *q, struct qmp_cmdq **in_r)
{
	*in_r = TAILQ_EMPTY(&q->waitq) ? &q->sendq : &q->waitq;
	return TAILQ_FIRST(*in_r);
}

/* Fail every command once with rc, oldest first. A callback may free q:
 * then qmp_free has already failed the rest. */
static void qmp_fail_all(struct qmp *q, int rc)
{
	struct qmp_cmdq *in;
	struct qmp_cmd *c;

	while ((c = qmp_first_pending(q, &in))) {
		qmp_reply_cb cb = c->cb;
		void *arg = c->arg;

		TAILQ_REMOVE(in, c, entry);
		if (cb && !c->internal)
			q->npending--;
		qmp_cmd_free(c);
		if (cb)
			cb(q, rc, NULL, NULL, arg);
	}
}

/* Drop the transport and the handshake timer. Idempotent. */
static void qmp_disconnect(struct qmp *q)
{
	if (q->t) {
		q->t->ops->close(q->t);
		q->t = NULL;
	}
	evtimer_del(q->handshake_timer);
	event_del(q->defer_ev);
	q->want_write = 0;
}

void qmp_free(struct qmp *q)
{
	if (!q || q->dead)
		return;
	q->dead = 1;
	q->busy++;
	qmp_state_step(q, &q->state, QMP_SEV_FREE);
	qmp_disconnect(q);
	qmp_fail_all(q, QMP_E_CANCELLED);
	qmp_leave(q);
}

/* End the connection: fail what is pending, then report. Called only from
 * event-loop entries (q->busy held). */
static void qmp_close(struct qmp *q, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void qmp_close(struct qmp *q, int rc, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	if (q->dead || q->state == QMP_STATE_CLOSED)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	qmp_logf(q, QMP_LOG_ERR, "closing: %s", why);
	qmp_state_step(q, &q->state, QMP_SEV_FAIL);
	qmp_disconnect(q);
	qmp_fail_all(q, QMP_E_DISCONNECTED);
	if (!q->dead && q->cbs.closed)
		q->cbs.closed(q, rc, why, q->cbs.arg);
}

/* Schedule qmp_close for the next loop turn (no callbacks from here). */
static void qmp_fail_later(struct qmp *q, int rc, const char *why)
{
	q->io_failed = 1;
	q->defer_rc = rc;
	snprintf(q->defer_why, sizeof(q->defer_why), "%s", why);
	event_active(q->defer_ev, 0, 0);
}

static void qmp_defer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct qmp *q = arg;

	q->busy++;
	if (q->state == QMP_STATE_CLOSED)
		qmp_fail_all(q, QMP_E_DISCONNECTED); /* see attach */
	else
		qmp_close(q, q->defer_rc, "%s", q->defer_why);
	qmp_leave(q);
}

static void qmp_handshake_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct qmp *q = arg;

	q->busy++;
	qmp_close(q, QMP_E_TIMEOUT, "no QMP handshake within %u ms (in %s)",
		  q->lim.handshake_timeout_ms, qmp_state_name(q->state));
	qmp_leave(q);
}

/* ---- writing ----------------------------------------------------------- */

static void qmp_want_write(struct qmp *q, int on)
{
	if (q->want_write == on || !q->t)
		return;
	q->want_write = on;
	q->t->ops->want_write(q->t, on);
}

/* Write what may be written now. Never calls a callback: a write error is
 * reported through qmp_fail_later. */
static void qmp_flush(struct qmp *q)
{
	struct qmp_cmd *c;
	char why[160];
	ssize_t r;

	while (q->t && !q->io_failed && (c = TAILQ_FIRST(&q->sendq))) {
		if (q->state != QMP_STATE_READY && !c->internal)
			break; /* user commands wait for negotiation */
		r = q->t->ops->write(q->t, c->text + c->off, c->len - c->off,
				     c->off == 0 ? c->fd : -1);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			qmp_want_write(q, 1);
			return;
		}
		if (r <= 0) {
			snprintf(why, sizeof(why), "write: %s",
				 r < 0 ? strerror(errno) : "no progress");
			qmp_fail_later(q, QMP_E_DISCONNECTED, why);
			break;
		}
		if (c->fd >= 0) { /* went with the first byte */
			close(c->fd);
			c->fd = -1;
		}
		c->off += (size_t)r;
		if (c->off < c->len)
			continue;
		TAILQ_REMOVE(&q->sendq, c, entry);
		if (!c->cb && !c->internal)
			qmp_cmd_free(c); /* timed out while being written */
		else
			TAILQ_INSERT_TAIL(&q->waitq, c, entry);
	}
	qmp_want_write(q, 0);
}

/* ---- commands ---------------------------------------------------------- */

static void qmp_cmd_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct qmp_cmd *c = arg;
	struct qmp *q = c->q;
	qmp_reply_cb cb = c->cb;
	void *cb_arg = c->arg;

	q->busy++;
	qmp_logf(q, QMP_LOG_WARN, "command id %lld timed out",
		 (long long)c->id);
	q->npending--;
	if (c->off > 0 && c->off < c->len) {
		c->cb = NULL; /* half written: finish it, then drop it */
	} else {
		if (c->off == c->len)
			TAILQ_REMOVE(&q->waitq, c, entry);
		else
			TAILQ_REMOVE(&q->sendq, c, entry);
		qmp_cmd_free(c);
	}
	cb(q, QMP_E_TIMEOUT, NULL, NULL, cb_arg);
	qmp_leave(q);
}

/* A queued command; takes args' reference. NULL on failure (rc in *rc_r). */
static struct qmp_cmd *qmp_cmd_new(struct qmp *q, const char *cmd,
				   struct json_object *args, int fd, int *rc_r)
{
	struct json_object *msg = json_object_new_object();
	struct qmp_cmd *c = calloc(1, sizeof(*c));
	const char *s;

	*rc_r = QMP_E_NOMEM;
	if (!c || !msg) {
		json_object_put(args);
		goto fail;
	}
	c->fd = -1;
	c->q = q;
	c->id = q->next_id++;
	json_object_object_add(msg, "execute", json_object_new_string(cmd));
	if (args)
		json_object_object_add(msg, "arguments", args);
	json_object_object_add(msg, "id", json_object_new_int64(c->id));
	s = json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN);
	if (!s || asprintf(&c->text, "%s\n", s) < 0) {
		c->text = NULL;
		goto fail;
	}
	c->len = strlen(c->text);
	if (fd >= 0) {
		c->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (c->fd < 0) {
			*rc_r = QMP_E_SYS;
			goto fail;
		}
	}
	json_object_put(msg);
	return c;
fail:
	json_object_put(msg);
	if (c)
		qmp_cmd_free(c);
	return NULL;
}

int qmp_execute(struct qmp *q, const char *cmd, struct json_object *args,
		int fd, unsigned timeout_ms, qmp_reply_cb cb, void *arg)
{
	struct timeval tv;
	struct qmp_cmd *c;
	int rc;

	if (!q || q->dead || q->state == QMP_STATE_CLOSED) {
		json_object_put(args);
		return QMP_E_STATE;
	}
	if (!cmd || !*cmd || !cb ||
	    (args && !json_object_is_type(args, json_type_object)) ||
	    (fd >= 0 && q->t && !q->t->ops->passes_fds)) {
		json_object_put(args);
		return QMP_E_INVAL;
	}
	if (q->npending >= q->lim.max_pending) {
		json_object_put(args);
		return QMP_E_LIMIT;
	}
	c = qmp_cmd_new(q, cmd, args, fd, &rc);
	if (!c)
		return rc;
	c->cb = cb;
	c->arg = arg;
	if (!timeout_ms)
		timeout_ms = q->lim.command_timeout_ms;
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	c->timer = evtimer_new(q->base, qmp_cmd_timeout_cb, c);
	if (!c->timer || evtimer_add(c->timer, &tv) < 0) {
		qmp_cmd_free(c);
		return QMP_E_NOMEM;
	}
	TAILQ_INSERT_TAIL(&q->sendq, c, entry);
	q->npending++;
	qmp_logf(q, QMP_LOG_DEBUG, "execute %s id %lld", cmd, (long long)c->id);
	if (q->state == QMP_STATE_READY && TAILQ_FIRST(&q->sendq) == c)
		qmp_flush(q);
	return 0;
}

/* ---- reading ----------------------------------------------------------- */

static int qmp_get_int64(struct json_object *o, const char *key, int64_t *v_r)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	*v_r = json_object_get_int64(v);
	return 0;
}

static int qmp_get_int(struct json_object *o, const char *key, int *v_r)
{
	int64_t v;

	if (qmp_get_int64(o, key, &v) < 0 || v < INT32_MIN || v > INT32_MAX)
		return -1;
	*v_r = (int)v;
	return 0;
}

static const char *qmp_get_string(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static void qmp_on_greeting(struct qmp *q, struct json_object *qmpv)
{
	struct json_object *version = NULL, *qemu = NULL;
	struct qmp_cmd *c;
	const char *pkg;
	int rc;

	if (q->state != QMP_STATE_GREETING) {
		qmp_close(q, QMP_E_PROTOCOL,
			  "protocol error: unexpected greeting");
		return;
	}
	if (!json_object_is_type(qmpv, json_type_object) ||
	    !json_object_object_get_ex(qmpv, "version", &version) ||
	    !json_object_is_type(version, json_type_object) ||
	    !json_object_object_get_ex(version, "qemu", &qemu) ||
	    !json_object_is_type(qemu, json_type_object) ||
	    qmp_get_int(qemu, "major", &q->major) < 0 ||
	    qmp_get_int(qemu, "minor", &q->minor) < 0 ||
	    qmp_get_int(qemu, "micro", &q->micro) < 0) {
		qmp_close(q, QMP_E_PROTOCOL,
			  "protocol error: greeting without version.qemu");
		return;
	}
	pkg = qmp_get_string(version, "package");
	q->package = strdup(pkg ? pkg : "");
	q->have_version = 1;
	qmp_logf(q, QMP_LOG_INFO, "QEMU %d.%d.%d %s", q->major, q->minor,
		 q->micro, q->package ? q->package : "");
	qmp_state_step(q, &q->state, QMP_SEV_GREETING);
	c = qmp_cmd_new(q, "qmp_capabilities", NULL, -1, &rc);
	if (!c) {
		qmp_close(q, rc, "qmp_capabilities: %s", qmp_strerror(rc));
		return;
	}
	c->internal = 1;
	TAILQ_INSERT_HEAD(&q->sendq, c, entry);
	qmp_flush(q);
}

static void qmp_on_negotiated(struct qmp *q, int rc,
			      const struct qmp_error *err)
{
	if (rc) {
		qmp_close(q, QMP_E_QEMU, "qmp_capabilities refused: %s: %s",
			  err->class, err->desc);
		return;
	}
	qmp_state_step(q, &q->state, QMP_SEV_NEGOTIATED);
	evtimer_del(q->handshake_timer);
	if (q->cbs.ready)
		q->cbs.ready(q, q->cbs.arg);
	if (!q->dead && q->state == QMP_STATE_READY)
		qmp_flush(q);
}

static struct qmp_cmd *qmp_find_sent(struct qmp *q, int64_t id)
{
	struct qmp_cmd *c;

	TAILQ_FOREACH(c, &q->waitq, entry)
	if (c->id == id)
		return c;
	return NULL;
}

static void qmp_on_reply(struct qmp *q, struct json_object *msg)
{
	struct json_object *idv, *ret = NULL, *errv = NULL;
	struct qmp_error err = {"", ""};
	struct qmp_cmd *c;
	qmp_reply_cb cb;
	void *arg;
	int rc = QMP_OK;

	if (!json_object_object_get_ex(msg, "id", &idv)) {
		qmp_close(q, QMP_E_PROTOCOL,
			  "protocol error: reply without id");
		return;
	}
	c = json_object_is_type(idv, json_type_int)
		? qmp_find_sent(q, json_object_get_int64(idv))
		: NULL;
	if (!c) {
		/* Most likely the answer to a command that timed out. */
		qmp_logf(q, QMP_LOG_WARN, "reply with unknown id %s ignored",
			 json_object_to_json_string(idv));
		return;
	}
	TAILQ_REMOVE(&q->waitq, c, entry);
	if (!json_object_object_get_ex(msg, "return", &ret)) {
		json_object_object_get_ex(msg, "error", &errv);
		err.class = qmp_get_string(errv, "class") ?: "";
		err.desc = qmp_get_string(errv, "desc") ?: "";
		rc = QMP_E_QEMU;
	}
	if (c->internal) {
		qmp_cmd_free(c);
		qmp_on_negotiated(q, rc, &err);
		return;
	}
	cb = c->cb;
	arg = c->arg;
	q->npending--;
	qmp_cmd_free(c);
	cb(q, rc, rc ? NULL : ret, rc ? &err : NULL, arg);
}

static void qmp_on_event(struct qmp *q, struct json_object *msg)
{
	struct qmp_timestamp ts = {-1, -1};
	struct json_object *data = NULL, *tsv;
	const char *name = qmp_get_string(msg, "event");

	if (!name) {
		qmp_logf(q, QMP_LOG_WARN, "event without a name ignored");
		return;
	}
	if (json_object_object_get_ex(msg, "timestamp", &tsv) &&
	    json_object_is_type(tsv, json_type_object)) {
		qmp_get_int64(tsv, "seconds", &ts.seconds);
		qmp_get_int64(tsv, "microseconds", &ts.microseconds);
	}
	if (json_object_object_get_ex(msg, "data", &data) &&
	    !json_object_is_type(data, json_type_object))
		data = NULL;
	if (q->cbs.event)
		q->cbs.event(q, name, data, &ts, q->cbs.arg);
}

static void qmp_dispatch(struct qmp *q, struct json_object *msg)
{
	struct json_object *v;

	if (json_object_object_get_ex(msg, "QMP", &v)) {
		qmp_on_greeting(q, v);
	} else if (q->state == QMP_STATE_GREETING &&
		   json_object_object_get_ex(msg, "event", NULL) &&
		   !json_object_object_get_ex(msg, "return", NULL) &&
		   !json_object_object_get_ex(msg, "error", NULL)) {
		/* QEMU 7.2 can emit an event (RESUME) before its greeting. */
		qmp_on_event(q, msg);
	} else if (q->state == QMP_STATE_GREETING) {
		qmp_close(q, QMP_E_PROTOCOL,
			  "protocol error: expected the QMP greeting");
	} else if (json_object_object_get_ex(msg, "return", NULL) ||
		   json_object_object_get_ex(msg, "error", NULL)) {
		qmp_on_reply(q, msg);
	} else if (json_object_object_get_ex(msg, "event", NULL)) {
		qmp_on_event(q, msg);
	} else {
		/* Room for future QMP message kinds. */
		qmp_logf(q, QMP_LOG_WARN, "message of unknown kind ignored");
	}
}

static void qmp_read(struct qmp *q)
{
	char rbuf[QMP_READ_CHUNK];
	struct json_object *msg;
	ssize_t r;
	int rc;

	r = q->t->ops->read(q->t, rbuf, sizeof(rbuf));
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (r < 0) {
		qmp_close(q, QMP_E_DISCONNECTED, "read: %s", strerror(errno));
		return;
	}
	if (r == 0) {
		qmp_close(q, QMP_E_DISCONNECTED, "connection closed by QEMU");
		return;
	}
	rc = qmp_parser_feed(q->parser, rbuf, (size_t)r);
	if (rc < 0) {
		qmp_close(q, rc, "reading: %s", qmp_strerror(rc));
		return;
	}
	while (!q->dead && q->state != QMP_STATE_CLOSED) {
		rc = qmp_parser_next(q->parser, &msg);
		if (rc == 0)
			return;
		if (rc < 0) {
			qmp_close(q, QMP_E_PROTOCOL, "protocol error: %s",
				  qmp_parser_error(q->parser));
			return;
		}
		qmp_dispatch(q, msg);
		json_object_put(msg);
	}
}

static void qmp_transport_cb(struct qmp_transport *t, int what, void *arg)
{
	struct qmp *q = arg;

	q->busy++;
	if (what & QMP_TRANSPORT_WRITE)
		qmp_flush(q);
	if ((what & QMP_TRANSPORT_READ) && q->t && !q->dead)
		qmp_read(q);
	qmp_leave(q);
}

/* ---- connecting -------------------------------------------------------- */

int qmp_attach_transport(struct qmp *q, struct qmp_transport *t)
{
	struct timeval tv;
	int rc;

	if (q->dead || q->state != QMP_STATE_IDLE) {
		t->ops->close(t);
		return QMP_E_STATE;
	}
	qmp_state_step(q, &q->state, QMP_SEV_CONNECT);
	q->t = t;
	rc = t->ops->start(t, q->base, qmp_transport_cb, q);
	if (rc < 0) {
		/* The caller learns it here, so no `closed`; commands queued
		 * before fail on the next loop turn, never from in here. */
		qmp_state_step(q, &q->state, QMP_SEV_FAIL);
		qmp_disconnect(q);
		if (q->npending)
			event_active(q->defer_ev, 0, 0);
		return rc;
	}
	qmp_state_step(q, &q->state, QMP_SEV_TRANSPORT_UP);
	tv.tv_sec = q->lim.handshake_timeout_ms / 1000;
	tv.tv_usec = (q->lim.handshake_timeout_ms % 1000) * 1000;
	evtimer_add(q->handshake_timer, &tv);
	return 0;
}

int qmp_connect_unix(struct qmp *q, const char *path)
{
	struct qmp_transport *t;
	int rc;

	if (q->dead || q->state != QMP_STATE_IDLE)
		return QMP_E_STATE;
	rc = qmp_transport_unix_connect(path, &t);
	if (rc < 0) {
		qmp_logf(q, QMP_LOG_DEBUG, "connect %s: %s", path,
			 rc == QMP_E_SYS ? strerror(errno) : qmp_strerror(rc));
		return rc;
	}
	qmp_logf(q, QMP_LOG_DEBUG, "connected to %s", path);
	return qmp_attach_transport(q, t);
}

/* ---- accessors --------------------------------------------------------- */

int qmp_version(const struct qmp *q, int *major_r, int *minor_r, int *micro_r)
{
	if (!q->have_version)
		return QMP_E_STATE;
	if (major_r)
		*major_r = q->major;
	if (minor_r)
		*minor_r = q->minor;
	if (micro_r)
		*micro_r = q->micro;
	return 0;
}

const char *qmp_package(const struct qmp *q)
{
	return q->have_version ? (q->package ? q->package : "") : NULL;
}

unsigned qmp_pending_count(const struct qmp *q)
{
	return q->npending;
}

int qmp_is_ready(const struct qmp *q)
{
	return q->state == QMP_STATE_READY;
}

const char *qmp_state_name_of(const struct qmp *q)
{
	return qmp_state_name(q->state);
}
