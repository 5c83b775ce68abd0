/*
 * vchan-bridge: a local QMP unix socket served as a libxenvchan server,
 * one session at a time, a fresh server and a fresh QMP connection per
 * session. See vchan-bridge.h; states and transitions in docs/qmp-vchan.md.
 *
 * Why a new server per session: a libxenvchan server keeps its ring (and
 * its indexes) across clients, and an event channel whose client went
 * reverts to unbound, so a quick next client could bind the old server
 * and read what the previous session left in the ring (the reconnect
 * race that hit Qubes and OpenXT). So the server is unpublished from
 * xenstore as soon as its client arrives, and closed with the session; a
 * new one is created for the next client.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <fcntl.h>
#include <libxenvchan.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <xenstore.h>
#include <xentoollog.h>

#include "qmp/transport-vchan.h"
#include "stubdom-proto/linux-agent/vchan-bridge.h"

/* Ring sizes asked of libxenvchan: client->QEMU carries short commands,
 * QEMU->client the replies (query-qmp-schema is ~150 KB). */
#define VCHAN_BRIDGE_RING_TO_QEMU 4096
#define VCHAN_BRIDGE_RING_TO_CLIENT 65536

enum vchan_bridge_state {
	VB_IDLE,       /* created, not started */
	VB_ARMING,     /* no server: (re)create it on the arm timer */
	VB_LISTENING,  /* server published, no client yet */
	VB_CONNECTING, /* client came, connecting to QEMU */
	VB_RELAYING,   /* bytes flow both ways */
	VB_FAILED,     /* gave up creating a server; final */
	VB_STATE_COUNT
};

enum vchan_bridge_event {
	VB_EV_START,	   /* vchan_bridge_start */
	VB_EV_ARMED,	   /* server created and published */
	VB_EV_ARM_FAILED,  /* libxenvchan_server_init failed */
	VB_EV_GIVE_UP,	   /* ... too many times in a row */
	VB_EV_CLIENT_CAME, /* cli_live went to 1 */
	VB_EV_QEMU_UP,	   /* connected to QEMU's QMP socket */
	VB_EV_CLIENT_GONE, /* cli_live 0, or the ring failed */
	VB_EV_QEMU_GONE,   /* EOF, error, refused, or the connect timed out */
	VB_EV_COUNT
};

static const struct vchan_bridge_transition {
	enum vchan_bridge_state from;
	enum vchan_bridge_event ev;
	enum vchan_bridge_state to;
} vchan_bridge_table[] = {
    {VB_IDLE, VB_EV_START, VB_ARMING},
    {VB_ARMING, VB_EV_ARMED, VB_LISTENING},
    {VB_ARMING, VB_EV_ARM_FAILED, VB_ARMING},
    {VB_ARMING, VB_EV_GIVE_UP, VB_FAILED},
    {VB_LISTENING, VB_EV_CLIENT_CAME, VB_CONNECTING},
    {VB_LISTENING, VB_EV_CLIENT_GONE, VB_ARMING},
    {VB_CONNECTING, VB_EV_QEMU_UP, VB_RELAYING},
    {VB_CONNECTING, VB_EV_CLIENT_GONE, VB_ARMING},
    {VB_CONNECTING, VB_EV_QEMU_GONE, VB_ARMING},
    {VB_RELAYING, VB_EV_CLIENT_GONE, VB_ARMING},
    {VB_RELAYING, VB_EV_QEMU_GONE, VB_ARMING},
};

static const char *const vchan_bridge_state_names[] = {
    "idle", "arming", "listening", "connecting", "relaying", "failed",
};

static const char *const vchan_bridge_event_names[] = {
    "start",	   "armed",   "arm-failed",  "give-up",
    "client-came", "qemu-up", "client-gone", "qemu-gone",
};

_Static_assert(sizeof(vchan_bridge_state_names) /
		       sizeof(*vchan_bridge_state_names) ==
		   VB_STATE_COUNT,
	       "a name per state");
_Static_assert(sizeof(vchan_bridge_event_names) /
		       sizeof(*vchan_bridge_event_names) ==
		   VB_EV_COUNT,
	       "a name per event");

