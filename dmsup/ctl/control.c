/*
 * The control socket. Each connection reads frames one request at a time:
 * while a request waits (a start until ready, a stop until gone, a QMP
 * reply) the following frames stay buffered. Output to a client that does
 * not read is bounded: past the cap the client is dropped, never waited on.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <json-c/json.h>

#include "dmsup/ctl/control.h"
#include "dmsup/ctl/reqcheck.h"
#include "libdmsup/frame.h"
#include "dmsup/dmsup.h"
#include "dmsup/fdlimit.h"
#include "dmsup/log.h"
#include "dmsup/unixsock.h"

/* Room for 1,000 `dmctl start` at once (each a client waiting for its
 * reply) and their watchers; running out of fds pauses accepting first
 * (fdlimit.h). */
#define CTL_MAX_CONNS 4096
#define CTL_STR2(x) #x
#define CTL_STR(x) CTL_STR2(x)
#define CTL_MAX_OUTPUT (4 * 1024 * 1024)
/* A client that sends no whole request for this long holds a slot of
 * CTL_MAX_CONNS for nothing; one that waits for a reply or watches does not. */
#define CTL_IDLE_TIMEOUT 10 /* s */
/* fds a request may carry (SCM_RIGHTS, e.g. a restore's stream). */
#define CTL_REQ_FDS 2
/* Out of descriptors, accepting waits for one to be freed, or this long. */
#define CTL_STARVED_RETRY 1 /* s */

struct ctl_ref {
	struct ctl_conn *c;
	struct ctl_ref *next;
};

/*
 * A connection's state. READING <-> BUSY per request; CLOSING and DROPPED
 * are final (a reply that comes while CLOSING is not sent).
 */
enum ctl_state {
	CTL_READING, /* takes the next buffered request */
	CTL_BUSY,    /* a request is waiting for its reply; frames wait */
	CTL_CLOSING, /* flush the output, then close */
	CTL_DROPPED, /* close now, unflushed */
};

struct ctl_conn {
	struct ctl_conn *next;
	struct control *ctl;
	struct bufferevent *bev;
	enum ctl_state state;
	bool watching;
	struct domain *watch_domain; /* NULL: all */
	struct ctl_ref *refs;
	struct event *resume;
	struct event *idle;	    /* armed while READING and not watching */
	struct json_object *req_id; /* the pending request's, echoed once */
	/* Read with recvmsg (a bufferevent drops SCM_RIGHTS): fds arrive
	 * with a byte of the stream, and belong to the frame holding it. */
	struct event *rd;
	struct evbuffer *in; /* what was read, not yet taken as frames */
	bool rd_paused;	     /* a whole frame's room is buffered */
	uint64_t rx, taken;  /* bytes read, bytes taken as frames */
	int fds[CTL_REQ_FDS], nfds;
	uint64_t fds_at;  /* the stream offset they came with */
	bool fds_over;	  /* more came than a request may carry */
	bool fds_offered; /* the frame being dispatched holds them */
};

struct control {
	struct dmsup *sup;
	control_dispatch_fn *dispatch;
	struct evconnlistener *listener;
	struct ctl_conn *conns;
	int n_conns;
	struct event *starved; /* resumes accepting after EMFILE/ENFILE */
	bool paused;	       /* the listener is off until then */
	bool starved_told;     /* logged once for the whole shortage */
	bool owns_path;	       /* bound by us, unlinked at the end */
};

static void ctl_process(struct ctl_conn *c);

static void ctl_fds_drop(struct ctl_conn *c)
{
	for (int i = 0; i < c->nfds; i++)
		close(c->fds[i]);
	c->nfds = 0;
	c->fds_over = false;
}

int ctl_take_fd(struct ctl_conn *c)
{
	if (!c->fds_offered || !c->nfds)
		return -1;
	int fd = c->fds[0];
	memmove(c->fds, c->fds + 1, sizeof(int) * (size_t)--c->nfds);
	return fd;
}

