/*
 * handshake.c - the MiniOS command/parameter/state handshake as a state
 * machine (see handshake.h; the transition table is in
 * docs/stubdom-protocols.md).
 *
 * States: IDLE (nothing in flight) and WAIT (a command was written, its
 * result is awaited), DEAD only in name: destruction frees the channel.
 * Events: SUBMIT, KICK (start the next queued command, from the loop),
 * WATCH (the state node or something around it changed), TIMEOUT.
 * Everything enters through hs_handle(), which logs each transition and
 * calls a finished command's callback as its very last action, so that a
 * callback may submit more commands or destroy the channel.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/event.h>

#include "stubdom-proto/handshake.h"
#include "stubdom-proto/xs.h"

#define HS_TEXT_MAX 128 /* a printable copy of an untrusted value */
#define HS_ERR_MAX 512

enum hs_state { HS_IDLE, HS_WAIT };
enum hs_event { HS_EV_SUBMIT, HS_EV_KICK, HS_EV_WATCH, HS_EV_TIMEOUT };

static const char *const hs_state_names[] = {"IDLE", "WAIT"};
static const char *const hs_event_names[] = {"submit", "kick", "watch",
					     "timeout"};

/* What each command writes and which states answer it. */
struct hs_def {
	const char *name;
	const char *command; /* NULL: nothing to write (start) */
	const char *ok;
	const char *fail; /* NULL: no failure result */
	bool restore;	  /* write the previous state back afterwards */
	bool reply;	  /* the stub answers in `parameter` */
	bool start;	  /* the stub-start timeout applies; "" is neutral */
};

static const struct hs_def hs_defs[] = {
    [STUBDOM_CMD_START] = {"start", NULL, "running", NULL, false, false, true},
    [STUBDOM_CMD_PCI_INS] = {"pci-ins", "pci-ins", "pci-inserted",
			     "pci-insert-failed", true, true, false},
    [STUBDOM_CMD_PCI_REM] = {"pci-rem", "pci-rem", "pci-removed", NULL, true,
			     false, false},
    [STUBDOM_CMD_SAVE] = {"save", "save", "paused", NULL, false, false, false},
    [STUBDOM_CMD_CONTINUE] = {"continue", "continue", "running", NULL, false,
			      false, false},
};
#define HS_NCMDS (sizeof(hs_defs) / sizeof(hs_defs[0]))

struct hs_cmd {
	TAILQ_ENTRY(hs_cmd) link;
	enum stubdom_cmd cmd;
	char *parameter;
	stubdom_hs_done_fn *cb;
	void *arg;
};
TAILQ_HEAD(hs_queue, hs_cmd);

/* Outlives the channel: fails what was queued when it was destroyed. */
struct hs_reaper {
	struct event *ev;
	struct hs_queue queue;
	unsigned int domid;
};

struct stubdom_hs {
	struct xsp *xs;
	struct stubdom_hs_config cfg;
	char dm[STUBDOM_PATH_MAX];
	char state_path[STUBDOM_PATH_MAX + 16];
	char param_path[STUBDOM_PATH_MAX + 16];
	char cmd_path[STUBDOM_PATH_MAX + 16];
	struct xsp_watch *watch;
	struct event *timer, *kick;
	struct hs_reaper *reaper;
	enum hs_state state;
	struct hs_queue queue; /* the head is in flight when WAIT */
	unsigned int qlen;
	char before[STUBDOM_HS_VALUE_MAX + 1]; /* state when it was written */
	bool written;		 /* the command in flight was written */
	char last[HS_TEXT_MAX];	 /* last state seen */
	char param[HS_TEXT_MAX]; /* the stub's parameter reply */
	/* Set when a command finished; hs_handle calls back. */
	struct hs_cmd *fin;
	int fin_rc;
	int fin_vdevfn;
	char err[HS_ERR_MAX];
	int err_off; /* where err goes on after "dom N: " (for the log) */
};

/* What reading the state node found. */
enum hs_reading {
	HS_R_VALUE,
	HS_R_OVERSIZED,
	HS_R_DELETED,
	HS_R_PARENT_DELETED,
	HS_R_ERROR,
};

const char *stubdom_cmd_name(enum stubdom_cmd cmd)
{
	return (unsigned int)cmd < HS_NCMDS ? hs_defs[cmd].name : "?";
}

