/*
 * fuzz-qmp-client.c - libqmp's protocol handling (qmp/qmp.c) of whatever a
 * QEMU monitor sends: greeting, capabilities reply, replies with and
 * without ids, events, errors, garbage.
 *
 * Through the public API only: a qmp attached to one end of a socketpair
 * (the unix transport), the fuzzer's bytes written into the other end in
 * pieces, then EOF. Three commands are queued before the greeting and one
 * from the ready callback (ids 1 = qmp_capabilities, 2..5).
 *
 * Input: one byte seeding the piece sizes, then the stream.
 * Checked: ready and closed at most once; every reply callback exactly
 * once by qmp_free, none after closed; reply arguments as documented;
 * EOF always ends in closed.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "fuzz/fuzz.h"
#include "qmp/qmp.h"
#include "qmp/transport.h"

#define FUZZ_CMDS 4

struct fuzz_state {
	int ready, closed, closed_rc;
	int replies[FUZZ_CMDS];
	int queued;
};

static struct fuzz_state st;

static void fuzz_reply_cb(struct qmp *q, int rc, struct json_object *ret,
			  const struct qmp_error *err, void *arg)
{
	int *calls = arg;

	(*calls)++;
	FUZZ_ASSERT(*calls == 1, "reply callback called %d times", *calls);
	FUZZ_ASSERT(!st.closed, "reply after closed");
	if (rc == QMP_OK)
		FUZZ_ASSERT(!err, "error with QMP_OK");
	else if (rc == QMP_E_QEMU)
		FUZZ_ASSERT(err && err->class && err->desc && !ret,
			    "QMP_E_QEMU without class/desc");
	else
		FUZZ_ASSERT(!ret && !err, "rc %d with ret/err", rc);
	if (ret)
		json_object_to_json_string(ret); /* must be a live object */
}

static void fuzz_ready_cb(struct qmp *q, void *arg)
{
	st.ready++;
	FUZZ_ASSERT(st.ready == 1, "ready twice");
	FUZZ_ASSERT(qmp_is_ready(q), "ready callback but not ready");
	FUZZ_ASSERT(qmp_version(q, NULL, NULL, NULL) == 0, "no version");
	FUZZ_ASSERT(qmp_package(q), "no package");
	if (qmp_execute(q, "query-status", NULL, -1, 0, fuzz_reply_cb,
			&st.replies[FUZZ_CMDS - 1]) == 0)
		st.queued++;
}

static void fuzz_event_cb(struct qmp *q, const char *name,
			  struct json_object *data,
			  const struct qmp_timestamp *ts, void *arg)
{
	FUZZ_ASSERT(name && ts, "event without name or timestamp");
	(void)strlen(name); /* ASan: a readable string */
	if (data)
		json_object_to_json_string(data);
}

static void fuzz_closed_cb(struct qmp *q, int rc, const char *why, void *arg)
{
	int i;

	st.closed++;
	st.closed_rc = rc;
	FUZZ_ASSERT(st.closed == 1, "closed twice");
	FUZZ_ASSERT(rc < 0 && why && *why, "closed rc %d without why", rc);
	FUZZ_ASSERT(qmp_pending_count(q) == 0, "commands pending at close");
	for (i = 0; i < FUZZ_CMDS; i++)
		FUZZ_ASSERT(st.replies[i] <= 1, "double reply");
}

static const struct qmp_callbacks fuzz_cbs = {
    .ready = fuzz_ready_cb,
    .event = fuzz_event_cb,
    .closed = fuzz_closed_cb,
};

static void fuzz_drain_peer(int fd)
{
	char buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned seed = fuzz_take_byte(&data, &size) % 64;
	struct qmp_limits lim = {
	    .max_message = 2048,
	    .max_depth = 12,
	    .command_timeout_ms = 600000,
	    .handshake_timeout_ms = 600000,
	    .max_pending = 8,
	};
	struct event_base *base = event_base_new();
	struct qmp_transport *t;
	struct qmp *q;
	size_t off = 0;
	int sv[2], i, idle;

	FUZZ_ASSERT(base, "event_base_new");
	memset(&st, 0, sizeof(st));
	FUZZ_ASSERT(socketpair(AF_UNIX,
			       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
			       sv) == 0,
		    "socketpair: %s", strerror(errno));
	q = qmp_new(base, &fuzz_cbs, &lim);
	FUZZ_ASSERT(q, "qmp_new");
	for (i = 0; i < FUZZ_CMDS - 1; i++)
		if (qmp_execute(q, i == 1 ? "stop" : "query-status", NULL, -1,
				0, fuzz_reply_cb, &st.replies[i]) == 0)
			st.queued++;
	t = qmp_transport_unix_adopt_fd(sv[0]);
	FUZZ_ASSERT(t, "adopt_fd");
	FUZZ_ASSERT(qmp_attach_transport(q, t) == 0, "attach");

	/* Feed, in pieces, while the client may still read. */
	for (idle = 0; !st.closed && idle < 4;) {
		size_t n =
		    seed ? 1 + (off < size ? data[off] : 0) % seed : size - off;
		ssize_t w = 0;

		if (n > size - off)
			n = size - off;
		if (n)
			w = write(sv[1], data + off, n);
		if (w > 0)
			off += (size_t)w;
		event_base_loop(base, EVLOOP_NONBLOCK);
		fuzz_drain_peer(sv[1]);
		idle = off == size ? idle + 1 : 0;
	}
	/* EOF must close the connection. */
	shutdown(sv[1], SHUT_WR);
	for (i = 0; i < 1000 && !st.closed; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		fuzz_drain_peer(sv[1]);
	}
	FUZZ_ASSERT(st.closed == 1, "EOF did not close the connection");
	qmp_free(q);
	for (i = 0; i < FUZZ_CMDS; i++)
		FUZZ_ASSERT(st.replies[i] <= 1, "double reply");
	{
		int total = 0;

		for (i = 0; i < FUZZ_CMDS; i++)
			total += st.replies[i];
		FUZZ_ASSERT(total == st.queued, "%d replies for %d commands",
			    total, st.queued);
	}
	close(sv[1]);
	event_base_free(base);
	return 0;
}
