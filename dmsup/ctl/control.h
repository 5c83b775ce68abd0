/*
 * The control socket: framed JSON requests in, framed JSON replies and
 * events out (docs/control-protocol.md). It frames and routes only: the
 * requests go to the dispatcher given to control_new (commands.c), what
 * clients hear about domains comes from notify.c.
 */
#ifndef DMSUP_CONTROL_H
#define DMSUP_CONTROL_H

#include <stdbool.h>
#include <sys/types.h>

struct dmsup;
struct domain;
struct json_object;
struct control;
struct ctl_conn;

/* Runs one request (@req borrowed); it replies now or later. */
typedef void control_dispatch_fn(struct ctl_conn *c, struct json_object *req);

/* Listens on sup->ctl_fd if systemd passed it (sup->ctl_passed, which
 * it clears: the fd is the control's), else on a socket it binds at
 * sup->ctl_path (mode 0600); every request goes to @dispatch. NULL with
 * a logged reason. */
struct control *control_new(struct dmsup *sup, control_dispatch_fn *dispatch);
void control_free(struct control *ctl);

/* An event about @d (borrowed) to every client watching @d or all. */
void control_event(struct control *ctl, struct domain *d,
		   struct json_object *ev);
/* A domain is going away: clients watching only @d are closed. */
void control_domain_gone(struct control *ctl, struct domain *d);

/* For commands.c. Replies take over @obj (NULL: {"ok": true}). */
void ctl_reply(struct ctl_conn *c, struct json_object *obj);
void ctl_reply_error(struct ctl_conn *c, const char *step, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A reply with @n fds attached (SCM_RIGHTS; the caller keeps and closes
 * its copies). Takes over @obj. -1 if the fds could not go (logged;
 * nothing was sent: the caller replies an error). */
int ctl_reply_fds(struct ctl_conn *c, struct json_object *obj, const int *fds,
		  int n);
/* An fd that came with the request being dispatched (SCM_RIGHTS), in the
 * order sent: the caller's now, or -1 if none is left. Only during the
 * dispatch; those not taken are closed after it. */
int ctl_take_fd(struct ctl_conn *c);
/* Who is on the other end (SO_PEERCRED). 0, or -1 with errno. */
int ctl_peer(struct ctl_conn *c, pid_t *pid_r, uid_t *uid_r);
struct dmsup *ctl_sup(struct ctl_conn *c);
/* The connection waits for an asynchronous reply; ctl_reply ends it. */
void ctl_hold(struct ctl_conn *c);
/* Subscribes to state events of @d (NULL: every domain). */
void ctl_watch(struct ctl_conn *c, struct domain *d);
/* A connection that may go away while a reply is pending. */
struct ctl_ref;
struct ctl_ref *ctl_ref_new(struct ctl_conn *c);
/* The connection, or NULL if it closed; frees the ref. */
struct ctl_conn *ctl_ref_take(struct ctl_ref *ref);

#endif
