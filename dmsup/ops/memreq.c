/*
 * Runtime page requests as a state machine (see memreq.h; the table of
 * transitions is in docs/memory-protocol.md 3.2).
 *
 * Everything enters through memreq_post(), which logs each transition
 * with the domid and runs the entry action of the new state. Outcomes
 * (proceed or fail) are not called back from there: they join the `done`
 * list, which the kick event delivers from the loop; the kick then starts
 * the next queued operation. So no callback runs inside a call of the
 * caller's, and a callback may submit, finish or fail at will.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "dmsup/log.h"
#include "dmsup/ops/memreq.h"
#include "plan/plan.h"
#include "stubdom-proto/xs.h"

#define MR_ERR_MAX 512
#define MR_PATH_MAX 96

enum mr_state { MR_IDLE, MR_REQUESTED, MR_CHECKING, MR_PROCEEDING, MR_N };

enum mr_event {
	MR_EV_NEED,	/* the next operation needs pages */
	MR_EV_FREE,	/* the next operation needs none */
	MR_EV_GRANT,	/* memory-grant: "<id> granted" */
	MR_EV_REFUSE,	/* memory-grant: "<id> refused [text]" */
	MR_EV_TIMEOUT,	/* no answer in time */
	MR_EV_FITS,	/* the room is there */
	MR_EV_SHORT,	/* still short after the grant */
	MR_EV_ERROR,	/* xenstore or libxenctrl failed */
	MR_EV_FINISHED, /* the operation ended (memreq_finish) */
	MR_EV_DOWN,	/* the domain stopped or died */
};

static const char *const mr_state_names[] = {"IDLE", "REQUESTED", "CHECKING",
					     "PROCEEDING"};
static const char *const mr_event_names[] = {
    "need", "free",  "grant", "refuse",	  "timeout",
    "fits", "short", "error", "finished", "down"};

static const struct {
	enum mr_state from;
	enum mr_event ev;
	enum mr_state to;
} mr_transitions[] = {
    {MR_IDLE, MR_EV_NEED, MR_REQUESTED},
    {MR_IDLE, MR_EV_FREE, MR_PROCEEDING},
    {MR_REQUESTED, MR_EV_GRANT, MR_CHECKING},
    {MR_REQUESTED, MR_EV_REFUSE, MR_IDLE},
    {MR_REQUESTED, MR_EV_TIMEOUT, MR_IDLE},
    {MR_REQUESTED, MR_EV_ERROR, MR_IDLE},
    {MR_REQUESTED, MR_EV_DOWN, MR_IDLE},
    {MR_CHECKING, MR_EV_FITS, MR_PROCEEDING},
    {MR_CHECKING, MR_EV_SHORT, MR_IDLE},
    {MR_CHECKING, MR_EV_ERROR, MR_IDLE},
    {MR_CHECKING, MR_EV_DOWN, MR_IDLE},
    {MR_PROCEEDING, MR_EV_FINISHED, MR_IDLE},
    {MR_PROCEEDING, MR_EV_DOWN, MR_IDLE},
};

static const char *const mr_result_names[] = {"done", "refused", "timeout",
					      "failed"};

struct mr_op {
	TAILQ_ENTRY(mr_op) link;
	uint64_t pages;
	char reason[MEMREQ_REASON_MAX + 1];
	unsigned int timeout_s;
	memreq_cb *cb;
	void *arg;
	/* Its outcome, once on the done list. */
	struct memreq_outcome o;
	char err[MR_ERR_MAX];
};
TAILQ_HEAD(mr_queue, mr_op);

struct memreq {
	struct memreq_config cfg;
	enum mr_state state;
	struct mr_queue queue; /* waiting, in order */
	unsigned int qlen;
	struct mr_queue done; /* outcomes to call back */
	struct mr_op *cur;    /* REQUESTED, CHECKING */
	struct event *kick, *timer;
	struct xsp_watch *watch;
	char req_path[MR_PATH_MAX], grant_path[MR_PATH_MAX];
	uint32_t last_id; /* ids increase per domain */
	uint32_t id;	  /* the request in flight; 0: none written */
	uint64_t pages;	  /* what it asked for */
	uint32_t ticket;  /* the operation let through */
	uint32_t last_ticket;
	/* How the request in flight ends (set before posting to IDLE). */
	enum memreq_result end;
	char err[MR_ERR_MAX];
};

