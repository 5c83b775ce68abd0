/*
 * fuzz-handshake.c - the MiniOS command/state handshake
 * (stubdom-proto/handshake.c) against a stub domain that writes whatever
 * the fuzzer says into its `state` and `parameter` nodes, over the
 * in-memory xenstore of the unit tests (test tier only).
 *
 * Input: one byte choosing the commands submitted (two bits each: save,
 * continue, pci-ins, pci-rem after an initial start), then one step per
 * line, run through the event loop after each:
 *   s<value>  the stub writes state (raw bytes, NUL included)
 *   p<value>  the stub writes parameter
 *   r         the stub deletes its state node
 *   D         dom0 deletes the device-model directory
 *   x         the toolstack destroys the channel
 *   other     the whole line is written to state
 * Checked: every command completes exactly once (after destroy at the
 * latest); success only with the command's own result; a failure always
 * says why; the visible strings are printable.
 */
#include <ctype.h>
#include <string.h>

#include <event2/event.h>

#include "fuzz/fuzz.h"
#include "stubdom-proto/handshake.h"
#include "stubdom-proto/setup.h"
#include "stubdom-proto/xs.h"
#include "tests/unit/proto/xs-mem.h"

#define GUEST 5
#define STUB 6
#define DM "/local/domain/0/device-model/5"
#define FUZZ_CMDS 5

static unsigned done_calls[FUZZ_CMDS];

static void fuzz_printable(const char *s)
{
	FUZZ_ASSERT(s, "NULL string");
	for (; *s; s++)
		FUZZ_ASSERT(isprint((unsigned char)*s), "unprintable 0x%02x",
			    (unsigned char)*s);
}

static void fuzz_done_cb(const struct stubdom_hs_result *res, void *arg)
{
	unsigned *calls = arg;
	static const char *const ok[] = {
	    [STUBDOM_CMD_START] = "running",
	    [STUBDOM_CMD_PCI_INS] = "pci-inserted",
	    [STUBDOM_CMD_PCI_REM] = "pci-removed",
	    [STUBDOM_CMD_SAVE] = "paused",
	    [STUBDOM_CMD_CONTINUE] = "running",
	};

	(*calls)++;
	FUZZ_ASSERT(*calls == 1, "command completed %u times", *calls);
	fuzz_printable(res->state);
	if (res->rc == 0) {
		FUZZ_ASSERT(!res->error, "error on success");
		FUZZ_ASSERT(!strcmp(res->state, ok[res->cmd]),
			    "%s succeeded on state '%s'",
			    stubdom_cmd_name(res->cmd), res->state);
		if (res->cmd == STUBDOM_CMD_PCI_INS)
			FUZZ_ASSERT(res->vdevfn >= 0 && res->vdevfn < 256,
				    "vdevfn %d", res->vdevfn);
	} else {
		FUZZ_ASSERT(res->rc < 0 && res->error && *res->error,
			    "failure %d without why", res->rc);
		fuzz_printable(res->error);
		FUZZ_ASSERT(res->vdevfn == -1, "vdevfn on failure");
	}
	if (res->parameter)
		fuzz_printable(res->parameter);
}

static void fuzz_settle(struct event_base *base)
{
	int i;

	for (i = 0; i < 100000; i++) {
		if (!event_base_get_num_events(base, EVENT_BASE_COUNT_ACTIVE))
			return;
		event_base_loop(base, EVLOOP_NONBLOCK);
	}
	FUZZ_ASSERT(0, "the event loop never settled");
}

static void fuzz_step(struct xsp *dom0, struct xsp *stub,
		      struct stubdom_hs **hs, const char *line, size_t len)
{
	switch (len ? line[0] : 0) {
	case 's':
		xsp_write(stub, 0, DM "/state", line + 1, len - 1);
		break;
	case 'p':
		xsp_write(stub, 0, DM "/parameter", line + 1, len - 1);
		break;
	case 'r':
		xsp_rm(stub, 0, DM "/state");
		break;
	case 'D':
		xsp_rm(dom0, 0, DM);
		break;
	case 'x':
		stubdom_hs_destroy(*hs);
		*hs = NULL;
		break;
	default:
		xsp_write(stub, 0, DM "/state", line, len);
		break;
	}
}

