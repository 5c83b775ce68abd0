/*
 * fuzz-memreq.c - runtime page requests (dmsup/ops/memreq.c) against a
 * toolstack that answers in memory-grant whatever the fuzzer says, over
 * the in-memory xenstore of the unit tests (test tier only). The stub
 * domain may write in the device-model directory, as it may in the field.
 *
 * Input: one byte: 1 + (b & 3) operations submitted first, bit 2 + i set
 * making operation i one of 0 pages; then one step per line, run through
 * the event loop after each:
 *   g         the toolstack writes "<pending id> granted"
 *   r<text>   the toolstack writes "<pending id> refused<text>"
 *   w<value>  the toolstack writes the raw value (NUL included)
 *   s<value>  the stub writes the raw value into memory-grant
 *   S<value>  the stub deletes memory-grant, then creates it with value
 *   d q D     the toolstack deletes memory-grant, memory-request, the
 *             whole device-model directory
 *   t         every armed timer expires now
 *   f F o     memreq_finish(last ticket, ok), (…, failed), a stale ticket
 *   k         memreq_fail_all (the domain died)
 *   n<c>      one more operation ('0': of 0 pages)
 *   m e       the room reads short / fails from now on (toggles)
 *   other     the whole line is written to memory-grant by the toolstack
 * Those that write memory-grant do nothing while no request is pending.
 * Checked: each operation completes exactly once (memreq_free at the
 * latest); an operation that asked proceeds only after the toolstack wrote
 * "<its id> granted" while it was pending, and is refused only after the
 * toolstack wrote a well-formed refusal of its id; a failure says why;
 * memory-request and memory-grant are gone whenever a request ends; what
 * memreq logs is printable.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "dmsup/log.h"
#include "dmsup/ops/memreq.h"
#include "fuzz/fuzz.h"
#include "stubdom-proto/xs.h"
#include "tests/unit/proto/xs-mem.h"

#define GUEST 5
#define STUB 6
#define DM "/local/domain/0/device-model/5"
#define REQ DM "/memory-request"
#define GRANT DM "/memory-grant"
#define OPS_MAX 16
#define IDS_MAX 64

static struct xsp *toolstack;
static unsigned done_calls[OPS_MAX];
static bool zero_pages[OPS_MAX];
static unsigned n_ops;
/* What the toolstack wrote while request <id> was pending. */
static bool granted[IDS_MAX], refused[IDS_MAX];
static uint32_t last_ticket;
static bool room_short, room_fails;

/* memreq's log goes through here instead of dmsup/log.c: nothing is
 * printed, and every line must be printable (no control byte from
 * xenstore reaches a log). */
static void fuzz_log(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));

static void fuzz_log(const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (const char *s = msg; *s; s++)
		FUZZ_ASSERT(*s >= 0x20 && *s <= 0x7e,
			    "unprintable 0x%02x in a log line",
			    (unsigned char)*s);
}

#define FUZZ_LOG_FN(name)                                                      \
	void name(const char *fmt, ...)                                        \
	{                                                                      \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		fuzz_log(fmt, ap);                                             \
		va_end(ap);                                                    \
	}
FUZZ_LOG_FN(log_warn)
FUZZ_LOG_FN(log_warnx)
FUZZ_LOG_FN(log_info)
FUZZ_LOG_FN(log_debug)

static bool fuzz_exists(const char *path)
{
	char *v = NULL;
	int r = xsp_read(toolstack, XSP_TXN_NONE, path, &v, NULL);

	free(v);
	return r == 0;
}

static void fuzz_nodes_gone(const char *when)
{
	FUZZ_ASSERT(!fuzz_exists(REQ), "memory-request left %s", when);
	FUZZ_ASSERT(!fuzz_exists(GRANT), "memory-grant left %s", when);
}

/* The request memreq announced and has not ended yet; 0 if none. */
static uint32_t pending_id;

static int fuzz_room(void *arg, uint64_t *max_r, uint64_t *tot_r,
		     const char **err_r)
{
	if (room_fails) {
		*err_r = "fuzz: no room figures";
		return -1;
	}
	*max_r = room_short ? 1000 : 1u << 30;
	*tot_r = 1000;
	return 0;
}

/* The request as written: "<id> <pages> <reason>". */
static void fuzz_check_request(uint32_t id)
{
	char *v = NULL, want[64];
	size_t len = 0;

	FUZZ_ASSERT(xsp_read(toolstack, XSP_TXN_NONE, REQ, &v, &len) == 0,
		    "memory-request %" PRIu32 " not written", id);
	snprintf(want, sizeof(want), "%" PRIu32 " 4096 hotplug-nic:nic1", id);
	FUZZ_ASSERT(len == strlen(want) && !memcmp(v, want, len),
		    "memory-request '%.*s'", (int)len, v);
	free(v);
}

