/*
 * Unit tests: the libqmp client against a scripted peer on a socketpair.
 * The test plays QEMU: it writes greetings, replies, events and garbage,
 * and reads what the client sends.
 */
#include <check.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "qmp/qmp.h"
#include "tests/unit/qmp/run-until.h"
#include "qmp/transport.h"
#include "tests/unit/qmp/check-main.h"

#define GREETING                                                               \
	"{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 3, \"minor\": 2, "     \
	"\"major\": 7}, \"package\": \"test-pkg\"}, \"capabilities\": "        \
	"[\"oob\"]}}\r\n"

/* What one command's reply callback saw. */
struct reply {
	int calls;
	int rc;
	int order; /* value of `sequence` when called */
	char ret[512];
	char err_class[64];
	char err_desc[256];
	int free_q; /* call qmp_free from inside the callback */
};

static struct event_base *base;
static struct qmp *q;
static int peer = -1;
static struct event *peer_ev;
static char peer_in[4 << 20]; /* room for a large command */
static size_t peer_in_len;

static int sequence;
static int ready_calls;
static int closed_calls, closed_rc, closed_order, closed_free_q;
static char closed_why[256];
static int event_calls;
static char event_name[64], event_data[256];
static struct qmp_timestamp event_ts;
static char log_text[16384];

/* ---- the callbacks under observation ----------------------------------- */

static void reply_cb(struct qmp *qq, int rc, struct json_object *ret,
		     const struct qmp_error *err, void *arg)
{
	struct reply *r = arg;

	r->calls++;
	r->rc = rc;
	r->order = ++sequence;
	if (ret)
		snprintf(r->ret, sizeof(r->ret), "%s",
			 json_object_to_json_string_ext(
			     ret, JSON_C_TO_STRING_PLAIN));
	if (err) {
		snprintf(r->err_class, sizeof(r->err_class), "%s", err->class);
		snprintf(r->err_desc, sizeof(r->err_desc), "%s", err->desc);
	}
	if (r->free_q) {
		qmp_free(qq);
		q = NULL;
	}
}

static void ready_cb(struct qmp *qq, void *arg)
{
	ready_calls++;
}

static void closed_cb(struct qmp *qq, int rc, const char *why, void *arg)
{
	closed_calls++;
	closed_rc = rc;
	closed_order = ++sequence;
	snprintf(closed_why, sizeof(closed_why), "%s", why);
	if (closed_free_q) {
		qmp_free(qq);
		q = NULL;
	}
}

static void event_cb(struct qmp *qq, const char *name, struct json_object *data,
		     const struct qmp_timestamp *ts, void *arg)
{
	event_calls++;
	snprintf(event_name, sizeof(event_name), "%s", name);
	snprintf(
	    event_data, sizeof(event_data), "%s",
	    data ? json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN)
		 : "(null)");
	event_ts = *ts;
}

static void log_cb(struct qmp *qq, enum qmp_log_level level, const char *msg,
		   void *arg)
{
	size_t len = strlen(log_text);

	snprintf(log_text + len, sizeof(log_text) - len, "%s\n", msg);
}

static const struct qmp_callbacks cbs = {
    .ready = ready_cb,
    .event = event_cb,
    .closed = closed_cb,
    .log = log_cb,
};

/* ---- the peer ---------------------------------------------------------- */

static void peer_read_cb(evutil_socket_t fd, short what, void *arg)
{
	ssize_t r =
	    read(fd, peer_in + peer_in_len, sizeof(peer_in) - peer_in_len - 1);

	if (r <= 0)
		event_del(peer_ev);
	else
		peer_in_len += (size_t)r;
}

#define RUN_UNTIL(cond) RUN_UNTIL_S(base, 10, cond)

static void peer_send_n(const char *s, size_t len)
{
	while (len) {
		ssize_t r = write(peer, s, len);

		if (r < 0 && errno == EAGAIN) {
			event_base_loop(base, EVLOOP_NONBLOCK);
			continue;
		}
		ck_assert_int_gt(r, 0);
		s += r;
		len -= (size_t)r;
	}
}

