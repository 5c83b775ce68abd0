/*
 * libqmp over libxenvchan: QMP to a QEMU in a Linux stub domain.
 *
 * Built into its own library, libqmp-vchan.a (link it before libqmp.a,
 * with the Xen libraries), so that libqmp itself needs no Xen.
 *
 * The peer is a libxenvchan server (the stub's qmp-vchan-bridge, see
 * docs/qmp-vchan.md) that publishes `ring-ref` and `event-channel` under
 * an xenstore path. Each server serves one client session and is then
 * re-created, so the server may be briefly absent between sessions:
 * retrying a connect that failed with ENOENT or EAGAIN is the caller's
 * policy, as for ECONNREFUSED on a unix socket. The transport cannot pass
 * fds: qmp_execute refuses an fd on it (QMP_E_INVAL).
 */
#ifndef QMP_TRANSPORT_VCHAN_H
#define QMP_TRANSPORT_VCHAN_H

#include <stdint.h>
#include <sys/types.h>

struct qmp;
struct qmp_transport;

/* libxenvchan formats "<xs_path>/event-channel" into a 64-byte buffer and
 * silently truncates: a longer path would name another node. */
#define QMP_VCHAN_XS_PATH_MAX 49

/* Domain ids a peer can have (below DOMID_FIRST_RESERVED). */
#define QMP_VCHAN_DOMID_MAX 0x7fef

/*
 * Connect to the vchan server of domain `domid` at `xs_path` and start
 * the handshake (the unix counterpart is qmp_connect_unix).
 * Returns 0 (then exactly one of ready/closed follows), or a negative rc
 * with nothing started: QMP_E_SYS with errno (ENOENT: no server published
 * there (yet); EAGAIN: the server there already served a session; EACCES;
 * others from the grant and event-channel devices), QMP_E_INVAL (domid or
 * path out of range), QMP_E_STATE (q not idle), QMP_E_NOMEM.
 */
int qmp_connect_vchan(struct qmp *q, int domid, const char *xs_path);

/* The same, as a transport for qmp_attach_transport. */
int qmp_transport_vchan_connect(int domid, const char *xs_path,
				struct qmp_transport **t_r);

/*
 * "vchan:DOMID:XSPATH" -> domid and a pointer into addr at XSPATH.
 * Returns 1 if addr is such an address, 0 if it does not start with
 * "vchan:" (e.g. a unix socket path), QMP_E_INVAL if it starts so but is
 * malformed (DOMID not a decimal domain id, XSPATH not absolute or longer
 * than QMP_VCHAN_XS_PATH_MAX).
 */
int qmp_vchan_parse_address(const char *addr, int *domid_r,
			    const char **xs_path_r);

/*
 * Pure bookkeeping shared by the transport and the stub-side bridge, kept
 * free of libxenvchan so that unit tests reach it.
 */

/* Which of QMP_TRANSPORT_READ/WRITE may make progress now, given the
 * bytes readable, the room to write, whether the peer is still there
 * (libxenvchan_is_open) and whether the owner wants to write. A gone peer
 * makes reading progress (EOF) and writing progress (an error). */
int qmp_vchan_ready_mask(int data_ready, int buffer_space, int is_open,
			 int want_write);

/* A libxenvchan_read/_write result r turned into read(2)/write(2) terms:
 * r > 0 as is; nothing possible while open: -1/EAGAIN; peer gone: 0 (EOF)
 * for a read, -1/EPIPE for a write; a failure while open: -1/EIO. */
ssize_t qmp_vchan_io_result(int r, int is_open, int is_write);

/* Whether a ring just attached to is unused: nothing was ever produced by
 * a client into it, nor consumed by a client from it. A ring that fails
 * this belongs to a previous session whose leftover bytes must never
 * reach a new client. */
int qmp_vchan_ring_fresh(uint32_t client_prod, uint32_t client_cons);

#endif