static void ctl_conn_free(struct ctl_conn *c)
{
	struct ctl_conn **pp;

	for (pp = &c->ctl->conns; *pp && *pp != c; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = c->next;
	c->ctl->n_conns--;
	for (struct ctl_ref *r = c->refs; r; r = r->next)
		r->c = NULL;
	if (c->resume)
		event_free(c->resume);
	if (c->idle)
		event_free(c->idle);
	json_object_put(c->req_id);
	ctl_fds_drop(c);
	if (c->rd)
		event_free(c->rd);
	if (c->in)
		evbuffer_free(c->in);
	bufferevent_free(c->bev);
	/* A descriptor is free (once the bufferevent's finalizer, queued
	 * before this, closed it): a client in the backlog may come. */
	if (c->ctl->paused || c->ctl->starved_told)
		event_active(c->ctl->starved, EV_TIMEOUT, 0);
	free(c);
}

struct dmsup *ctl_sup(struct ctl_conn *c)
{
	return c->ctl->sup;
}

/* Moves @c on; the final states are never left. */
static void ctl_set_state(struct ctl_conn *c, enum ctl_state to)
{
	if (c->state == CTL_DROPPED ||
	    (c->state == CTL_CLOSING && to != CTL_DROPPED))
		return;
	c->state = to;
}

static bool ctl_closing(const struct ctl_conn *c)
{
	return c->state == CTL_CLOSING || c->state == CTL_DROPPED;
}

/* Closes @c from the loop, so that callers may still use it now. */
static void ctl_close_soon(struct ctl_conn *c, bool drop)
{
	ctl_set_state(c, drop ? CTL_DROPPED : CTL_CLOSING);
	event_active(c->resume, EV_TIMEOUT, 0);
}

static void ctl_send(struct ctl_conn *c, struct json_object *obj)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (ctl_closing(c))
		return;
	if (evbuffer_get_length(out) > CTL_MAX_OUTPUT) {
		log_warnx("control: dropping a client that does not read");
		ctl_close_soon(c, true);
		return;
	}
	if (!frame_put(out, obj))
		return;
	/* Never silent: a reply that does not fit is answered with why. */
	size_t len = 0;
	json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN, &len);
	log_warnx("control: a %zu-byte message does not fit a frame", len);
	if (json_object_object_get_ex(obj, "event", NULL))
		return;
	struct json_object *err = json_object_new_object();
	struct json_object *id;
	char msg[160];
	snprintf(msg, sizeof(msg),
		 "reply too large (%zu bytes, the limit is %d): ask for "
		 "fewer domains",
		 len, FRAME_MAX);
	json_object_object_add(err, "ok", json_object_new_boolean(0));
	json_object_object_add(err, "error", json_object_new_string(msg));
	if (json_object_object_get_ex(obj, "req_id", &id))
		json_object_object_add(err, "req_id", json_object_get(id));
	if (frame_put(out, err))
		ctl_close_soon(c, true);
	json_object_put(err);
}

static void ctl_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	ctl_process(arg);
}

/* The idle clock runs only while @c owes us a request. */
static void ctl_idle_arm(struct ctl_conn *c)
{
	const struct timeval tv = {CTL_IDLE_TIMEOUT, 0};

	if (!c->idle)
		return;
	if (c->state == CTL_READING && !c->watching)
		event_add(c->idle, &tv);
	else
		event_del(c->idle);
}

/* A reply went out: the next buffered request may run. */
static void ctl_replied(struct ctl_conn *c)
{
	json_object_put(c->req_id);
	c->req_id = NULL;
	if (c->state == CTL_BUSY)
		ctl_set_state(c, CTL_READING);
	ctl_idle_arm(c);
	/* Buffered requests run from the loop, not inside this reply. */
	if (c->resume)
		event_active(c->resume, EV_TIMEOUT, 0);
}

static void ctl_add_ok(struct json_object *obj)
{
	if (!json_object_object_get_ex(obj, "ok", NULL))
		json_object_object_add(obj, "ok", json_object_new_boolean(1));
}

/* Only the one reply to a request carries its req_id, never events. */
static void ctl_add_req_id(struct ctl_conn *c, struct json_object *obj)
{
	if (c->req_id)
		json_object_object_add(obj, "req_id",
				       json_object_get(c->req_id));
}

void ctl_reply(struct ctl_conn *c, struct json_object *obj)
{
	if (!obj)
		obj = json_object_new_object();
	ctl_add_ok(obj);
	ctl_add_req_id(c, obj);
	ctl_send(c, obj);
	json_object_put(obj);
	ctl_replied(c);
}