static void peer_send(const char *s)
{
	peer_send_n(s, strlen(s));
}

/* The next command the client sent, parsed. */
static struct json_object *peer_next_cmd(void)
{
	struct json_object *cmd;
	char *nl;
	size_t n;

	RUN_UNTIL(memchr(peer_in, '\n', peer_in_len));
	nl = memchr(peer_in, '\n', peer_in_len);
	*nl = 0;
	cmd = json_tokener_parse(peer_in);
	ck_assert_ptr_nonnull(cmd);
	n = (size_t)(nl + 1 - peer_in);
	memmove(peer_in, nl + 1, peer_in_len - n);
	peer_in_len -= n;
	return cmd;
}

static const char *cmd_name(struct json_object *cmd)
{
	return json_object_get_string(json_object_object_get(cmd, "execute"));
}

/* Read the next command, check its name, return its id. */
static long long peer_expect_cmd(const char *name)
{
	struct json_object *cmd = peer_next_cmd();
	long long id;

	ck_assert_str_eq(cmd_name(cmd), name);
	id = json_object_get_int64(json_object_object_get(cmd, "id"));
	json_object_put(cmd);
	return id;
}

static void peer_reply(long long id, const char *ret_json)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "{\"return\": %s, \"id\": %lld}\r\n",
		 ret_json, id);
	peer_send(buf);
}

/* ---- fixture ----------------------------------------------------------- */

static void make_client(const struct qmp_limits *lim)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
			 0);
	q = qmp_new(base, &cbs, lim);
	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq(
	    qmp_attach_transport(q, qmp_transport_unix_adopt_fd(sv[0])), 0);
	peer = sv[1];
	fcntl(peer, F_SETFL, O_NONBLOCK);
	peer_ev =
	    event_new(base, peer, EV_READ | EV_PERSIST, peer_read_cb, NULL);
	event_add(peer_ev, NULL);
}

static void setup(void)
{
	base = event_base_new();
	make_client(NULL);
}

static void teardown(void)
{
	qmp_free(q);
	event_free(peer_ev);
	close(peer);
	event_base_free(base);
}

/* Replace the default client by one with other limits. */
static void remake_client(const struct qmp_limits *lim)
{
	qmp_free(q);
	event_free(peer_ev);
	close(peer);
	make_client(lim);
}

static void go_ready(void)
{
	peer_send(GREETING);
	peer_reply(peer_expect_cmd("qmp_capabilities"), "{}");
	RUN_UNTIL(ready_calls == 1);
}

static void execute(const char *cmd, struct reply *r)
{
	ck_assert_int_eq(qmp_execute(q, cmd, NULL, -1, 0, reply_cb, r), 0);
}

/* ---- handshake --------------------------------------------------------- */

START_TEST(ready_follows_greeting_and_capabilities)
{
	go_ready();
	ck_assert_int_eq(ready_calls, 1);
	ck_assert(qmp_is_ready(q));
	ck_assert_str_eq(qmp_state_name_of(q), "ready");
}
END_TEST

START_TEST(greeting_version_and_package_are_kept)
{
	int major, minor, micro;

	go_ready();
	ck_assert_int_eq(qmp_version(q, &major, &minor, &micro), 0);
	ck_assert_int_eq(major, 7);
	ck_assert_int_eq(minor, 2);
	ck_assert_int_eq(micro, 3);
	ck_assert_str_eq(qmp_package(q), "test-pkg");
}
END_TEST

START_TEST(version_is_unknown_before_the_greeting)
{
	ck_assert_int_eq(qmp_version(q, NULL, NULL, NULL), QMP_E_STATE);
	ck_assert_ptr_null(qmp_package(q));
}
END_TEST

START_TEST(malformed_greeting_closes_with_protocol_error)
{
	peer_send("{\"QMP\": {\"version\": 7}}\r\n");
	RUN_UNTIL(closed_calls == 1);
	ck_assert_int_eq(closed_rc, QMP_E_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(closed_why, "greeting"));
}
END_TEST

