/* The connection state machine: its table and its one entry point. */
#include "qmp/internal.h"
#include "qmp/state.h"

#define X QMP_STATE_COUNT /* no such transition */

static const enum qmp_state qmp_state_next[QMP_STATE_COUNT][QMP_SEV_COUNT] = {
	/*                 CONNECT     TRANSPORT_UP GREETING     NEGOTIATED
	 *                 FAIL        FREE */
	[QMP_STATE_IDLE] = {QMP_STATE_CONNECTING, X, X, X, QMP_STATE_CLOSED,
			    QMP_STATE_CLOSED},
	[QMP_STATE_CONNECTING] = {X, QMP_STATE_GREETING, X, X,
				  QMP_STATE_CLOSED, QMP_STATE_CLOSED},
	[QMP_STATE_GREETING] = {X, X, QMP_STATE_NEGOTIATING, X,
				QMP_STATE_CLOSED, QMP_STATE_CLOSED},
	[QMP_STATE_NEGOTIATING] = {X, X, X, QMP_STATE_READY, QMP_STATE_CLOSED,
				   QMP_STATE_CLOSED},
	[QMP_STATE_READY] = {X, X, X, X, QMP_STATE_CLOSED, QMP_STATE_CLOSED},
	[QMP_STATE_CLOSED] = {X, X, X, X, X, QMP_STATE_CLOSED},
};

static const char *const qmp_state_names[QMP_STATE_COUNT] = {
	[QMP_STATE_IDLE] = "idle",
	[QMP_STATE_CONNECTING] = "connecting",
	[QMP_STATE_GREETING] = "greeting",
	[QMP_STATE_NEGOTIATING] = "negotiating",
	[QMP_STATE_READY] = "ready",
	[QMP_STATE_CLOSED] = "closed",
};

static const char *const qmp_state_event_names[QMP_SEV_COUNT] = {
	[QMP_SEV_CONNECT] = "connect",
	[QMP_SEV_TRANSPORT_UP] = "transport-up",
	[QMP_SEV_GREETING] = "greeting",
	[QMP_SEV_NEGOTIATED] = "negotiated",
	[QMP_SEV_FAIL] = "fail",
	[QMP_SEV_FREE] = "free",
};

const char *qmp_state_name(enum qmp_state s)
{
	return (unsigned)s < QMP_STATE_COUNT ? qmp_state_names[s] : "?";
}

const char *qmp_state_event_name(enum qmp_state_event ev)
{
	return (unsigned)ev < QMP_SEV_COUNT ? qmp_state_event_names[ev] : "?";
}

int qmp_state_step(struct qmp *q, enum qmp_state *state,
		   enum qmp_state_event ev)
{
	enum qmp_state from = *state, to;

	if ((unsigned)from >= QMP_STATE_COUNT || (unsigned)ev >= QMP_SEV_COUNT)
		to = X;
	else
		to = qmp_state_next[from][ev];
	if (to == X) {
		qmp_logf(q, QMP_LOG_ERR, "state %s: event %s not allowed",
			 qmp_state_name(from), qmp_state_event_name(ev));
		return QMP_E_STATE;
	}
	qmp_logf(q, QMP_LOG_DEBUG, "state %s -> %s (%s)", qmp_state_name(from),
		 qmp_state_name(to), qmp_state_event_name(ev));
	*state = to;
	return 0;
}
