/*
 * Unit tests: libqmp over a transport of the test's own (a pair of pipes),
 * the way a libxenvchan transport will plug in: nothing in the protocol
 * code may assume a unix socket.
 */
#include <check.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qmp/qmp.h"
#include "qmp/transport.h"
#include "tests/unit/qmp/run-until.h"
#include "tests/unit/qmp/check-main.h"

#define RUN_UNTIL(cond) RUN_UNTIL_S(base, 10, cond)

/* A transport over two pipes; it cannot pass fds. */
struct pipe_transport {
	struct qmp_transport base;
	int rfd, wfd;
	struct event *rev, *wev;
	qmp_transport_notify_fn notify;
	void *arg;
};

static int start_fails;

static struct pipe_transport *pipe_of(struct qmp_transport *t)
{
	return (struct pipe_transport *)t;
}

static void pipe_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pipe_transport *p = arg;

	p->notify(&p->base,
		  what & EV_READ ? QMP_TRANSPORT_READ : QMP_TRANSPORT_WRITE,
		  p->arg);
}

static int pipe_start(struct qmp_transport *t, struct event_base *b,
		      qmp_transport_notify_fn notify, void *arg)
{
	struct pipe_transport *p = pipe_of(t);

	if (start_fails)
		return QMP_E_NOMEM;
	p->notify = notify;
	p->arg = arg;
	p->rev = event_new(b, p->rfd, EV_READ | EV_PERSIST, pipe_io_cb, p);
	p->wev = event_new(b, p->wfd, EV_WRITE | EV_PERSIST, pipe_io_cb, p);
	event_add(p->rev, NULL);
	return 0;
}

static void pipe_want_write(struct qmp_transport *t, int on)
{
	if (on)
		event_add(pipe_of(t)->wev, NULL);
	else
		event_del(pipe_of(t)->wev);
}

static ssize_t pipe_read(struct qmp_transport *t, void *buf, size_t len)
{
	return read(pipe_of(t)->rfd, buf, len);
}

static ssize_t pipe_write(struct qmp_transport *t, const void *buf, size_t len,
			  int fd)
{
	if (fd >= 0) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return write(pipe_of(t)->wfd, buf, len);
}

static void pipe_close(struct qmp_transport *t)
{
	struct pipe_transport *p = pipe_of(t);

	if (p->rev)
		event_free(p->rev);
	if (p->wev)
		event_free(p->wev);
	close(p->rfd);
	close(p->wfd);
	free(p);
}

static const struct qmp_transport_ops pipe_ops = {
    .name = "pipe",
    .start = pipe_start,
    .want_write = pipe_want_write,
    .read = pipe_read,
    .write = pipe_write,
    .close = pipe_close,
    .passes_fds = 0,
};

/* ---- fixture: the client on a pipe transport, the test as QEMU ---------- */

static struct event_base *base;
static struct qmp *q;
static struct pipe_transport *pt;
static int peer_r = -1, peer_w = -1;
static int ready_calls, closed_calls;
static int reply_calls, reply_rc;

static void ready_cb(struct qmp *qq, void *arg)
{
	ready_calls++;
}

static void closed_cb(struct qmp *qq, int rc, const char *why, void *arg)
{
	closed_calls++;
}

static void reply_cb(struct qmp *qq, int rc, struct json_object *ret,
		     const struct qmp_error *err, void *arg)
{
	reply_calls++;
	reply_rc = rc;
}

static const struct qmp_callbacks cbs = {.ready = ready_cb,
					 .closed = closed_cb};

static void setup(void)
{
	int to_client[2], to_peer[2];

	ck_assert_int_eq(pipe2(to_client, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(pipe2(to_peer, O_CLOEXEC | O_NONBLOCK), 0);
	pt = calloc(1, sizeof(*pt));
	pt->base.ops = &pipe_ops;
	pt->rfd = to_client[0];
	pt->wfd = to_peer[1];
	peer_w = to_client[1];
	peer_r = to_peer[0];
	base = event_base_new();
	q = qmp_new(base, &cbs, NULL);
}

static void teardown(void)
{
	qmp_free(q);
	close(peer_r);
	close(peer_w);
	event_base_free(base);
}

/* The peer's next command line; its id. */
static long long peer_next_id(const char *want_cmd)
{
	static char buf[4096];
	static size_t len;
	struct json_object *cmd;
	long long id;
	char *nl;
	ssize_t r;

	while (!(nl = memchr(buf, '\n', len))) {
		RUN_UNTIL((r = read(peer_r, buf + len, sizeof(buf) - len)) >
			      0 ||
			  errno != EAGAIN);
		ck_assert_int_gt(r, 0);
		len += (size_t)r;
	}
	*nl = 0;
	cmd = json_tokener_parse(buf);
	ck_assert_str_eq(
	    json_object_get_string(json_object_object_get(cmd, "execute")),
	    want_cmd);
	id = json_object_get_int64(json_object_object_get(cmd, "id"));
	json_object_put(cmd);
	len -= (size_t)(nl + 1 - buf);
	memmove(buf, nl + 1, len);
	return id;
}

static void peer_send(const char *s)
{
	ck_assert_int_eq(write(peer_w, s, strlen(s)), (ssize_t)strlen(s));
}

static void peer_reply(long long id)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "{\"return\": {}, \"id\": %lld}\n", id);
	peer_send(buf);
}

START_TEST(protocol_runs_over_a_custom_transport)
{
	ck_assert_int_eq(qmp_attach_transport(q, &pt->base), 0);
	peer_send("{\"QMP\": {\"version\": {\"qemu\": {\"major\": 8, "
		  "\"minor\": 0, \"micro\": 0}}, \"capabilities\": []}}\n");
	peer_reply(peer_next_id("qmp_capabilities"));
	RUN_UNTIL(ready_calls == 1);
	ck_assert_int_eq(
	    qmp_execute(q, "query-status", NULL, -1, 0, reply_cb, NULL), 0);
	peer_reply(peer_next_id("query-status"));
	RUN_UNTIL(reply_calls == 1);
	ck_assert_int_eq(reply_rc, QMP_OK);
	ck_assert_str_eq(qmp_package(q), "");
}
END_TEST

START_TEST(fd_on_a_transport_that_cannot_pass_fds_is_refused)
{
	ck_assert_int_eq(qmp_attach_transport(q, &pt->base), 0);
	ck_assert_int_eq(qmp_execute(q, "getfd", NULL, 0, 0, reply_cb, NULL),
			 QMP_E_INVAL);
}
END_TEST

START_TEST(failed_transport_start_fails_queued_commands_on_the_next_turn)
{
	ck_assert_int_eq(
	    qmp_execute(q, "query-status", NULL, -1, 0, reply_cb, NULL), 0);
	start_fails = 1;
	ck_assert_int_eq(qmp_attach_transport(q, &pt->base), QMP_E_NOMEM);
	ck_assert_int_eq(reply_calls, 0);
	RUN_UNTIL(reply_calls == 1);
	ck_assert_int_eq(reply_rc, QMP_E_DISCONNECTED);
	ck_assert_int_eq(closed_calls, 0);
	ck_assert_str_eq(qmp_state_name_of(q), "closed");
}
END_TEST

static Suite *transport_suite(void)
{
	Suite *s = suite_create("qmp-transport");
	TCase *tc = tcase_create("custom");

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, protocol_runs_over_a_custom_transport);
	tcase_add_test(tc, fd_on_a_transport_that_cannot_pass_fds_is_refused);
	tcase_add_test(
	    tc, failed_transport_start_fails_queued_commands_on_the_next_turn);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(transport_suite());
}