START_TEST(refused_capabilities_close_with_qemu_error)
{
	long long id;
	char buf[256];

	peer_send(GREETING);
	id = peer_expect_cmd("qmp_capabilities");
	snprintf(buf, sizeof(buf),
		 "{\"error\": {\"class\": \"GenericError\", \"desc\": \"no\"}, "
		 "\"id\": %lld}\r\n",
		 id);
	peer_send(buf);
	RUN_UNTIL(closed_calls == 1);
	ck_assert_int_eq(closed_rc, QMP_E_QEMU);
	ck_assert_int_eq(ready_calls, 0);
	ck_assert_ptr_nonnull(strstr(closed_why, "GenericError: no"));
}
END_TEST

START_TEST(missing_greeting_times_out)
{
	struct qmp_limits lim = {.handshake_timeout_ms = 50};

	remake_client(&lim);
	RUN_UNTIL(closed_calls == 1);
	ck_assert_int_eq(closed_rc, QMP_E_TIMEOUT);
	ck_assert_int_eq(ready_calls, 0);
}
END_TEST

START_TEST(state_transitions_are_logged)
{
	go_ready();
	ck_assert_ptr_nonnull(strstr(log_text, "state idle -> connecting"));
	ck_assert_ptr_nonnull(strstr(log_text, "state connecting -> greeting"));
	ck_assert_ptr_nonnull(
	    strstr(log_text, "state greeting -> negotiating"));
	ck_assert_ptr_nonnull(strstr(log_text, "state negotiating -> ready"));
}
END_TEST

/* ---- commands ---------------------------------------------------------- */

START_TEST(command_gets_its_return_value)
{
	struct reply r = {0};

	go_ready();
	execute("query-status", &r);
	peer_reply(peer_expect_cmd("query-status"),
		   "{\"status\": \"running\"}");
	RUN_UNTIL(r.calls == 1);
	ck_assert_int_eq(r.rc, QMP_OK);
	ck_assert_str_eq(r.ret, "{\"status\":\"running\"}");
}
END_TEST

START_TEST(arguments_are_sent_with_the_command)
{
	static struct reply r; /* still pending at teardown */
	struct json_object *args = json_object_new_object(), *cmd, *sent;

	go_ready();
	json_object_object_add(args, "fdset-id", json_object_new_int(3));
	ck_assert_int_eq(qmp_execute(q, "remove-fd", args, -1, 0, reply_cb, &r),
			 0);
	cmd = peer_next_cmd();
	ck_assert(json_object_object_get_ex(cmd, "arguments", &sent));
	ck_assert_str_eq(
	    json_object_to_json_string_ext(sent, JSON_C_TO_STRING_PLAIN),
	    "{\"fdset-id\":3}");
	json_object_put(cmd);
}
END_TEST

START_TEST(error_reply_gives_class_and_desc)
{
	struct reply r = {0};
	char buf[256];

	go_ready();
	execute("nonexistent", &r);
	snprintf(buf, sizeof(buf),
		 "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
		 "\"The command nonexistent has not been found\"}, "
		 "\"id\": %lld}\r\n",
		 peer_expect_cmd("nonexistent"));
	peer_send(buf);
	RUN_UNTIL(r.calls == 1);
	ck_assert_int_eq(r.rc, QMP_E_QEMU);
	ck_assert_str_eq(r.err_class, "CommandNotFound");
	ck_assert_str_eq(r.err_desc,
			 "The command nonexistent has not been found");
}
END_TEST

START_TEST(commands_issued_before_ready_are_sent_after_negotiation)
{
	struct reply r = {0};

	execute("query-status", &r);
	peer_send(GREETING);
	peer_reply(peer_expect_cmd("qmp_capabilities"), "{}");
	peer_reply(peer_expect_cmd("query-status"), "{}");
	RUN_UNTIL(r.calls == 1);
	ck_assert_int_eq(r.rc, QMP_OK);
	ck_assert_int_eq(ready_calls, 1);
}
END_TEST

