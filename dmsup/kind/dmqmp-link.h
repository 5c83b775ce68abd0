/*
 * The state of one device model's QMP link, as status and events show it
 * (docs/supervision.md has the table):
 *
 *   connecting    the first connection, until readiness (or its timeout);
 *                 for a device model dmsup reattached to, a first
 *                 connection that fails goes reconnecting, not lost:
 *                 the device model is known alive (its pidfd)
 *   connected     greeting and capabilities done: commands are carried
 *   reconnecting  the connection ended while the device model lives:
 *                 new connections are tried, 10 ms apart at first, the
 *                 wait doubling up to 2 s, for as long as it lives
 *   lost          no QMP any more: the first connection never became
 *                 ready, or the device model is gone
 *
 * A pure state machine: dmqmp.c feeds it events and arms its timer with
 * the delay it gives; it knows nothing of QMP, so its rules are tested
 * alone (tests/unit/dmsup/test-dmqmp-link).
 */
#ifndef DMSUP_KIND_DMQMP_LINK_H
#define DMSUP_KIND_DMQMP_LINK_H

enum dmqmp_link_state {
	DMQMP_LINK_CONNECTING,
	DMQMP_LINK_CONNECTED,
	DMQMP_LINK_RECONNECTING,
	DMQMP_LINK_LOST,
	DMQMP_LINK_N_STATES
};

enum dmqmp_link_event {
	DMQMP_LINK_EV_READY,	    /* a connection became ready */
	DMQMP_LINK_EV_DROPPED,	    /* the ready connection ended */
	DMQMP_LINK_EV_RETRY_FAILED, /* a reconnect attempt did not get ready */
	DMQMP_LINK_EV_GONE,	    /* no more QMP: never ready, or DM gone */
	DMQMP_LINK_EV_FIRST_FAILED, /* a reattach's first try failed */
	DMQMP_LINK_N_EVENTS
};

#define DMQMP_LINK_FIRST_MS 10
#define DMQMP_LINK_CAP_MS 2000

struct dmqmp_link {
	enum dmqmp_link_state state;
	unsigned delay_ms;   /* reconnecting: the wait before the next try */
	unsigned attempts;   /* reconnecting: tries that failed so far */
	unsigned reconnects; /* times it became connected again */
};

/* State connecting. */
void dmqmp_link_init(struct dmqmp_link *l);
/* Applies @ev: 1 when the state changed, 0 when it stayed (a failed
 * retry only lengthens the wait), -1 when @ev means nothing in the
 * current state (nothing changes). */
int dmqmp_link_post(struct dmqmp_link *l, enum dmqmp_link_event ev);
const char *dmqmp_link_state_name(enum dmqmp_link_state s);
const char *dmqmp_link_event_name(enum dmqmp_link_event ev);

#endif