struct vchan_bridge {
	struct event_base *base;
	struct vchan_bridge_config cfg;
	enum vchan_bridge_state state;
	char why[160]; /* of the last session end or failure */
	struct xs_handle *xs;
	struct libxenvchan *server;
	struct event *ev_evtchn;
	struct bufferevent *qemu;
	struct event *ev_arm;	  /* ARMING: create the server */
	struct event *ev_timeout; /* CONNECTING: bound on reaching QEMU */
	struct event *ev_failed;  /* FAILED: tell the owner, from the loop */
	unsigned arm_failures;
	unsigned sessions;
};

static void vchan_bridge_logf(struct vchan_bridge *b,
			      enum vchan_bridge_log_level level,
			      const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void vchan_bridge_logf(struct vchan_bridge *b,
			      enum vchan_bridge_log_level level,
			      const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	if (!b->cfg.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	b->cfg.log(level, msg, b->cfg.arg);
}

/* libxenvchan's own messages would go to stderr unasked: we report. */
static void vchan_bridge_vmessage(struct xentoollog_logger *logger,
				  xentoollog_level level, int errnoval,
				  const char *context, const char *format,
				  va_list al)
{
}

static void vchan_bridge_destroy_logger(struct xentoollog_logger *logger)
{
}

static struct xentoollog_logger vchan_bridge_quiet = {
    .vmessage = vchan_bridge_vmessage,
    .destroy = vchan_bridge_destroy_logger,
};

static void vchan_bridge_step(struct vchan_bridge *b,
			      enum vchan_bridge_event ev);

/* ---- the session's resources -------------------------------------- */

/* Close the QMP connection and the server (which removes its xenstore
 * nodes and tells a client still attached). Idempotent. */
static void vchan_bridge_teardown(struct vchan_bridge *b)
{
	evtimer_del(b->ev_timeout);
	if (b->qemu) {
		bufferevent_free(b->qemu);
		b->qemu = NULL;
	}
	if (b->ev_evtchn) {
		event_free(b->ev_evtchn);
		b->ev_evtchn = NULL;
	}
	if (b->server) {
		libxenvchan_close(b->server);
		b->server = NULL;
	}
}

/* Ends the session: why is logged once, with the transition. */
static void vchan_bridge_end(struct vchan_bridge *b, enum vchan_bridge_event ev,
			     const char *why)
{
	snprintf(b->why, sizeof(b->why), "%s", why);
	vchan_bridge_step(b, ev);
}

/* ---- relaying ---------------------------------------------------------- */

/* QEMU -> client, as far as the ring has room. A full ring asked the
 * client to notify us when it consumes (libxenvchan_write does). */
static void vchan_bridge_pump_to_client(struct vchan_bridge *b)
{
	struct evbuffer *in = bufferevent_get_input(b->qemu);
	struct evbuffer_iovec vec;
	ssize_t n;
	int r;

	while (evbuffer_peek(in, -1, NULL, &vec, 1) > 0 && vec.iov_len) {
		r = libxenvchan_write(b->server, vec.iov_base,
				      vec.iov_len > INT_MAX ? INT_MAX
							    : vec.iov_len);
		n = qmp_vchan_io_result(r, libxenvchan_is_open(b->server), 1);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			vchan_bridge_end(b, VB_EV_CLIENT_GONE,
					 "client gone (writing to it)");
			return;
		}
		evbuffer_drain(in, (size_t)n);
	}
}

/* Client -> QEMU, while QEMU's side holds less than max_buffer; the
 * rest stays in the ring (the client then waits for room). Returns 0, or
 * -1 if the session ended. */
static int vchan_bridge_pump_to_qemu(struct vchan_bridge *b)
{
	struct evbuffer *out = bufferevent_get_output(b->qemu);
	char buf[4096];
	ssize_t n;
	int r;

	while (evbuffer_get_length(out) < b->cfg.max_buffer) {
		r = libxenvchan_read(b->server, buf, sizeof(buf));
		n = qmp_vchan_io_result(r, libxenvchan_is_open(b->server), 0);
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0) {
			vchan_bridge_end(b, VB_EV_CLIENT_GONE,
					 n == 0 ? "client closed"
						: "client ring failed");
			return -1;
		}
		if (bufferevent_write(b->qemu, buf, (size_t)n) < 0) {
			vchan_bridge_end(b, VB_EV_QEMU_GONE,
					 "out of memory queueing for QEMU");
			return -1;
		}
	}
	return 0;
}