const char *memreq_result_name(enum memreq_result r)
{
	return (unsigned)r < sizeof(mr_result_names) / sizeof(*mr_result_names)
		   ? mr_result_names[r]
		   : "?";
}

static void memreq_post(struct memreq *m, enum mr_event ev);

/* Sets how the request in flight ends and posts @ev. */
static void memreq_end(struct memreq *m, enum mr_event ev,
		       enum memreq_result end, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void memreq_end(struct memreq *m, enum mr_event ev,
		       enum memreq_result end, const char *fmt, ...)
{
	va_list ap;

	m->end = end;
	va_start(ap, fmt);
	vsnprintf(m->err, sizeof(m->err), fmt, ap);
	va_end(ap);
	memreq_post(m, ev);
}

/* An outcome joins the done list; the kick calls back. */
static void memreq_deliver(struct memreq *m, struct mr_op *op,
			   enum memreq_result r, const char *err)
{
	op->o.result = r;
	op->o.id = m->id;
	op->o.ticket = r == MEMREQ_PROCEED ? m->ticket : 0;
	snprintf(op->err, sizeof(op->err), "%s", err ? err : "");
	op->o.error = err ? op->err : NULL;
	TAILQ_INSERT_TAIL(&m->done, op, link);
	event_active(m->kick, EV_TIMEOUT, 0);
}

static void memreq_emit(struct memreq *m, const char *name,
			enum memreq_result r)
{
	struct json_object *ev;

	if (!m->cfg.event)
		return;
	ev = json_object_new_object();
	json_object_object_add(ev, "event", json_object_new_string(name));
	json_object_object_add(ev, "domid",
			       json_object_new_int((int)m->cfg.domid));
	json_object_object_add(ev, "id", json_object_new_int64(m->id));
	if (!strcmp(name, "memory-request")) {
		json_object_object_add(
		    ev, "pages", json_object_new_int64((int64_t)m->pages));
		json_object_object_add(ev, "reason",
				       json_object_new_string(m->cur->reason));
	} else {
		json_object_object_add(
		    ev, "result",
		    json_object_new_string(memreq_result_name(r)));
		if (r != MEMREQ_PROCEED)
			json_object_object_add(ev, "error",
					       json_object_new_string(m->err));
	}
	m->cfg.event(m->cfg.arg, ev);
	json_object_put(ev);
}

/* ---- xenstore ---- */

static int memreq_write_body(struct xsp *xs, xsp_txn t, void *arg)
{
	struct memreq *m = arg;
	const struct xsp_perm n0 = {0, XSP_PERM_NONE};
	char val[MEMREQ_VALUE_MAX + 1];
	int r;

	snprintf(val, sizeof(val), "%" PRIu32 " %" PRIu64 " %s", m->id,
		 m->pages, m->cur->reason);
	/* memory-grant exists, empty and n0, before anyone may answer: a
	 * domain with access to the directory cannot create it first. */
	if ((r = xsp_write_str(xs, t, m->req_path, val)) ||
	    (r = xsp_set_perms(xs, t, m->req_path, &n0, 1)) ||
	    (r = xsp_write_str(xs, t, m->grant_path, "")) ||
	    (r = xsp_set_perms(xs, t, m->grant_path, &n0, 1)))
		return r;
	return 0;
}

static void memreq_rm(struct memreq *m, const char *path)
{
	int r = xsp_rm(m->cfg.xs, XSP_TXN_NONE, path);

	if (r && r != -ENOENT)
		log_warnx("domid %u: memory request %" PRIu32 ": xenstore rm "
			  "%s: %s",
			  m->cfg.domid, m->id, path, strerror(-r));
}

static bool memreq_printable(const char *val, size_t len)
{
	for (size_t k = 0; k < len; k++)
		if (val[k] < 0x20 || val[k] > 0x7e)
			return false;
	return true;
}

/* Parses a grant exactly: "<id> granted" or "<id> refused[ <text>]".
 * Returns MR_EV_GRANT, MR_EV_REFUSE, or -1 (with *why_r) for garbage. */
static int memreq_parse_grant(const char *val, size_t len, uint32_t *id_r,
			      const char **text_r, const char **why_r)
{
	unsigned long long id = 0;
	size_t i = 0;

	if (!memreq_printable(val, len)) {
		*why_r = "not printable ASCII";
		return -1;
	}
	while (i < len && val[i] >= '0' && val[i] <= '9' && i < 10)
		id = id * 10 + (unsigned)(val[i++] - '0');
	if (!i || val[0] == '0' || id > MEMREQ_ID_MAX || i >= len ||
	    val[i] != ' ') {
		*why_r = "no request id";
		return -1;
	}
	*id_r = (uint32_t)id;
	val += i + 1;
	len -= i + 1;
	*text_r = "";
	if (len == 7 && !memcmp(val, "granted", 7))
		return MR_EV_GRANT;
	if (len >= 7 && !memcmp(val, "refused", 7) &&
	    (len == 7 || (val[7] == ' ' && len > 8))) {
		*text_r = len > 8 ? val + 8 : "";
		return MR_EV_REFUSE;
	}
	*why_r = "neither 'granted' nor 'refused'";
	return -1;
}

/* memory-grant's value and whether dom0 owns the node, read together. */
struct mr_grant_read {
	const char *path;
	char *val;
	size_t len;
	unsigned int owner;
};

static int memreq_read_grant_body(struct xsp *xs, xsp_txn t, void *arg)
{
	struct mr_grant_read *g = arg;
	struct xsp_perm *perms = NULL;
	unsigned int n = 0;
	int r;

	free(g->val);
	g->val = NULL;
	if ((r = xsp_get_perms(xs, t, g->path, &perms, &n)))
		return r;
	g->owner = n ? perms[0].domid : ~0u;
	free(perms);
	return xsp_read(xs, t, g->path, &g->val, &g->len);
}

static void memreq_grant_cb(struct xsp *xs, const char *path, void *arg)
{
	struct memreq *m = arg;
	struct mr_grant_read g = {m->grant_path, NULL, 0, 0};
	const char *text = "", *why = NULL;
	char *val = NULL;
	size_t len = 0;
	uint32_t id = 0;
	int ev, r;

	if (m->state != MR_REQUESTED)
		return;
	r = xsp_txn_run(xs, memreq_read_grant_body, &g, XSP_TXN_TRIES_DEFAULT);
	val = g.val;
	len = g.len;
	if (!r && g.owner != 0) {
		/* A domain that may write the directory (a MiniOS stub) can
		 * create memory-grant anew once dom0 removed it: only dom0's
		 * node is the toolstack's answer (found by fuzz-memreq). */
		log_warnx("domid %u: memory request %" PRIu32 ": ignoring a "
			  "memory-grant owned by domain %u, not dom0",
			  m->cfg.domid, m->id, g.owner);
		goto out;
	}
	if (r) {
		/* Gone: nothing to answer with; the timer still runs. */
		if (r != -ENOENT)
			log_warnx("domid %u: memory request %" PRIu32
				  ": cannot read %s: %s",
				  m->cfg.domid, m->id, m->grant_path,
				  strerror(-r));
		goto out;
	}
	if (len > MEMREQ_VALUE_MAX) {
		log_warnx("domid %u: memory request %" PRIu32 ": ignoring a "
			  "memory-grant of %zu bytes (at most %d)",
			  m->cfg.domid, m->id, len, MEMREQ_VALUE_MAX);
		goto out;
	}
	if (!len)
		goto out; /* not answered yet */
	ev = memreq_parse_grant(val, len, &id, &text, &why);
	if (ev < 0 || id != m->id) {
		/* A value with control bytes is not shown: they would reach
		 * the terminal or syslog as they are (found by fuzz-memreq). */
		log_warnx("domid %u: memory request %" PRIu32 ": ignoring "
			  "memory-grant '%s': %s",
			  m->cfg.domid, m->id,
			  memreq_printable(val, len) ? val : "(not shown)",
			  ev < 0 ? why : "not the pending request's id");
		goto out;
	}
	if (ev == MR_EV_GRANT) {
		memreq_post(m, MR_EV_GRANT);
	} else if (*text) {
		memreq_end(m, MR_EV_REFUSE, MEMREQ_REFUSED,
			   "the toolstack refused %" PRIu64
			   " pages (request %" PRIu32 "): %s",
			   m->pages, m->id, text);
	} else {
		memreq_end(m, MR_EV_REFUSE, MEMREQ_REFUSED,
			   "the toolstack refused %" PRIu64
			   " pages (request %" PRIu32 ")",
			   m->pages, m->id);
	}
out:
	free(val);
}

static void memreq_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct memreq *m = arg;

	memreq_end(m, MR_EV_TIMEOUT, MEMREQ_TIMEOUT,
		   "no answer from the toolstack in %u s (request %" PRIu32
		   " for %" PRIu64 " pages)",
		   m->cur->timeout_s, m->id, m->pages);
}

