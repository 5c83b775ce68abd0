/*
 * pvdev.h - one PV device (a vbd or a vif) between a backend domain
 * (dom0: blkback, netback) and a frontend domain (the stub domain), as
 * xenbus connects them, as an event-driven state machine.
 *
 * pvdev_new() writes, in one transaction, the frontend directory
 *   /local/domain/<fe>/device/<type>/<devid>/
 *     backend, backend-id, state = 1, and the caller's keys
 * (owned by the frontend, readable by the backend) and the backend one
 *   /local/domain/<be>/backend/<type>/<fe>/<devid>/
 *     frontend, frontend-id, online = 1, state = 1, and the caller's keys
 * (owned by the backend, readable by the frontend); then it follows both
 * `state` nodes (xenstore watches and one timer, never a sleep) until both
 * are 4 (Connected). A vif's backend waits for its hotplug script: once
 * the backend reaches 2 (InitWait) the caller's hotplug hook runs (put
 * the vif on its bridge) and `hotplug-status` = connected is written. A
 * console (device/console/N, N > 0) has no kernel backend: the caller is
 * it. Once the frontend reaches 3 (Initialised: its ring-ref and port
 * are written) the hook runs (map the ring, bind the port), then the
 * backend's state = 4 is written here.
 *
 * The frontend's state is written by the stub and is untrusted: only a
 * decimal xenbus state (0..8) counts, anything else ends the device with
 * an error. Every error names the domain, the device and the step, e.g.
 * "vm1: vbd xvda: backend state stuck at 2 after 30 s".
 * See docs/stubdom-protocols.md for the table of states.
 *
 * The done callback runs exactly once, from the event loop, never from
 * inside pvdev_new(); it is not called after pvdev_destroy().
 */
#ifndef STUBDOM_PROTO_PVDEV_H
#define STUBDOM_PROTO_PVDEV_H

#include <stddef.h>

struct xsp;
struct pvdev;

enum pvdev_type {
	PVDEV_VBD,
	PVDEV_VIF,
	PVDEV_CONSOLE, /* a secondary console: the caller is its backend */
};

/* xenbus states (xen/io/xenbus.h). */
enum {
	PVDEV_XB_INITIALISING = 1,
	PVDEV_XB_INITWAIT = 2,
	PVDEV_XB_INITIALISED = 3,
	PVDEV_XB_CONNECTED = 4,
	PVDEV_XB_CLOSING = 5,
	PVDEV_XB_CLOSED = 6,
	PVDEV_XB_MAX = 8,
};

#define PVDEV_TIMEOUT_MS 30000
#define PVDEV_ERR_MAX 512
#define PVDEV_KV_MAX 16

/* A vif's hotplug hook: 0 (done), PVDEV_HOTPLUG_AGAIN (not yet: netback
 * writes InitWait just before it registers the interface, so the hook is
 * called again PVDEV_HOTPLUG_RETRY_MS later, within the timeout), or
 * another non-zero value with a one-line reason in err. Never blocks. */
#define PVDEV_HOTPLUG_AGAIN 1
#define PVDEV_HOTPLUG_RETRY_MS 100
typedef int pvdev_hotplug_fn(void *arg, char *err, size_t errsz);

struct pvdev_result {
	int rc; /* 0, -ETIMEDOUT, -EPROTO (a bad state), -ECONNRESET (an end
		   closed or its node vanished), -EIO (hotplug, xenstore) */
	const char *error; /* one line naming domain, device, step; or NULL */
	int fe_state, be_state; /* last seen, -1 if never read */
};
typedef void pvdev_done_fn(const struct pvdev_result *res, void *arg);

struct pvdev_config {
	enum pvdev_type type;
	const char *domain; /* the guest's name, for messages */
	const char *name;   /* "xvda", "vif 0": for messages */
	unsigned int fe_domid;
	unsigned int be_domid;
	unsigned int devid; /* vbd: the virtual-device number; vif: handle */
	/* NULL-terminated key, value, key, value ... (at most PVDEV_KV_MAX
	 * pairs each); copied into xenstore by pvdev_new. */
	const char *const *fe_kv;
	const char *const *be_kv;
	unsigned int timeout_ms;   /* 0: PVDEV_TIMEOUT_MS */
	pvdev_hotplug_fn *hotplug; /* vif: may be NULL (nothing to do) */
	void *hotplug_arg;
};

/* Writes the nodes and starts following the states. NULL on failure,
 * with the reason (naming the node) in err; nothing is left written. */
struct pvdev *pvdev_new(struct xsp *xs, const struct pvdev_config *cfg,
			pvdev_done_fn *done, void *arg, char *err,
			size_t errsz);

/* Stops following and removes both directories (and the backend's
 * error node). Safe from the done callback. */
void pvdev_destroy(struct pvdev *pv);

/* The frontend and backend directories of a device, into buf. 0 or
 * -E2BIG. */
int pvdev_fe_path(enum pvdev_type type, unsigned int fe, unsigned int devid,
		  char *buf, size_t size);
int pvdev_be_path(enum pvdev_type type, unsigned int be, unsigned int fe,
		  unsigned int devid, char *buf, size_t size);

/* xvd<letter>: the index-th disk (0: xvda) as a vbd virtual-device
 * number (202 << 8 | index << 4) and its name; -EINVAL past xvdp. */
int pvdev_xvd(unsigned int index, unsigned int *devid_r, char *name,
	      size_t size);

const char *pvdev_type_name(enum pvdev_type type);

#endif