static void vchan_bridge_qemu_read_cb(struct bufferevent *bev, void *arg)
{
	vchan_bridge_pump_to_client(arg);
}

/* QEMU took what we queued: read the ring again. */
static void vchan_bridge_qemu_write_cb(struct bufferevent *bev, void *arg)
{
	struct vchan_bridge *b = arg;

	if (b->state == VB_RELAYING)
		vchan_bridge_pump_to_qemu(b);
}

static void vchan_bridge_qemu_event_cb(struct bufferevent *bev, short what,
				       void *arg)
{
	struct vchan_bridge *b = arg;
	char why[160];

	if (what & BEV_EVENT_CONNECTED) {
		vchan_bridge_step(b, VB_EV_QEMU_UP);
		return;
	}
	snprintf(why, sizeof(why), "QEMU %s",
		 (what & BEV_EVENT_EOF) ? "closed the connection"
					: strerror(EVUTIL_SOCKET_ERROR()));
	vchan_bridge_end(b, VB_EV_QEMU_GONE, why);
}

static void vchan_bridge_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct vchan_bridge *b = arg;
	char why[96];

	snprintf(why, sizeof(why), "QEMU not reached within %u ms",
		 b->cfg.connect_timeout_ms);
	vchan_bridge_end(b, VB_EV_QEMU_GONE, why);
}

/* The event channel: a client arrived, wrote, consumed, or went. */
static void vchan_bridge_evtchn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct vchan_bridge *b = arg;
	int open;

	libxenvchan_wait(b->server); /* acknowledge; non-blocking */
	open = libxenvchan_is_open(b->server);
	switch (b->state) {
	case VB_LISTENING:
		if (open == 1)
			vchan_bridge_step(b, VB_EV_CLIENT_CAME);
		else if (open == 0)
			vchan_bridge_end(b, VB_EV_CLIENT_GONE,
					 "client came and went at once");
		break;
	case VB_CONNECTING:
		if (!open)
			vchan_bridge_end(b, VB_EV_CLIENT_GONE,
					 "client gone before QEMU answered");
		break;
	case VB_RELAYING:
		/* Forward what the client sent, then what QEMU has for it;
		 * a client gone is noticed by the read once it is drained. */
		if (vchan_bridge_pump_to_qemu(b) == 0)
			vchan_bridge_pump_to_client(b);
		break;
	default:
		break;
	}
}

/* ---- entering states ---------------------------------------------------- */

static int vchan_bridge_connect_qemu(struct vchan_bridge *b)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {b->cfg.connect_timeout_ms / 1000,
			     (b->cfg.connect_timeout_ms % 1000) * 1000};
	int fd;

	/* Length checked in vchan_bridge_new. */
	strcpy(sa.sun_path, b->cfg.qmp_socket);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	b->qemu = bufferevent_socket_new(b->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!b->qemu) {
		close(fd);
		return -1;
	}
	/* Bounded: stop reading QEMU while the ring is full and this much
	 * waits. */
	bufferevent_setwatermark(b->qemu, EV_READ, 0, b->cfg.max_buffer);
	bufferevent_setcb(b->qemu, vchan_bridge_qemu_read_cb,
			  vchan_bridge_qemu_write_cb,
			  vchan_bridge_qemu_event_cb, b);
	evtimer_add(b->ev_timeout, &tv);
	/* A refused connect is reported through the event callback. */
	return bufferevent_socket_connect(b->qemu, (struct sockaddr *)&sa,
					  sizeof(sa));
}

/* The server is taken: withdraw its nodes so that no second client finds
 * it, then open a fresh QMP connection for this client. */