/* The frame goes out at once with the fds on its first byte; what the
 * socket does not take is queued behind. Nothing may be queued before. */
static int ctl_send_fds(struct ctl_conn *c, struct json_object *obj,
			const int *fds, int n)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct evbuffer *tmp = evbuffer_new();
	unsigned char *p;
	size_t len;
	ssize_t r = -1;

	if (!tmp || ctl_closing(c) || evbuffer_get_length(out) ||
	    frame_put(tmp, obj))
		goto out;
	len = evbuffer_get_length(tmp);
	p = evbuffer_pullup(tmp, -1);
	r = p ? unixsock_send_fds(bufferevent_getfd(c->bev), p, len, fds, n)
	      : -1;
	if (r >= 0 && (size_t)r < len)
		evbuffer_add(out, p + r, len - (size_t)r);
out:
	if (tmp)
		evbuffer_free(tmp);
	return r < 0 ? -1 : 0;
}

int ctl_reply_fds(struct ctl_conn *c, struct json_object *obj, const int *fds,
		  int n)
{
	ctl_add_ok(obj);
	ctl_add_req_id(c, obj);
	if (ctl_send_fds(c, obj, fds, n)) {
		log_warn("control: cannot pass %d fds to a client", n);
		json_object_put(obj);
		return -1;
	}
	json_object_put(obj);
	ctl_replied(c);
	return 0;
}

int ctl_peer(struct ctl_conn *c, pid_t *pid_r, uid_t *uid_r)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(bufferevent_getfd(c->bev), SOL_SOCKET, SO_PEERCRED,
		       &cred, &len))
		return -1;
	*pid_r = cred.pid;
	*uid_r = cred.uid;
	return 0;
}

void ctl_reply_error(struct ctl_conn *c, const char *step, const char *fmt, ...)
{
	struct json_object *obj = json_object_new_object();
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_object_add(obj, "ok", json_object_new_boolean(0));
	json_object_object_add(obj, "error", json_object_new_string(msg));
	if (step)
		json_object_object_add(obj, "step",
				       json_object_new_string(step));
	ctl_reply(c, obj);
}

void ctl_hold(struct ctl_conn *c)
{
	ctl_set_state(c, CTL_BUSY);
	ctl_idle_arm(c);
}

void ctl_watch(struct ctl_conn *c, struct domain *d)
{
	c->watching = true;
	c->watch_domain = d;
	ctl_idle_arm(c);
}

struct ctl_ref *ctl_ref_new(struct ctl_conn *c)
{
	struct ctl_ref *r = calloc(1, sizeof(*r));

	if (r) {
		r->c = c;
		r->next = c->refs;
		c->refs = r;
	}
	return r;
}

struct ctl_conn *ctl_ref_take(struct ctl_ref *ref)
{
	struct ctl_conn *c = ref->c;

	if (c) {
		struct ctl_ref **pp;
		for (pp = &c->refs; *pp != ref; pp = &(*pp)->next)
			;
		*pp = ref->next;
	}
	free(ref);
	return c;
}

void control_event(struct control *ctl, struct domain *d,
		   struct json_object *ev)
{
	if (!ctl)
		return;
	for (struct ctl_conn *c = ctl->conns; c; c = c->next)
		if (c->watching && (!c->watch_domain || c->watch_domain == d))
			ctl_send(c, ev);
}

void control_domain_gone(struct control *ctl, struct domain *d)
{
	if (!ctl)
		return;
	for (struct ctl_conn *c = ctl->conns; c; c = c->next)
		if (c->watch_domain == d)
			ctl_close_soon(c, false);
}

/* The top-level keys of the next frame in @in, if it is whole (else 0). */
static size_t ctl_frame_keys(struct evbuffer *in, char *dup, size_t n)
{
	uint32_t be;
	size_t len;
	const char *text;

	*dup = 0;
	if (evbuffer_copyout(in, &be, sizeof(be)) != sizeof(be))
		return 0;
	len = ntohl(be);
	if (len > FRAME_MAX || evbuffer_get_length(in) < len + sizeof(be))
		return 0;
	text = (const char *)evbuffer_pullup(in, (ssize_t)(len + sizeof(be)));
	return text ? reqcheck_keys(text + sizeof(be), len, dup, n) : 0;
}

