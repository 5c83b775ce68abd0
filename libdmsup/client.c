/*
 * libdmsup's connection (libdmsup.h): requests with a req_id of their
 * own, in a list in the order they were sent; a reply ends the request
 * of its req_id, an event frame goes to the event function. A closed or
 * broken connection ends every request still in flight, once.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "libdmsup/frame.h"
#include "libdmsup/libdmsup.h"
#include "libdmsup/private.h"

/* What is read of a closed connection: one whole frame at most. */
#define DMSUP_LAST_MAX (FRAME_MAX + 4)

struct dmsup_pending {
	int64_t id;
	dmsup_reply_fn *fn;
	void *arg;
	bool hello; /* its reply sets the protocol */
	struct dmsup_pending *next;
};

struct dmsup_client {
	struct bufferevent *bev;
	struct dmsup_pending *head, **tail;
	unsigned npending;
	int64_t next_id;
	int protocol;
	dmsup_event_fn *event_fn;
	void *event_arg;
	int depth;  /* inside a callback of ours */
	bool freed; /* dmsup_client_free() ran inside one */
};

static char *dmsup_strdupf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static char *dmsup_strdupf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static int dmsup_connect_unix(const char *path, char **err_r)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	if (strlen(path) >= sizeof(sun.sun_path)) {
		*err_r = dmsup_strdupf("socket path too long: %s", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		*err_r = dmsup_strdupf("cannot reach dmsup at %s: %s", path,
				       strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Takes the first request off the list; the caller ends it. */
static struct dmsup_pending *dmsup_unlink(struct dmsup_client *cl, int64_t id)
{
	for (struct dmsup_pending **pp = &cl->head; *pp; pp = &(*pp)->next) {
		struct dmsup_pending *p = *pp;
		if (p->id != id)
			continue;
		*pp = p->next;
		if (!*pp)
			cl->tail = pp;
		cl->npending--;
		return p;
	}
	return NULL;
}

static void dmsup_end(struct dmsup_client *cl, struct dmsup_pending *p,
		      struct json_object *reply, const char *error)
{
	cl->depth++;
	p->fn(p->arg, reply, error);
	cl->depth--;
	free(p);
}

static void dmsup_really_free(struct dmsup_client *cl)
{
	if (cl->bev)
		bufferevent_free(cl->bev);
	free(cl);
}

/* Ends every request in flight with @why; the connection is closed. */
static void dmsup_fail_all(struct dmsup_client *cl, const char *why)
{
	if (cl->bev) {
		bufferevent_free(cl->bev);
		cl->bev = NULL;
	}
	while (cl->head && !cl->freed)
		dmsup_end(cl, dmsup_unlink(cl, cl->head->id), NULL, why);
}

static void dmsup_frame(struct dmsup_client *cl, struct json_object *f)
{
	struct json_object *id;

	if (json_object_object_get_ex(f, "event", NULL) &&
	    !json_object_object_get_ex(f, "req_id", NULL)) {
		if (cl->event_fn) {
			cl->depth++;
			cl->event_fn(cl->event_arg, f);
			cl->depth--;
		}
		return;
	}
	struct dmsup_pending *p = NULL;
	if (json_object_object_get_ex(f, "req_id", &id) &&
	    json_object_is_type(id, json_type_int))
		p = dmsup_unlink(cl, json_object_get_int64(id));
	if (!p) {
		/* A reply to nothing we asked: dmsup refused the
		 * connection (busy, idle, protocol error) or is not dmsup. */
		const char *e = dmsup_reply_error(f);
		char *why =
		    dmsup_strdupf("dmsup: %s", e ? e : "a reply to no request");
		dmsup_fail_all(cl, why ? why : "dmsup: unexpected reply");
		free(why);
		return;
	}
	if (p->hello && dmsup_reply_ok(f))
		cl->protocol = (int)dmsup_json_int(f, "protocol");
	dmsup_end(cl, p, f,
		  dmsup_reply_ok(f) ? NULL
				    : (dmsup_reply_error(f)
					   ? dmsup_reply_error(f)
					   : "dmsup refused (no error text)"));
}

/* Every whole frame in @in, in order; a bad one ends the connection. */
static void dmsup_take_frames(struct dmsup_client *cl, struct evbuffer *in)
{
	struct json_object *f;
	const char *err;
	int r;

	cl->depth++;
	while (cl->bev && !cl->freed && (r = frame_take(in, &f, &err))) {
		if (r < 0) {
			char *why = dmsup_strdupf("dmsup's reply: %s", err);
			dmsup_fail_all(cl, why ? why : err);
			free(why);
			break;
		}
		dmsup_frame(cl, f);
		json_object_put(f);
	}
	cl->depth--;
	if (cl->freed && !cl->depth)
		dmsup_really_free(cl);
}

static void dmsup_read_cb(struct bufferevent *bev, void *arg)
{
	dmsup_take_frames(arg, bufferevent_get_input(bev));
}

/*
 * What dmsup said before it closed (busy, idle) is its answer: read it
 * first, since a write to the closed socket fails before the bytes are
 * read. Into a buffer of our own: a bufferevent's input takes no bytes
 * but its own reads (its end is frozen).
 */
static void dmsup_read_last(struct dmsup_client *cl)
{
	struct evbuffer *tmp = evbuffer_new();
	int fd = bufferevent_getfd(cl->bev);

	if (!tmp)
		return;
	evbuffer_remove_buffer(bufferevent_get_input(cl->bev), tmp,
			       EV_SIZE_MAX);
	while (evbuffer_get_length(tmp) <= DMSUP_LAST_MAX &&
	       evbuffer_read(tmp, fd, 65536) > 0)
		;
	dmsup_take_frames(cl, tmp);
	evbuffer_free(tmp);
}

static void dmsup_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct dmsup_client *cl = arg;

	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	/* A peer that closes with our requests unread resets. */
	bool closed =
	    (what & BEV_EVENT_EOF) || errno == ECONNRESET || errno == EPIPE;
	cl->depth++;
	if (cl->bev)
		dmsup_read_last(cl);
	if (!cl->freed)
		dmsup_fail_all(cl, closed ? "dmsup closed the connection"
					  : "the connection to dmsup failed");
	cl->depth--;
	if (cl->freed && !cl->depth)
		dmsup_really_free(cl);
}

DMSUP_EXPORT struct dmsup_client *
dmsup_client_new(struct event_base *base, const char *path, char **err_r)
{
	struct dmsup_client *cl = calloc(1, sizeof(*cl));
	int fd;

	*err_r = NULL;
	if (!cl) {
		*err_r = dmsup_strdupf("out of memory");
		return NULL;
	}
	if ((fd = dmsup_connect_unix(path ? path : DMSUP_CONTROL_PATH, err_r)) <
	    0) {
		free(cl);
		return NULL;
	}
	cl->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!cl->bev) {
		close(fd);
		free(cl);
		*err_r = dmsup_strdupf("out of memory");
		return NULL;
	}
	cl->tail = &cl->head;
	cl->next_id = 1;
	cl->protocol = 1;
	bufferevent_setcb(cl->bev, dmsup_read_cb, NULL, dmsup_event_cb, cl);
	bufferevent_enable(cl->bev, EV_READ | EV_WRITE);
	return cl;
}

DMSUP_EXPORT void dmsup_client_free(struct dmsup_client *cl)
{
	if (!cl || cl->freed)
		return;
	cl->depth++;
	dmsup_fail_all(cl, "the client was freed");
	cl->depth--;
	cl->freed = true;
	if (!cl->depth)
		dmsup_really_free(cl);
}

DMSUP_EXPORT int dmsup_client_protocol(const struct dmsup_client *cl)
{
	return cl->protocol;
}

DMSUP_EXPORT void dmsup_client_on_event(struct dmsup_client *cl,
					dmsup_event_fn *fn, void *arg)
{
	cl->event_fn = fn;
	cl->event_arg = arg;
}

DMSUP_EXPORT unsigned dmsup_client_pending(const struct dmsup_client *cl)
{
	return cl->npending;
}

int dmsup_send(struct dmsup_client *cl, struct json_object *req,
	       dmsup_reply_fn *fn, void *arg, bool hello)
{
	struct dmsup_pending *p = NULL;
	int rc = -1;

	if (!req || !cl->bev || cl->freed || !(p = calloc(1, sizeof(*p))))
		goto out;
	p->id = cl->next_id++;
	p->fn = fn;
	p->arg = arg;
	p->hello = hello;
	json_object_object_add(req, "req_id", json_object_new_int64(p->id));
	if (frame_put(bufferevent_get_output(cl->bev), req))
		goto out;
	*cl->tail = p;
	cl->tail = &p->next;
	cl->npending++;
	p = NULL;
	rc = 0;
out:
	free(p);
	json_object_put(req);
	return rc;
}

DMSUP_EXPORT int dmsup_request(struct dmsup_client *cl, struct json_object *req,
			       dmsup_reply_fn *fn, void *arg)
{
	return dmsup_send(cl, req, fn, arg, false);
}
