/*
 * libdmsup: a client of dmsup's control socket (docs/control-protocol.md,
 * libdmsup(3)) for toolstacks. Installed as <dmsup/libdmsup.h>.
 *
 * A struct dmsup_client is one connection on the caller's libevent base:
 * any number of requests in flight, each reply handed to its own callback
 * (matched by req_id), events to the event callback. dmsup_call() is the
 * blocking form for scripts, with a timeout.
 */
#ifndef DMSUP_LIBDMSUP_H
#define DMSUP_LIBDMSUP_H

#include <stdbool.h>

#include <json-c/json.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event_base;
struct dmsup_client;

/* The highest control-protocol version this library speaks. */
#define DMSUP_PROTOCOL 2
/* dmsup's default control socket. */
#define DMSUP_CONTROL_PATH "/run/dmsup/control"

/*
 * A request's end. @reply is dmsup's reply (borrowed: take a reference
 * with json_object_get() to keep it) or NULL when none came (the
 * connection closed or failed, or the client was freed); @error is NULL
 * when the reply says "ok": true, else dmsup's error text or the
 * library's own ("dmsup closed the connection"). Called exactly once.
 */
typedef void dmsup_reply_fn(void *arg, struct json_object *reply,
			    const char *error);
/* An event frame ({"event": "state", ...}), borrowed. */
typedef void dmsup_event_fn(void *arg, struct json_object *event);

/*
 * Connects to the control socket at @path (NULL: DMSUP_CONTROL_PATH).
 * Returns NULL with *@err_r (free it) when it cannot.
 */
struct dmsup_client *dmsup_client_new(struct event_base *base, const char *path,
				      char **err_r);
/* Closes; every request still in flight ends (reply NULL). May be called
 * from inside any of its callbacks. */
void dmsup_client_free(struct dmsup_client *cl);
/* The protocol version hello agreed on; 1 before (or without) it. */
int dmsup_client_protocol(const struct dmsup_client *cl);
/* Where events go (watch); NULL drops them. */
void dmsup_client_on_event(struct dmsup_client *cl, dmsup_event_fn *fn,
			   void *arg);
/* Requests not answered yet. */
unsigned dmsup_client_pending(const struct dmsup_client *cl);

/*
 * Sends @req (taken: the library owns it from now) with a req_id of its
 * own. Returns 0 (@fn will be called, never before this returns), or -1
 * if the connection is closed (@fn is not called).
 */
int dmsup_request(struct dmsup_client *cl, struct json_object *req,
		  dmsup_reply_fn *fn, void *arg);

/* The requests, one function each; NULL for an optional string. */
int dmsup_hello(struct dmsup_client *cl, dmsup_reply_fn *fn, void *arg);
/* @config is taken. */
int dmsup_define(struct dmsup_client *cl, struct json_object *config,
		 dmsup_reply_fn *fn, void *arg);
/* A defined @domain; @domid >= 0 binds it to that live domain first. */
int dmsup_start(struct dmsup_client *cl, const char *domain, int domid,
		dmsup_reply_fn *fn, void *arg);
/* Defines from @config (taken), then starts. */
int dmsup_start_config(struct dmsup_client *cl, struct json_object *config,
		       dmsup_reply_fn *fn, void *arg);
int dmsup_stop(struct dmsup_client *cl, const char *domain, dmsup_reply_fn *fn,
	       void *arg);
int dmsup_undefine(struct dmsup_client *cl, const char *domain,
		   dmsup_reply_fn *fn, void *arg);
/* One domain ("domain" in the reply), or all of them (@domain NULL:
 * "domains"). */
int dmsup_status(struct dmsup_client *cl, const char *domain,
		 dmsup_reply_fn *fn, void *arg);
int dmsup_list(struct dmsup_client *cl, dmsup_reply_fn *fn, void *arg);
int dmsup_pci_attach(struct dmsup_client *cl, const char *domain,
		     const char *bdf, dmsup_reply_fn *fn, void *arg);
int dmsup_pci_detach(struct dmsup_client *cl, const char *domain,
		     const char *bdf, dmsup_reply_fn *fn, void *arg);
int dmsup_nic_attach(struct dmsup_client *cl, const char *domain,
		     const char *model, const char *mac, const char *id,
		     dmsup_reply_fn *fn, void *arg);
int dmsup_nic_detach(struct dmsup_client *cl, const char *domain,
		     const char *id, dmsup_reply_fn *fn, void *arg);
int dmsup_save(struct dmsup_client *cl, const char *domain, dmsup_reply_fn *fn,
	       void *arg);
int dmsup_resume(struct dmsup_client *cl, const char *domain,
		 dmsup_reply_fn *fn, void *arg);
/* QMP passthrough; @arguments (taken) may be NULL. "return" in the
 * reply. */
int dmsup_qmp(struct dmsup_client *cl, const char *domain, const char *command,
	      struct json_object *arguments, dmsup_reply_fn *fn, void *arg);
/*
 * Watches @domain (NULL: every domain): the reply is its status, then
 * every event goes to dmsup_client_on_event's function. dmsup reads no
 * further request on a watching connection: watch on a client of its own.
 */
int dmsup_watch(struct dmsup_client *cl, const char *domain, dmsup_reply_fn *fn,
		void *arg);

/*
 * The blocking form: connects to @path, sends @req (taken), waits at
 * most @timeout_ms (< 0: forever) for its reply. Returns 0 with
 * *@reply_r (yours), 1 when dmsup refused (*@reply_r and *@err_r set),
 * -1 when no reply came (*@err_r: why; the timeout says so).
 */
int dmsup_call(const char *path, struct json_object *req, int timeout_ms,
	       struct json_object **reply_r, char **err_r);

/*
 * dmsup_call with fds: @nfds (at most 8) of @fds go with the request
 * (SCM_RIGHTS; dmsup gets copies, yours stay open), e.g. the stream of
 * a start's "restore": "-"; fds the reply carries (a save's "stream")
 * come into @rfds, up to @maxr, *@nrfds_r of them (yours; any beyond are
 * closed). @timeout_ms bounds the whole call. Returns as dmsup_call.
 */
int dmsup_call_fds(const char *path, struct json_object *req, const int *fds,
		   int nfds, int timeout_ms, struct json_object **reply_r,
		   int *rfds, int maxr, int *nrfds_r, char **err_r);

/* Reading replies: NULL, -1 or false when absent or of another type. */
bool dmsup_reply_ok(struct json_object *reply);
const char *dmsup_reply_error(struct json_object *reply);
const char *dmsup_reply_step(struct json_object *reply);
/* The "domain" object of a reply, or NULL. */
struct json_object *dmsup_reply_domain(struct json_object *reply);
const char *dmsup_json_string(struct json_object *obj, const char *key);
long long dmsup_json_int(struct json_object *obj, const char *key);

/*
 * Runtime page requests (docs/memory-protocol.md 3.2): the answer to
 * request @id of domain @domid, written where dmsup reads it (xenstore,
 * /local/domain/0/device-model/<domid>/memory-grant). Raise the domain's
 * max_pages before granting. @text (refusals, may be NULL): printable
 * ASCII. Returns 0, or -1 with *@err_r.
 */
int dmsup_page_answer(int domid, unsigned id, bool granted, const char *text,
		      char **err_r);
/* The value that answer writes, into @buf; -1 if @text or @id is not
 * acceptable or it does not fit. */
int dmsup_page_answer_value(char *buf, unsigned long len, unsigned id,
			    bool granted, const char *text);

#ifdef __cplusplus
}
#endif

#endif
