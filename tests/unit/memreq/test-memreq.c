/*
 * test-memreq.c - runtime page requests (dmsup/ops/memreq.h) against the
 * in-memory xenstore, with this file as the toolstack: it reads
 * memory-request, raises (or not) a pretend max_pages, and answers in
 * memory-grant through its own dom0 connection.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>
#include <json-c/json.h>

#include "dmsup/ops/memreq.h"
#include "stubdom-proto/xs.h"
#include "tests/unit/proto/helpers.h"
#include "tests/unit/proto/xs-mem.h"

#define DM "/local/domain/0/device-model/5"
#define REQ DM "/memory-request"
#define GRANT DM "/memory-grant"
#define REASON "hotplug-nic:nic1:e1000"
#define MAX_OUT 16
#define MAX_EV 32

static struct fx f;
static struct xsp *toolstack;
static struct memreq *mr;

/* The domain's page counts, as libxenctrl would give them. */
static uint64_t max_pages, tot_pages;

/* What the operations and the control socket heard. */
static struct outcome {
	char tag;
	enum memreq_result result;
	uint32_t ticket, id;
	char error[512];
} outs[MAX_OUT];
static unsigned n_outs;
static char events[MAX_EV][512];
static unsigned n_events;

static int room(void *arg, uint64_t *max_r, uint64_t *tot_r, const char **err_r)
{
	*max_r = max_pages;
	*tot_r = tot_pages;
	return 0;
}

static void on_event(void *arg, struct json_object *ev)
{
	if (n_events < MAX_EV)
		snprintf(events[n_events++], sizeof(events[0]), "%s",
			 json_object_to_json_string_ext(
			     ev, JSON_C_TO_STRING_PLAIN |
				     JSON_C_TO_STRING_NOSLASHESCAPE));
}

static void on_outcome(const struct memreq_outcome *o, void *arg)
{
	struct outcome *out = &outs[n_outs++ % MAX_OUT];

	out->tag = (char)(long)arg;
	out->result = o->result;
	out->ticket = o->ticket;
	out->id = o->id;
	snprintf(out->error, sizeof(out->error), "%s",
		 o->error ? o->error : "");
}

static void setup(void)
{
	struct memreq_config cfg;

	fx_open(&f);
	toolstack = xsp_mem_open(f.st, f.base, 0);
	ck_assert_ptr_nonnull(toolstack);
	/* The device-model directory, as a dom0 QEMU leaves it. */
	ck_assert_int_eq(xsp_write_str(f.dom0, 0, DM "/state", "running"), 0);
	cfg = (struct memreq_config){.base = f.base,
				     .xs = f.dom0,
				     .domid = T_GUEST,
				     .room = room,
				     .event = on_event};
	mr = memreq_new(&cfg);
	ck_assert_ptr_nonnull(mr);
	max_pages = tot_pages = 16384;
	n_outs = n_events = 0;
}

static void teardown(void)
{
	memreq_free(mr);
	xsp_close(toolstack);
	fx_close(&f);
}

static void timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	*(bool *)arg = true;
}

/* Runs the loop until @n outcomes were heard (or a generous timeout). */
static bool until_outcomes(unsigned n)
{
	struct timeval tv = {T_WAIT_S, 0};
	bool timed_out = false;
	struct event *t = evtimer_new(f.base, timeout_cb, &timed_out);

	evtimer_add(t, &tv);
	while (n_outs < n && !timed_out)
		event_base_loop(f.base, EVLOOP_ONCE);
	event_free(t);
	return n_outs >= n;
}

static bool exists(const char *path)
{
	char *v = NULL;
	int r = xsp_read(toolstack, 0, path, &v, NULL);

	free(v);
	return r == 0;
}

static void submit(uint64_t pages, char tag, unsigned timeout_s)
{
	ck_assert_int_eq(memreq_submit(mr, pages, REASON, timeout_s, on_outcome,
				       (void *)(long)tag),
			 0);
}

/* The toolstack's answer, once the request is there. */
static void answer(const char *val)
{
	ck_assert_int_eq(xsp_write_str(toolstack, 0, GRANT, val), 0);
}

