/*
 * The target domains' watch (dmsup/kind/guestwatch.c) over the in-memory
 * xenstore: @releaseDomain as xenstored fires it, the hypervisor's answer
 * played by a table of domains (what xc_domain_getinfolist would say), and
 * what the watch then tells. The mapping of Xen's flags to the states is
 * checked on its own.
 */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>

#include <event2/event.h>
#include <xenctrl.h>

#include "dmsup/kind/guestwatch.h"
#include "stubdom-proto/xs.h"
#include "tests/unit/dmsup/run.h"
#include "tests/unit/proto/xs-mem.h"

#define N_DOMS 8
#define MAX_TOLD 32

static struct event_base *base;
static struct xsp_mem_store *store;
static struct xsp *dom0;
static struct guestwatch *gw;
/* The hypervisor: each domid's state now. */
static enum guest_state hyp[N_DOMS];
static int probes;
/* What the watch told, in order. */
static struct {
	int domid;
	enum guest_state st;
} told[MAX_TOLD];
static int n_told;
/* A callback that removes domids as it hears them. */
static bool remove_on_change;

static enum guest_state probe(void *arg, int domid)
{
	probes++;
	return domid >= 0 && domid < N_DOMS ? hyp[domid] : GUEST_DESTROYED;
}

static void changed(void *arg, int domid, enum guest_state st)
{
	ck_assert_int_lt(n_told, MAX_TOLD);
	told[n_told].domid = domid;
	told[n_told++].st = st;
	if (remove_on_change)
		for (int i = 0; i < N_DOMS; i++)
			guestwatch_remove(gw, i);
}

static void setup(void)
{
	base = event_base_new();
	store = xsp_mem_store_new();
	dom0 = xsp_mem_open(store, base, 0);
	ck_assert_ptr_nonnull(dom0);
	gw = guestwatch_new(dom0, probe, NULL, changed, NULL);
	ck_assert_ptr_nonnull(gw);
	for (int i = 0; i < N_DOMS; i++)
		hyp[i] = GUEST_RUNNING;
	n_told = probes = 0;
	remove_on_change = false;
}

static void teardown(void)
{
	guestwatch_free(gw);
	xsp_close(dom0);
	xsp_mem_store_free(store);
	event_base_free(base);
}

