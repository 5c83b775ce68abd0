/* The QMP link's state machine (dmsup/kind/dmqmp-link.c): its transitions,
 * the reconnect backoff (10 ms doubling to a 2 s cap, reset by each drop)
 * and the events that mean nothing in a state. */
#include <check.h>

#include "dmsup/kind/dmqmp-link.h"
#include "tests/unit/dmsup/run.h"

static struct dmqmp_link l;

static void setup(void)
{
	dmqmp_link_init(&l);
}

/* Posts @ev and checks the change reported and the state reached. */
static void post(enum dmqmp_link_event ev, int changed,
		 enum dmqmp_link_state to)
{
	ck_assert_int_eq(dmqmp_link_post(&l, ev), changed);
	ck_assert_str_eq(dmqmp_link_state_name(l.state),
			 dmqmp_link_state_name(to));
}

START_TEST(the_first_connection_ready_makes_it_connected)
{
	ck_assert_str_eq(dmqmp_link_state_name(l.state), "connecting");
	post(DMQMP_LINK_EV_READY, 1, DMQMP_LINK_CONNECTED);
	ck_assert_uint_eq(l.reconnects, 0);
}
END_TEST

START_TEST(a_first_connection_never_ready_is_lost)
{
	post(DMQMP_LINK_EV_GONE, 1, DMQMP_LINK_LOST);
	post(DMQMP_LINK_EV_READY, -1, DMQMP_LINK_LOST);
	post(DMQMP_LINK_EV_DROPPED, -1, DMQMP_LINK_LOST);
}
END_TEST

START_TEST(a_drop_reconnects_and_a_ready_retry_is_connected_again)
{
	post(DMQMP_LINK_EV_READY, 1, DMQMP_LINK_CONNECTED);
	post(DMQMP_LINK_EV_DROPPED, 1, DMQMP_LINK_RECONNECTING);
	ck_assert_uint_eq(l.delay_ms, 10);
	post(DMQMP_LINK_EV_RETRY_FAILED, 0, DMQMP_LINK_RECONNECTING);
	post(DMQMP_LINK_EV_READY, 1, DMQMP_LINK_CONNECTED);
	ck_assert_uint_eq(l.reconnects, 1);
}
END_TEST

/* A reattached device model lives: its first failure only retries. */
START_TEST(a_reattachs_first_failure_reconnects_with_the_backoff)
{
	post(DMQMP_LINK_EV_FIRST_FAILED, 1, DMQMP_LINK_RECONNECTING);
	ck_assert_uint_eq(l.delay_ms, 10);
	post(DMQMP_LINK_EV_RETRY_FAILED, 0, DMQMP_LINK_RECONNECTING);
	ck_assert_uint_eq(l.delay_ms, 20);
	post(DMQMP_LINK_EV_READY, 1, DMQMP_LINK_CONNECTED);
	/* Once connected (or reconnecting), it is no first failure. */
	post(DMQMP_LINK_EV_FIRST_FAILED, -1, DMQMP_LINK_CONNECTED);
	ck_assert_str_eq(dmqmp_link_event_name(DMQMP_LINK_EV_FIRST_FAILED),
			 "first-failed");
}
END_TEST

START_TEST(the_backoff_doubles_from_10_ms_to_a_2_s_cap)
{
	static const unsigned want[] = {20,  40,   80,	 160,  320,
					640, 1280, 2000, 2000, 2000};

	post(DMQMP_LINK_EV_READY, 1, DMQMP_LINK_CONNECTED);
	post(DMQMP_LINK_EV_DROPPED, 1, DMQMP_LINK_RECONNECTING);
	for (unsigned i = 0; i < sizeof(want) / sizeof(*want); i++) {
		post(DMQMP_LINK_EV_RETRY_FAILED, 0, DMQMP_LINK_RECONNECTING);
		ck_assert_uint_eq(l.delay_ms, want[i]);
		ck_assert_uint_eq(l.attempts, i + 1);
	}
}
END_TEST

START_TEST(each_drop_starts_the_backoff_again)
{
	post(DMQMP_LINK_EV_READY, 1, DMQMP_LINK_CONNECTED);
	post(DMQMP_LINK_EV_DROPPED, 1, DMQMP_LINK_RECONNECTING);
	for (int i = 0; i < 12; i++)
		post(DMQMP_LINK_EV_RETRY_FAILED, 0, DMQMP_LINK_RECONNECTING);
	post(DMQMP_LINK_EV_READY, 1, DMQMP_LINK_CONNECTED);
	post(DMQMP_LINK_EV_DROPPED, 1, DMQMP_LINK_RECONNECTING);
	ck_assert_uint_eq(l.delay_ms, 10);
	ck_assert_uint_eq(l.attempts, 0);
}
END_TEST

START_TEST(the_device_model_gone_makes_it_lost_from_any_state)
{
	post(DMQMP_LINK_EV_READY, 1, DMQMP_LINK_CONNECTED);
	post(DMQMP_LINK_EV_GONE, 1, DMQMP_LINK_LOST);
	dmqmp_link_init(&l);
	post(DMQMP_LINK_EV_READY, 1, DMQMP_LINK_CONNECTED);
	post(DMQMP_LINK_EV_DROPPED, 1, DMQMP_LINK_RECONNECTING);
	post(DMQMP_LINK_EV_GONE, 1, DMQMP_LINK_LOST);
	post(DMQMP_LINK_EV_GONE, -1, DMQMP_LINK_LOST);
}
END_TEST

START_TEST(events_that_mean_nothing_change_nothing)
{
	post(DMQMP_LINK_EV_DROPPED, -1, DMQMP_LINK_CONNECTING);
	post(DMQMP_LINK_EV_RETRY_FAILED, -1, DMQMP_LINK_CONNECTING);
	post(DMQMP_LINK_EV_READY, 1, DMQMP_LINK_CONNECTED);
	post(DMQMP_LINK_EV_READY, -1, DMQMP_LINK_CONNECTED);
	post(DMQMP_LINK_EV_RETRY_FAILED, -1, DMQMP_LINK_CONNECTED);
	ck_assert_str_eq(dmqmp_link_event_name(DMQMP_LINK_EV_DROPPED),
			 "dropped");
	ck_assert_str_eq(dmqmp_link_state_name(DMQMP_LINK_N_STATES), "?");
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    the_first_connection_ready_makes_it_connected,
	    a_first_connection_never_ready_is_lost,
	    a_drop_reconnects_and_a_ready_retry_is_connected_again,
	    a_reattachs_first_failure_reconnects_with_the_backoff,
	    the_backoff_doubles_from_10_ms_to_a_2_s_cap,
	    each_drop_starts_the_backoff_again,
	    the_device_model_gone_makes_it_lost_from_any_state,
	    events_that_mean_nothing_change_nothing,
	};

	return run_suite("dmsup-dmqmp-link", setup, NULL, tests,
			 sizeof(tests) / sizeof(*tests));
}