/* The frame of @len bytes about to be dispatched holds the fds if they
 * came with one of its bytes. */
static void ctl_fds_offer(struct ctl_conn *c, size_t len)
{
	uint64_t end = c->taken + len;

	c->fds_offered = (c->nfds || c->fds_over) && c->fds_at < end;
	c->taken = end;
}

/* fds that came with the bytes at stream offset c->rx. */
static void ctl_fds_keep(struct ctl_conn *c, const int *fds, int n, bool over)
{
	/* One request's fds wait at a time: a client sends the next
	 * request's only after the reply (dmctl, libdmsup do). */
	if (c->nfds || c->fds_over) {
		for (int i = 0; i < n; i++)
			close(fds[i]);
		log_warnx("control: a client sent fds for a request while an "
			  "earlier one's were unused; dropping it");
		ctl_close_soon(c, true);
		return;
	}
	memcpy(c->fds, fds, sizeof(int) * (size_t)n);
	c->nfds = n;
	c->fds_over = over;
	c->fds_at = c->rx;
}

static void ctl_process(struct ctl_conn *c)
{
	struct evbuffer *in = c->in;
	struct json_object *req, *id;
	const char *err, *msg;
	char dup[64], why[160];
	size_t keys, before;
	int r;

	while (c->state == CTL_READING &&
	       (keys = ctl_frame_keys(in, dup, sizeof(dup)),
		before = evbuffer_get_length(in),
		r = frame_take(in, &req, &err))) {
		if (r < 0) {
			/* The stream cannot be resynchronised: say so, close.
			 */
			ctl_reply_error(c, "protocol", "protocol error: %s",
					err);
			ctl_set_state(c, CTL_CLOSING);
			break;
		}
		json_object_put(c->req_id);
		c->req_id = NULL;
		if (json_object_object_get_ex(req, "req_id", &id))
			c->req_id = json_object_get(id);
		ctl_fds_offer(c, before - evbuffer_get_length(in));
		if (c->fds_offered && c->fds_over)
			ctl_reply_error(
			    c, "request",
			    "at most %d fds may come with a request",
			    CTL_REQ_FDS);
		else if ((msg = reqcheck_common(req, keys, dup, why,
						sizeof(why))))
			ctl_reply_error(c, "request", "%s", msg);
		else
			c->ctl->dispatch(c, req);
		/* What the request did not take is closed. */
		if (c->fds_offered)
			ctl_fds_drop(c);
		c->fds_offered = false;
		json_object_put(req);
	}
	if (c->rd_paused && !ctl_closing(c) &&
	    evbuffer_get_length(in) < FRAME_MAX + 4) {
		c->rd_paused = false;
		event_add(c->rd, NULL);
	}
	if (c->state == CTL_DROPPED ||
	    (c->state == CTL_CLOSING &&
	     evbuffer_get_length(bufferevent_get_output(c->bev)) == 0))
		ctl_conn_free(c);
}

static void ctl_write_cb(struct bufferevent *bev, void *arg)
{
	struct ctl_conn *c = arg;

	if (ctl_closing(c))
		ctl_conn_free(c);
}

static void ctl_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct ctl_conn *c = arg;

	/* A client that only shut down its side still gets its replies. */
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) &&
	    evbuffer_get_length(bufferevent_get_output(bev))) {
		ctl_set_state(c, CTL_CLOSING);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		ctl_conn_free(c);
}

/* At most one frame and its header are buffered unread. */
static void ctl_rd_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_conn *c = arg;
	struct evbuffer *in = c->in;
	size_t have = evbuffer_get_length(in), room;
	int fds[CTL_REQ_FDS], n;
	char buf[16384];
	bool over;
	ssize_t r;

	if (have >= FRAME_MAX + 4 || ctl_closing(c)) {
		event_del(c->rd);
		c->rd_paused = !ctl_closing(c);
		return;
	}
	room = FRAME_MAX + 4 - have;
	r = unixsock_recv_fds(fd, buf, room < sizeof(buf) ? room : sizeof(buf),
			      fds, CTL_REQ_FDS, &n, &over);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (r > 0) {
		if (n || over)
			ctl_fds_keep(c, fds, n, over);
		c->rx += (uint64_t)r;
		if (evbuffer_add(in, buf, (size_t)r))
			ctl_close_soon(c, true);
		ctl_process(c);
		return;
	}
	event_del(c->rd);
	ctl_event_cb(c->bev,
		     BEV_EVENT_READING | (r ? BEV_EVENT_ERROR : BEV_EVENT_EOF),
		     c);
}