static void vchan_bridge_enter_connecting(struct vchan_bridge *b)
{
	b->why[0] = '\0';
	if (b->xs && !xs_rm(b->xs, XBT_NULL, b->cfg.xs_path) && errno != ENOENT)
		vchan_bridge_logf(b, VCHAN_BRIDGE_LOG_ERR,
				  "unpublishing %s: %s", b->cfg.xs_path,
				  strerror(errno));
	if (vchan_bridge_connect_qemu(b) < 0)
		vchan_bridge_logf(b, VCHAN_BRIDGE_LOG_ERR,
				  "connecting to %s: %s", b->cfg.qmp_socket,
				  strerror(errno));
	/* On failure the event callback or the timer ends the session. */
}

static void vchan_bridge_enter_relaying(struct vchan_bridge *b)
{
	evtimer_del(b->ev_timeout);
	bufferevent_enable(b->qemu, EV_READ | EV_WRITE);
	b->sessions++;
	vchan_bridge_logf(b, VCHAN_BRIDGE_LOG_INFO,
			  "session %u: client domain %d connected to %s",
			  b->sessions, b->cfg.client_domid, b->cfg.qmp_socket);
	/* The client may have written before QEMU was reached. */
	if (vchan_bridge_pump_to_qemu(b) == 0)
		vchan_bridge_pump_to_client(b);
}

static void vchan_bridge_enter_arming(struct vchan_bridge *b,
				      enum vchan_bridge_event ev)
{
	struct timeval now = {0, 0}, later = {1, 0};

	if (ev == VB_EV_CLIENT_GONE || ev == VB_EV_QEMU_GONE)
		vchan_bridge_logf(b, VCHAN_BRIDGE_LOG_INFO, "session ended: %s",
				  b->why);
	vchan_bridge_teardown(b);
	evtimer_add(b->ev_arm, ev == VB_EV_ARM_FAILED ? &later : &now);
}

static void vchan_bridge_arm_cb(evutil_socket_t fd, short what, void *arg)
{
	struct vchan_bridge *b = arg;
	int flags, evfd;

	b->server = libxenvchan_server_init(
	    &vchan_bridge_quiet, b->cfg.client_domid, b->cfg.xs_path,
	    VCHAN_BRIDGE_RING_TO_QEMU, VCHAN_BRIDGE_RING_TO_CLIENT);
	if (!b->server) {
		snprintf(b->why, sizeof(b->why),
			 "creating the server at %s: %s", b->cfg.xs_path,
			 strerror(errno));
		vchan_bridge_logf(b, VCHAN_BRIDGE_LOG_ERR, "%s", b->why);
		vchan_bridge_step(b,
				  ++b->arm_failures >= b->cfg.max_arm_failures
				      ? VB_EV_GIVE_UP
				      : VB_EV_ARM_FAILED);
		return;
	}
	/* server_init leaves `blocking` uninitialised: we never block. */
	b->server->blocking = 0;
	evfd = libxenvchan_fd_for_select(b->server);
	flags = fcntl(evfd, F_GETFL);
	if (flags >= 0)
		fcntl(evfd, F_SETFL, flags | O_NONBLOCK);
	fcntl(evfd, F_SETFD, FD_CLOEXEC);
	b->ev_evtchn = event_new(b->base, evfd, EV_READ | EV_PERSIST,
				 vchan_bridge_evtchn_cb, b);
	if (!b->ev_evtchn || event_add(b->ev_evtchn, NULL) < 0) {
		vchan_bridge_teardown(b);
		snprintf(b->why, sizeof(b->why), "out of memory");
		vchan_bridge_step(b, VB_EV_GIVE_UP);
		return;
	}
	b->arm_failures = 0;
	vchan_bridge_step(b, VB_EV_ARMED);
	/* A client may have connected between publishing and listening. */
	event_active(b->ev_evtchn, EV_READ, 0);
}

static void vchan_bridge_failed_cb(evutil_socket_t fd, short what, void *arg)
{
	struct vchan_bridge *b = arg;

	if (b->cfg.failed)
		b->cfg.failed(b->why, b->cfg.arg);
}

static void vchan_bridge_enter(struct vchan_bridge *b,
			       enum vchan_bridge_event ev)
{
	switch (b->state) {
	case VB_ARMING:
		vchan_bridge_enter_arming(b, ev);
		break;
	case VB_LISTENING:
		vchan_bridge_logf(b, VCHAN_BRIDGE_LOG_INFO,
				  "listening at %s for domain %d",
				  b->cfg.xs_path, b->cfg.client_domid);
		break;
	case VB_CONNECTING:
		vchan_bridge_enter_connecting(b);
		break;
	case VB_RELAYING:
		vchan_bridge_enter_relaying(b);
		break;
	case VB_FAILED:
		vchan_bridge_teardown(b);
		event_active(b->ev_failed, 0, 0);
		break;
	default:
		break;
	}
}

