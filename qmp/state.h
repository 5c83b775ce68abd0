/*
 * The connection state machine of one struct qmp (table in docs/qmp.md).
 * qmp.c performs the actions; this file owns which transitions exist and
 * logs each one.
 */
#ifndef QMP_STATE_H
#define QMP_STATE_H

struct qmp;

enum qmp_state {
	QMP_STATE_IDLE,	       /* created, no transport */
	QMP_STATE_CONNECTING,  /* transport being set up */
	QMP_STATE_GREETING,    /* waiting for {"QMP": ...} */
	QMP_STATE_NEGOTIATING, /* qmp_capabilities sent */
	QMP_STATE_READY,       /* commands flow */
	QMP_STATE_CLOSED,      /* final */
	QMP_STATE_COUNT
};

enum qmp_state_event {
	QMP_SEV_CONNECT,      /* qmp_connect_unix / qmp_attach_transport */
	QMP_SEV_TRANSPORT_UP, /* the transport started */
	QMP_SEV_GREETING,     /* a valid greeting arrived */
	QMP_SEV_NEGOTIATED,   /* qmp_capabilities answered with success */
	QMP_SEV_FAIL,	      /* EOF, I/O error, garbage, timeout, refusal */
	QMP_SEV_FREE,	      /* qmp_free */
	QMP_SEV_COUNT
};

const char *qmp_state_name(enum qmp_state s);
const char *qmp_state_event_name(enum qmp_state_event ev);

/*
 * Apply ev to *state: on a defined transition set the new state, log it
 * (QMP_LOG_DEBUG) and return 0; otherwise leave *state, log the refusal
 * (QMP_LOG_ERR: a bug in libqmp) and return QMP_E_STATE.
 */
int qmp_state_step(struct qmp *q, enum qmp_state *state,
		   enum qmp_state_event ev);

#endif
