/*
 * qmp-call: run one QMP command against a QEMU monitor socket and print
 * the reply's "return" as JSON. See docs/qmp-call.1 for exit statuses.
 */
#include <errno.h>
#include <event2/event.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qmp/qmp.h"

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
};

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
	int opt, rc;

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
	if (argc - optind == 3)
		args = qmp_call_parse_args(argv[optind + 2]);

	lim.handshake_timeout_ms = (unsigned)(qc.timeout_s * 1000) ?: 1;
	lim.command_timeout_ms = lim.handshake_timeout_ms;
	qc.base = event_base_new();
	q = qc.base ? qmp_new(qc.base, &cbs, &lim) : NULL;
	if (!q) {
		fprintf(stderr, "qmp-call: out of memory\n");
		return QMP_CALL_INTERNAL;
	}
	rc = qmp_connect_unix(q, qc.socket);
	if (rc < 0) {
		fprintf(stderr, "qmp-call: %s: cannot connect: %s\n", qc.socket,
			rc == QMP_E_SYS ? strerror(errno) : qmp_strerror(rc));
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
	event_base_dispatch(qc.base);
out:
	qmp_free(q);
	event_base_free(qc.base);
	return qc.status;
}
