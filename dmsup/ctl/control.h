/*
 * The control socket: framed JSON requests in, framed JSON replies and
 * events out (docs/control-protocol.md). The commands live in commands.c.
 */
#ifndef DMSUP_CONTROL_H
#define DMSUP_CONTROL_H

#include <stdbool.h>

struct dmsup;
struct domain;
struct json_object;
struct control;
struct ctl_conn;

/* Listens on sup->ctl_path (mode 0600). NULL with a logged reason. */
struct control *control_new(struct dmsup *sup);
void control_free(struct control *ctl);

/* A domain changed state: events to watchers, replies to waiters. */
void control_domain_changed(struct control *ctl, struct domain *d);
/* An event about @d (borrowed) to every client watching @d or all. */
void control_event(struct control *ctl, struct domain *d,
		   struct json_object *ev);
/* A domain is going away: nobody may keep pointing at it. */
void control_domain_gone(struct control *ctl, struct domain *d);

/* For commands.c. Replies take over @obj (NULL: {"ok": true}). */
void ctl_reply(struct ctl_conn *c, struct json_object *obj);
void ctl_reply_error(struct ctl_conn *c, const char *step, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
struct dmsup *ctl_sup(struct ctl_conn *c);
/* The connection waits for @d to settle (start or stop) before replying. */
enum ctl_wait { CTL_WAIT_NONE, CTL_WAIT_START, CTL_WAIT_STOP };
void ctl_wait_for(struct ctl_conn *c, struct domain *d, enum ctl_wait what);
/* The connection waits for an asynchronous reply; ctl_reply ends it. */
void ctl_hold(struct ctl_conn *c);
/* Subscribes to state events of @d (NULL: every domain). */
void ctl_watch(struct ctl_conn *c, struct domain *d);
/* A connection that may go away while a reply is pending. */
struct ctl_ref;
struct ctl_ref *ctl_ref_new(struct ctl_conn *c);
/* The connection, or NULL if it closed; frees the ref. */
struct ctl_conn *ctl_ref_take(struct ctl_ref *ref);

/* commands.c: runs one request. */
void commands_dispatch(struct ctl_conn *c, struct json_object *req);

#endif
