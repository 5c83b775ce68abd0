/*
 * vchan-bridge: exposes a local QEMU QMP unix socket as a libxenvchan
 * server, one client session at a time (the stub-domain side of QMP to a
 * QEMU in a Linux stub domain; the client is libqmp's vchan transport).
 * See docs/qmp-vchan.md.
 *
 * Sessions: a client that connects to the published server gets a fresh
 * connection to QEMU's QMP socket, hence a fresh greeting. When either
 * side goes (client closed or died, QEMU closed), the session ends: the
 * QMP connection and the vchan server are both closed, dropping whatever
 * either side left unread, and a new server is created and published for
 * the next client. A server is never reused for a second session.
 *
 * Runs on the caller's event_base; nothing blocks in it except the short
 * xenstore round trips of libxenvchan_server_init/close and of
 * unpublishing a taken server.
 */
#ifndef STUBDOM_PROTO_LINUX_AGENT_VCHAN_BRIDGE_H
#define STUBDOM_PROTO_LINUX_AGENT_VCHAN_BRIDGE_H

#include <stddef.h>

struct event_base;
struct vchan_bridge;

enum vchan_bridge_log_level {
	VCHAN_BRIDGE_LOG_DEBUG, /* every state transition */
	VCHAN_BRIDGE_LOG_INFO,	/* sessions starting and ending */
	VCHAN_BRIDGE_LOG_ERR,	/* failures */
};

struct vchan_bridge_config {
	int client_domid;	/* the only domain that may connect */
	const char *xs_path;	/* where the server is published */
	const char *qmp_socket; /* QEMU's QMP unix socket */
	/* Bytes held per direction when the receiver is slow (default
	 * 64 KiB); beyond it, the sender is not read. */
	size_t max_buffer;
	/* Bound on connecting to QEMU (default 5000 ms). */
	unsigned connect_timeout_ms;
	/* Consecutive failures to (re)create the server before giving up
	 * (default 30, one second apart). */
	unsigned max_arm_failures;
	void (*log)(enum vchan_bridge_log_level level, const char *msg,
		    void *arg);
	/* The bridge gave up (the server cannot be created): it does
	 * nothing more; free it. Called from the loop, never synchronously. */
	void (*failed)(const char *why, void *arg);
	void *arg;
};

/* A new bridge, not yet started. cfg is copied (its strings too).
 * NULL on allocation failure or invalid cfg (errno EINVAL/ENOMEM). */
struct vchan_bridge *vchan_bridge_new(struct event_base *base,
				      const struct vchan_bridge_config *cfg);

/* Publish the first server (on the next loop turn). 0, or -1 if already
 * started. */
int vchan_bridge_start(struct vchan_bridge *b);

/* Sessions that reached QEMU so far. */
unsigned vchan_bridge_sessions(const struct vchan_bridge *b);

/* End any session, withdraw the server (its xenstore nodes go), free.
 * NULL is fine. Not from inside the bridge's own callbacks. */
void vchan_bridge_free(struct vchan_bridge *b);

#endif
