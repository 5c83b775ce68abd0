/*
 * libqmp — an asynchronous QMP (QEMU Machine Protocol) client on libevent
 * and json-c.
 *
 * One `struct qmp` is one connection to one QEMU monitor. It runs on the
 * caller's event_base and reports through callbacks. Rules that hold for
 * every function below:
 *
 *  - No callback is ever called synchronously from within qmp_new,
 *    qmp_connect_unix, qmp_attach_transport or qmp_execute: a function that
 *    returns an error has not queued anything and will call nothing later.
 *  - A reply callback is called exactly once per successful qmp_execute.
 *  - qmp_free may be called from inside any libqmp callback except `log`
 *    (which must not call back into libqmp at all).
 *  - Everything QEMU sends is untrusted: bounded, checked, and turned into
 *    a protocol error, never an abort. See docs/qmp.md for the policy.
 *
 * Connection lifecycle (see docs/qmp.md for the transition table):
 *   IDLE -> CONNECTING -> GREETING -> NEGOTIATING -> READY -> CLOSED
 * `ready` is called on entering READY, `closed` on entering CLOSED (for any
 * reason except qmp_free). A closed qmp cannot be reconnected: free it and
 * make a new one.
 */
#ifndef QMP_QMP_H
#define QMP_QMP_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct json_object;
struct qmp;
struct qmp_transport;

/* Result codes: 0 or negative. qmp_strerror() names them. */
enum qmp_rc {
	QMP_OK = 0,
	QMP_E_QEMU = -1,	 /* QEMU answered with an error (see err) */
	QMP_E_TIMEOUT = -2,	 /* no answer in time */
	QMP_E_DISCONNECTED = -3, /* the connection ended (EOF, I/O error) */
	QMP_E_PROTOCOL = -4,	 /* the peer sent something invalid */
	QMP_E_CANCELLED = -5,	 /* qmp_free while the command was pending */
	QMP_E_INVAL = -6,	 /* bad argument from the caller */
	QMP_E_STATE = -7,	 /* not possible in the current state */
	QMP_E_NOMEM = -8,	 /* out of memory */
	QMP_E_SYS = -9,		 /* a system call failed; errno is set */
	QMP_E_LIMIT = -10,	 /* too many commands pending */
};

/* A static string naming rc, e.g. "timeout" for QMP_E_TIMEOUT. */
const char *qmp_strerror(int rc);

/* An error reply from QEMU: {"error": {"class": ..., "desc": ...}}.
 * Both strings are non-NULL (empty if QEMU left them out) and valid only
 * during the callback that receives them. */
struct qmp_error {
	const char *class;
	const char *desc;
};

/* Severity of a log line. Transitions of the connection state machine are
 * logged at QMP_LOG_DEBUG; dropped or ignored input at QMP_LOG_WARN; the
 * reason a connection closed at QMP_LOG_ERR. */
enum qmp_log_level {
	QMP_LOG_DEBUG,
	QMP_LOG_INFO,
	QMP_LOG_WARN,
	QMP_LOG_ERR,
};

/* An event's timestamp as QEMU sent it (seconds, microseconds since the
 * epoch); both -1 if QEMU sent none. */
struct qmp_timestamp {
	int64_t seconds;
	int64_t microseconds;
};

/*
 * Callbacks. Any of them may be NULL. `arg` is passed back to every one.
 *
 * ready:  negotiation finished; commands queued before are now sent.
 * event:  an asynchronous QMP event, also one that arrives before the
 *         greeting (QEMU 7.2 may send RESUME first). `name` e.g. "STOP";
 *         `data` is the event's "data" object or NULL when it has none.
 *         Both are borrowed: valid during the call only (json_object_get()
 *         to keep data).
 * closed: the connection ended. rc is QMP_E_DISCONNECTED (EOF or I/O
 *         error), QMP_E_PROTOCOL (garbage from the peer), QMP_E_TIMEOUT
 *         (greeting/negotiation took too long) or QMP_E_QEMU (QEMU refused
 *         qmp_capabilities). `why` is a human-readable sentence. Every
 *         pending command has already been failed (once) when this runs.
 * log:    a log line (no trailing newline). Default (NULL): silent. It
 *         may run inside any libqmp function, so it must not call libqmp.
 */
struct qmp_callbacks {
	void (*ready)(struct qmp *q, void *arg);
	void (*event)(struct qmp *q, const char *name, struct json_object *data,
		      const struct qmp_timestamp *ts, void *arg);
	void (*closed)(struct qmp *q, int rc, const char *why, void *arg);
	void (*log)(struct qmp *q, enum qmp_log_level level, const char *msg,
		    void *arg);
	void *arg;
};

