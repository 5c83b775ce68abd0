/*
 * qmp-call: run one QMP command against a QEMU monitor socket and print
 * the reply's "return" as JSON. See docs/qmp-call.1 for exit statuses.
 * SOCKET may also be vchan:DOMID:XSPATH (a stub domain's QEMU, see
 * docs/qmp-vchan.md).
 */
#include <errno.h>
#include <event2/event.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qmp/qmp.h"
#include "qmp/transport-vchan.h"
#include "version.h"

enum qmp_call_exit {
	QMP_CALL_OK = 0,
	QMP_CALL_QEMU_ERROR = 1,
	QMP_CALL_USAGE = 2,
	QMP_CALL_CONNECTION = 3,
	QMP_CALL_TIMEOUT = 4,
	QMP_CALL_INTERNAL = 5,
};

struct qmp_call {
	struct event_base *base;
	const char *socket;
	const char *command;
	double timeout_s;
	int status;
	int done;
	/* vchan: the server is re-created after each session, so an absent
	 * one is retried every QMP_CALL_RETRY_MS until the command's timeout
	 * (the command is queued meanwhile). */
	int vchan_domid;
	const char *vchan_path;
	struct qmp *q;
	struct event *retry;
	int connected;
	int connect_errno; /* of the last failed attempt */
};

#define QMP_CALL_RETRY_MS 20

static void qmp_call_usage(void)
{
	fprintf(stderr, "usage: qmp-call [-t TIMEOUT_S] SOCKET COMMAND "
			"[ARGUMENTS-JSON]\n");
	exit(QMP_CALL_USAGE);
}

static void qmp_call_finish(struct qmp_call *qc, int status)
{
	qc->status = status;
	qc->done = 1;
	event_base_loopbreak(qc->base);
}

static void qmp_call_connect_failed(struct qmp_call *qc, int rc)
{
	fprintf(stderr, "qmp-call: %s: cannot connect: %s\n", qc->socket,
		rc == QMP_E_SYS ? strerror(errno) : qmp_strerror(rc));
}