/* A request for 64 pages, written and announced. */
static void requested(void)
{
	submit(64, 'A', 30);
	fx_settle(&f);
	ck_assert_str_eq(fx_read(toolstack, REQ), "1 64 " REASON);
	ck_assert_uint_eq(n_events, 1);
}

static void assert_nodes_gone(void)
{
	ck_assert_msg(!exists(REQ), "memory-request left behind");
	ck_assert_msg(!exists(GRANT), "memory-grant left behind");
}

/* The only operation ended with @r, its error naming @text, the nodes
 * gone, and the toolstack told @result. */
static void assert_ended(enum memreq_result r, const char *text,
			 const char *result)
{
	char want[64];

	ck_assert(until_outcomes(1));
	ck_assert_int_eq(outs[0].result, r);
	ck_assert_msg(strstr(outs[0].error, text), "error '%s' lacks '%s'",
		      outs[0].error, text);
	assert_nodes_gone();
	snprintf(want, sizeof(want), "\"result\":\"%s\"", result);
	ck_assert_uint_eq(n_events, 2);
	ck_assert_msg(strstr(events[1], want), "event '%s' lacks '%s'",
		      events[1], want);
}

START_TEST(request_is_written_announced_and_private)
{
	requested();
	ck_assert_str_eq(events[0],
			 "{\"event\":\"memory-request\",\"domid\":5,\"id\":1,"
			 "\"pages\":64,\"reason\":\"" REASON "\"}");
	ck_assert_str_eq(fx_read(toolstack, GRANT), "");
	/* n0: neither the guest nor another domain may read or answer. */
	ck_assert_str_eq(fx_read(f.guest, REQ), "<errno 13>");
	ck_assert_int_eq(xsp_write_str(f.guest, 0, GRANT, "1 granted"),
			 -EACCES);
	ck_assert_int_eq(xsp_write_str(f.other, 0, GRANT, "1 granted"),
			 -EACCES);
	ck_assert_uint_eq(n_outs, 0);
}
END_TEST

START_TEST(grant_with_room_proceeds_then_nodes_go)
{
	requested();
	max_pages += 64;
	answer("1 granted");
	ck_assert(until_outcomes(1));
	ck_assert_int_eq(outs[0].result, MEMREQ_PROCEED);
	ck_assert_uint_ne(outs[0].ticket, 0);
	memreq_finish(mr, outs[0].ticket, true);
	fx_settle(&f);
	assert_nodes_gone();
	ck_assert_uint_eq(n_events, 2);
	ck_assert_str_eq(events[1],
			 "{\"event\":\"memory-request-done\","
			 "\"domid\":5,\"id\":1,\"result\":\"done\"}");
}
END_TEST

START_TEST(refusal_fails_with_the_toolstacks_text)
{
	requested();
	answer("1 refused pool exhausted, try later");
	assert_ended(MEMREQ_REFUSED, "pool exhausted, try later", "refused");
}
END_TEST

START_TEST(refusal_without_text_fails)
{
	requested();
	answer("1 refused");
	assert_ended(MEMREQ_REFUSED, "refused 64 pages", "refused");
}
END_TEST

START_TEST(no_answer_times_out)
{
	submit(64, 'A', 1);
	assert_ended(MEMREQ_TIMEOUT, "no answer from the toolstack in 1 s",
		     "timeout");
}
END_TEST

START_TEST(wrong_id_and_garbage_are_ignored)
{
	static const char *const ignored[] = {
	    "2 granted",
	    "0 granted",
	    "01 granted",
	    "1 granted ",
	    "1  granted",
	    "1 grantedx",
	    "1 refusedx",
	    "1 refused ",
	    " 1 granted",
	    "1",
	    "granted",
	    "1 GRANTED",
	    "1 granted\n",
	    "99999999999 granted",
	    "2147483648 granted",
	};

	requested();
	max_pages += 64;
	for (size_t i = 0; i < sizeof(ignored) / sizeof(*ignored); i++) {
		answer(ignored[i]);
		fx_settle(&f);
		ck_assert_msg(n_outs == 0, "'%s' was taken as an answer",
			      ignored[i]);
		ck_assert(exists(REQ));
	}
	answer("1 granted");
	ck_assert(until_outcomes(1));
	ck_assert_int_eq(outs[0].result, MEMREQ_PROCEED);
}
END_TEST

