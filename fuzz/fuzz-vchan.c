/*
 * fuzz-vchan.c - libqmp's vchan transport (qmp/transport-vchan.c, with
 * qmp/vchan.c's bookkeeping) under a stub domain that sends anything:
 * libxenvchan itself is replaced by a peer made of the input, so the
 * transport's own code runs as in dmsup (client_init, the ring-fresh
 * check, non-blocking reads and writes, the event channel as an fd, the
 * kick, close), with a qmp on top.
 *
 * Input: byte 0 seeds the piece sizes; byte 1 picks the peer: bit 0 a
 * ring left by an earlier session (the connect must be refused, EAGAIN),
 * bit 1 the peer ends with an I/O error rather than closing, bits 2..7
 * the room it leaves for writes (0: none until the end). Then the bytes
 * the stub writes.
 * Checked: a stale ring is never used; a read never returns more than
 * asked nor bytes that were not sent, in order; ready and closed at most
 * once; every reply callback exactly once; the peer's close or error
 * always ends in closed; libxenvchan_close once per client_init.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>
#include <libxenvchan.h>

#include "fuzz/fuzz.h"
#include "qmp/qmp.h"
#include "qmp/transport-vchan.h"

/* The stub domain's side, as this process sees it. */
static struct fuzz_peer {
	struct libxenvchan ctrl;
	struct vchan_interface ring;
	int evtchn[2];		  /* [0] the fd for select, [1] a notify */
	const uint8_t *sent;	  /* everything the peer will have sent */
	size_t sent_len, read_at; /* offered so far, read so far */
	size_t room;		  /* bytes it takes from us now */
	int open, fail, inits, closes;
} peer;

static int fuzz_replies[3], fuzz_ready, fuzz_closed;

static void fuzz_notify(void)
{
	char c = 0;

	(void)!write(peer.evtchn[1], &c, 1);
}

struct libxenvchan *libxenvchan_client_init(struct xentoollog_logger *l,
					    int domain, const char *xs_path)
{
	FUZZ_ASSERT(domain >= 0 && xs_path && xs_path[0] == '/',
		    "client_init(%d, %s)", domain, xs_path ? xs_path : "-");
	peer.inits++;
	peer.ctrl.ring = &peer.ring;
	return &peer.ctrl;
}

void libxenvchan_close(struct libxenvchan *ctrl)
{
	FUZZ_ASSERT(ctrl == &peer.ctrl, "close of another ctrl");
	peer.closes++;
	FUZZ_ASSERT(peer.closes <= peer.inits, "closed twice");
}

int libxenvchan_read(struct libxenvchan *ctrl, void *data, size_t size)
{
	size_t n = peer.sent_len - peer.read_at;

	if (peer.fail && !peer.open && !n)
		return -1;
	if (n > size)
		n = size;
	memcpy(data, peer.sent + peer.read_at, n);
	peer.read_at += n;
	return (int)n;
}

int libxenvchan_write(struct libxenvchan *ctrl, const void *data, size_t size)
{
	size_t n = size < peer.room ? size : peer.room;

	if (peer.fail && !peer.open)
		return -1;
	(void)!memchr(data, 0, n); /* ASan: the bytes are readable */
	peer.room -= n;
	return (int)n;
}

int libxenvchan_wait(struct libxenvchan *ctrl)
{
	char buf[64];

	while (read(peer.evtchn[0], buf, sizeof(buf)) > 0)
		;
	return 0;
}

int libxenvchan_fd_for_select(struct libxenvchan *ctrl)
{
	return peer.evtchn[0];
}

int libxenvchan_is_open(struct libxenvchan *ctrl)
{
	return peer.fail ? 1 : peer.open;
}

int libxenvchan_data_ready(struct libxenvchan *ctrl)
{
	if (peer.fail && !peer.open)
		return 1; /* the next read fails */
	return (int)(peer.sent_len - peer.read_at);
}

int libxenvchan_buffer_space(struct libxenvchan *ctrl)
{
	return (int)peer.room;
}

static void fuzz_reply_cb(struct qmp *q, int rc, struct json_object *ret,
			  const struct qmp_error *err, void *arg)
{
	int *calls = arg;

	FUZZ_ASSERT(++*calls == 1, "reply callback called %d times", *calls);
	FUZZ_ASSERT(!fuzz_closed, "reply after closed");
	if (rc == QMP_E_QEMU)
		FUZZ_ASSERT(err && err->class && err->desc, "error w/o class");
}