static void ctl_idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_conn *c = arg;

	if (c->state != CTL_READING || c->watching)
		return;
	ctl_reply_error(c, "protocol",
			"idle: no request in %d s, closing the connection",
			CTL_IDLE_TIMEOUT);
	ctl_close_soon(c, false);
}

/* One frame straight to a socket we do not keep: best effort, never waits
 * (a fresh socket's buffer takes a short frame whole). */
static void ctl_refuse_busy(evutil_socket_t fd)
{
	struct json_object *obj = json_object_new_object();
	struct evbuffer *out = evbuffer_new();

	json_object_object_add(obj, "ok", json_object_new_boolean(0));
	json_object_object_add(
	    obj, "error",
	    json_object_new_string(
		"busy: dmsup has too many clients "
		"(" CTL_STR(CTL_MAX_CONNS) "); try again later"));
	json_object_object_add(obj, "step", json_object_new_string("protocol"));
	if (out && !frame_put(out, obj))
		evbuffer_write(out, fd);
	if (out)
		evbuffer_free(out);
	json_object_put(obj);
}

/*
 * Clients that hung up whose end the loop has not seen yet (their close
 * came in the same burst as new connections) hold no slot: a peer fully
 * gone (POLLHUP) with nothing unread is freed now.
 */
static void ctl_reap_hung_up(struct control *ctl)
{
	struct pollfd p[CTL_MAX_CONNS];
	struct ctl_conn *c, *next;
	int n = 0, i = 0;

	for (c = ctl->conns; c && n < CTL_MAX_CONNS; c = c->next)
		p[n++] = (struct pollfd){.fd = bufferevent_getfd(c->bev)};
	if (poll(p, (nfds_t)n, 0) <= 0)
		return;
	for (c = ctl->conns; c && i < n; c = next, i++) {
		int unread = 0;
		next = c->next;
		if ((p[i].revents & POLLHUP) &&
		    !ioctl(p[i].fd, SIOCINQ, &unread) && !unread)
			ctl_conn_free(c);
	}
}

static void ctl_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
			  struct sockaddr *sa, int len, void *arg)
{
	struct control *ctl = arg;
	struct ctl_conn *c;