/* ---- entry actions ---- */

static void memreq_enter_requested(struct memreq *m)
{
	struct timeval tv = {(time_t)m->cur->timeout_s, 0};
	int r;

	m->pages = m->cur->pages;
	r = xsp_txn_run(m->cfg.xs, memreq_write_body, m, XSP_TXN_TRIES_DEFAULT);
	if (r) {
		m->id = 0; /* the transaction wrote nothing */
		memreq_end(m, MR_EV_ERROR, MEMREQ_FAILED, "cannot write %s: %s",
			   m->req_path, strerror(-r));
		return;
	}
	memreq_emit(m, "memory-request", MEMREQ_PROCEED);
	evtimer_add(m->timer, &tv);
	/* The registration fires once: an answer already there counts. */
	r = xsp_watch(m->cfg.xs, m->grant_path, memreq_grant_cb, m, &m->watch);
	if (r)
		memreq_end(m, MR_EV_ERROR, MEMREQ_FAILED, "cannot watch %s: %s",
			   m->grant_path, strerror(-r));
}

static void memreq_enter_checking(struct memreq *m)
{
	uint64_t max, tot, short_by;
	const char *err = "?";

	/* The answer came: the wait for it is over. Left armed, the timer
	 * fired during an operation longer than the rest of the timeout,
	 * with no operation waiting (found by fuzz-memreq). */
	evtimer_del(m->timer);
	if (m->cfg.room(m->cfg.arg, &max, &tot, &err)) {
		memreq_end(m, MR_EV_ERROR, MEMREQ_FAILED,
			   "cannot read the page limit after the grant: %s",
			   err);
		return;
	}
	short_by = plan_shortfall(m->pages, max, tot);
	if (short_by) {
		memreq_end(m, MR_EV_SHORT, MEMREQ_FAILED,
			   "needs %" PRIu64 " more pages: the toolstack "
			   "granted request %" PRIu32 " for %" PRIu64
			   " pages but max_pages %" PRIu64
			   " - tot_pages %" PRIu64 " leaves %" PRIu64
			   " (it must raise max_pages before it grants)",
			   short_by, m->id, m->pages, max, tot,
			   max > tot ? max - tot : 0);
		return;
	}
	memreq_post(m, MR_EV_FITS);
}

