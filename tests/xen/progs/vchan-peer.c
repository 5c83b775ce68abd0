/*
 * vchan-peer: one end of a libxenvchan transfer test, run in dom0 and in a
 * PV guest of the test bed. Both ends send BYTES of a deterministic pattern
 * at the same time and check every byte they receive. The client then
 * sends one acknowledgement byte; the server exits once it has it, and the
 * client exits once it sees the server close. So each side knows the other
 * received everything before it goes away.
 *
 * usage: vchan-peer server|client PEER_DOMID XS_PATH [BYTES [TIMEOUT_S]]
 * exit 0 = all data sent and received byte-exact within the timeout.
 */
#include "tests/xen/progs/progs-util.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxenvchan.h>
#include <xentoollog.h>

#define VP_DEFAULT_BYTES (1024 * 1024)
#define VP_DEFAULT_TIMEOUT_S 120
#define VP_RING_MIN 8192
#define VP_ACK 'K'
/* Pattern seeds: one per direction, so a looped-back stream fails. */
#define VP_SEED_SERVER_TO_CLIENT 1
#define VP_SEED_CLIENT_TO_SERVER 2

struct vp {
	const char *role;
	bool server;
	struct libxenvchan *ch;
	size_t total;
	size_t sent, recvd;
	bool ack_sent, ack_recvd;
	struct pu_pattern tx, rx;
	uint8_t buf[VP_RING_MIN];
};