	if (ctl->n_conns >= CTL_MAX_CONNS)
		ctl_reap_hung_up(ctl);
	if (ctl->n_conns >= CTL_MAX_CONNS) {
		log_warnx("control: too many clients, refusing one");
		ctl_refuse_busy(fd);
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->ctl = ctl;
	c->bev =
	    bufferevent_socket_new(ctl->sup->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->resume = event_new(ctl->sup->base, -1, 0, ctl_resume_cb, c);
	c->idle = evtimer_new(ctl->sup->base, ctl_idle_cb, c);
	c->rd =
	    event_new(ctl->sup->base, fd, EV_READ | EV_PERSIST, ctl_rd_cb, c);
	c->in = evbuffer_new();
	if (!c->bev || !c->resume || !c->idle || !c->rd || !c->in) {
		if (c->bev)
			bufferevent_free(c->bev);
		else
			close(fd);
		if (c->resume)
			event_free(c->resume);
		if (c->idle)
			event_free(c->idle);
		if (c->rd)
			event_free(c->rd);
		if (c->in)
			evbuffer_free(c->in);
		free(c);
		return;
	}
	c->next = ctl->conns;
	ctl->conns = c;
	ctl->n_conns++;
	bufferevent_setcb(c->bev, NULL, ctl_write_cb, ctl_event_cb, c);
	bufferevent_enable(c->bev, EV_WRITE);
	event_add(c->rd, NULL);
	ctl_idle_arm(c);
}

/*
 * Out of descriptors (EMFILE, ENFILE) or memory: the listener is switched off,
 * or accept() would fail again at once, forever. It is switched on when a
 * connection is freed or CTL_STARVED_RETRY passed; the shortage is logged
 * once, and its end once when enough are free again.
 */
static void ctl_accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct control *ctl = arg;
	const struct timeval tv = {CTL_STARVED_RETRY, 0};
	int err = EVUTIL_SOCKET_ERROR();

	/* Any other lasting error would spin as well: the same pause. */
	if (!ctl->starved_told)
		log_warnx("control: accept: %s (%ld open, the limit is %lu): "
			  "not accepting clients until a descriptor is free",
			  strerror(err), fdlimit_open(), fdlimit_limit());
	ctl->starved_told = true;
	ctl->paused = true;
	evconnlistener_disable(l);
	event_add(ctl->starved, &tv);
}

/* The shortage ends once half the reserve is free again: said once. */
static void ctl_starved_over(struct control *ctl)
{
	long open = fdlimit_open();

	if (!ctl->starved_told || open < 0 ||
	    open + FDLIMIT_RESERVE / 2 >= (long)fdlimit_limit())
		return;
	log_info("control: accepting clients again (%ld descriptors open)",
		 open);
	ctl->starved_told = false;
}

/* A connection was freed, or CTL_STARVED_RETRY passed: accepting resumes
 * (it pauses again if still short); the clock runs until the shortage is
 * over, as the last descriptors are closed after the last free. */
static void ctl_starved_cb(evutil_socket_t fd, short what, void *arg)
{
	struct control *ctl = arg;
	const struct timeval tv = {CTL_STARVED_RETRY, 0};

	ctl_starved_over(ctl);
	if (ctl->paused) {
		ctl->paused = false;
		evconnlistener_enable(ctl->listener);
	}
	if (ctl->starved_told)
		event_add(ctl->starved, &tv);
}

/* A new socket bound at @path (mode 0600), not listening yet; -1 if
 * not (logged). */
static int ctl_bind(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd, r;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("control: socket path too long: %s", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		log_warn("control: socket");
		return -1;
	}
	/* A stale socket only: main refused a live one or anything else. */
	if (unixsock_answers(path) || (unlink(path) && errno != ENOENT)) {
		log_warnx("control: %s is in use or not a socket", path);
		close(fd);
		return -1;
	}
	mode_t old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r || chmod(path, 0600)) {
		log_warn("control: bind %s", path);
		close(fd);
		return -1;
	}
	return fd;
}

struct control *control_new(struct dmsup *sup, control_dispatch_fn *dispatch)
{
	struct control *ctl = calloc(1, sizeof(*ctl));
	int fd = -1;

	if (!ctl)
		return NULL;
	ctl->sup = sup;
	ctl->dispatch = dispatch;
	ctl->owns_path = !sup->ctl_passed;
	fd = sup->ctl_passed ? sup->ctl_fd : ctl_bind(sup->ctl_path);
	sup->ctl_passed = false; /* the fd is ctl's from here */
	if (fd < 0)
		goto fail;
	/* A burst of clients (a host's boot starting every guest) waits in
	 * the backlog, not refused with EAGAIN. */
	ctl->listener = evconnlistener_new(
	    sup->base, ctl_accept_cb, ctl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, SOMAXCONN, fd);
	if (!ctl->listener) {
		log_warn("control: listen %s", sup->ctl_path);
		goto fail;
	}
	fd = -1; /* the listener's now */
	evconnlistener_set_error_cb(ctl->listener, ctl_accept_error_cb);
	ctl->starved = evtimer_new(sup->base, ctl_starved_cb, ctl);
	if (!ctl->starved) {
		log_warnx("control: out of memory");
		goto fail;
	}
	return ctl;
fail:
	if (ctl->listener)
		evconnlistener_free(ctl->listener);
	if (fd >= 0)
		close(fd);
	free(ctl);
	return NULL;
}

void control_free(struct control *ctl)
{
	if (!ctl)
		return;
	ctl->paused = false; /* nothing resumes while the rest goes */
	while (ctl->conns)
		ctl_conn_free(ctl->conns);
	event_free(ctl->starved);
	evconnlistener_free(ctl->listener);
	/* systemd's socket stays: it queues clients for the next dmsup. */
	if (ctl->owns_path)
		unlink(ctl->sup->ctl_path);
	free(ctl);
}
