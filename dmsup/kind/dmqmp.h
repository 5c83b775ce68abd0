/*
 * dmsup's use of libqmp for one device model: connect (retrying while
 * QEMU creates its socket) until the greeting and capabilities are done or
 * the readiness timeout passes, then carry commands and pass QEMU's events
 * to their subscribers. A thin layer: the protocol itself is libqmp's.
 *
 * The QMP commands dmsup sends are the typed vocabulary below, each
 * building its own arguments with its own default timeout; the raw
 * dmqmp_execute is only for the `dmctl qmp` passthrough.
 */
#ifndef DMSUP_DMQMP_H
#define DMSUP_DMQMP_H

#include <stdbool.h>
#include <stddef.h>

#include "dmsup/kind/dmqmp-link.h"

struct event_base;
struct json_object;
struct dmqmp;
struct dmqmp_sub;

/* err is NULL when ready; else why readiness failed. */
typedef void dmqmp_ready_fn(void *arg, const char *err);
/* The link changed state (dmqmp-link.h): connected (@why NULL), or
 * reconnecting / lost, @why the reason the connection ended. */
typedef void dmqmp_link_fn(void *arg, enum dmqmp_link_state state,
			   const char *why);
/* ret (borrowed) on success, else err names the failure. */
typedef void dmqmp_reply_fn(void *arg, struct json_object *ret,
			    const char *err);

/*
 * @path: a unix socket, or "vchan:DOMID:XSPATH" (docs/qmp-vchan.md).
 * @label names the device model in errors ("vm1 (domid 7)"). @ready once
 * the first connection is ready or failed to be within @timeout_s; @link
 * (may be NULL) at every change of the link's state. A connection that
 * ends after it was ready is tried again with backoff (dmqmp-link.h) for
 * as long as this lives; commands pending then fail once, naming the
 * device model, and subscriptions stay (events sent while reconnecting
 * are missed). Never calls back synchronously. NULL on allocation
 * failure.
 */
struct dmqmp *dmqmp_connect(struct event_base *base, const char *path,
			    const char *label, int timeout_s,
			    dmqmp_ready_fn *ready, dmqmp_link_fn *link,
			    void *arg);
/* For a device model known alive (reattached to): a first connection
 * that fails is retried as after a drop (link reconnecting, with its
 * backoff, for as long as @m lives), never lost; @ready is not called
 * for it. */
void dmqmp_keep_trying(struct dmqmp *m);
/* @args: a JSON object or NULL, its reference taken over. 0 or -1 (then
 * @cb is never called and *err_r names why). */
int dmqmp_execute(struct dmqmp *m, const char *cmd, struct json_object *args,
		  int timeout_s, dmqmp_reply_fn *cb, void *arg,
		  const char **err_r);
/* dmqmp_execute with @fd (>= 0; the caller keeps it) passed along with
 * SCM_RIGHTS, for add-fd and getfd. */
int dmqmp_execute_fd(struct dmqmp *m, const char *cmd, struct json_object *args,
		     int fd, int timeout_s, dmqmp_reply_fn *cb, void *arg,
		     const char **err_r);
/* QEMU's version from its greeting ("7.2.22"), or "unknown". */
void dmqmp_version(const struct dmqmp *m, char *buf, size_t len);
int dmqmp_is_ready(const struct dmqmp *m);
/* The link's state; lost for NULL. */
enum dmqmp_link_state dmqmp_link_state(const struct dmqmp *m);
/* Pending commands get their callbacks with err "cancelled", and every
 * subscription not yet told its end gets it, before this returns. Safe
 * from inside any dmqmp callback. NULL ok. */
void dmqmp_free(struct dmqmp *m);

/* ---- the vocabulary (dmqmp-cmd.c) ----
 * Each call returns like dmqmp_execute: 0, or -1 with *err_r set and @cb
 * never called. */

enum dmqmp_cmd {
	DMQMP_DEVICE_ADD,
	DMQMP_DEVICE_DEL,
	DMQMP_STOP,
	DMQMP_CONT,
	DMQMP_QUIT,
	DMQMP_SAVE_DEVICES_STATE,
	DMQMP_LOAD_DEVICES_STATE,
	DMQMP_QUERY_PCI,
	DMQMP_QUERY_STATUS,
	DMQMP_QUERY_BLOCK,
	DMQMP_CHANGE_MEDIUM,
	DMQMP_EJECT,
	DMQMP_QUERY_CHARDEV,
	DMQMP_ADD_FD,
	DMQMP_REMOVE_FD,
	DMQMP_GETFD,
	DMQMP_MIGRATE_SET_CAPS,
	DMQMP_MIGRATE_INCOMING,
	DMQMP_QUERY_MIGRATE,
};