static void vp_say(const struct vp *vp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void vp_say(const struct vp *vp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("vchan-peer %s: ", vp->role);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
}

static size_t vp_min(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Writes what fits now: pattern bytes, then (client) the acknowledgement. */
static int vp_pump_tx(struct vp *vp)
{
	int space = libxenvchan_buffer_space(vp->ch);
	size_t n;
	int r;

	if (space <= 0)
		return 0;
	if (vp->sent < vp->total) {
		n = vp_min(vp_min((size_t)space, vp->total - vp->sent),
			   sizeof(vp->buf));
		pu_pattern_fill(&vp->tx, vp->buf, n);
		r = libxenvchan_write(vp->ch, vp->buf, n);
		if (r != (int)n) {
			vp_say(vp, "write of %zu bytes returned %d", n, r);
			return -1;
		}
		vp->sent += n;
		return 0;
	}
	/* Acknowledge only once the server's whole stream has arrived. */
	if (!vp->server && !vp->ack_sent && vp->recvd == vp->total) {
		static const uint8_t ack = VP_ACK;

		if (libxenvchan_write(vp->ch, &ack, 1) != 1) {
			vp_say(vp, "write of the acknowledgement failed");
			return -1;
		}
		vp->ack_sent = true;
	}
	return 0;
}

/* Reads what is there and checks it against the peer's pattern. */
static int vp_pump_rx(struct vp *vp)
{
	int ready = libxenvchan_data_ready(vp->ch);
	size_t n, data, bad;
	int r;

	if (ready <= 0)
		return 0;
	n = vp_min((size_t)ready, sizeof(vp->buf));
	r = libxenvchan_read(vp->ch, vp->buf, n);
	if (r != (int)n) {
		vp_say(vp, "read of %zu bytes returned %d", n, r);
		return -1;
	}
	data = vp_min(n, vp->total - vp->recvd);
	bad = pu_pattern_check(&vp->rx, vp->buf, data);
	if (bad != data) {
		vp_say(vp, "mismatch at byte %zu of the stream",
		       vp->recvd + bad);
		return -1;
	}
	vp->recvd += data;
	if (data == n)
		return 0;
	/* Only the server may get one extra byte: the acknowledgement. */
	if (!vp->server || vp->ack_recvd || n - data != 1 ||
	    vp->buf[data] != VP_ACK) {
		vp_say(vp, "unexpected %zu bytes after the stream", n - data);
		return -1;
	}
	vp->ack_recvd = true;
	return 0;
}

static bool vp_done(const struct vp *vp, int open)
{
	if (vp->sent < vp->total || vp->recvd < vp->total)
		return false;
	return vp->server ? vp->ack_recvd : vp->ack_sent && open == 0;
}

static int vp_run(struct vp *vp, int timeout_ms)
{
	int64_t deadline = pu_now_ms() + timeout_ms;
	struct pollfd pfd = {.fd = libxenvchan_fd_for_select(vp->ch),
			     .events = POLLIN};

	for (;;) {
		int64_t left;
		int open, r;

		if (vp_pump_rx(vp) < 0 || vp_pump_tx(vp) < 0)
			return -1;
		open = libxenvchan_is_open(vp->ch);
		if (vp_done(vp, open))
			return 0;
		if (open == 0 && libxenvchan_data_ready(vp->ch) == 0) {
			vp_say(vp, "peer closed early: sent %zu, received %zu",
			       vp->sent, vp->recvd);
			return -1;
		}
		left = deadline - pu_now_ms();
		if (left <= 0) {
			vp_say(vp, "timed out: sent %zu, received %zu of %zu",
			       vp->sent, vp->recvd, vp->total);
			return -1;
		}
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno != EINTR)
			return -1;
		/* Re-arms the event channel; must follow every wake-up. */
		if (r > 0 && libxenvchan_wait(vp->ch) < 0)
			return -1;
	}
}

static struct libxenvchan *vp_connect(struct vp *vp, xentoollog_logger *lg,
				      int peer, const char *path,
				      int timeout_ms)
{
	struct xs_handle *xs;
	char node[256];
	char *val;

	if (vp->server)
		return libxenvchan_server_init(lg, peer, path, VP_RING_MIN,
					       VP_RING_MIN);
	/* The server publishes event-channel last, in one transaction. */
	xs = xs_open(0);
	if (!xs)
		return NULL;
	snprintf(node, sizeof(node), "%s/event-channel", path);
	val = pu_xs_wait_read(xs, node, timeout_ms);
	xs_close(xs);
	if (!val) {
		vp_say(vp, "waiting for %s: %s", node, strerror(errno));
		return NULL;
	}
	free(val);
	return libxenvchan_client_init(lg, peer, path);
}

int main(int argc, char **argv)
{
	unsigned long peer, bytes = VP_DEFAULT_BYTES;
	unsigned long timeout_s = VP_DEFAULT_TIMEOUT_S;
	xentoollog_logger_stdiostream *lg;
	static struct vp vp;
	int64_t start;
	int rc = 1;

	if (argc < 4 || argc > 6 ||
	    (strcmp(argv[1], "server") && strcmp(argv[1], "client")) ||
	    !pu_parse_ulong(argv[2], 0, 0x7fef, &peer) ||
	    (argc > 4 && !pu_parse_ulong(argv[4], 1, 1UL << 30, &bytes)) ||
	    (argc > 5 && !pu_parse_ulong(argv[5], 1, 3600, &timeout_s))) {
		fprintf(stderr, "usage: vchan-peer server|client PEER_DOMID "
				"XS_PATH [BYTES [TIMEOUT_S]]\n");
		return 2;
	}
	vp.role = argv[1];
	vp.server = !strcmp(argv[1], "server");
	vp.total = bytes;
	pu_pattern_init(&vp.tx, vp.server ? VP_SEED_SERVER_TO_CLIENT
					  : VP_SEED_CLIENT_TO_SERVER);
	pu_pattern_init(&vp.rx, vp.server ? VP_SEED_CLIENT_TO_SERVER
					  : VP_SEED_SERVER_TO_CLIENT);
	lg = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);

	start = pu_now_ms();
	vp.ch = vp_connect(&vp, (xentoollog_logger *)lg, (int)peer, argv[3],
			   (int)timeout_s * 1000);
	if (!vp.ch) {
		vp_say(&vp, "cannot set up the vchan at %s: %s", argv[3],
		       strerror(errno));
		goto out;
	}
	vp.ch->blocking = 0;
	vp_say(&vp, "connected to domain %lu at %s", peer, argv[3]);
	if (vp_run(&vp, (int)timeout_s * 1000 - (int)(pu_now_ms() - start)) ==
	    0) {
		vp_say(&vp, "sent %zu and received %zu bytes, all verified",
		       vp.sent, vp.recvd);
		rc = 0;
	}
	libxenvchan_close(vp.ch);
out:
	if (lg)
		xtl_logger_destroy((xentoollog_logger *)lg);
	return rc;
}