START_TEST(oversized_grant_is_ignored)
{
	char big[MEMREQ_VALUE_MAX + 2];

	requested();
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "1 refused ", 10);
	answer(big);
	fx_settle(&f);
	ck_assert_uint_eq(n_outs, 0);
	max_pages += 64;
	answer("1 granted");
	ck_assert(until_outcomes(1));
	ck_assert_int_eq(outs[0].result, MEMREQ_PROCEED);
}
END_TEST

/* What the daemon logs while @val is answered (its log is stderr). */
static void answer_logged(const char *val, char *logged, size_t size)
{
	FILE *tmp = tmpfile();
	int saved = dup(2);
	size_t n;

	ck_assert(tmp && saved >= 0);
	fflush(stderr);
	ck_assert_int_ge(dup2(fileno(tmp), 2), 0);
	answer(val);
	fx_settle(&f);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(logged, 1, size - 1, tmp);
	logged[n] = '\0';
	fclose(tmp);
}

START_TEST(grant_with_control_bytes_is_ignored_and_not_logged)
{
	char logged[4096];

	requested();
	answer_logged("1 refused \033]0;owned\007\033[2J", logged,
		      sizeof(logged));
	ck_assert_uint_eq(n_outs, 0);
	ck_assert_msg(strstr(logged, "ignoring memory-grant '(not shown)': "
				     "not printable ASCII"),
		      "log: %s", logged);
	ck_assert_msg(!strchr(logged, '\033') && !strchr(logged, '\007'),
		      "control bytes logged");
}
END_TEST

START_TEST(stub_cannot_answer_for_the_toolstack)
{
	const struct xsp_perm perms[] = {{0, XSP_PERM_NONE},
					 {T_STUB, XSP_PERM_RW}};

	/* A MiniOS stub may write dom0's device-model directory. */
	ck_assert_int_eq(xsp_set_perms(f.dom0, 0, DM, perms, 2), 0);
	requested();
	max_pages += 64;
	ck_assert_int_eq(xsp_write_str(f.stub, 0, GRANT, "1 granted"), -EACCES);
	/* Once the toolstack removed its node (to take an answer back),
	 * the stub may create one of its own. */
	ck_assert_int_eq(xsp_rm(toolstack, 0, GRANT), 0);
	ck_assert_int_eq(xsp_write_str(f.stub, 0, GRANT, "1 granted"), 0);
	fx_settle(&f);
	ck_assert_msg(n_outs == 0, "the stub's grant was taken");
}
END_TEST

static void wait_s(unsigned s)
{
	struct timeval tv = {(time_t)s, 0};
	bool over = false;
	struct event *t = evtimer_new(f.base, timeout_cb, &over);

	evtimer_add(t, &tv);
	while (!over)
		event_base_loop(f.base, EVLOOP_ONCE);
	event_free(t);
}

START_TEST(operation_may_outlast_the_timeout_after_the_grant)
{
	submit(64, 'A', 1);
	fx_settle(&f);
	max_pages += 64;
	answer("1 granted");
	ck_assert(until_outcomes(1));
	ck_assert_int_eq(outs[0].result, MEMREQ_PROCEED);
	/* The operation (QEMU's hotplug) runs past the 1 s timeout. */
	wait_s(2);
	ck_assert_uint_eq(n_events, 1);
	memreq_finish(mr, outs[0].ticket, true);
	fx_settle(&f);
	assert_nodes_gone();
	ck_assert_uint_eq(n_outs, 1);
	ck_assert_str_eq(events[1],
			 "{\"event\":\"memory-request-done\","
			 "\"domid\":5,\"id\":1,\"result\":\"done\"}");
}
END_TEST

START_TEST(grant_without_room_fails_with_the_shortfall)
{
	requested();
	max_pages += 10; /* raised, but not enough */
	answer("1 granted");
	assert_ended(MEMREQ_FAILED, "needs 54 more pages", "failed");
}
END_TEST