START_TEST(replies_out_of_order_are_matched_by_id)
{
	struct reply r[3] = {{0}};
	long long id[3];
	char ret[32];
	int i;

	go_ready();
	for (i = 0; i < 3; i++)
		execute("query-status", &r[i]);
	for (i = 0; i < 3; i++)
		id[i] = peer_expect_cmd("query-status");
	for (i = 2; i >= 0; i--) {
		snprintf(ret, sizeof(ret), "{\"n\": %d}", i);
		peer_reply(id[i], ret);
	}
	RUN_UNTIL(r[0].calls && r[1].calls && r[2].calls);
	for (i = 0; i < 3; i++) {
		snprintf(ret, sizeof(ret), "{\"n\":%d}", i);
		ck_assert_str_eq(r[i].ret, ret);
		ck_assert_int_eq(r[i].calls, 1);
	}
	ck_assert_int_lt(r[2].order, r[0].order);
}
END_TEST

START_TEST(reply_split_into_one_byte_reads_is_delivered_once)
{
	struct reply r = {0};
	char buf[128];
	size_t i;

	go_ready();
	execute("query-status", &r);
	snprintf(buf, sizeof(buf),
		 "{\"return\": {\"status\": \"paused\"}, \"id\": %lld}\r\n",
		 peer_expect_cmd("query-status"));
	for (i = 0; buf[i]; i++) {
		peer_send_n(buf + i, 1);
		event_base_loop(base, EVLOOP_ONCE);
	}
	RUN_UNTIL(r.calls == 1);
	ck_assert_str_eq(r.ret, "{\"status\":\"paused\"}");
}
END_TEST

START_TEST(two_replies_in_one_read_are_both_delivered)
{
	struct reply a = {0}, b = {0};
	long long ida, idb;
	char buf[256];

	go_ready();
	execute("query-status", &a);
	execute("query-version", &b);
	ida = peer_expect_cmd("query-status");
	idb = peer_expect_cmd("query-version");
	snprintf(buf, sizeof(buf),
		 "{\"return\": {\"a\": 1}, \"id\": %lld}\r\n"
		 "{\"return\": {\"b\": 2}, \"id\": %lld}\r\n",
		 ida, idb);
	peer_send(buf);
	RUN_UNTIL(a.calls && b.calls);
	ck_assert_str_eq(a.ret, "{\"a\":1}");
	ck_assert_str_eq(b.ret, "{\"b\":2}");
}
END_TEST

START_TEST(fd_is_passed_with_the_command)
{
	static struct reply r; /* still pending at teardown */
	char cbuf[CMSG_SPACE(sizeof(int))], data[4096], got[8] = "";
	struct iovec iov = {data, sizeof(data)};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *cm;
	int pfd[2], passed;

	go_ready();
	event_del(peer_ev); /* read this one by hand, with its fd */
	ck_assert_int_eq(pipe2(pfd, O_CLOEXEC), 0);
	ck_assert_int_eq(qmp_execute(q, "getfd",
				     json_tokener_parse("{\"fdname\": \"x\"}"),
				     pfd[1], 0, reply_cb, &r),
			 0);
	close(pfd[1]); /* the caller's copy: libqmp sent its own */
	ck_assert_int_gt(recvmsg(peer, &msg, MSG_CMSG_CLOEXEC), 0);
	cm = CMSG_FIRSTHDR(&msg);
	ck_assert_ptr_nonnull(cm);
	ck_assert_int_eq(cm->cmsg_type, SCM_RIGHTS);
	memcpy(&passed, CMSG_DATA(cm), sizeof(int));
	ck_assert_int_eq(write(passed, "hi", 2), 2);
	close(passed);
	ck_assert_int_eq(read(pfd[0], got, sizeof(got) - 1), 2);
	ck_assert_str_eq(got, "hi");
	close(pfd[0]);
	ck_assert_ptr_nonnull(strstr(data, "\"getfd\""));
}
END_TEST