static void fuzz_event(void *arg, struct json_object *ev)
{
	struct json_object *name, *id;
	int64_t i;

	FUZZ_ASSERT(json_object_object_get_ex(ev, "event", &name) &&
			json_object_object_get_ex(ev, "id", &id),
		    "event without name or id");
	i = json_object_get_int64(id);
	FUZZ_ASSERT(i > 0 && i < IDS_MAX, "event id %" PRId64, i);
	if (!strcmp(json_object_get_string(name), "memory-request")) {
		FUZZ_ASSERT(!pending_id,
			    "request %" PRId64 " while %" PRIu32 " pending", i,
			    pending_id);
		pending_id = (uint32_t)i;
		fuzz_check_request(pending_id);
	} else {
		FUZZ_ASSERT(i == pending_id,
			    "request %" PRId64 " ended while "
			    "%" PRIu32 " pending",
			    i, pending_id);
		pending_id = 0;
		fuzz_nodes_gone("after memory-request-done");
	}
}

static void fuzz_done_cb(const struct memreq_outcome *o, void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;

	done_calls[i]++;
	FUZZ_ASSERT(done_calls[i] == 1, "operation %u completed %u times", i,
		    done_calls[i]);
	FUZZ_ASSERT(o->id < IDS_MAX, "id %" PRIu32, o->id);
	if (o->result == MEMREQ_PROCEED) {
		FUZZ_ASSERT(!o->error && o->ticket,
			    "proceed with error/no ticket");
		FUZZ_ASSERT(o->id ? granted[o->id] : zero_pages[i],
			    "operation %u (request %" PRIu32 ") proceeded "
			    "without a grant",
			    i, o->id);
		last_ticket = o->ticket;
		return;
	}
	FUZZ_ASSERT(o->error && *o->error, "%s without why",
		    memreq_result_name(o->result));
	if (o->result == MEMREQ_REFUSED)
		FUZZ_ASSERT(o->id && refused[o->id],
			    "request %" PRIu32 " refused without a refusal",
			    o->id);
	if (o->id)
		fuzz_nodes_gone("after a request failed");
}

/* The reference reading of an answer, written apart from memreq's. */
static void fuzz_note_answer(const char *val, size_t len)
{
	uint32_t id = pending_id;
	char want[32];
	int n;

	if (!id)
		return;
	n = snprintf(want, sizeof(want), "%" PRIu32 " granted", id);
	if (len == (size_t)n && !memcmp(val, want, len))
		granted[id] = true;
	n = snprintf(want, sizeof(want), "%" PRIu32 " refused", id);
	if (len < (size_t)n || memcmp(val, want, (size_t)n))
		return;
	for (size_t k = 0; k < len; k++)
		if (val[k] < 0x20 || val[k] > 0x7e)
			return;
	if (len == (size_t)n || (val[n] == ' ' && len > (size_t)n + 1))
		refused[id] = true;
}

static void fuzz_answer(const char *val, size_t len)
{
	if (xsp_write(toolstack, XSP_TXN_NONE, GRANT, val, len) == 0)
		fuzz_note_answer(val, len);
}

static void fuzz_submit(struct memreq *m, bool zero)
{
	if (n_ops >= OPS_MAX)
		return;
	zero_pages[n_ops] = zero;
	FUZZ_ASSERT(memreq_submit(m, zero ? 0 : 4096, "hotplug-nic:nic1", 60,
				  fuzz_done_cb, (void *)(uintptr_t)n_ops) == 0,
		    "submit");
	n_ops++;
}

static int fuzz_timers_cb_collect(const struct event_base *base,
				  const struct event *ev, void *arg)
{
	struct event **armed = arg;

	if (!event_pending(ev, EV_TIMEOUT, NULL))
		return 0;
	armed[0] = (struct event *)ev;
	return 1;
}

/* Every armed timer (memreq's: xs-mem has none) expires now. */
static void fuzz_expire(struct event_base *base)
{
	struct event *armed[1] = {NULL};

	event_base_foreach_event(base, fuzz_timers_cb_collect, armed);
	if (armed[0]) {
		event_del(armed[0]);
		event_active(armed[0], EV_TIMEOUT, 0);
	}
}

static void fuzz_settle(struct event_base *base)
{
	for (int i = 0; i < 100000; i++) {
		if (!event_base_get_num_events(base, EVENT_BASE_COUNT_ACTIVE))
			return;
		event_base_loop(base, EVLOOP_NONBLOCK);
	}
	FUZZ_ASSERT(0, "the event loop never settled");
}

static void fuzz_step(struct memreq *m, struct xsp *stub,
		      struct event_base *base, const char *line, size_t len)
{
	char val[MEMREQ_VALUE_MAX + 64];
	int n;

