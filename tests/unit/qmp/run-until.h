/*
 * RUN_UNTIL: turn a libevent loop until a condition holds; fail the Check
 * test if it does not within a generous deadline. cond is evaluated once
 * per turn (it may have side effects, e.g. a read). Shared by the unit and
 * local tests of libqmp.
 */
#ifndef TESTS_QMP_RUN_UNTIL_H
#define TESTS_QMP_RUN_UNTIL_H

#include <check.h>
#include <event2/event.h>

static inline void run_until_deadline_cb(evutil_socket_t fd, short what,
					 void *arg)
{
	*(int *)arg = 1;
}

#define RUN_UNTIL_S(base, secs, cond)                                          \
	do {                                                                   \
		struct timeval tv_ = {(secs), 0};                              \
		int hit_ = 0, ok_;                                             \
		struct event *ev_ =                                            \
		    evtimer_new((base), run_until_deadline_cb, &hit_);         \
		evtimer_add(ev_, &tv_);                                        \
		while (!(ok_ = !!(cond)) && !hit_)                             \
			event_base_loop((base), EVLOOP_ONCE);                  \
		event_free(ev_);                                               \
		ck_assert_msg(ok_, "timed out waiting for " #cond);            \
	} while (0)

#endif