START_TEST(non_object_arguments_are_refused)
{
	struct reply r = {0};

	ck_assert_int_eq(
	    qmp_execute(q, "x", json_object_new_int(1), -1, 0, reply_cb, &r),
	    QMP_E_INVAL);
	ck_assert_int_eq(r.calls, 0);
}
END_TEST

START_TEST(commands_beyond_max_pending_are_refused)
{
	struct qmp_limits lim = {.max_pending = 2};
	static struct reply r[3]; /* still pending at teardown */

	remake_client(&lim);
	execute("a", &r[0]);
	execute("b", &r[1]);
	ck_assert_int_eq(qmp_execute(q, "c", NULL, -1, 0, reply_cb, &r[2]),
			 QMP_E_LIMIT);
	ck_assert_int_eq(qmp_pending_count(q), 2);
}
END_TEST

/* A JSON object {"data": "xxx..."} of about `len` bytes. */
static struct json_object *big_args(size_t len)
{
	struct json_object *args = json_object_new_object();
	char *s = malloc(len + 1);

	memset(s, 'x', len);
	s[len] = 0;
	json_object_object_add(args, "data", json_object_new_string(s));
	free(s);
	return args;
}

START_TEST(large_command_is_written_completely)
{
	static struct reply r; /* still pending at teardown */
	struct json_object *cmd, *data;

	go_ready();
	ck_assert_int_eq(
	    qmp_execute(q, "big", big_args(2 << 20), -1, 0, reply_cb, &r), 0);
	cmd = peer_next_cmd();
	ck_assert(json_object_object_get_ex(
	    json_object_object_get(cmd, "arguments"), "data", &data));
	ck_assert_uint_eq(strlen(json_object_get_string(data)), 2 << 20);
	json_object_put(cmd);
}
END_TEST

START_TEST(command_timed_out_half_written_is_still_sent_whole)
{
	struct reply big = {0}, next = {0};

	go_ready();
	event_del(peer_ev); /* the peer stops reading: the socket fills */
	ck_assert_int_eq(
	    qmp_execute(q, "big", big_args(2 << 20), -1, 50, reply_cb, &big),
	    0);
	RUN_UNTIL(big.calls == 1);
	ck_assert_int_eq(big.rc, QMP_E_TIMEOUT);
	execute("next", &next);
	event_add(peer_ev, NULL);
	json_object_put(peer_next_cmd());
	peer_reply(peer_expect_cmd("next"), "{}");
	RUN_UNTIL(next.calls == 1);
	ck_assert_int_eq(next.rc, QMP_OK);
}
END_TEST

START_TEST(connect_to_a_missing_socket_fails_at_once_with_enoent)
{
	struct qmp *q2 = qmp_new(base, &cbs, NULL);

	errno = 0;
	ck_assert_int_eq(qmp_connect_unix(q2, "/nonexistent/qmp.sock"),
			 QMP_E_SYS);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_str_eq(qmp_state_name_of(q2), "idle");
	qmp_free(q2);
	ck_assert_int_eq(closed_calls, 0);
}
END_TEST

/* ---- timeouts ---------------------------------------------------------- */

START_TEST(timeout_fails_only_that_command)
{
	struct reply slow = {0}, fast = {0};
	long long id_fast;

	go_ready();
	ck_assert_int_eq(qmp_execute(q, "slow", NULL, -1, 50, reply_cb, &slow),
			 0);
	execute("fast", &fast);
	peer_expect_cmd("slow");
	id_fast = peer_expect_cmd("fast");
	RUN_UNTIL(slow.calls == 1);
	ck_assert_int_eq(slow.rc, QMP_E_TIMEOUT);
	ck_assert_int_eq(fast.calls, 0);
	peer_reply(id_fast, "{}");
	RUN_UNTIL(fast.calls == 1);
	ck_assert_int_eq(fast.rc, QMP_OK);
	ck_assert(qmp_is_ready(q));
}
END_TEST

