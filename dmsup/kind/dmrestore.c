/*
 * The restore of a device model's state (dmrestore.h): a state machine,
 * one entry point (dmrestore_post) that logs every transition and runs
 * the new state's action. The record lives until its outcome was told
 * and every command's reply came back (dmqmp cannot withdraw one: the
 * reply always comes, at the latest "cancelled" from dmqmp_free).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "dmsup/kind/dmqmp.h"
#include "dmsup/kind/dmrestore.h"
#include "dmsup/log.h"

#define DMRESTORE_FDNAME "dmsup-restore"
#define DMRESTORE_POLL_MS 100 /* between query-status while not inmigrate */

enum dmrestore_state {
	RS_STATUS,   /* query-status sent: is QEMU inmigrate? */
	RS_POLL,     /* not yet: query-status again shortly */
	RS_EVENTS,   /* migrate-set-capabilities events sent */
	RS_GETFD,    /* getfd with the file sent */
	RS_INCOMING, /* migrate-incoming sent */
	RS_LOADING,  /* waiting for MIGRATION completed or failed */
	RS_WHY,	     /* failed: query-migrate for QEMU's reason */
	RS_RESUME,   /* a restarted dmsup's query-migrate: how far is it? */
	RS_FEVENTS,  /* follow: migrate-set-capabilities events sent */
	RS_DONE,     /* loaded (told) */
	RS_FAILED,   /* not loaded (told) */
	RS_N
};

enum dmrestore_event {
	RE_INMIGRATE, /* query-status: inmigrate */
	RE_NOT_YET,   /* query-status: another status */
	RE_TICK,      /* the poll's delay passed */
	RE_OK,	      /* the command's reply */
	RE_COMPLETED, /* MIGRATION completed */
	RE_MFAILED,   /* MIGRATION failed */
	RE_ERROR,     /* a command failed, the link ended or out of time */
	RE_ACTIVE,    /* query-migrate: the load is under way */
	RE_NONE,      /* query-migrate: no load was ever begun */
	RE_N
};

static const char *const rs_names[RS_N] = {
    "status", "poll",	"events",	 "getfd", "incoming", "loading",
    "why",    "resume", "follow-events", "done",  "failed",
};
static const char *const re_names[RE_N] = {
    "inmigrate", "not-yet", "tick",   "ok",   "completed",
    "failed",	 "error",   "active", "none",
};

/* Anything not here is ignored (a late reply once the outcome is told);
 * RE_ERROR ends every state before DONE in FAILED. */
static const struct {
	enum dmrestore_state from;
	enum dmrestore_event ev;
	enum dmrestore_state to;
} rs_table[] = {
    {RS_STATUS, RE_INMIGRATE, RS_EVENTS},
    {RS_STATUS, RE_NOT_YET, RS_POLL},
    {RS_POLL, RE_TICK, RS_STATUS},
    {RS_EVENTS, RE_OK, RS_GETFD},
    {RS_GETFD, RE_OK, RS_INCOMING},
    {RS_INCOMING, RE_OK, RS_LOADING},
    /* The load may end before migrate-incoming's reply. */
    {RS_INCOMING, RE_COMPLETED, RS_DONE},
    {RS_INCOMING, RE_MFAILED, RS_WHY},
    {RS_LOADING, RE_COMPLETED, RS_DONE},
    {RS_LOADING, RE_MFAILED, RS_WHY},
    {RS_WHY, RE_OK, RS_FAILED},
    /* dmsup restarted mid-restore: a load under way is waited for, one
     * never begun fails (its QEMU is stopped): nobody knows what the
     * old dmsup had sent, and a toolstack retries a failed start. */
    {RS_RESUME, RE_ACTIVE, RS_LOADING},
    {RS_RESUME, RE_COMPLETED, RS_DONE},
    {RS_RESUME, RE_MFAILED, RS_WHY},
    {RS_RESUME, RE_NONE, RS_FAILED},
    /* A QEMU that loads from its own fd (a Linux stub's console 2): the
     * events first, then how far it is, then as a resumed one. */
    {RS_FEVENTS, RE_OK, RS_RESUME},
};

struct dmrestore {
	struct dmqmp *m;
	struct dmqmp_sub *sub;
	struct event *timer; /* the whole restore's deadline */
	struct event *poll;  /* RS_POLL's delay */
	struct event *tell;  /* tells the outcome from the loop */
	enum dmrestore_state state;
	int fd;
	bool follow;	  /* dmrestore_follow: nobody restarted */
	unsigned pending; /* replies still to come */
	bool freed;	  /* dmrestore_free was called */
	dmrestore_done_fn *done;
	void *arg;
	char label[96];
	char file[256];
	char err[720];
};

static void dmrestore_post(struct dmrestore *r, enum dmrestore_event ev,
			   const char *why);

