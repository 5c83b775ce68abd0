/*
 * fuzz-request.c - control-request decoding as dmsup does it before a
 * command runs: the frame (libdmsup/frame.c), the frame text's top-level
 * keys (reqcheck_keys), the checks common to every request
 * (reqcheck_common), then the command table's (cmdtab_find, _mistyped,
 * _missing).
 *
 * Input: the body of one frame (the length prefix is added here).
 * Invariants: a request whose text holds more keys than its object (a key
 * given twice, however written) never passes; a refusal has a message; a
 * repeated key named is one the text holds; a passing request has a
 * req_id of the documented shape, if any.
 */
#include <arpa/inet.h>
#include <string.h>

#include <event2/buffer.h>
#include <json-c/json.h>

#include "dmsup/ctl/cmdtab.h"
#include "dmsup/ctl/reqcheck.h"
#include "libdmsup/frame.h"
#include "fuzz/fuzz.h"

static void fuzz_cmdtab(struct json_object *req)
{
	struct json_object *v;
	const struct cmdtab *e;
	const struct cmdtab_arg *lack;
	const char *want = NULL, *bad;

	if (!json_object_object_get_ex(req, "cmd", &v) ||
	    !json_object_is_type(v, json_type_string))
		return;
	e = cmdtab_find(json_object_get_string(v), CMDTAB_WIRE);
	if (!e)
		return;
	bad = cmdtab_mistyped(e, req, &want);
	if (bad) {
		FUZZ_ASSERT(json_object_object_get_ex(req, bad, NULL),
			    "mistyped field '%s' not in the request", bad);
		FUZZ_ASSERT(want && *want, "no type named for '%s'", bad);
		return;
	}
	lack = cmdtab_missing(e, req);
	if (lack)
		FUZZ_ASSERT(lack->missing && *lack->missing,
			    "%s: a missing field with no message", e->name);
}

static void fuzz_request(const char *text, size_t len, struct json_object *req)
{
	char dup[64], err[160];
	size_t keys = reqcheck_keys(text, len, dup, sizeof(dup));
	size_t have = (size_t)json_object_object_length(req);
	const char *msg = reqcheck_common(req, keys, dup, err, sizeof(err));
	struct json_object *id;

	FUZZ_ASSERT(memchr(dup, 0, sizeof(dup)), "dup not terminated");
	FUZZ_ASSERT(keys >= have, "%zu keys counted, the object has %zu", keys,
		    have);
	if (*dup)
		FUZZ_ASSERT(memmem(text, len, dup, strlen(dup)),
			    "repeated key '%s' is not in the text", dup);
	if (keys > have || *dup) {
		FUZZ_ASSERT(msg && *msg, "a repeated key passed");
		return;
	}
	if (msg) {
		FUZZ_ASSERT(*msg, "a refusal with no message");
		return;
	}
	if (json_object_object_get_ex(req, "req_id", &id))
		FUZZ_ASSERT(
		    json_object_is_type(id, json_type_int) ||
			(json_object_is_type(id, json_type_string) &&
			 json_object_get_string_len(id) <= REQCHECK_REQ_ID_MAX),
		    "req_id of another shape passed");
	fuzz_cmdtab(req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbuffer *in = evbuffer_new();
	struct json_object *req = NULL;
	const char *err = NULL;
	uint32_t be = htonl((uint32_t)size);

	FUZZ_ASSERT(in, "evbuffer_new");
	if (size > FRAME_MAX) {
		evbuffer_free(in);
		return 0;
	}
	evbuffer_add(in, &be, sizeof(be));
	evbuffer_add(in, data, size);
	if (frame_take(in, &req, &err) == 1) {
		FUZZ_ASSERT(json_object_is_type(req, json_type_object),
			    "a frame that is not an object");
		fuzz_request((const char *)data, size, req);
		json_object_put(req);
	} else {
		FUZZ_ASSERT(err && *err, "a refused frame with no reason");
	}
	evbuffer_free(in);
	return 0;
}