static void hs_log(struct stubdom_hs *hs, enum stubdom_log_level level,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void hs_log(struct stubdom_hs *hs, enum stubdom_log_level level,
		   const char *fmt, ...)
{
	char msg[HS_ERR_MAX + 64];
	va_list ap;
	int n;

	if (!hs->cfg.log)
		return;
	n = snprintf(msg, sizeof(msg), "dom %u: handshake: ", hs->cfg.domid);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	hs->cfg.log(hs->cfg.log_arg, level, hs->cfg.domid, msg);
}

/* A printable, bounded copy of an untrusted value for messages. */
static void hs_printable(char *dst, size_t size, const char *val, size_t len)
{
	size_t i, n = len < size - 24 ? len : size - 24;

	for (i = 0; i < n; i++)
		dst[i] = val[i] >= 0x20 && val[i] < 0x7f && val[i] != '\''
			     ? val[i]
			     : '?';
	dst[n] = '\0';
	if (n < len)
		snprintf(dst + n, size - n, "...(%zu bytes)", len);
}

static bool hs_is(const char *val, size_t len, const char *want)
{
	return want && strlen(want) == len && !memcmp(val, want, len);
}

/* --- finishing a command --- */

static void hs_finish(struct stubdom_hs *hs, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Pops the command in flight and records its outcome; hs_handle then
 * calls back. fmt == NULL: success. */
static void hs_finish(struct stubdom_hs *hs, int rc, const char *fmt, ...)
{
	struct hs_cmd *c = TAILQ_FIRST(&hs->queue);
	va_list ap;
	int n;

	TAILQ_REMOVE(&hs->queue, c, link);
	hs->qlen--;
	evtimer_del(hs->timer);
	hs->state = HS_IDLE;
	hs->fin = c;
	hs->fin_rc = rc;
	hs->err[0] = '\0';
	if (fmt) {
		hs->err_off = snprintf(hs->err, sizeof(hs->err),
				       "dom %u: ", hs->cfg.domid);
		n = snprintf(hs->err + hs->err_off,
			     sizeof(hs->err) - (size_t)hs->err_off,
			     "'%s': ", hs_defs[c->cmd].name);
		n += hs->err_off;
		va_start(ap, fmt);
		vsnprintf(hs->err + n, sizeof(hs->err) - (size_t)n, fmt, ap);
		va_end(ap);
	}
}

/* After a command was written: give `parameter` back to dom0 alone and
 * put the previous state back (running, or paused if it was paused), as
 * far as the command asks for it. */
static void hs_cleanup(struct stubdom_hs *hs, const struct hs_def *d,
		       bool state_exists)
{
	const struct xsp_perm ro[] = {{0, XSP_PERM_NONE},
				      {hs->cfg.stub_domid, XSP_PERM_READ}};
	int rc;

	if (!hs->written)
		return;
	hs->written = false;
	if (d->reply) {
		rc = xsp_set_perms(hs->xs, XSP_TXN_NONE, hs->param_path, ro, 2);
		if (rc && rc != -ENOENT)
			hs_log(hs, STUBDOM_LOG_WARN, "locking %s: %s",
			       hs->param_path, strerror(-rc));
	}
	/* Writing a deleted state node would recreate it as dom0's, which
	 * the stub could no longer write. */
	if (d->restore && state_exists) {
		rc = xsp_write_str(hs->xs, XSP_TXN_NONE, hs->state_path,
				   strcmp(hs->before, "paused") ? "running"
								: "paused");
		if (rc)
			hs_log(hs, STUBDOM_LOG_WARN, "restoring %s: %s",
			       hs->state_path, strerror(-rc));
	}
}

/* Parses the vdevfn qemu-traditional leaves in `parameter` ("0x%02x"). */
static int hs_vdevfn(const char *val, size_t len)
{
	unsigned long v;
	char *end;

	if (len < 3 || len > 4 || strncmp(val, "0x", 2))
		return -1;
	v = strtoul(val + 2, &end, 16);
	if (end != val + len || v > 0xff)
		return -1;
	return (int)v;
}

/* The stub answered with `ok` (rc 0) or `fail` (-EREMOTEIO). */
static void hs_answered(struct stubdom_hs *hs, const struct hs_def *d, int rc)
{
	char *val = NULL;
	size_t len = 0;
	int r;

	hs->fin_vdevfn = -1;
	if (d->reply) {
		r = xsp_read(hs->xs, XSP_TXN_NONE, hs->param_path, &val, &len);
		if (r)
			len = 0;
		hs_printable(hs->param, sizeof(hs->param), val ? val : "", len);
		if (!rc && !r)
			hs->fin_vdevfn = hs_vdevfn(val, len);
		if (!rc && hs->fin_vdevfn < 0)
			rc = -EPROTO;
		free(val);
	}
	hs_cleanup(hs, d, true);
	if (!rc)
		hs_finish(hs, 0, NULL);
	else if (rc == -EREMOTEIO)
		hs_finish(hs, rc, "the stub domain answered %s (reason: '%s')",
			  d->fail, hs->param);
	else
		hs_finish(hs, rc,
			  "%s, but parameter '%s' is not a vdevfn (0xNN)",
			  d->ok, hs->param);
}

/* --- reading and judging the state node --- */

static enum hs_reading hs_read_state(struct stubdom_hs *hs, char **val_r,
				     size_t *len_r, int *rc_r)
{
	char *dir;
	int rc = xsp_read(hs->xs, XSP_TXN_NONE, hs->state_path, val_r, len_r);

	*rc_r = rc;
	if (rc == -ENOENT) {
		rc = xsp_read(hs->xs, XSP_TXN_NONE, hs->dm, &dir, NULL);
		free(dir);
		return rc == -ENOENT ? HS_R_PARENT_DELETED : HS_R_DELETED;
	}
	if (rc)
		return HS_R_ERROR;
	hs_printable(hs->last, sizeof(hs->last), *val_r, *len_r);
	return *len_r > STUBDOM_HS_VALUE_MAX ? HS_R_OVERSIZED : HS_R_VALUE;
}

/* Ends the command if what was read answers it or breaks the protocol;
 * leaves it waiting on a neutral value. */
static void hs_judge(struct stubdom_hs *hs, enum hs_reading r, const char *val,
		     size_t len, int rc)
{
	const struct hs_def *d = &hs_defs[TAILQ_FIRST(&hs->queue)->cmd];
	const char *exp = d->fail ? "pci-inserted or pci-insert-failed" : d->ok;

	hs->fin_vdevfn = -1;
	switch (r) {
	case HS_R_OVERSIZED:
		hs_cleanup(hs, d, true);
		hs_finish(hs, -EMSGSIZE,
			  "state value of %zu bytes ('%s') is no valid "
			  "result (expected %s)",
			  len, hs->last, exp);
		return;
	case HS_R_DELETED:
		hs_cleanup(hs, d, false);
		hs_finish(hs, -ENOENT, "state node %s was deleted",
			  hs->state_path);
		return;
	case HS_R_PARENT_DELETED:
		hs_cleanup(hs, d, false);
		hs_finish(hs, -ENOENT,
			  "device-model directory %s was deleted (or never "
			  "written)",
			  hs->dm);
		return;
	case HS_R_ERROR:
		hs_cleanup(hs, d, false);
		hs_finish(hs, rc, "reading %s: %s", hs->state_path,
			  strerror(-rc));
		return;
	case HS_R_VALUE:
		break;
	}
	if (hs_is(val, len, d->ok))
		hs_answered(hs, d, 0);
	else if (hs_is(val, len, d->fail))
		hs_answered(hs, d, -EREMOTEIO);
	else if (hs_is(val, len, hs->before) || (d->start && len == 0))
		return; /* not answered yet */
	else {
		hs_cleanup(hs, d, true);
		hs_finish(hs, -EPROTO, "unexpected state '%s' (expected %s)",
			  hs->last, exp);
	}
}

/* --- the transitions --- */

/* IDLE --kick--> WAIT: write the next command. A command that cannot be
 * written fails at once and the channel stays IDLE. */
static void hs_start_next(struct stubdom_hs *hs)
{
	struct hs_cmd *c = TAILQ_FIRST(&hs->queue);
	const struct hs_def *d;
	const struct xsp_perm rw[] = {{0, XSP_PERM_NONE},
				      {hs->cfg.stub_domid, XSP_PERM_RW}};
	struct timeval tv;
	enum hs_reading r;
	char *val = NULL;
	size_t len = 0;
	unsigned int ms;
	int rc;

	if (!c)
		return;
	d = &hs_defs[c->cmd];
	hs->state = HS_WAIT;
	hs->last[0] = hs->param[0] = '\0';
	r = hs_read_state(hs, &val, &len, &rc);
	if (r == HS_R_VALUE)
		memcpy(hs->before, val, len + 1);
	else
		hs->before[0] = '\0';
	if (r != HS_R_VALUE || !d->command) {
		/* Nothing written yet: judge what is there now (start may
		 * already be answered, a broken node fails at once). */
		hs_judge(hs, r, val, len, rc);
		free(val);
		if (hs->state == HS_IDLE || !d->start)
			return;
		goto arm;
	}
	free(val);
	rc = c->parameter ? xsp_write_str(hs->xs, XSP_TXN_NONE, hs->param_path,
					  c->parameter)
			  : 0;
	/* qemu-traditional answers pci-ins in `parameter`: open it to the
	 * stub for this command only (hs_cleanup closes it again). */
	hs->written = true;
	if (!rc && d->reply)
		rc = xsp_set_perms(hs->xs, XSP_TXN_NONE, hs->param_path, rw, 2);
	if (!rc)
		rc = xsp_write_str(hs->xs, XSP_TXN_NONE, hs->cmd_path,
				   d->command);
	if (rc) {
		hs_cleanup(hs, d, false);
		hs_finish(hs, rc, "writing the command: %s", strerror(-rc));
		return;
	}
arm:
	ms = d->start ? hs->cfg.start_timeout_ms : hs->cfg.cmd_timeout_ms;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(hs->timer, &tv);
}

static void hs_timeout(struct stubdom_hs *hs)
{
	const struct hs_def *d = &hs_defs[TAILQ_FIRST(&hs->queue)->cmd];
	unsigned int ms =
	    d->start ? hs->cfg.start_timeout_ms : hs->cfg.cmd_timeout_ms;

	hs_cleanup(hs, d, true);
	hs->fin_vdevfn = -1;
	hs_finish(hs, -ETIMEDOUT,
		  "timed out after %u ms waiting for state %s%s%s (last "
		  "state seen: '%s')",
		  ms, d->ok, d->fail ? " or " : "", d->fail ? d->fail : "",
		  hs->last);
}

static void hs_watch_event(struct stubdom_hs *hs)
{
	enum hs_reading r;
	char *val = NULL;
	size_t len = 0;
	int rc;

	/* The event says only "something changed": read it again. */
	r = hs_read_state(hs, &val, &len, &rc);
	hs_judge(hs, r, val, len, rc);
	free(val);
}

static void hs_handle(struct stubdom_hs *hs, enum hs_event ev)
{
	enum hs_state from = hs->state;
	struct stubdom_hs_result res = {0};
	char err[HS_ERR_MAX], last[HS_TEXT_MAX], param[HS_TEXT_MAX];
	struct hs_cmd *c;

	switch (hs->state) {
	case HS_IDLE:
		if (ev == HS_EV_KICK)
			hs_start_next(hs);
		break; /* submit only queues; a watch event changes nothing */
	case HS_WAIT:
		if (ev == HS_EV_WATCH)
			hs_watch_event(hs);
		else if (ev == HS_EV_TIMEOUT)
			hs_timeout(hs);
		break;
	}
	if (hs->state != from || hs->fin)
		hs_log(hs, STUBDOM_LOG_DEBUG, "%s --%s--> %s%s%s",
		       hs_state_names[from], hs_event_names[ev],
		       hs_state_names[hs->state], hs->fin ? " " : "",
		       hs->fin ? hs_defs[hs->fin->cmd].name : "");
	if (!hs->fin)
		return;
	/* Call back last, from copies: the callback may destroy us. */
	c = hs->fin;
	hs->fin = NULL;
	if (hs->fin_rc)
		hs_log(hs, STUBDOM_LOG_ERROR, "%s", hs->err + hs->err_off);
	if (!TAILQ_EMPTY(&hs->queue))
		event_active(hs->kick, 0, 0);
	snprintf(err, sizeof(err), "%s", hs->err);
	snprintf(last, sizeof(last), "%s", hs->last);
	snprintf(param, sizeof(param), "%s", hs->param);
	res.rc = hs->fin_rc;
	res.cmd = c->cmd;
	res.domid = hs->cfg.domid;
	res.state = last;
	res.parameter = param;
	res.vdevfn = hs->fin_rc ? -1 : hs->fin_vdevfn;
	res.error = hs->fin_rc ? err : NULL;
	free(c->parameter);
	c->cb(&res, c->arg);
	free(c);
}

/* --- loop callbacks --- */

static void hs_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	hs_handle(arg, HS_EV_KICK);
}

static void hs_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	hs_handle(arg, HS_EV_TIMEOUT);
}

