/* The QMP link's state machine (see dmqmp-link.h): one table. */
#include <stddef.h>

#include "dmsup/kind/dmqmp-link.h"

static const char *const dmqmp_link_state_names[DMQMP_LINK_N_STATES] = {
    "connecting",
    "connected",
    "reconnecting",
    "lost",
};

static const char *const dmqmp_link_event_names[DMQMP_LINK_N_EVENTS] = {
    "ready", "dropped", "retry-failed", "gone", "first-failed",
};

enum dmqmp_link_action {
	DMQMP_LINK_NONE,
	DMQMP_LINK_BACKOFF_RESET, /* the first wait again */
	DMQMP_LINK_BACKOFF_GROW,  /* double the wait, up to the cap */
	DMQMP_LINK_COUNT_RECONNECT,
};

static const struct {
	enum dmqmp_link_state from;
	enum dmqmp_link_event ev;
	enum dmqmp_link_state to;
	enum dmqmp_link_action action;
} dmqmp_link_table[] = {
    {DMQMP_LINK_CONNECTING, DMQMP_LINK_EV_READY, DMQMP_LINK_CONNECTED,
     DMQMP_LINK_NONE},
    {DMQMP_LINK_CONNECTING, DMQMP_LINK_EV_GONE, DMQMP_LINK_LOST,
     DMQMP_LINK_NONE},
    {DMQMP_LINK_CONNECTING, DMQMP_LINK_EV_FIRST_FAILED, DMQMP_LINK_RECONNECTING,
     DMQMP_LINK_BACKOFF_RESET},
    {DMQMP_LINK_CONNECTED, DMQMP_LINK_EV_DROPPED, DMQMP_LINK_RECONNECTING,
     DMQMP_LINK_BACKOFF_RESET},
    {DMQMP_LINK_CONNECTED, DMQMP_LINK_EV_GONE, DMQMP_LINK_LOST,
     DMQMP_LINK_NONE},
    {DMQMP_LINK_RECONNECTING, DMQMP_LINK_EV_RETRY_FAILED,
     DMQMP_LINK_RECONNECTING, DMQMP_LINK_BACKOFF_GROW},
    {DMQMP_LINK_RECONNECTING, DMQMP_LINK_EV_READY, DMQMP_LINK_CONNECTED,
     DMQMP_LINK_COUNT_RECONNECT},
    {DMQMP_LINK_RECONNECTING, DMQMP_LINK_EV_GONE, DMQMP_LINK_LOST,
     DMQMP_LINK_NONE},
};

void dmqmp_link_init(struct dmqmp_link *l)
{
	l->state = DMQMP_LINK_CONNECTING;
	l->delay_ms = DMQMP_LINK_FIRST_MS;
	l->attempts = 0;
	l->reconnects = 0;
}

int dmqmp_link_post(struct dmqmp_link *l, enum dmqmp_link_event ev)
{
	size_t n = sizeof(dmqmp_link_table) / sizeof(*dmqmp_link_table);

	for (size_t i = 0; i < n; i++) {
		if (dmqmp_link_table[i].from != l->state ||
		    dmqmp_link_table[i].ev != ev)
			continue;
		switch (dmqmp_link_table[i].action) {
		case DMQMP_LINK_BACKOFF_RESET:
			l->delay_ms = DMQMP_LINK_FIRST_MS;
			l->attempts = 0;
			break;
		case DMQMP_LINK_BACKOFF_GROW:
			l->attempts++;
			l->delay_ms = l->delay_ms >= DMQMP_LINK_CAP_MS / 2
					  ? DMQMP_LINK_CAP_MS
					  : l->delay_ms * 2;
			break;
		case DMQMP_LINK_COUNT_RECONNECT:
			l->reconnects++;
			break;
		case DMQMP_LINK_NONE:
			break;
		}
		int changed = l->state != dmqmp_link_table[i].to;
		l->state = dmqmp_link_table[i].to;
		return changed;
	}
	return -1;
}

const char *dmqmp_link_state_name(enum dmqmp_link_state s)
{
	return (unsigned)s < DMQMP_LINK_N_STATES ? dmqmp_link_state_names[s]
						 : "?";
}

const char *dmqmp_link_event_name(enum dmqmp_link_event ev)
{
	return (unsigned)ev < DMQMP_LINK_N_EVENTS ? dmqmp_link_event_names[ev]
						  : "?";
}