static void memreq_enter_proceeding(struct memreq *m)
{
	struct mr_op *op = m->cur;

	m->cur = NULL;
	m->last_ticket++;
	m->ticket = m->last_ticket ? m->last_ticket : ++m->last_ticket;
	memreq_deliver(m, op, MEMREQ_PROCEED, NULL);
}

/* Back to IDLE: the request's nodes, watch and timer go, the toolstack
 * hears how it ended, the operation hears it if it still waits. */
static void memreq_enter_idle(struct memreq *m)
{
	evtimer_del(m->timer);
	if (m->watch)
		xsp_unwatch(m->cfg.xs, m->watch);
	m->watch = NULL;
	if (m->id) {
		memreq_rm(m, m->req_path);
		memreq_rm(m, m->grant_path);
		memreq_emit(m, "memory-request-done", m->end);
		log_info("domid %u: memory request %" PRIu32 ": %s%s%s",
			 m->cfg.domid, m->id, memreq_result_name(m->end),
			 m->end == MEMREQ_PROCEED ? "" : ": ",
			 m->end == MEMREQ_PROCEED ? "" : m->err);
	}
	if (m->cur)
		memreq_deliver(m, m->cur, m->end, m->err);
	m->cur = NULL;
	m->id = 0;
	m->ticket = 0;
	event_active(m->kick, EV_TIMEOUT, 0);
}

static void (*const mr_on_enter[MR_N])(struct memreq *) = {
    [MR_IDLE] = memreq_enter_idle,
    [MR_REQUESTED] = memreq_enter_requested,
    [MR_CHECKING] = memreq_enter_checking,
    [MR_PROCEEDING] = memreq_enter_proceeding,
};