static void hs_watch_cb(struct xsp *xs, const char *path, void *arg)
{
	hs_handle(arg, HS_EV_WATCH);
}

static void hs_reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hs_reaper *rp = arg;
	struct stubdom_hs_result res = {0};
	char err[HS_ERR_MAX];
	struct hs_cmd *c;

	while ((c = TAILQ_FIRST(&rp->queue))) {
		TAILQ_REMOVE(&rp->queue, c, link);
		snprintf(err, sizeof(err),
			 "dom %u: '%s' cancelled: the device model's "
			 "channel was destroyed",
			 rp->domid, hs_defs[c->cmd].name);
		res.rc = -ECANCELED;
		res.cmd = c->cmd;
		res.domid = rp->domid;
		res.state = res.parameter = "";
		res.vdevfn = -1;
		res.error = err;
		free(c->parameter);
		c->cb(&res, c->arg);
		free(c);
	}
	event_free(rp->ev);
	free(rp);
}

/* --- the public API --- */

struct stubdom_hs *
stubdom_hs_new(struct xsp *xs, const struct stubdom_hs_config *cfg, int *err_r)
{
	struct event_base *base = xsp_event_base(xs);
	struct stubdom_hs *hs = calloc(1, sizeof(*hs));
	int rc = -ENOMEM;

	if (!hs)
		goto fail;
	hs->xs = xs;
	hs->cfg = *cfg;
	if (!hs->cfg.cmd_timeout_ms)
		hs->cfg.cmd_timeout_ms = STUBDOM_HS_CMD_TIMEOUT_MS;
	if (!hs->cfg.start_timeout_ms)
		hs->cfg.start_timeout_ms = STUBDOM_HS_START_TIMEOUT_MS;
	if (!hs->cfg.queue_max)
		hs->cfg.queue_max = STUBDOM_HS_QUEUE_MAX;
	TAILQ_INIT(&hs->queue);
	stubdom_setup_dm_path(cfg->kind, cfg->domid, cfg->stub_domid, hs->dm,
			      sizeof(hs->dm));
	snprintf(hs->state_path, sizeof(hs->state_path), "%s/state", hs->dm);
	snprintf(hs->param_path, sizeof(hs->param_path), "%s/parameter",
		 hs->dm);
	snprintf(hs->cmd_path, sizeof(hs->cmd_path), "%s/command", hs->dm);
	hs->timer = evtimer_new(base, hs_timer_cb, hs);
	hs->kick = event_new(base, -1, 0, hs_kick_cb, hs);
	hs->reaper = calloc(1, sizeof(*hs->reaper));
	if (!hs->timer || !hs->kick || !hs->reaper)
		goto fail;
	hs->reaper->ev = event_new(base, -1, 0, hs_reap_cb, hs->reaper);
	if (!hs->reaper->ev)
		goto fail;
	TAILQ_INIT(&hs->reaper->queue);
	hs->reaper->domid = cfg->domid;
	rc = xsp_watch(xs, hs->state_path, hs_watch_cb, hs, &hs->watch);
	if (rc)
		goto fail;
	return hs;
fail:
	if (hs) {
		if (hs->reaper && hs->reaper->ev)
			event_free(hs->reaper->ev);
		free(hs->reaper);
		if (hs->timer)
			event_free(hs->timer);
		if (hs->kick)
			event_free(hs->kick);
		free(hs);
	}
	if (err_r)
		*err_r = rc;
	return NULL;
}

