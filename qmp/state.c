/* The connection state machine: its table and its one entry point. */
#include <stddef.h>

#include "qmp/internal.h"
#include "qmp/state.h"

/* Every transition that exists; anything else is a libqmp bug. */
static const struct qmp_state_transition {
	enum qmp_state from;
	enum qmp_state_event ev;
	enum qmp_state to;
} qmp_state_table[] = {
    {QMP_STATE_IDLE, QMP_SEV_CONNECT, QMP_STATE_CONNECTING},
    {QMP_STATE_CONNECTING, QMP_SEV_TRANSPORT_UP, QMP_STATE_GREETING},
    {QMP_STATE_GREETING, QMP_SEV_GREETING, QMP_STATE_NEGOTIATING},
    {QMP_STATE_NEGOTIATING, QMP_SEV_NEGOTIATED, QMP_STATE_READY},
    {QMP_STATE_IDLE, QMP_SEV_FAIL, QMP_STATE_CLOSED},
    {QMP_STATE_CONNECTING, QMP_SEV_FAIL, QMP_STATE_CLOSED},
    {QMP_STATE_GREETING, QMP_SEV_FAIL, QMP_STATE_CLOSED},
    {QMP_STATE_NEGOTIATING, QMP_SEV_FAIL, QMP_STATE_CLOSED},
    {QMP_STATE_READY, QMP_SEV_FAIL, QMP_STATE_CLOSED},
    {QMP_STATE_IDLE, QMP_SEV_FREE, QMP_STATE_CLOSED},
    {QMP_STATE_CONNECTING, QMP_SEV_FREE, QMP_STATE_CLOSED},
    {QMP_STATE_GREETING, QMP_SEV_FREE, QMP_STATE_CLOSED},
    {QMP_STATE_NEGOTIATING, QMP_SEV_FREE, QMP_STATE_CLOSED},
    {QMP_STATE_READY, QMP_SEV_FREE, QMP_STATE_CLOSED},
    {QMP_STATE_CLOSED, QMP_SEV_FREE, QMP_STATE_CLOSED},
};

/* In enum order. */
static const char *const qmp_state_names[] = {
    "idle", "connecting", "greeting", "negotiating", "ready", "closed",
};

static const char *const qmp_state_event_names[] = {
    "connect", "transport-up", "greeting", "negotiated", "fail", "free",
};

_Static_assert(sizeof(qmp_state_names) / sizeof(*qmp_state_names) ==
		   QMP_STATE_COUNT,
	       "a name per state");
_Static_assert(sizeof(qmp_state_event_names) / sizeof(*qmp_state_event_names) ==
		   QMP_SEV_COUNT,
	       "a name per event");

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
	enum qmp_state from = *state;
	size_t i;

	for (i = 0; i < sizeof(qmp_state_table) / sizeof(*qmp_state_table);
	     i++) {
		const struct qmp_state_transition *t = &qmp_state_table[i];

		if (t->from != from || t->ev != ev)
			continue;
		qmp_logf(q, QMP_LOG_DEBUG, "state %s -> %s (%s)",
			 qmp_state_name(from), qmp_state_name(t->to),
			 qmp_state_event_name(ev));
		*state = t->to;
		return 0;
	}
	qmp_logf(q, QMP_LOG_ERR, "state %s: event %s not allowed",
		 qmp_state_name(from), qmp_state_event_name(ev));
	return QMP_E_STATE;
}