START_TEST(late_reply_after_timeout_is_ignored)
{
	struct reply slow = {0}, next = {0};
	long long id_slow;

	go_ready();
	ck_assert_int_eq(qmp_execute(q, "slow", NULL, -1, 50, reply_cb, &slow),
			 0);
	id_slow = peer_expect_cmd("slow");
	RUN_UNTIL(slow.calls == 1);
	peer_reply(id_slow, "{}");
	execute("next", &next);
	peer_reply(peer_expect_cmd("next"), "{}");
	RUN_UNTIL(next.calls == 1);
	ck_assert_int_eq(slow.calls, 1);
	ck_assert_int_eq(closed_calls, 0);
	ck_assert_ptr_nonnull(strstr(log_text, "unknown id"));
}
END_TEST

/* ---- events ------------------------------------------------------------ */

START_TEST(event_is_delivered_with_name_data_and_timestamp)
{
	go_ready();
	peer_send("{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": "
		  "12}, \"event\": \"BLOCK_IO_ERROR\", \"data\": {\"device\": "
		  "\"ide0\"}}\r\n");
	RUN_UNTIL(event_calls == 1);
	ck_assert_str_eq(event_name, "BLOCK_IO_ERROR");
	ck_assert_str_eq(event_data, "{\"device\":\"ide0\"}");
	ck_assert_int_eq(event_ts.seconds, 1700000000);
	ck_assert_int_eq(event_ts.microseconds, 12);
}
END_TEST

START_TEST(event_without_data_has_null_data)
{
	go_ready();
	peer_send("{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, "
		  "\"event\": \"STOP\"}\r\n");
	RUN_UNTIL(event_calls == 1);
	ck_assert_str_eq(event_name, "STOP");
	ck_assert_str_eq(event_data, "(null)");
}
END_TEST

START_TEST(event_before_the_greeting_is_delivered_then_ready_follows)
{
	peer_send("{\"timestamp\": {\"seconds\": 5, \"microseconds\": 6}, "
		  "\"event\": \"RESUME\"}\r\n");
	RUN_UNTIL(event_calls == 1);
	ck_assert_str_eq(event_name, "RESUME");
	ck_assert_int_eq(event_ts.seconds, 5);
	ck_assert_int_eq(closed_calls, 0);
	ck_assert_str_eq(qmp_state_name_of(q), "greeting");
	go_ready();
	ck_assert(qmp_is_ready(q));
	ck_assert_int_eq(closed_calls, 0);
}
END_TEST

/* Only events may come first: a reply or an unknown kind still closes. */
static const char *const before_greeting[] = {
    "{\"return\": {}, \"id\": 1}",
    "{\"error\": {\"class\": \"x\", \"desc\": \"y\"}}",
    "{\"event\": \"RESUME\", \"return\": {}}",
    "{\"foo\": 1}",
};

START_TEST(non_event_before_the_greeting_closes_with_protocol_error)
{
	peer_send(before_greeting[_i]);
	RUN_UNTIL(closed_calls == 1);
	ck_assert_int_eq(closed_rc, QMP_E_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(closed_why, "expected the QMP greeting"));
	ck_assert_int_eq(event_calls, 0);
}
END_TEST

/* ---- untrusted input --------------------------------------------------- */

static const struct {
	const char *what;
	const char *bytes;
} garbage[] = {
    {"mismatched brackets", "{]"},
    {"byte 0xff", "\xff"},
    {"control character", "{\"return\": \"\x07\", \"id\": 1}"},
    {"non-object", "[1, 2, 3]"},
    {"reply without id", "{\"return\": {}}"},
};

START_TEST(garbage_closes_with_protocol_error_and_fails_pending_once)
{
	struct reply r = {0};

	go_ready();
	execute("query-status", &r);
	peer_expect_cmd("query-status");
	peer_send(garbage[_i].bytes);
	RUN_UNTIL(closed_calls == 1);
	ck_assert_msg(closed_rc == QMP_E_PROTOCOL, "%s: rc %d",
		      garbage[_i].what, closed_rc);
	ck_assert_ptr_nonnull(strstr(closed_why, "protocol error"));
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.rc, QMP_E_DISCONNECTED);
	ck_assert_int_eq(qmp_execute(q, "x", NULL, -1, 0, reply_cb, &r),
			 QMP_E_STATE);
}
END_TEST