static struct stubdom_hs *fuzz_open(struct xsp *dom0, unsigned pick,
				    unsigned *submitted)
{
	static const char *const args[] = {"-m", "48"};
	static const enum stubdom_cmd cmds[] = {
	    STUBDOM_CMD_SAVE, STUBDOM_CMD_CONTINUE, STUBDOM_CMD_PCI_INS,
	    STUBDOM_CMD_PCI_REM};
	struct stubdom_setup s = {
	    STUBDOM_MINIOS, GUEST, STUB, "00000000-0000-0000-0000-000000000005",
	    args,	    2,	   NULL};
	struct stubdom_hs_config cfg = {
	    .kind = STUBDOM_MINIOS,
	    .domid = GUEST,
	    .stub_domid = STUB,
	    .cmd_timeout_ms = 600000,
	    .start_timeout_ms = 600000,
	    .queue_max = 8,
	};
	struct stubdom_hs *hs;
	int err = 0, i;

	FUZZ_ASSERT(stubdom_setup_write(dom0, &s, NULL, 0) == 0, "setup");
	FUZZ_ASSERT(xsp_set_target(dom0, STUB, GUEST) == 0, "set_target");
	hs = stubdom_hs_new(dom0, &cfg, &err);
	FUZZ_ASSERT(hs, "stubdom_hs_new: %d", err);
	FUZZ_ASSERT(stubdom_hs_submit(hs, STUBDOM_CMD_START, NULL, fuzz_done_cb,
				      &done_calls[0]) == 0,
		    "submit start");
	*submitted = 1;
	for (i = 0; i < 4; i++) {
		if (!(pick >> (2 * i) & 1))
			continue;
		FUZZ_ASSERT(
		    stubdom_hs_submit(
			hs, cmds[i],
			cmds[i] == STUBDOM_CMD_PCI_INS ? "0000:00:02.0" : NULL,
			fuzz_done_cb, &done_calls[1 + i]) == 0,
		    "submit");
		(*submitted)++;
	}
	return hs;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned pick = fuzz_take_byte(&data, &size), submitted, total = 0;
	struct event_base *base = event_base_new();
	struct xsp_mem_store *store = xsp_mem_store_new();
	struct xsp *dom0, *stub;
	struct stubdom_hs *hs;
	const char *p = (const char *)data, *end = p + size;
	int i, steps = 0;

	FUZZ_ASSERT(base && store, "alloc");
	dom0 = xsp_mem_open(store, base, 0);
	stub = xsp_mem_open(store, base, STUB);
	FUZZ_ASSERT(dom0 && stub, "xsp_mem_open");
	memset(done_calls, 0, sizeof(done_calls));
	hs = fuzz_open(dom0, pick, &submitted);
	fuzz_settle(base);
	while (p < end && steps++ < 256) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (!hs && len && p[0] == 'x')
			len = 0; /* destroy once */
		fuzz_step(dom0, stub, &hs, p, len);
		fuzz_settle(base);
		p += len + (nl ? 1 : 0);
	}
	stubdom_hs_destroy(hs);
	fuzz_settle(base);
	for (i = 0; i < FUZZ_CMDS; i++) {
		FUZZ_ASSERT(done_calls[i] <= 1, "double completion");
		total += done_calls[i];
	}
	FUZZ_ASSERT(total == submitted, "%u completions for %u commands", total,
		    submitted);
	xsp_close(stub);
	xsp_close(dom0);
	xsp_mem_store_free(store);
	event_base_free(base);
	return 0;
}