/* The command's QMP name (device_add, ...) for messages. */
const char *dmqmp_cmd_name(enum dmqmp_cmd cmd);

/* A device of @driver named @id; @props (a JSON object of its other
 * properties, or NULL) has its reference taken over. */
int dmqmp_device_add(struct dmqmp *m, const char *driver, const char *id,
		     struct json_object *props, dmqmp_reply_fn *cb, void *arg,
		     const char **err_r);
/* Asks for @id's unplug. The reply may come before the device is gone:
 * the event DEVICE_DELETED (data "device": @id) says when it is. */
int dmqmp_device_del(struct dmqmp *m, const char *id, dmqmp_reply_fn *cb,
		     void *arg, const char **err_r);
int dmqmp_stop(struct dmqmp *m, dmqmp_reply_fn *cb, void *arg,
	       const char **err_r);
int dmqmp_cont(struct dmqmp *m, dmqmp_reply_fn *cb, void *arg,
	       const char **err_r);
int dmqmp_quit(struct dmqmp *m, dmqmp_reply_fn *cb, void *arg,
	       const char **err_r);
/* xen-save-devices-state: QEMU writes its device state to @filename
 * (QEMU's path). @live: part of a live migration (QEMU's default). */
int dmqmp_save_devices_state(struct dmqmp *m, const char *filename, bool live,
			     dmqmp_reply_fn *cb, void *arg, const char **err_r);
/* xen-load-devices-state: QEMU reads it back from @filename. */
int dmqmp_load_devices_state(struct dmqmp *m, const char *filename,
			     dmqmp_reply_fn *cb, void *arg, const char **err_r);
/* blockdev-change-medium: the removable drive of the device @id gets
 * the image @filename of QEMU's @format. */
int dmqmp_change_medium(struct dmqmp *m, const char *id, const char *filename,
			const char *format, dmqmp_reply_fn *cb, void *arg,
			const char **err_r);
/* eject, forced (a guest's tray lock does not keep the medium in). */
int dmqmp_eject(struct dmqmp *m, const char *id, dmqmp_reply_fn *cb, void *arg,
		const char **err_r);
/* add-fd: @fd (the caller keeps it) into a new fdset; the reply's
 * "fdset-id" names it (/dev/fdset/N). */
int dmqmp_add_fd(struct dmqmp *m, int fd, dmqmp_reply_fn *cb, void *arg,
		 const char **err_r);
int dmqmp_remove_fd(struct dmqmp *m, int fdset_id, dmqmp_reply_fn *cb,
		    void *arg, const char **err_r);
/* getfd: @fd (the caller keeps it) known to QEMU as @name ("fd:NAME"). */
int dmqmp_getfd(struct dmqmp *m, int fd, const char *name, dmqmp_reply_fn *cb,
		void *arg, const char **err_r);
/* migrate-set-capabilities: "events" on, so that QEMU sends MIGRATION. */
int dmqmp_migrate_events(struct dmqmp *m, dmqmp_reply_fn *cb, void *arg,
			 const char **err_r);
/* migrate-incoming from @uri (QEMU started with -incoming defer). */
int dmqmp_migrate_incoming(struct dmqmp *m, const char *uri, dmqmp_reply_fn *cb,
			   void *arg, const char **err_r);
/* @query: one of DMQMP_QUERY_*; any other command is refused. */
int dmqmp_query(struct dmqmp *m, enum dmqmp_cmd query, dmqmp_reply_fn *cb,
		void *arg, const char **err_r);

/* ---- events (dmqmp-event.c) ---- */

/*
 * An event QEMU sent: @event its name, @data its "data" object (borrowed,
 * valid during the call; NULL if it had none), @why NULL.
 * Or the subscription's end, once and last: @event and @data NULL, @why
 * says why (the connection ended or failed, or dmqmp_free: "cancelled");
 * the handle is gone when this returns.
 */
typedef void dmqmp_event_fn(void *arg, const char *event,
			    struct json_object *data, const char *why);

/*
 * Calls @cb for each event named @event (NULL: every event) that comes
 * after this call and whose data has the string @value at @key (@key
 * NULL: any data), until dmqmp_unsubscribe or the end. Every call comes
 * from the event loop, except the end dmqmp_free tells before it returns.
 * May be called before the connection is ready. NULL (and *err_r, valid
 * until dmqmp_free, says why) once the connection has ended, or out of
 * memory.
 */
struct dmqmp_sub *dmqmp_subscribe(struct dmqmp *m, const char *event,
				  const char *key, const char *value,
				  dmqmp_event_fn *cb, void *arg,
				  const char **err_r);
/* No call of its callback follows, not even the end. Safe from inside any
 * callback, its own included; a no-op from inside its own end. NULL ok. */
void dmqmp_unsubscribe(struct dmqmp_sub *s);

#endif