static void qmp_call_reply_cb(struct qmp *q, int rc, struct json_object *ret,
			      const struct qmp_error *err, void *arg)
{
	struct qmp_call *qc = arg;

	switch (rc) {
	case QMP_OK:
		printf("%s\n", json_object_to_json_string_ext(
				   ret, JSON_C_TO_STRING_PLAIN |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
		qmp_call_finish(qc, fflush(stdout) ? QMP_CALL_INTERNAL
						   : QMP_CALL_OK);
		break;
	case QMP_E_QEMU:
		fprintf(stderr, "qmp-call: %s: %s: %s: %s\n", qc->socket,
			qc->command, err->class, err->desc);
		qmp_call_finish(qc, QMP_CALL_QEMU_ERROR);
		break;
	case QMP_E_TIMEOUT:
		if (!qc->connected) {
			errno = qc->connect_errno;
			qmp_call_connect_failed(qc, QMP_E_SYS);
			qmp_call_finish(qc, QMP_CALL_CONNECTION);
			break;
		}
		fprintf(stderr, "qmp-call: %s: %s: no reply within %g s\n",
			qc->socket, qc->command, qc->timeout_s);
		qmp_call_finish(qc, QMP_CALL_TIMEOUT);
		break;
	default:
		/* The connection ended: closed_cb follows and says why. */
		qc->status = QMP_CALL_CONNECTION;
		break;
	}
}

static void qmp_call_closed_cb(struct qmp *q, int rc, const char *why,
			       void *arg)
{
	struct qmp_call *qc = arg;

	if (qc->done)
		return;
	fprintf(stderr, "qmp-call: %s: %s\n", qc->socket, why);
	qmp_call_finish(qc, rc == QMP_E_TIMEOUT ? QMP_CALL_TIMEOUT
						: QMP_CALL_CONNECTION);
}

/* Connect; 0, or the rc with errno kept in connect_errno too. */
static int qmp_call_connect(struct qmp_call *qc)
{
	int rc;

	if (qc->vchan_path)
		rc = qmp_connect_vchan(qc->q, qc->vchan_domid, qc->vchan_path);
	else
		rc = qmp_connect_unix(qc->q, qc->socket);
	qc->connected = rc == 0;
	qc->connect_errno = errno;
	return rc;
}

/* A vchan server not (yet) published, or still finishing a session. */
static int qmp_call_may_retry(const struct qmp_call *qc, int rc)
{
	return qc->vchan_path && rc == QMP_E_SYS &&
	       (errno == ENOENT || errno == EAGAIN || errno == EACCES);
}

static void qmp_call_retry_later(struct qmp_call *qc)
{
	const struct timeval tv = {0, QMP_CALL_RETRY_MS * 1000};

	evtimer_add(qc->retry, &tv);
}

static void qmp_call_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct qmp_call *qc = arg;
	int rc;

	rc = qmp_call_connect(qc);
	if (rc == 0)
		return;
	if (qmp_call_may_retry(qc, rc)) {
		qmp_call_retry_later(qc);
		return;
	}
	qmp_call_connect_failed(qc, rc);
	qmp_call_finish(qc, QMP_CALL_CONNECTION);
}

static struct json_object *qmp_call_parse_args(const char *text)
{
	enum json_tokener_error jerr;
	struct json_object *args = json_tokener_parse_verbose(text, &jerr);

	if (!args) {
		fprintf(stderr, "qmp-call: ARGUMENTS-JSON: invalid JSON: %s\n",
			json_tokener_error_desc(jerr));
		exit(QMP_CALL_USAGE);
	}
	if (!json_object_is_type(args, json_type_object)) {
		fprintf(stderr,
			"qmp-call: ARGUMENTS-JSON: not a JSON object\n");
		exit(QMP_CALL_USAGE);
	}
	return args;
}

static double qmp_call_parse_timeout(const char *text)
{
	char *end;
	double t;

	errno = 0;
	t = strtod(text, &end);
	if (errno || end == text || *end || !(t > 0) || t > 86400) {
		fprintf(stderr,
			"qmp-call: -t %s: not a number of seconds in "
			"(0, 86400]\n",
			text);
		exit(QMP_CALL_USAGE);
	}
	return t;
}

int main(int argc, char **argv)
{
	struct qmp_call qc = {.timeout_s = 10, .status = QMP_CALL_INTERNAL};
	struct qmp_callbacks cbs = {.closed = qmp_call_closed_cb, .arg = &qc};
	struct json_object *args = NULL;
	struct qmp_limits lim = {0};
	struct qmp *q;
	int opt, rc, retry = 0;

	if (argc > 1 && !strcmp(argv[1], "--version"))
		return printf("qmp-call %s\n", DMSUP_VERSION) < 0;
	while ((opt = getopt(argc, argv, "+t:h")) != -1) {
		if (opt == 't')
			qc.timeout_s = qmp_call_parse_timeout(optarg);
		else
			qmp_call_usage();
	}
	if (argc - optind < 2 || argc - optind > 3)
		qmp_call_usage();
	qc.socket = argv[optind];
	qc.command = argv[optind + 1];
	if (qmp_vchan_parse_address(qc.socket, &qc.vchan_domid,
				    &qc.vchan_path) < 0) {
		fprintf(stderr,
			"qmp-call: %s: not vchan:DOMID:XSPATH (a domain id "
			"and an absolute xenstore path of at most %d bytes)\n",
			qc.socket, QMP_VCHAN_XS_PATH_MAX);
		exit(QMP_CALL_USAGE);
	}
	if (argc - optind == 3)
		args = qmp_call_parse_args(argv[optind + 2]);

	lim.handshake_timeout_ms = (unsigned)(qc.timeout_s * 1000) ?: 1;
	lim.command_timeout_ms = lim.handshake_timeout_ms;
	qc.base = event_base_new();
	q = qc.base ? qmp_new(qc.base, &cbs, &lim) : NULL;
	qc.retry =
	    qc.base ? evtimer_new(qc.base, qmp_call_retry_cb, &qc) : NULL;
	if (!q || !qc.retry) {
		fprintf(stderr, "qmp-call: out of memory\n");
		return QMP_CALL_INTERNAL;
	}
	qc.q = q;
	rc = qmp_call_connect(&qc);
	if (rc < 0 && !(retry = qmp_call_may_retry(&qc, rc))) {
		qmp_call_connect_failed(&qc, rc);
		json_object_put(args);
		qc.status = QMP_CALL_CONNECTION;
		goto out;
	}
	/* Queued now, sent as soon as negotiation finishes. */
	rc = qmp_execute(q, qc.command, args, -1, 0, qmp_call_reply_cb, &qc);
	if (rc < 0) {
		fprintf(stderr, "qmp-call: %s: %s: %s\n", qc.socket, qc.command,
			qmp_strerror(rc));
		goto out;
	}
	if (retry)
		qmp_call_retry_later(&qc);
	event_base_dispatch(qc.base);
out:
	event_free(qc.retry);
	qmp_free(q);
	event_base_free(qc.base);
	return qc.status;
}