static void dmrestore_free_if_idle(struct dmrestore *r)
{
	if (!r->freed || r->pending)
		return;
	dmqmp_unsubscribe(r->sub);
	if (r->timer)
		event_free(r->timer);
	if (r->poll)
		event_free(r->poll);
	if (r->tell)
		event_free(r->tell);
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}

/* query-migrate's status on a restarted dmsup: QEMU 7.2 gives none
 * (or no status) until migrate-incoming; anything not ended is under
 * way (setup, active, device...), the deadline bounds it. */
static enum dmrestore_event dmrestore_migrate_event(const char *s)
{
	if (!s || !strcmp(s, "none"))
		return RE_NONE;
	if (!strcmp(s, "completed"))
		return RE_COMPLETED;
	if (!strcmp(s, "failed") || !strcmp(s, "cancelled"))
		return RE_MFAILED;
	return RE_ACTIVE;
}

/* A reply: @ret's status for query-status, error-desc for the reason. */
static void dmrestore_reply_cb(void *arg, struct json_object *ret,
			       const char *err)
{
	struct dmrestore *r = arg;
	struct json_object *v;
	const char *s = NULL;

	r->pending--;
	if (r->freed) {
		dmrestore_free_if_idle(r);
		return;
	}
	if (err && r->state == RS_WHY) {
		dmrestore_post(r, RE_OK, NULL); /* the reason stays unknown */
		return;
	}
	if (err) {
		dmrestore_post(r, RE_ERROR, err);
		return;
	}
	if (json_object_object_get_ex(ret, "status", &v) &&
	    json_object_is_type(v, json_type_string))
		s = json_object_get_string(v);
	if (r->state == RS_STATUS) {
		dmrestore_post(
		    r, s && !strcmp(s, "inmigrate") ? RE_INMIGRATE : RE_NOT_YET,
		    s);
		return;
	}
	if (r->state == RS_RESUME) {
		dmrestore_post(r, dmrestore_migrate_event(s), s);
		return;
	}
	if (r->state == RS_WHY &&
	    json_object_object_get_ex(ret, "error-desc", &v) &&
	    json_object_is_type(v, json_type_string))
		snprintf(r->err, sizeof(r->err),
			 "restore from %s failed: QEMU: %.300s", r->file,
			 json_object_get_string(v));
	dmrestore_post(r, RE_OK, NULL);
}

static void dmrestore_event_cb(void *arg, const char *event,
			       struct json_object *data, const char *why)
{
	struct dmrestore *r = arg;
	struct json_object *v;
	const char *s;

	if (!event) {
		r->sub = NULL;
		dmrestore_post(r, RE_ERROR, why);
		return;
	}
	if (!json_object_object_get_ex(data, "status", &v) ||
	    !json_object_is_type(v, json_type_string))
		return;
	s = json_object_get_string(v);
	if (!strcmp(s, "completed"))
		dmrestore_post(r, RE_COMPLETED, NULL);
	else if (!strcmp(s, "failed"))
		dmrestore_post(r, RE_MFAILED, NULL);
}

static void dmrestore_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dmrestore *r = arg;

	dmrestore_post(r, RE_ERROR, "timed out");
}

static void dmrestore_poll_cb(evutil_socket_t fd, short what, void *arg)
{
	dmrestore_post(arg, RE_TICK, NULL);
}

static void dmrestore_tell_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dmrestore *r = arg;
	dmrestore_done_fn *done = r->done;

	r->done = NULL;
	if (done)
		done(r->arg, r->state == RS_DONE ? NULL : r->err);
}

/* The state's command; -1 with *err_r if it could not be sent. */
static int dmrestore_send(struct dmrestore *r, const char **err_r)
{
	dmqmp_reply_fn *cb = dmrestore_reply_cb;
	int rc = 0;

	switch (r->state) {
	case RS_STATUS:
		rc = dmqmp_query(r->m, DMQMP_QUERY_STATUS, cb, r, err_r);
		break;
	case RS_EVENTS:
	case RS_FEVENTS:
		rc = dmqmp_migrate_events(r->m, cb, r, err_r);
		break;
	case RS_GETFD:
		rc = dmqmp_getfd(r->m, r->fd, DMRESTORE_FDNAME, cb, r, err_r);
		break;
	case RS_INCOMING:
		rc = dmqmp_migrate_incoming(r->m, "fd:" DMRESTORE_FDNAME, cb, r,
					    err_r);
		break;
	case RS_WHY:
	case RS_RESUME:
		rc = dmqmp_query(r->m, DMQMP_QUERY_MIGRATE, cb, r, err_r);
		break;
	default:
		return 0;
	}
	if (!rc)
		r->pending++;
	return rc;
}

