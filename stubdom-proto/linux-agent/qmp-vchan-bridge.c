/*
 * qmp-vchan-bridge: serve a local QEMU's QMP unix socket to one other
 * domain over libxenvchan (the stub-domain side of QMP to a QEMU in a
 * Linux stub domain).
 *
 *   qmp-vchan-bridge [-v] CLIENT_DOMID XS_PATH QMP_SOCKET
 *
 * Publishes a libxenvchan server at XS_PATH that only CLIENT_DOMID may
 * connect to; each client session gets a fresh connection to QMP_SOCKET.
 * Runs until SIGTERM or SIGINT (then withdraws the server: exit 0), or
 * until the server cannot be created (exit 1). Logs to stderr.
 */
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stubdom-proto/linux-agent/vchan-bridge.h"
#include "version.h"

struct qmp_vchan_bridge_main {
	struct event_base *base;
	int verbose;
	int status;
};

static void qmp_vchan_bridge_usage(void)
{
	fprintf(stderr, "usage: qmp-vchan-bridge [-v] CLIENT_DOMID XS_PATH "
			"QMP_SOCKET\n");
	exit(2);
}

static void qmp_vchan_bridge_log(enum vchan_bridge_log_level level,
				 const char *msg, void *arg)
{
	struct qmp_vchan_bridge_main *m = arg;

	if (level == VCHAN_BRIDGE_LOG_DEBUG && !m->verbose)
		return;
	fprintf(stderr, "qmp-vchan-bridge: %s\n", msg);
}

static void qmp_vchan_bridge_failed(const char *why, void *arg)
{
	struct qmp_vchan_bridge_main *m = arg;

	fprintf(stderr, "qmp-vchan-bridge: giving up: %s\n", why);
	m->status = 1;
	event_base_loopbreak(m->base);
}

static void qmp_vchan_bridge_signal_cb(evutil_socket_t sig, short what,
				       void *arg)
{
	struct qmp_vchan_bridge_main *m = arg;

	fprintf(stderr, "qmp-vchan-bridge: %s: stopping\n", strsignal(sig));
	event_base_loopbreak(m->base);
}

static int qmp_vchan_bridge_parse_domid(const char *text)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < 0 || v > 0x7fef) {
		fprintf(stderr, "qmp-vchan-bridge: %s: not a domain id\n",
			text);
		exit(2);
	}
	return (int)v;
}

int main(int argc, char **argv)
{
	struct qmp_vchan_bridge_main m = {.status = 0};
	struct vchan_bridge_config cfg = {
	    .log = qmp_vchan_bridge_log,
	    .failed = qmp_vchan_bridge_failed,
	    .arg = &m,
	};
	struct event *ev_term, *ev_int;
	struct vchan_bridge *b;
	int opt;

	if (argc > 1 && !strcmp(argv[1], "--version"))
		return printf("qmp-vchan-bridge %s\n", DMSUP_VERSION) < 0;
	while ((opt = getopt(argc, argv, "+vh")) != -1) {
		if (opt == 'v')
			m.verbose = 1;
		else
			qmp_vchan_bridge_usage();
	}
	if (argc - optind != 3)
		qmp_vchan_bridge_usage();
	cfg.client_domid = qmp_vchan_bridge_parse_domid(argv[optind]);
	cfg.xs_path = argv[optind + 1];
	cfg.qmp_socket = argv[optind + 2];

	signal(SIGPIPE, SIG_IGN);
	m.base = event_base_new();
	if (!m.base) {
		fprintf(stderr, "qmp-vchan-bridge: out of memory\n");
		return 1;
	}
	b = vchan_bridge_new(m.base, &cfg);
	if (!b) {
		fprintf(stderr, "qmp-vchan-bridge: %s\n",
			errno == EINVAL
			    ? "XS_PATH must be absolute and at most "
			      "49 bytes, QMP_SOCKET a unix path"
			    : strerror(errno));
		return errno == EINVAL ? 2 : 1;
	}
	ev_term = evsignal_new(m.base, SIGTERM, qmp_vchan_bridge_signal_cb, &m);
	ev_int = evsignal_new(m.base, SIGINT, qmp_vchan_bridge_signal_cb, &m);
	if (!ev_term || !ev_int || evsignal_add(ev_term, NULL) < 0 ||
	    evsignal_add(ev_int, NULL) < 0 || vchan_bridge_start(b) < 0) {
		fprintf(stderr, "qmp-vchan-bridge: cannot set up the loop\n");
		return 1;
	}
	event_base_dispatch(m.base);
	vchan_bridge_free(b);
	event_free(ev_term);
	event_free(ev_int);
	event_base_free(m.base);
	return m.status;
}