static void fuzz_ready_cb(struct qmp *q, void *arg)
{
	FUZZ_ASSERT(++fuzz_ready == 1, "ready twice");
}

static void fuzz_closed_cb(struct qmp *q, int rc, const char *why, void *arg)
{
	FUZZ_ASSERT(++fuzz_closed == 1, "closed twice");
	FUZZ_ASSERT(rc < 0 && why && *why, "closed rc %d without why", rc);
}

static const struct qmp_callbacks fuzz_cbs = {
    .ready = fuzz_ready_cb,
    .closed = fuzz_closed_cb,
};

/* The stub sends in pieces, with room for our writes now and then. */
static void fuzz_feed(struct event_base *base, const uint8_t *data, size_t size,
		      unsigned seed, size_t room)
{
	size_t off = 0;
	int idle = 0;

	peer.sent = data;
	while (!fuzz_closed && idle < 4) {
		size_t n =
		    seed ? 1 + (off < size ? data[off] : 0) % seed : size - off;

		if (n > size - off)
			n = size - off;
		off += n;
		peer.sent_len = off;
		peer.room += room;
		fuzz_notify();
		event_base_loop(base, EVLOOP_NONBLOCK);
		FUZZ_ASSERT(peer.read_at <= peer.sent_len, "read past sent");
		idle = off == size ? idle + 1 : 0;
	}
}

static void fuzz_session(struct event_base *base, const uint8_t *data,
			 size_t size, unsigned seed, size_t room)
{
	struct qmp_limits lim = {
	    .max_message = 2048,
	    .max_depth = 12,
	    .command_timeout_ms = 600000,
	    .handshake_timeout_ms = 600000,
	    .max_pending = 8,
	};
	struct qmp *q = qmp_new(base, &fuzz_cbs, &lim);
	int queued = 0, total = 0;

	FUZZ_ASSERT(q, "qmp_new");
	for (int i = 0; i < 3; i++)
		queued += qmp_execute(q, "query-status", NULL, -1, 0,
				      fuzz_reply_cb, &fuzz_replies[i]) == 0;
	FUZZ_ASSERT(qmp_connect_vchan(q, 3, "/local/domain/3/qmp") == 0,
		    "connect to a fresh ring refused");
	fuzz_feed(base, data, size, seed, room);
	peer.open = 0; /* the stub goes, or its ring fails */
	peer.room = 64;
	fuzz_notify();
	for (int i = 0; i < 1000 && !fuzz_closed; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	FUZZ_ASSERT(fuzz_closed == 1, "the peer's end did not close");
	qmp_free(q);
	for (int i = 0; i < 3; i++)
		total += fuzz_replies[i];
	FUZZ_ASSERT(total == queued, "%d replies for %d commands", total,
		    queued);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned seed = fuzz_take_byte(&data, &size) % 64;
	unsigned how = fuzz_take_byte(&data, &size);
	struct event_base *base = event_base_new();

	FUZZ_ASSERT(base, "event_base_new");
	memset(&peer, 0, sizeof(peer));
	memset(fuzz_replies, 0, sizeof(fuzz_replies));
	fuzz_ready = fuzz_closed = 0;
	FUZZ_ASSERT(pipe2(peer.evtchn, O_NONBLOCK | O_CLOEXEC) == 0, "pipe");
	peer.open = 1;
	peer.fail = (how & 2) != 0;
	if (how & 1) {
		struct qmp_transport *t;

		peer.ring.left.prod = 1 + (how >> 2);
		FUZZ_ASSERT(qmp_transport_vchan_connect(3, "/x", &t) ==
				    QMP_E_SYS &&
				errno == EAGAIN && !t,
			    "a stale ring was taken");
	} else {
		fuzz_session(base, data, size, seed, how >> 2);
	}
	FUZZ_ASSERT(peer.closes == peer.inits, "%d inits, %d closes",
		    peer.inits, peer.closes);
	close(peer.evtchn[0]);
	close(peer.evtchn[1]);
	event_base_free(base);
	return 0;
}