static void memreq_post(struct memreq *m, enum mr_event ev)
{
	enum mr_state from = m->state, to = MR_N;

	for (size_t i = 0; i < sizeof(mr_transitions) / sizeof(*mr_transitions);
	     i++)
		if (mr_transitions[i].from == from &&
		    mr_transitions[i].ev == ev)
			to = mr_transitions[i].to;
	if (to == MR_N) {
		log_debug("domid %u: memory request: event %s ignored in %s",
			  m->cfg.domid, mr_event_names[ev],
			  mr_state_names[from]);
		return;
	}
	m->state = to;
	if (to == MR_REQUESTED)
		m->id = m->last_id =
		    m->last_id >= MEMREQ_ID_MAX ? 1 : m->last_id + 1;
	log_info("domid %u: memory request %" PRIu32 ": %s -> %s (%s)",
		 m->cfg.domid, m->id, mr_state_names[from], mr_state_names[to],
		 mr_event_names[ev]);
	mr_on_enter[to](m);
}

/* ---- the queue ---- */

static void memreq_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct memreq *m = arg;
	struct mr_op *op;

	for (;;) {
		if ((op = TAILQ_FIRST(&m->done))) {
			TAILQ_REMOVE(&m->done, op, link);
			op->cb(&op->o, op->arg);
			free(op);
		} else if (m->state == MR_IDLE &&
			   (op = TAILQ_FIRST(&m->queue))) {
			TAILQ_REMOVE(&m->queue, op, link);
			m->qlen--;
			m->cur = op;
			m->end = MEMREQ_PROCEED;
			m->err[0] = '\0';
			memreq_post(m, op->pages ? MR_EV_NEED : MR_EV_FREE);
		} else {
			return;
		}
	}
}

struct memreq *memreq_new(const struct memreq_config *cfg)
{
	struct memreq *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->cfg = *cfg;
	TAILQ_INIT(&m->queue);
	TAILQ_INIT(&m->done);
	snprintf(m->req_path, sizeof(m->req_path),
		 "/local/domain/0/device-model/%u/memory-request", cfg->domid);
	snprintf(m->grant_path, sizeof(m->grant_path),
		 "/local/domain/0/device-model/%u/memory-grant", cfg->domid);
	m->kick = event_new(cfg->base, -1, 0, memreq_kick_cb, m);
	m->timer = evtimer_new(cfg->base, memreq_timeout_cb, m);
	if (!m->kick || !m->timer) {
		memreq_free(m);
		return NULL;
	}
	return m;
}

static bool memreq_reason_ok(const char *s)
{
	size_t n = strlen(s);

	return n && n <= MEMREQ_REASON_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._:-") == n;
}

int memreq_submit(struct memreq *m, uint64_t pages, const char *reason,
		  unsigned int timeout_s, memreq_cb *cb, void *arg)
{
	struct mr_op *op;

	if (!reason || !memreq_reason_ok(reason) || !timeout_s || !cb)
		return -EINVAL;
	if (m->qlen >= MEMREQ_QUEUE_MAX)
		return -ENOSPC;
	if (!(op = calloc(1, sizeof(*op))))
		return -ENOMEM;
	op->pages = pages;
	snprintf(op->reason, sizeof(op->reason), "%s", reason);
	op->timeout_s = timeout_s;
	op->cb = cb;
	op->arg = arg;
	TAILQ_INSERT_TAIL(&m->queue, op, link);
	m->qlen++;
	event_active(m->kick, EV_TIMEOUT, 0);
	return 0;
}

void memreq_finish(struct memreq *m, uint32_t ticket, bool ok)
{
	if (m->state != MR_PROCEEDING || !ticket || ticket != m->ticket)
		return;
	if (ok)
		memreq_end(m, MR_EV_FINISHED, MEMREQ_PROCEED, "done");
	else
		memreq_end(m, MR_EV_FINISHED, MEMREQ_FAILED,
			   "the operation failed after the grant");
}

void memreq_fail_all(struct memreq *m, const char *why)
{
	struct mr_op *op;

	if (!m)
		return;
	if (m->state != MR_IDLE)
		memreq_end(m, MR_EV_DOWN, MEMREQ_FAILED, "%s", why);
	while ((op = TAILQ_FIRST(&m->queue))) {
		TAILQ_REMOVE(&m->queue, op, link);
		m->qlen--;
		memreq_deliver(m, op, MEMREQ_FAILED, why);
	}
}

void memreq_free(struct memreq *m)
{
	struct mr_op *op;

	if (!m)
		return;
	if (m->kick && m->timer)
		memreq_fail_all(m, "dmsup is shutting down");
	while ((op = TAILQ_FIRST(&m->done))) {
		TAILQ_REMOVE(&m->done, op, link);
		op->cb(&op->o, op->arg);
		free(op);
	}
	if (m->kick)
		event_free(m->kick);
	if (m->timer)
		event_free(m->timer);
	free(m);
}
