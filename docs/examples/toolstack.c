/*
 * toolstack.c - the smallest toolstack on libdmsup(3): it hands dmsup one
 * domain, follows it and takes it down again, all on one libevent loop.
 *
 *   cc -o toolstack toolstack.c $(pkg-config --cflags --libs dmsup)
 *   ./toolstack [-s SOCKET] CONFIG.json
 *
 * Steps, each with its own deadline: hello (agree on the protocol), watch
 * the domain on a second connection (dmsup reads no more requests on a
 * watching one), start it from CONFIG.json, ask QEMU for its status over
 * QMP, stop it. Each state event is printed as it comes. Any failure is
 * printed with dmsup's step and the program exits 1; 0 when all went.
 *
 * Page requests (docs/memory-protocol.md) are the toolstack's to answer:
 * a real one raises the domain's max_pages and calls dmsup_page_answer().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include <dmsup/libdmsup.h>

#define STEP_TIMEOUT 120 /* s: a device model under TCG is slow to start */

enum step { HELLO, WATCH, START, QMP, STOP, DONE };

static const char *const step_names[] = {"hello", "watch", "start",
					 "qmp",	  "stop",  "done"};

struct toolstack {
	struct event_base *base;
	struct dmsup_client *req, *watch; /* requests; events */
	struct event *deadline;
	struct json_object *config;
	const char *name;
	enum step step;
	int rc;
};

static void next(struct toolstack *ts);

/* A string field as printed: dmsup's replies are untrusted input too. */
static const char *text(const char *s)
{
	return s ? s : "(none)";
}

static void finish(struct toolstack *ts, int rc)
{
	ts->rc = rc;
	event_base_loopexit(ts->base, NULL);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct toolstack *ts = arg;

	(void)fd;
	(void)what;
	fprintf(stderr, "%s: no reply to %s within %d s\n", ts->name,
		step_names[ts->step], STEP_TIMEOUT);
	finish(ts, 1);
}

/* Every request's end: a refusal names dmsup's step; else the next. */
static void on_reply(void *arg, struct json_object *reply, const char *error)
{
	struct toolstack *ts = arg;
	struct json_object *dom = dmsup_reply_domain(reply), *ret;

	if (error) {
		const char *step = dmsup_reply_step(reply);

		fprintf(stderr, "%s: %s failed at step %s: %s\n", ts->name,
			step_names[ts->step], step ? step : "(none)", error);
		finish(ts, 1);
		return;
	}
	if (ts->step == HELLO)
		printf("dmsup %s, protocol %d\n",
		       text(dmsup_json_string(reply, "version")),
		       dmsup_client_protocol(ts->req));
	if (ts->step == START)
		printf("%s: started, pid %lld\n", ts->name,
		       dmsup_json_int(dom, "pid"));
	if (ts->step == QMP && json_object_object_get_ex(reply, "return", &ret))
		printf("%s: QEMU says %s\n", ts->name,
		       text(dmsup_json_string(ret, "status")));
	if (ts->step == STOP)
		printf("%s: stopped\n", ts->name);
	ts->step++;
	next(ts);
}

static void on_event(void *arg, struct json_object *ev)
{
	struct toolstack *ts = arg;
	struct json_object *dom = dmsup_reply_domain(ev);
	const char *kind = dmsup_json_string(ev, "event");

	if (kind && !strcmp(kind, "state") && dom)
		printf("%s: event: state %s\n", ts->name,
		       text(dmsup_json_string(dom, "state")));
}

/* Sends the current step's request, with its deadline. */
static void next(struct toolstack *ts)
{
	struct timeval tv = {STEP_TIMEOUT, 0};
	int r = 0;

	evtimer_add(ts->deadline, &tv);
	switch (ts->step) {
	case HELLO:
		r = dmsup_hello(ts->req, on_reply, ts);
		break;
	case WATCH:
		/* Watching a name that is not defined yet: every domain. */
		r = dmsup_watch(ts->watch, NULL, on_reply, ts);
		break;
	case START:
		r = dmsup_start_config(ts->req, json_object_get(ts->config),
				       on_reply, ts);
		break;
	case QMP:
		r = dmsup_qmp(ts->req, ts->name, "query-status", NULL, on_reply,
			      ts);
		break;
	case STOP:
		r = dmsup_stop(ts->req, ts->name, on_reply, ts);
		break;
	case DONE:
		finish(ts, 0);
		return;
	}
	if (r) {
		fprintf(stderr, "%s: %s: dmsup closed the connection\n",
			ts->name, step_names[ts->step]);
		finish(ts, 1);
	}
}

static struct dmsup_client *connect_to(struct toolstack *ts, const char *path)
{
	char *err = NULL;
	struct dmsup_client *cl = dmsup_client_new(ts->base, path, &err);

	if (!cl) {
		fprintf(stderr, "toolstack: %s\n", err ? err : "out of memory");
		free(err);
	}
	return cl;
}

int main(int argc, char **argv)
{
	struct toolstack ts = {.rc = 1};
	const char *path = NULL;
	int opt;

	while ((opt = getopt(argc, argv, "s:")) != -1)
		if (opt == 's')
			path = optarg;
		else
			return 2;
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: toolstack [-s SOCKET] CONFIG.json\n");
		return 2;
	}
	ts.config = json_object_from_file(argv[optind]);
	ts.name = ts.config ? dmsup_json_string(ts.config, "name") : NULL;
	if (!ts.name) {
		fprintf(stderr, "toolstack: %s: no JSON object with a name\n",
			argv[optind]);
		return 2;
	}
	ts.base = event_base_new();
	ts.deadline = ts.base ? evtimer_new(ts.base, on_deadline, &ts) : NULL;
	if (ts.deadline && (ts.req = connect_to(&ts, path)) &&
	    (ts.watch = connect_to(&ts, path))) {
		dmsup_client_on_event(ts.watch, on_event, &ts);
		next(&ts);
		event_base_dispatch(ts.base);
	}
	dmsup_client_free(ts.watch);
	dmsup_client_free(ts.req);
	if (ts.deadline)
		event_free(ts.deadline);
	if (ts.base)
		event_base_free(ts.base);
	json_object_put(ts.config);
	return ts.rc;
}