	/* Who writes memory-grant does so only while a request is pending
	 * (a late answer would stay behind: the toolstack's business). */
	if (!pending_id && len && strchr("grwsS", line[0]))
		return;
	switch (len ? line[0] : 0) {
	case 'g':
		n = snprintf(val, sizeof(val), "%" PRIu32 " granted",
			     pending_id);
		fuzz_answer(val, (size_t)n);
		break;
	case 'r':
		n = snprintf(val, sizeof(val), "%" PRIu32 " refused%.*s",
			     pending_id, (int)(len - 1), line + 1);
		fuzz_answer(val, (size_t)n < sizeof(val) ? (size_t)n
							 : sizeof(val) - 1);
		break;
	case 'w':
		fuzz_answer(line + 1, len - 1);
		break;
	case 's':
		/* memory-grant is dom0's alone: these must change nothing. */
		xsp_write(stub, XSP_TXN_NONE, GRANT, line + 1, len - 1);
		break;
	case 'S':
		xsp_rm(stub, XSP_TXN_NONE, GRANT);
		xsp_write(stub, XSP_TXN_NONE, GRANT, line + 1, len - 1);
		break;
	case 'd':
		xsp_rm(toolstack, XSP_TXN_NONE, GRANT);
		break;
	case 'q':
		xsp_rm(toolstack, XSP_TXN_NONE, REQ);
		break;
	case 'D':
		xsp_rm(toolstack, XSP_TXN_NONE, DM);
		break;
	case 't':
		fuzz_expire(base);
		break;
	case 'f':
	case 'F':
		memreq_finish(m, last_ticket, line[0] == 'f');
		break;
	case 'o':
		memreq_finish(m, last_ticket - 1, true);
		break;
	case 'k':
		memreq_fail_all(m, "the domain died");
		break;
	case 'n':
		fuzz_submit(m, len > 1 && line[1] == '0');
		break;
	case 'm':
		room_short = !room_short;
		break;
	case 'e':
		room_fails = !room_fails;
		break;
	default:
		if (pending_id)
			fuzz_answer(line, len);
		break;
	}
}

static struct memreq *fuzz_open(struct event_base *base, struct xsp *dom0,
				unsigned pick)
{
	const struct xsp_perm perms[] = {{0, XSP_PERM_NONE},
					 {STUB, XSP_PERM_RW}};
	struct memreq_config cfg = {.base = base,
				    .xs = dom0,
				    .domid = GUEST,
				    .room = fuzz_room,
				    .event = fuzz_event};
	struct memreq *m;

	FUZZ_ASSERT(xsp_write_str(dom0, 0, DM "/state", "running") == 0, "dm");
	FUZZ_ASSERT(xsp_set_perms(dom0, 0, DM, perms, 2) == 0, "perms");
	FUZZ_ASSERT(xsp_set_target(dom0, STUB, GUEST) == 0, "set_target");
	m = memreq_new(&cfg);
	FUZZ_ASSERT(m, "memreq_new");
	for (unsigned i = 0; i <= (pick & 3); i++)
		fuzz_submit(m, pick >> (2 + i) & 1);
	return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned pick = fuzz_take_byte(&data, &size);
	struct event_base *base = event_base_new();
	struct xsp_mem_store *store = xsp_mem_store_new();
	struct xsp *dom0, *stub;
	struct memreq *m;
	const char *p = (const char *)data, *end = p + size;
	int steps = 0;

	FUZZ_ASSERT(base && store, "alloc");
	dom0 = xsp_mem_open(store, base, 0);
	toolstack = xsp_mem_open(store, base, 0);
	stub = xsp_mem_open(store, base, STUB);
	FUZZ_ASSERT(dom0 && toolstack && stub, "xsp_mem_open");
	memset(done_calls, 0, sizeof(done_calls));
	memset(granted, 0, sizeof(granted));
	memset(refused, 0, sizeof(refused));
	n_ops = 0;
	pending_id = last_ticket = 0;
	room_short = room_fails = false;
	m = fuzz_open(base, dom0, pick);
	fuzz_settle(base);
	while (p < end && steps++ < 256) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		fuzz_step(m, stub, base, p, len);
		fuzz_settle(base);
		p += len + (nl ? 1 : 0);
	}
	memreq_free(m);
	fuzz_nodes_gone("after memreq_free");
	for (unsigned i = 0; i < n_ops; i++)
		FUZZ_ASSERT(done_calls[i] == 1,
			    "operation %u completed %u "
			    "times",
			    i, done_calls[i]);
	fuzz_settle(base);
	xsp_close(stub);
	xsp_close(toolstack);
	xsp_close(dom0);
	xsp_mem_store_free(store);
	event_base_free(base);
	return 0;
}