START_TEST(oversized_reply_closes_with_protocol_error)
{
	struct qmp_limits lim = {.max_message = 1024};
	struct reply r = {0};
	char big[2100];

	remake_client(&lim);
	go_ready();
	execute("query-status", &r);
	memset(big, ' ', sizeof(big));
	snprintf(big, sizeof(big), "{\"return\": \"%2000d\", \"id\": %lld}", 1,
		 peer_expect_cmd("query-status"));
	peer_send(big);
	RUN_UNTIL(closed_calls == 1);
	ck_assert_int_eq(closed_rc, QMP_E_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(closed_why, "exceeds 1024 bytes"));
	ck_assert_int_eq(r.rc, QMP_E_DISCONNECTED);
}
END_TEST

START_TEST(unknown_id_is_ignored)
{
	struct reply r = {0};

	go_ready();
	execute("query-status", &r);
	peer_reply(999, "{\"stray\": true}");
	peer_reply(peer_expect_cmd("query-status"), "{\"mine\": true}");
	RUN_UNTIL(r.calls == 1);
	ck_assert_str_eq(r.ret, "{\"mine\":true}");
	ck_assert_int_eq(closed_calls, 0);
	ck_assert_ptr_nonnull(strstr(log_text, "unknown id 999"));
}
END_TEST

/* ---- disconnect and free ----------------------------------------------- */

START_TEST(eof_fails_every_pending_command_once_then_reports_closed)
{
	struct reply r[3] = {{0}};
	int i;

	go_ready();
	for (i = 0; i < 3; i++)
		execute("query-status", &r[i]);
	shutdown(peer, SHUT_WR);
	RUN_UNTIL(closed_calls == 1);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(r[i].calls, 1);
		ck_assert_int_eq(r[i].rc, QMP_E_DISCONNECTED);
		ck_assert_int_lt(r[i].order, closed_order);
	}
	ck_assert_int_eq(closed_rc, QMP_E_DISCONNECTED);
	qmp_free(q);
	q = NULL;
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(r[i].calls, 1);
	ck_assert_int_eq(closed_calls, 1);
}
END_TEST

START_TEST(free_with_pending_commands_cancels_each_once)
{
	struct reply r[2] = {{0}};

	go_ready();
	execute("a", &r[0]);
	execute("b", &r[1]);
	qmp_free(q);
	q = NULL;
	ck_assert_int_eq(r[0].calls, 1);
	ck_assert_int_eq(r[0].rc, QMP_E_CANCELLED);
	ck_assert_int_eq(r[1].calls, 1);
	ck_assert_int_eq(r[1].rc, QMP_E_CANCELLED);
	ck_assert_int_eq(closed_calls, 0);
}
END_TEST

START_TEST(free_inside_a_reply_callback_cancels_the_rest_once)
{
	struct reply first = {.free_q = 1}, second = {0};
	char buf[256];
	long long id1, id2;

	go_ready();
	execute("a", &first);
	execute("b", &second);
	id1 = peer_expect_cmd("a");
	id2 = peer_expect_cmd("b");
	/* Both replies in one read: the second must not touch freed q. */
	snprintf(buf, sizeof(buf),
		 "{\"return\": {}, \"id\": %lld}\r\n"
		 "{\"return\": {}, \"id\": %lld}\r\n",
		 id1, id2);
	peer_send(buf);
	RUN_UNTIL(first.calls == 1);
	ck_assert_int_eq(second.calls, 1);
	ck_assert_int_eq(second.rc, QMP_E_CANCELLED);
}
END_TEST

START_TEST(free_inside_the_closed_callback_is_safe)
{
	struct reply r = {0};

	go_ready();
	execute("a", &r);
	closed_free_q = 1;
	close(peer);
	peer = -1;
	event_del(peer_ev);
	RUN_UNTIL(closed_calls == 1);
	ck_assert_ptr_null(q);
	ck_assert_int_eq(r.calls, 1);
}
END_TEST