/*
 * Limits on what the peer may make us do. A zero field means its default.
 */
struct qmp_limits {
	size_t max_message;	       /* bytes per received message; 1 MiB */
	int max_depth;		       /* JSON nesting depth; 64 */
	unsigned command_timeout_ms;   /* qmp_execute's default; 10000 */
	unsigned handshake_timeout_ms; /* attach -> READY; 10000 */
	unsigned max_pending;	       /* commands queued or in flight; 4096 */
};

#define QMP_DEFAULT_MAX_MESSAGE (1024 * 1024)
#define QMP_DEFAULT_MAX_DEPTH 64
#define QMP_DEFAULT_TIMEOUT_MS 10000
#define QMP_DEFAULT_MAX_PENDING 4096

/*
 * Reply to one command.
 *  rc == QMP_OK:        `ret` is the reply's "return" value (borrowed,
 *                       valid during the call; json_object_get() to keep).
 *  rc == QMP_E_QEMU:    `err` has QEMU's class and desc; ret is NULL.
 *  otherwise:           QMP_E_TIMEOUT, QMP_E_DISCONNECTED, QMP_E_PROTOCOL
 *                       or QMP_E_CANCELLED; ret and err are NULL.
 */
typedef void (*qmp_reply_cb)(struct qmp *q, int rc, struct json_object *ret,
			     const struct qmp_error *err, void *arg);

/* A new, unconnected qmp (state IDLE). cbs is copied; lim may be NULL
 * (defaults) and is copied. Returns NULL on allocation failure. */
struct qmp *qmp_new(struct event_base *base, const struct qmp_callbacks *cbs,
		    const struct qmp_limits *lim);

/*
 * Connect to a QMP unix stream socket at `path` and start the handshake.
 * Returns 0 (then exactly one of ready/closed follows), or a negative rc
 * with nothing started: QMP_E_SYS with errno (ENOENT, ECONNREFUSED, EAGAIN
 * ... : retrying is the caller's policy), QMP_E_INVAL (path too long),
 * QMP_E_STATE (not IDLE).
 */
int qmp_connect_unix(struct qmp *q, const char *path);

/*
 * Start the handshake over an already created transport (see
 * qmp/transport.h), taking ownership of it even on failure.
 * Returns 0 or a negative rc (QMP_E_STATE if not IDLE).
 */
int qmp_attach_transport(struct qmp *q, struct qmp_transport *t);

/*
 * Queue the command `cmd` with `args` (a JSON object or NULL; one reference
 * is taken over by the call, also on failure) and, if fd >= 0, the file
 * descriptor fd sent with SCM_RIGHTS together with the command (for add-fd
 * and getfd). The caller keeps fd: libqmp sends a duplicate of it.
 * timeout_ms == 0 means the limits' default; the timer starts now, even if
 * the command waits for READY. cb is called once, later.
 * May be called in any state before CLOSED: commands issued before READY
 * are sent in order once negotiation finishes (and stay queued across a
 * failed qmp_connect_unix, which leaves q IDLE for a retry).
 * Returns 0, or a negative rc with cb never called: QMP_E_STATE (closed),
 * QMP_E_INVAL (also: fd >= 0 on a transport that cannot pass fds),
 * QMP_E_LIMIT (max_pending reached), QMP_E_NOMEM, QMP_E_SYS.
 */
int qmp_execute(struct qmp *q, const char *cmd, struct json_object *args,
		int fd, unsigned timeout_ms, qmp_reply_cb cb, void *arg);

/*
 * Close and free q. Every pending command's callback is called once with
 * QMP_E_CANCELLED before this returns; `closed` is not called. Safe to call
 * from inside any libqmp callback (the memory then goes away when that
 * callback returns). NULL is fine.
 */
void qmp_free(struct qmp *q);

/* QEMU's version from the greeting. Returns 0, or QMP_E_STATE before the
 * greeting was received. Out-params may be NULL. */
int qmp_version(const struct qmp *q, int *major_r, int *minor_r, int *micro_r);

/* The greeting's "package" string (e.g. "Debian 1:7.2+dfsg-7"), "" if none,
 * NULL before the greeting. Valid until qmp_free. */
const char *qmp_package(const struct qmp *q);

/* Commands queued or in flight. */
unsigned qmp_pending_count(const struct qmp *q);

/* Is the connection READY? */
int qmp_is_ready(const struct qmp *q);

/* The current state's name ("idle", "connecting", "greeting",
 * "negotiating", "ready", "closed"). */
const char *qmp_state_name_of(const struct qmp *q);

#endif
