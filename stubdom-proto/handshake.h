/*
 * handshake.h - the command/parameter/state handshake with a MiniOS stub
 * domain (qemu-traditional), as an event-driven state machine.
 *
 * One `struct stubdom_hs` per device model. Commands run one at a time in
 * the order submitted: write `parameter` (if any), write `command`, wait
 * (xenstore watch + timer, never a sleep) until `state` holds one of the
 * command's results, then restore `state` where the protocol does so.
 * The state node is written by the stub domain and is untrusted: a value
 * is re-read on every watch event and only an exact match from the
 * command's fixed result set counts; anything else ends the command with
 * an error that names the domain, the command and what was seen.
 * See docs/stubdom-protocols.md for the table of states and transitions.
 *
 * Callbacks are never called from inside the call that submitted the
 * command: always later, from the event loop.
 */
#ifndef STUBDOM_PROTO_HANDSHAKE_H
#define STUBDOM_PROTO_HANDSHAKE_H

#include "stubdom-proto/setup.h"

struct xsp;
struct stubdom_hs;

enum stubdom_cmd {
	STUBDOM_CMD_START,    /* no command: wait for state "running" */
	STUBDOM_CMD_PCI_INS,  /* "pci-ins": pci-inserted | pci-insert-failed */
	STUBDOM_CMD_PCI_REM,  /* "pci-rem": pci-removed */
	STUBDOM_CMD_SAVE,     /* "save": paused */
	STUBDOM_CMD_CONTINUE, /* "continue": running */
};

enum stubdom_log_level {
	STUBDOM_LOG_DEBUG,
	STUBDOM_LOG_INFO,
	STUBDOM_LOG_WARN,
	STUBDOM_LOG_ERROR,
};

/* A log line; `msg` already names the domain. */
typedef void stubdom_log_fn(void *arg, enum stubdom_log_level level,
			    unsigned int domid, const char *msg);

struct stubdom_hs_result {
	/* 0, or a negative errno:
	 *   -ETIMEDOUT  no result within the timeout
	 *   -EREMOTEIO  the stub answered with the failure result
	 *		 (pci-insert-failed; `parameter` holds its reason)
	 *   -EPROTO     a state outside the command's result set, or a
	 *		 pci-inserted whose parameter is not a vdevfn
	 *   -EMSGSIZE   a state value longer than any valid one
	 *   -ENOENT     the state node or the device-model directory was
	 *		 deleted
	 *   -ECANCELED  the channel was destroyed first
	 *   other	 a xenstore request failed (-EACCES, -EIO, ...) */
	int rc;
	enum stubdom_cmd cmd;
	unsigned int domid;
	const char *state;     /* last state seen, printable, maybe "" */
	const char *parameter; /* pci-ins: the parameter the stub left */
	int vdevfn;	       /* pci-ins success: the vdevfn; else -1 */
	const char *error;     /* one line for the user; NULL on success */
};
/* The strings in `res` live until the callback returns. */
typedef void stubdom_hs_done_fn(const struct stubdom_hs_result *res, void *arg);

#define STUBDOM_HS_CMD_TIMEOUT_MS 10000
#define STUBDOM_HS_START_TIMEOUT_MS 30000
#define STUBDOM_HS_QUEUE_MAX 64
/* Longer than any valid state or vdevfn; longer values are refused. */
#define STUBDOM_HS_VALUE_MAX 64

struct stubdom_hs_config {
	enum stubdom_kind kind; /* where the device-model directory is */
	unsigned int domid;
	unsigned int stub_domid;
	unsigned int cmd_timeout_ms;   /* 0: STUBDOM_HS_CMD_TIMEOUT_MS */
	unsigned int start_timeout_ms; /* 0: STUBDOM_HS_START_TIMEOUT_MS */
	unsigned int queue_max;	       /* 0: STUBDOM_HS_QUEUE_MAX */
	stubdom_log_fn *log;	       /* may be NULL */
	void *log_arg;
};

/* Opens the channel: watches the state node of the domain's device-model
 * directory (written by stubdom_setup_write). NULL on failure with *err_r
 * (may be NULL) set to a negative errno. The connection must outlive it. */
struct stubdom_hs *
stubdom_hs_new(struct xsp *xs, const struct stubdom_hs_config *cfg, int *err_r);

/* Queues a command; `parameter` (copied; NULL: none) is written before
 * it. For pci-ins the parameter is the BDF and options, as xl's
 * pci-attach takes them. 0, or -ENOSPC (queue full), -EINVAL (parameter
 * too long for the node), -ENOMEM. `cb` runs exactly once, later. */
int stubdom_hs_submit(struct stubdom_hs *hs, enum stubdom_cmd cmd,
		      const char *parameter, stubdom_hs_done_fn *cb, void *arg);

/* Destroys the channel: the command in flight and every queued one fail
 * exactly once with -ECANCELED, from the event loop after this returns.
 * Safe to call from a done callback. */
void stubdom_hs_destroy(struct stubdom_hs *hs);

/* "pci-ins", ... ("start" for STUBDOM_CMD_START). */
const char *stubdom_cmd_name(enum stubdom_cmd cmd);

#endif