START_TEST(execute_never_calls_back_before_returning)
{
	struct reply r = {0};

	go_ready();
	execute("a", &r);
	ck_assert_int_eq(r.calls, 0);
	shutdown(peer, SHUT_RDWR);
	RUN_UNTIL(closed_calls == 1);
	ck_assert_int_eq(qmp_execute(q, "b", NULL, -1, 0, reply_cb, &r),
			 QMP_E_STATE);
	ck_assert_int_eq(r.calls, 1);
}
END_TEST

static Suite *client_suite(void)
{
	Suite *s = suite_create("qmp-client");
	TCase *tc;

	tc = tcase_create("handshake");
	tcase_set_timeout(tc, 30); /* generous: shared, slow machines */
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ready_follows_greeting_and_capabilities);
	tcase_add_test(tc, greeting_version_and_package_are_kept);
	tcase_add_test(tc, version_is_unknown_before_the_greeting);
	tcase_add_test(tc, malformed_greeting_closes_with_protocol_error);
	tcase_add_test(tc, refused_capabilities_close_with_qemu_error);
	tcase_add_test(tc, missing_greeting_times_out);
	tcase_add_test(
	    tc, event_before_the_greeting_is_delivered_then_ready_follows);
	tcase_add_loop_test(
	    tc, non_event_before_the_greeting_closes_with_protocol_error, 0,
	    sizeof(before_greeting) / sizeof(*before_greeting));
	tcase_add_test(tc, state_transitions_are_logged);
	suite_add_tcase(s, tc);

	tc = tcase_create("commands");
	tcase_set_timeout(tc, 30); /* generous: shared, slow machines */
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, command_gets_its_return_value);
	tcase_add_test(tc, arguments_are_sent_with_the_command);
	tcase_add_test(tc, error_reply_gives_class_and_desc);
	tcase_add_test(tc,
		       commands_issued_before_ready_are_sent_after_negotiation);
	tcase_add_test(tc, replies_out_of_order_are_matched_by_id);
	tcase_add_test(tc, reply_split_into_one_byte_reads_is_delivered_once);
	tcase_add_test(tc, two_replies_in_one_read_are_both_delivered);
	tcase_add_test(tc, fd_is_passed_with_the_command);
	tcase_add_test(tc, non_object_arguments_are_refused);
	tcase_add_test(tc, commands_beyond_max_pending_are_refused);
	tcase_add_test(tc, large_command_is_written_completely);
	tcase_add_test(tc, command_timed_out_half_written_is_still_sent_whole);
	tcase_add_test(tc, timeout_fails_only_that_command);
	tcase_add_test(tc, late_reply_after_timeout_is_ignored);
	suite_add_tcase(s, tc);

	tc = tcase_create("events");
	tcase_set_timeout(tc, 30); /* generous: shared, slow machines */
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, event_is_delivered_with_name_data_and_timestamp);
	tcase_add_test(tc, event_without_data_has_null_data);
	suite_add_tcase(s, tc);

	tc = tcase_create("untrusted");
	tcase_set_timeout(tc, 30); /* generous: shared, slow machines */
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(
	    tc, garbage_closes_with_protocol_error_and_fails_pending_once, 0,
	    (int)(sizeof(garbage) / sizeof(*garbage)));
	tcase_add_test(tc, oversized_reply_closes_with_protocol_error);
	tcase_add_test(tc, unknown_id_is_ignored);
	suite_add_tcase(s, tc);

	tc = tcase_create("lifetime");
	tcase_set_timeout(tc, 30); /* generous: shared, slow machines */
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(
	    tc, eof_fails_every_pending_command_once_then_reports_closed);
	tcase_add_test(tc, free_with_pending_commands_cancels_each_once);
	tcase_add_test(tc, free_inside_a_reply_callback_cancels_the_rest_once);
	tcase_add_test(tc, free_inside_the_closed_callback_is_safe);
	tcase_add_test(tc, execute_never_calls_back_before_returning);
	tcase_add_test(tc,
		       connect_to_a_missing_socket_fails_at_once_with_enoent);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(client_suite());
}