START_TEST(operations_run_one_at_a_time_in_order)
{
	submit(64, 'A', 30);
	submit(0, 'B', 30);
	submit(32, 'C', 30);
	fx_settle(&f);
	ck_assert_str_eq(fx_read(toolstack, REQ), "1 64 " REASON);
	max_pages += 64;
	answer("1 granted");
	ck_assert(until_outcomes(1));
	ck_assert_int_eq(outs[0].tag, 'A');
	fx_settle(&f);
	ck_assert_uint_eq(n_outs, 1); /* B waits for A's end */
	tot_pages += 64;	      /* what A populated */
	memreq_finish(mr, outs[0].ticket, true);
	ck_assert(until_outcomes(2));
	ck_assert_int_eq(outs[1].tag, 'B');
	ck_assert_int_eq(outs[1].result, MEMREQ_PROCEED);
	ck_assert_uint_eq(outs[1].id, 0); /* 0 pages: nothing asked */
	ck_assert(!exists(REQ));
	memreq_finish(mr, outs[1].ticket, true);
	fx_settle(&f);
	ck_assert_str_eq(fx_read(toolstack, REQ), "2 32 " REASON);
	max_pages += 32;
	answer("2 granted");
	ck_assert(until_outcomes(3));
	ck_assert_int_eq(outs[2].tag, 'C');
	ck_assert_int_eq(outs[2].result, MEMREQ_PROCEED);
}
END_TEST

START_TEST(stop_fails_the_queue_once)
{
	submit(64, 'A', 30);
	submit(64, 'B', 30);
	fx_settle(&f);
	ck_assert(exists(REQ));
	memreq_fail_all(mr, "domain t (domid 5) stopped");
	ck_assert_uint_eq(n_outs, 0); /* never from inside the call */
	ck_assert(until_outcomes(2));
	assert_nodes_gone();
	memreq_fail_all(mr, "again");
	answer("1 granted"); /* too late: nobody waits for it */
	fx_settle(&f);
	ck_assert_uint_eq(n_outs, 2);
	ck_assert_int_eq(outs[0].tag, 'A');
	ck_assert_int_eq(outs[1].tag, 'B');
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(outs[i].result, MEMREQ_FAILED);
		ck_assert_str_eq(outs[i].error, "domain t (domid 5) stopped");
	}
	ck_assert_uint_eq(n_events, 2); /* B was never asked for */
}
END_TEST

START_TEST(finish_after_a_stop_is_ignored)
{
	requested();
	max_pages += 64;
	answer("1 granted");
	ck_assert(until_outcomes(1));
	memreq_fail_all(mr, "stopped");
	submit(64, 'B', 30);
	fx_settle(&f);
	ck_assert_str_eq(fx_read(toolstack, REQ), "2 64 " REASON);
	memreq_finish(mr, outs[0].ticket, false); /* A's late answer */
	fx_settle(&f);
	ck_assert(exists(REQ));
	ck_assert_uint_eq(n_outs, 1);
}
END_TEST

START_TEST(bad_reason_is_refused_at_submit)
{
	ck_assert_int_eq(
	    memreq_submit(mr, 64, "Has Space", 30, on_outcome, NULL), -EINVAL);
	ck_assert_int_eq(memreq_submit(mr, 64, "", 30, on_outcome, NULL),
			 -EINVAL);
	fx_settle(&f);
	ck_assert(!exists(REQ));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("memreq");
	TCase *tc = tcase_create("memreq");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, request_is_written_announced_and_private);
	tcase_add_test(tc, grant_with_room_proceeds_then_nodes_go);
	tcase_add_test(tc, refusal_fails_with_the_toolstacks_text);
	tcase_add_test(tc, refusal_without_text_fails);
	tcase_add_test(tc, no_answer_times_out);
	tcase_add_test(tc, wrong_id_and_garbage_are_ignored);
	tcase_add_test(tc, oversized_grant_is_ignored);
	tcase_add_test(tc, grant_with_control_bytes_is_ignored_and_not_logged);
	tcase_add_test(tc, operation_may_outlast_the_timeout_after_the_grant);
	tcase_add_test(tc, stub_cannot_answer_for_the_toolstack);
	tcase_add_test(tc, grant_without_room_fails_with_the_shortfall);
	tcase_add_test(tc, operations_run_one_at_a_time_in_order);
	tcase_add_test(tc, stop_fails_the_queue_once);
	tcase_add_test(tc, finish_after_a_stop_is_ignored);
	tcase_add_test(tc, bad_reason_is_refused_at_submit);
	suite_add_tcase(s, tc);
	return fx_run(s);
}
