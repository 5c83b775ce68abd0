/*
 * dmsup's use of libqmp for one device model: connect (retrying while
 * QEMU creates its socket) until the greeting and capabilities are done or
 * the readiness timeout passes, then carry commands. A thin layer: the
 * protocol itself is libqmp's.
 */
#ifndef DMSUP_DMQMP_H
#define DMSUP_DMQMP_H

struct event_base;
struct json_object;
struct dmqmp;

/* err is NULL when ready; else why readiness failed. */
typedef void dmqmp_ready_fn(void *arg, const char *err);
/* The connection ended after it was ready. */
typedef void dmqmp_lost_fn(void *arg, const char *why);
/* ret (borrowed) on success, else err names the failure. */
typedef void dmqmp_reply_fn(void *arg, struct json_object *ret,
			    const char *err);

/* @path: a unix socket, or "vchan:DOMID:XSPATH" (docs/qmp-vchan.md).
 * Never calls back synchronously. NULL on allocation failure. */
struct dmqmp *dmqmp_connect(struct event_base *base, const char *path,
			    int timeout_s, dmqmp_ready_fn *ready,
			    dmqmp_lost_fn *lost, void *arg);
/* @args: a JSON object or NULL, its reference taken over. 0 or -1 (then
 * @cb is never called and *err_r names why). */
int dmqmp_execute(struct dmqmp *m, const char *cmd, struct json_object *args,
		  int timeout_s, dmqmp_reply_fn *cb, void *arg,
		  const char **err_r);
int dmqmp_is_ready(const struct dmqmp *m);
/* Pending commands get their callbacks with err "cancelled". NULL ok. */
void dmqmp_free(struct dmqmp *m);

#endif