/* Runs what the loop has ready (the store delivers from the loop). */
static void settle(void)
{
	for (int i = 0; i < 8; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
}

static void release(void)
{
	xsp_mem_special(store, XSP_WATCH_RELEASE);
	settle();
}

START_TEST(the_first_state_comes_from_the_loop_not_from_add)
{
	const char *err;

	ck_assert_int_eq(guestwatch_add(gw, 5, &err), 0);
	ck_assert_int_eq(n_told, 0);
	settle();
	ck_assert_int_eq(n_told, 1);
	ck_assert_int_eq(told[0].domid, 5);
	ck_assert_int_eq(told[0].st, GUEST_RUNNING);
	/* A second domid gets its own first state too. */
	ck_assert_int_eq(guestwatch_add(gw, 6, &err), 0);
	settle();
	ck_assert_int_eq(n_told, 2);
	ck_assert_int_eq(told[1].domid, 6);
}
END_TEST

START_TEST(a_shutdown_is_told_once_and_only_for_that_domain)
{
	const char *err;

	ck_assert_int_eq(guestwatch_add(gw, 5, &err), 0);
	ck_assert_int_eq(guestwatch_add(gw, 6, &err), 0);
	settle();
	n_told = 0;
	hyp[6] = GUEST_SHUTDOWN;
	release();
	ck_assert_int_eq(n_told, 1);
	ck_assert_int_eq(told[0].domid, 6);
	ck_assert_int_eq(told[0].st, GUEST_SHUTDOWN);
	/* Another domain's event: nothing changed here, nothing told. */
	release();
	ck_assert_int_eq(n_told, 1);
	hyp[6] = GUEST_DESTROYED;
	release();
	ck_assert_int_eq(n_told, 2);
	ck_assert_int_eq(told[1].st, GUEST_DESTROYED);
}
END_TEST

START_TEST(nothing_is_probed_without_a_release_event)
{
	const char *err;

	ck_assert_int_eq(guestwatch_add(gw, 5, &err), 0);
	settle();
	int before = probes;
	/* Writes elsewhere in the store are no reason to ask Xen. */
	ck_assert_int_eq(xsp_write_str(dom0, 0, "/local/domain/5/x", "y"), 0);
	settle();
	ck_assert_int_eq(probes, before);
}
END_TEST

START_TEST(a_removed_domain_is_no_longer_told)
{
	const char *err;

	ck_assert_int_eq(guestwatch_add(gw, 5, &err), 0);
	settle();
	guestwatch_remove(gw, 5);
	n_told = 0;
	hyp[5] = GUEST_CRASHED;
	release();
	ck_assert_int_eq(n_told, 0);
	/* Watched again: its state now, from the loop. */
	ck_assert_int_eq(guestwatch_add(gw, 5, &err), 0);
	settle();
	ck_assert_int_eq(n_told, 1);
	ck_assert_int_eq(told[0].st, GUEST_CRASHED);
}
END_TEST

START_TEST(a_callback_may_remove_every_domain)
{
	const char *err;

	ck_assert_int_eq(guestwatch_add(gw, 5, &err), 0);
	ck_assert_int_eq(guestwatch_add(gw, 6, &err), 0);
	settle();
	n_told = 0;
	remove_on_change = true;
	hyp[5] = hyp[6] = GUEST_DESTROYED;
	release();
	/* The first one heard removed both: the second is not told. */
	ck_assert_int_eq(n_told, 1);
	release();
	ck_assert_int_eq(n_told, 1);
}
END_TEST

START_TEST(refresh_answers_now_without_a_callback)
{
	const char *err;

	ck_assert_int_eq(guestwatch_add(gw, 5, &err), 0);
	settle();
	n_told = 0;
	hyp[5] = GUEST_REBOOT;
	ck_assert_int_eq(guestwatch_refresh(gw, 5), GUEST_REBOOT);
	ck_assert_int_eq(n_told, 0);
	/* Kept: the next event tells no change. */
	release();
	ck_assert_int_eq(n_told, 0);
}
END_TEST

static uint32_t shut(unsigned reason)
{
	return XEN_DOMINF_shutdown | reason << XEN_DOMINF_shutdownshift;
}

START_TEST(xen_flags_map_to_the_guest_states)
{
	ck_assert_int_eq(guest_state_of(false, 0), GUEST_DESTROYED);
	ck_assert_int_eq(guest_state_of(true, XEN_DOMINF_dying),
			 GUEST_DESTROYED);
	ck_assert_int_eq(guest_state_of(true, 0), GUEST_RUNNING);
	ck_assert_int_eq(guest_state_of(true, XEN_DOMINF_paused),
			 GUEST_RUNNING);
	ck_assert_int_eq(guest_state_of(true, shut(SHUTDOWN_poweroff)),
			 GUEST_SHUTDOWN);
	ck_assert_int_eq(guest_state_of(true, shut(SHUTDOWN_reboot)),
			 GUEST_REBOOT);
	ck_assert_int_eq(guest_state_of(true, shut(SHUTDOWN_crash)),
			 GUEST_CRASHED);
	ck_assert_int_eq(guest_state_of(true, shut(SHUTDOWN_watchdog)),
			 GUEST_CRASHED);
	ck_assert_int_eq(guest_state_of(true, shut(SHUTDOWN_suspend)),
			 GUEST_SUSPENDED);
	ck_assert_int_eq(
	    guest_state_of(true, XEN_DOMINF_dying | shut(SHUTDOWN_poweroff)),
	    GUEST_DESTROYED);
	ck_assert_str_eq(guest_state_name(GUEST_REBOOT), "reboot");
	ck_assert_str_eq(guest_state_name(GUEST_DESTROYED), "destroyed");
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    the_first_state_comes_from_the_loop_not_from_add,
	    a_shutdown_is_told_once_and_only_for_that_domain,
	    nothing_is_probed_without_a_release_event,
	    a_removed_domain_is_no_longer_told,
	    a_callback_may_remove_every_domain,
	    refresh_answers_now_without_a_callback,
	    xen_flags_map_to_the_guest_states,
	};

	return run_suite("dmsup-guestwatch", setup, teardown, tests,
			 sizeof(tests) / sizeof(*tests));
}