/* The new state's action. */
static void dmrestore_enter(struct dmrestore *r)
{
	struct timeval poll = {0, DMRESTORE_POLL_MS * 1000};
	const char *err;

	if (r->state == RS_POLL) {
		evtimer_add(r->poll, &poll);
		return;
	}
	if (r->state == RS_DONE || r->state == RS_FAILED) {
		dmqmp_unsubscribe(r->sub);
		r->sub = NULL;
		evtimer_del(r->timer);
		evtimer_del(r->poll);
		event_active(r->tell, 0, 0);
		return;
	}
	if (r->state == RS_LOADING && r->fd >= 0) {
		close(r->fd); /* QEMU has its own */
		r->fd = -1;
	}
	if (dmrestore_send(r, &err))
		dmrestore_post(r, RE_ERROR, err);
}

static void dmrestore_post(struct dmrestore *r, enum dmrestore_event ev,
			   const char *why)
{
	enum dmrestore_state to = RS_N;

	if (r->state == RS_DONE || r->state == RS_FAILED)
		return;
	for (size_t i = 0; i < sizeof(rs_table) / sizeof(*rs_table); i++)
		if (rs_table[i].from == r->state && rs_table[i].ev == ev)
			to = rs_table[i].to;
	if (ev == RE_ERROR) {
		to = RS_FAILED;
		snprintf(r->err, sizeof(r->err),
			 "restore from %s failed at %s: %.300s", r->file,
			 rs_names[r->state], why ? why : "?");
	} else if (ev == RE_MFAILED) {
		snprintf(r->err, sizeof(r->err),
			 "restore from %s failed: QEMU could not load it",
			 r->file);
	} else if (ev == RE_NONE && r->follow) {
		snprintf(r->err, sizeof(r->err),
			 "restore from %s failed: QEMU began no load (was "
			 "-incoming on its command line?)",
			 r->file);
	} else if (ev == RE_NONE) {
		snprintf(r->err, sizeof(r->err),
			 "restore from %s failed: dmsup restarted before QEMU "
			 "began loading it; start it again",
			 r->file);
	}
	if (to == RS_N)
		return;
	log_debug("%s: restore: %s -> %s (%s%s%s)", r->label,
		  rs_names[r->state], rs_names[to], re_names[ev],
		  why ? ": " : "", why ? why : "");
	r->state = to;
	dmrestore_enter(r);
}

/* The record, its deadline armed and MIGRATION subscribed, in @state;
 * NULL out of memory (@fd closed). */
static struct dmrestore *dmrestore_new(struct event_base *base, struct dmqmp *m,
				       int fd, const struct dmrestore_args *a,
				       enum dmrestore_state state)
{
	struct dmrestore *r = calloc(1, sizeof(*r));
	struct timeval tv = {a->timeout_s > 0 ? a->timeout_s : 1, 0};
	const char *err = NULL;

	if (!r) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	r->m = m;
	r->fd = fd;
	r->done = a->done;
	r->arg = a->arg;
	snprintf(r->label, sizeof(r->label), "%s", a->label);
	snprintf(r->file, sizeof(r->file), "%s", a->file);
	r->timer = evtimer_new(base, dmrestore_timer_cb, r);
	r->poll = evtimer_new(base, dmrestore_poll_cb, r);
	r->tell = event_new(base, -1, 0, dmrestore_tell_cb, r);
	if (!r->timer || !r->poll || !r->tell) {
		r->freed = true;
		dmrestore_free_if_idle(r);
		return NULL;
	}
	evtimer_add(r->timer, &tv);
	r->sub = dmqmp_subscribe(m, "MIGRATION", NULL, NULL, dmrestore_event_cb,
				 r, &err);
	r->state = state;
	if (!r->sub)
		dmrestore_post(r, RE_ERROR, err);
	else
		dmrestore_enter(r);
	return r;
}

struct dmrestore *dmrestore_start_take_fd(struct event_base *base,
					  struct dmqmp *m, int fd,
					  const struct dmrestore_args *a)
{
	return dmrestore_new(base, m, fd, a, RS_STATUS);
}

struct dmrestore *dmrestore_resume(struct event_base *base, struct dmqmp *m,
				   const struct dmrestore_args *a)
{
	log_info("%s: dmsup restarted during the restore from %s: asking "
		 "QEMU how far it got",
		 a->label, a->file);
	return dmrestore_new(base, m, -1, a, RS_RESUME);
}

struct dmrestore *dmrestore_follow(struct event_base *base, struct dmqmp *m,
				   const struct dmrestore_args *a)
{
	struct dmrestore *r = dmrestore_new(base, m, -1, a, RS_FEVENTS);

	if (r)
		r->follow = true;
	return r;
}

void dmrestore_free(struct dmrestore *r)
{
	if (!r)
		return;
	r->done = NULL;
	r->freed = true;
	if (r->timer)
		evtimer_del(r->timer);
	if (r->poll)
		evtimer_del(r->poll);
	if (r->tell)
		event_del(r->tell);
	dmqmp_unsubscribe(r->sub);
	r->sub = NULL;
	dmrestore_free_if_idle(r);
}
