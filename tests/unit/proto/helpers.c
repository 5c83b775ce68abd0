/*
 * helpers.c - see helpers.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <event2/event.h>

#include "tests/unit/proto/helpers.h"
#include "tests/unit/proto/xs-mem.h"

void fx_open(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	f->base = event_base_new();
	f->st = xsp_mem_store_new();
	ck_assert_ptr_nonnull(f->base);
	ck_assert_ptr_nonnull(f->st);
	f->dom0 = xsp_mem_open(f->st, f->base, 0);
	f->stub = xsp_mem_open(f->st, f->base, T_STUB);
	f->guest = xsp_mem_open(f->st, f->base, T_GUEST);
	f->other = xsp_mem_open(f->st, f->base, T_OTHER);
	ck_assert(f->dom0 && f->stub && f->guest && f->other);
}

void fx_close(struct fx *f)
{
	xsp_close(f->dom0);
	xsp_close(f->stub);
	xsp_close(f->guest);
	xsp_close(f->other);
	xsp_mem_store_free(f->st);
	event_base_free(f->base);
}

static void fx_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	*(bool *)arg = true;
}

bool fx_until(struct fx *f, const bool *flag)
{
	struct timeval tv = {T_WAIT_S, 0};
	bool timed_out = false;
	struct event *t = evtimer_new(f->base, fx_timeout_cb, &timed_out);

	evtimer_add(t, &tv);
	while (!*flag && !timed_out)
		event_base_loop(f->base, EVLOOP_ONCE);
	event_free(t);
	return *flag;
}

void fx_settle(struct fx *f)
{
	int i;

	/* Each pass runs what is active now; what it activates runs in the
	 * next. Bounded, so that a ping-pong bug fails instead of hanging. */
	for (i = 0; i < 1000000; i++) {
		if (!event_base_get_num_events(f->base,
					       EVENT_BASE_COUNT_ACTIVE))
			return;
		event_base_loop(f->base, EVLOOP_NONBLOCK);
	}
	ck_abort_msg("the event loop never settled");
}

void rec_cb(struct xsp *xs, const char *path, void *arg)
{
	struct rec *r = arg;

	if (r->n < REC_MAX)
		snprintf(r->paths[r->n], sizeof(r->paths[0]), "%s", path);
	r->n++;
}

bool rec_has(const struct rec *r, const char *path)
{
	unsigned int i;

	for (i = 0; i < r->n && i < REC_MAX; i++)
		if (!strcmp(r->paths[i], path))
			return true;
	return false;
}

const char *fx_read(struct xsp *xs, const char *path)
{
	static char buf[8192];
	char *v;
	int rc = xsp_read(xs, XSP_TXN_NONE, path, &v, NULL);

	if (rc) {
		snprintf(buf, sizeof(buf), "<errno %d>", -rc);
		return buf;
	}
	snprintf(buf, sizeof(buf), "%s", v);
	free(v);
	return buf;
}

int fx_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
