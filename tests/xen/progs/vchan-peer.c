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
#include "tests/xen/progs/tbprog.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxenvchan.h>
#include <xentoollog.h>

#define VCHAN_PEER_DEFAULT_BYTES (1024 * 1024)
#define VCHAN_PEER_DEFAULT_TIMEOUT_S 120
#define VCHAN_PEER_RING_MIN 8192
#define VCHAN_PEER_ACK 'K'
/* Pattern seeds: one per direction, so a looped-back stream fails. */
#define VCHAN_PEER_SEED_SERVER_TO_CLIENT 1
#define VCHAN_PEER_SEED_CLIENT_TO_SERVER 2

struct vchan_peer {
	const char *role;
	bool server;
	struct libxenvchan *ch;
	size_t total;
	size_t sent, recvd;
	bool ack_sent, ack_recvd;
	struct tbprog_pattern tx, rx;
	uint8_t buf[VCHAN_PEER_RING_MIN];
};

static void vchan_peer_say(const struct vchan_peer *vp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void vchan_peer_say(const struct vchan_peer *vp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("vchan-peer %s: ", vp->role);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
}

static size_t vchan_peer_min(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Writes what fits now: pattern bytes, then (client) the acknowledgement. */
static int vchan_peer_pump_tx(struct vchan_peer *vp)
{
	int space = libxenvchan_buffer_space(vp->ch);
	size_t n;
	int r;

	if (space <= 0)
		return 0;
	if (vp->sent < vp->total) {
		n = vchan_peer_min(
		    vchan_peer_min((size_t)space, vp->total - vp->sent),
		    sizeof(vp->buf));
		tbprog_pattern_fill(&vp->tx, vp->buf, n);
		r = libxenvchan_write(vp->ch, vp->buf, n);
		if (r != (int)n) {
			vchan_peer_say(vp, "write of %zu bytes returned %d", n,
				       r);
			return -1;
		}
		vp->sent += n;
		return 0;
	}
	/* Acknowledge only once the server's whole stream has arrived. */
	if (!vp->server && !vp->ack_sent && vp->recvd == vp->total) {
		static const uint8_t ack = VCHAN_PEER_ACK;

		if (libxenvchan_write(vp->ch, &ack, 1) != 1) {
			vchan_peer_say(vp,
				       "write of the acknowledgement failed");
			return -1;
		}
		vp->ack_sent = true;
	}
	return 0;
}

/* Reads what is there and checks it against the peer's pattern. */
static int vchan_peer_pump_rx(struct vchan_peer *vp)
{
	int ready = libxenvchan_data_ready(vp->ch);
	size_t n, data, bad;
	int r;

	if (ready <= 0)
		return 0;
	n = vchan_peer_min((size_t)ready, sizeof(vp->buf));
	r = libxenvchan_read(vp->ch, vp->buf, n);
	if (r != (int)n) {
		vchan_peer_say(vp, "read of %zu bytes returned %d", n, r);
		return -1;
	}
	data = vchan_peer_min(n, vp->total - vp->recvd);
	bad = tbprog_pattern_check(&vp->rx, vp->buf, data);
	if (bad != data) {
		vchan_peer_say(vp, "mismatch at byte %zu of the stream",
			       vp->recvd + bad);
		return -1;
	}
	vp->recvd += data;
	if (data == n)
		return 0;
	/* Only the server may get one extra byte: the acknowledgement. */
	if (!vp->server || vp->ack_recvd || n - data != 1 ||
	    vp->buf[data] != VCHAN_PEER_ACK) {
		vchan_peer_say(vp, "unexpected %zu bytes after the stream",
			       n - data);
		return -1;
	}
	vp->ack_recvd = true;
	return 0;
}

static bool vchan_peer_done(const struct vchan_peer *vp, int open)
{
	if (vp->sent < vp->total || vp->recvd < vp->total)
		return false;
	return vp->server ? vp->ack_recvd : vp->ack_sent && open == 0;
}

static int vchan_peer_run(struct vchan_peer *vp, int timeout_ms)
{
	int64_t deadline = tbprog_now_ms() + timeout_ms;
	struct pollfd pfd = {.fd = libxenvchan_fd_for_select(vp->ch),
			     .events = POLLIN};

	for (;;) {
		int64_t left;
		int open, r;

		if (vchan_peer_pump_rx(vp) < 0 || vchan_peer_pump_tx(vp) < 0)
			return -1;
		open = libxenvchan_is_open(vp->ch);
		if (vchan_peer_done(vp, open))
			return 0;
		if (open == 0 && libxenvchan_data_ready(vp->ch) == 0) {
			vchan_peer_say(
			    vp, "peer closed early: sent %zu, received %zu",
			    vp->sent, vp->recvd);
			return -1;
		}
		left = deadline - tbprog_now_ms();
		if (left <= 0) {
			vchan_peer_say(
			    vp, "timed out: sent %zu, received %zu of %zu",
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

static struct libxenvchan *vchan_peer_connect(struct vchan_peer *vp,
					      xentoollog_logger *lg, int peer,
					      const char *path, int timeout_ms)
{
	struct xs_handle *xs;
	char node[256];
	char *val;

	if (vp->server)
		return libxenvchan_server_init(
		    lg, peer, path, VCHAN_PEER_RING_MIN, VCHAN_PEER_RING_MIN);
	/* The server publishes event-channel last, in one transaction. */
	xs = xs_open(0);
	if (!xs)
		return NULL;
	snprintf(node, sizeof(node), "%s/event-channel", path);
	val = tbprog_xs_wait_read(xs, node, timeout_ms);
	xs_close(xs);
	if (!val) {
		vchan_peer_say(vp, "waiting for %s: %s", node, strerror(errno));
		return NULL;
	}
	free(val);
	return libxenvchan_client_init(lg, peer, path);
}

int main(int argc, char **argv)
{
	unsigned long peer, bytes = VCHAN_PEER_DEFAULT_BYTES;
	unsigned long timeout_s = VCHAN_PEER_DEFAULT_TIMEOUT_S;
	xentoollog_logger_stdiostream *lg;
	static struct vchan_peer vp;
	int64_t start, moving;
	int rc = 1;

	if (argc < 4 || argc > 6 ||
	    (strcmp(argv[1], "server") && strcmp(argv[1], "client")) ||
	    !tbprog_parse_ulong(argv[2], 0, 0x7fef, &peer) ||
	    (argc > 4 && !tbprog_parse_ulong(argv[4], 1, 1UL << 30, &bytes)) ||
	    (argc > 5 && !tbprog_parse_ulong(argv[5], 1, 3600, &timeout_s))) {
		fprintf(stderr, "usage: vchan-peer server|client PEER_DOMID "
				"XS_PATH [BYTES [TIMEOUT_S]]\n");
		return 2;
	}
	vp.role = argv[1];
	vp.server = !strcmp(argv[1], "server");
	vp.total = bytes;
	tbprog_pattern_init(&vp.tx, vp.server
					? VCHAN_PEER_SEED_SERVER_TO_CLIENT
					: VCHAN_PEER_SEED_CLIENT_TO_SERVER);
	tbprog_pattern_init(&vp.rx, vp.server
					? VCHAN_PEER_SEED_CLIENT_TO_SERVER
					: VCHAN_PEER_SEED_SERVER_TO_CLIENT);
	lg = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);

	start = tbprog_now_ms();
	vp.ch = vchan_peer_connect(&vp, (xentoollog_logger *)lg, (int)peer,
				   argv[3], (int)timeout_s * 1000);
	if (!vp.ch) {
		vchan_peer_say(&vp, "cannot set up the vchan at %s: %s",
			       argv[3], strerror(errno));
		goto out;
	}
	vp.ch->blocking = 0;
	vchan_peer_say(&vp, "%s domain %lu at %s",
		       vp.server ? "serving" : "connected to", peer, argv[3]);
	moving = tbprog_now_ms();
	if (vchan_peer_run(&vp, (int)timeout_s * 1000 -
				    (int)(moving - start)) == 0) {
		/* The time is for the log only; nothing asserts on it. */
		vchan_peer_say(&vp,
			       "sent %zu and received %zu bytes, all verified "
			       "(%lld ms)",
			       vp.sent, vp.recvd,
			       (long long)(tbprog_now_ms() - moving));
		rc = 0;
	}
	libxenvchan_close(vp.ch);
out:
	if (lg)
		xtl_logger_destroy((xentoollog_logger *)lg);
	return rc;
}