int stubdom_hs_submit(struct stubdom_hs *hs, enum stubdom_cmd cmd,
		      const char *parameter, stubdom_hs_done_fn *cb, void *arg)
{
	struct hs_cmd *c;

	if ((unsigned int)cmd >= HS_NCMDS || !cb ||
	    (parameter && cmd == STUBDOM_CMD_START))
		return -EINVAL;
	if (parameter &&
	    xsp_check_write(hs->param_path, strlen(parameter)) != 0)
		return -EINVAL;
	if (hs->qlen >= hs->cfg.queue_max)
		return -ENOSPC;
	c = calloc(1, sizeof(*c));
	if (!c || (parameter && !(c->parameter = strdup(parameter)))) {
		free(c);
		return -ENOMEM;
	}
	c->cmd = cmd;
	c->cb = cb;
	c->arg = arg;
	TAILQ_INSERT_TAIL(&hs->queue, c, link);
	hs->qlen++;
	/* Never from here: the command starts from the loop. */
	if (hs->state == HS_IDLE)
		event_active(hs->kick, 0, 0);
	hs_handle(hs, HS_EV_SUBMIT);
	return 0;
}

void stubdom_hs_destroy(struct stubdom_hs *hs)
{
	struct hs_reaper *rp;

	if (!hs)
		return;
	rp = hs->reaper;
	hs_log(hs, STUBDOM_LOG_DEBUG,
	       "%s --destroy--> DEAD (%u commands "
	       "to cancel)",
	       hs_state_names[hs->state], hs->qlen);
	TAILQ_CONCAT(&rp->queue, &hs->queue, link);
	if (!TAILQ_EMPTY(&rp->queue))
		event_active(rp->ev, 0, 0);
	else {
		event_free(rp->ev);
		free(rp);
	}
	xsp_unwatch(hs->xs, hs->watch);
	event_free(hs->timer);
	event_free(hs->kick);
	free(hs);
}