/* The one entry point: apply ev, log the transition, enter the state. */
static void vchan_bridge_step(struct vchan_bridge *b,
			      enum vchan_bridge_event ev)
{
	enum vchan_bridge_state from = b->state;
	size_t i;

	for (i = 0;
	     i < sizeof(vchan_bridge_table) / sizeof(*vchan_bridge_table);
	     i++) {
		const struct vchan_bridge_transition *t =
		    &vchan_bridge_table[i];

		if (t->from != from || t->ev != ev)
			continue;
		vchan_bridge_logf(b, VCHAN_BRIDGE_LOG_DEBUG,
				  "state %s -> %s (%s)",
				  vchan_bridge_state_names[from],
				  vchan_bridge_state_names[t->to],
				  vchan_bridge_event_names[ev]);
		b->state = t->to;
		vchan_bridge_enter(b, ev);
		return;
	}
	vchan_bridge_logf(b, VCHAN_BRIDGE_LOG_ERR, "state %s: event %s ignored",
			  vchan_bridge_state_names[from],
			  vchan_bridge_event_names[ev]);
}

/* ---- public ------------------------------------------------------------ */

struct vchan_bridge *vchan_bridge_new(struct event_base *base,
				      const struct vchan_bridge_config *cfg)
{
	struct sockaddr_un sa;
	struct vchan_bridge *b;

	if (cfg->client_domid < 0 || cfg->client_domid > QMP_VCHAN_DOMID_MAX ||
	    !cfg->xs_path || cfg->xs_path[0] != '/' ||
	    strlen(cfg->xs_path) > QMP_VCHAN_XS_PATH_MAX || !cfg->qmp_socket ||
	    strlen(cfg->qmp_socket) >= sizeof(sa.sun_path)) {
		errno = EINVAL;
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		errno = ENOMEM;
		return NULL;
	}
	b->base = base;
	b->cfg = *cfg;
	b->cfg.xs_path = strdup(cfg->xs_path);
	b->cfg.qmp_socket = strdup(cfg->qmp_socket);
	if (!b->cfg.max_buffer)
		b->cfg.max_buffer = 64 * 1024;
	if (!b->cfg.connect_timeout_ms)
		b->cfg.connect_timeout_ms = 5000;
	if (!b->cfg.max_arm_failures)
		b->cfg.max_arm_failures = 30;
	b->ev_arm = evtimer_new(base, vchan_bridge_arm_cb, b);
	b->ev_timeout = evtimer_new(base, vchan_bridge_timeout_cb, b);
	b->ev_failed = event_new(base, -1, 0, vchan_bridge_failed_cb, b);
	/* For unpublishing; without it a taken server stays listed until
	 * its session ends (clients then refuse it as not fresh). */
	b->xs = xs_open(0);
	if (!b->cfg.xs_path || !b->cfg.qmp_socket || !b->ev_arm ||
	    !b->ev_timeout || !b->ev_failed) {
		vchan_bridge_free(b);
		errno = ENOMEM;
		return NULL;
	}
	return b;
}

int vchan_bridge_start(struct vchan_bridge *b)
{
	if (b->state != VB_IDLE)
		return -1;
	vchan_bridge_step(b, VB_EV_START);
	return 0;
}

unsigned vchan_bridge_sessions(const struct vchan_bridge *b)
{
	return b->sessions;
}

void vchan_bridge_free(struct vchan_bridge *b)
{
	if (!b)
		return;
	vchan_bridge_teardown(b);
	if (b->ev_arm)
		event_free(b->ev_arm);
	if (b->ev_timeout)
		event_free(b->ev_timeout);
	if (b->ev_failed)
		event_free(b->ev_failed);
	if (b->xs)
		xs_close(b->xs);
	free((char *)b->cfg.xs_path);
	free((char *)b->cfg.qmp_socket);
	free(b);
}
