/*
 * fuzz-qmp-parser.c - QMP stream framing (qmp/parser.c) on arbitrary bytes.
 *
 * Input: one byte choosing the message cap, one seeding the chunk sizes,
 * then the stream. The stream is parsed twice, whole and in chunks, and
 * both must give the same messages and the same end state: framing must
 * not depend on where reads split the stream. Every message must be a JSON
 * object no larger than the cap, nested no deeper than the depth limit.
 */
#include <string.h>

#include <json-c/json.h>

#include "fuzz/fuzz.h"
#include "qmp/parser.h"

#define FUZZ_MAX_MSGS 4096
#define FUZZ_DEPTH 8

struct run {
	int rc; /* 0: wants more input; < 0: failed */
	unsigned n;
	char *msgs[FUZZ_MAX_MSGS];
};

static int fuzz_depth(struct json_object *o)
{
	int d = 0;

	if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, k, v)
		{
			int c = fuzz_depth(v);

			(void)k;
			if (c > d)
				d = c;
		}
		return d + 1;
	}
	if (json_object_is_type(o, json_type_array)) {
		size_t i, n = json_object_array_length(o);

		for (i = 0; i < n; i++) {
			int c = fuzz_depth(json_object_array_get_idx(o, i));

			if (c > d)
				d = c;
		}
		return d + 1;
	}
	return 0;
}

/* Takes every complete message; returns 0 or the parser's error. */
static int fuzz_drain(struct qmp_parser *p, size_t cap, struct run *r)
{
	struct json_object *msg;
	int rc;

	while ((rc = qmp_parser_next(p, &msg)) == 1) {
		size_t len;
		const char *s;

		FUZZ_ASSERT(msg && json_object_is_type(msg, json_type_object),
			    "message %u is not an object", r->n);
		FUZZ_ASSERT(fuzz_depth(msg) <= FUZZ_DEPTH, "too deep");
		s = json_object_to_json_string_length(
		    msg,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
		    &len);
		/* What json-c prints is never longer than what it read,
		 * except for numbers it rewrites; allow a little for those. */
		FUZZ_ASSERT(len <= cap + 32, "message of %zu bytes, cap %zu",
			    len, cap);
		if (r->n < FUZZ_MAX_MSGS)
			r->msgs[r->n] = strdup(s);
		r->n++;
		json_object_put(msg);
	}
	if (rc < 0)
		FUZZ_ASSERT(*qmp_parser_error(p), "failed without a reason");
	FUZZ_ASSERT(rc <= 0 && msg == NULL, "rc %d", rc);
	return rc;
}

static void fuzz_run(const uint8_t *data, size_t size, size_t cap,
		     unsigned seed, struct run *r)
{
	struct qmp_parser *p = qmp_parser_new(cap, FUZZ_DEPTH);
	size_t off = 0;

	FUZZ_ASSERT(p, "qmp_parser_new");
	r->rc = 0;
	while (off < size && r->rc == 0) {
		/* seed 0: all at once; else chunks of 1..seed bytes. */
		size_t n = seed ? 1 + (data[off] + off) % seed : size;

		if (n > size - off)
			n = size - off;
		FUZZ_ASSERT(qmp_parser_feed(p, data + off, n) == 0, "feed");
		off += n;
		r->rc = fuzz_drain(p, cap, r);
	}
	/* A failed parser stays failed. */
	if (r->rc < 0) {
		struct json_object *msg;

		qmp_parser_feed(p, "{}", 2);
		FUZZ_ASSERT(qmp_parser_next(p, &msg) < 0, "recovered");
	}
	qmp_parser_free(p);
}

static void fuzz_free_run(struct run *r)
{
	unsigned i;

	for (i = 0; i < r->n && i < FUZZ_MAX_MSGS; i++)
		free(r->msgs[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run whole, chunked;
	size_t cap = 16 + 16 * fuzz_take_byte(&data, &size);
	unsigned seed = fuzz_take_byte(&data, &size) % 17;
	unsigned i;

	memset(&whole, 0, sizeof(whole));
	memset(&chunked, 0, sizeof(chunked));
	fuzz_run(data, size, cap, 0, &whole);
	fuzz_run(data, size, cap, seed ? seed : 1, &chunked);
	FUZZ_ASSERT(whole.n == chunked.n, "%u messages whole, %u chunked",
		    whole.n, chunked.n);
	FUZZ_ASSERT((whole.rc < 0) == (chunked.rc < 0),
		    "rc %d whole, %d chunked", whole.rc, chunked.rc);
	for (i = 0; i < whole.n && i < FUZZ_MAX_MSGS; i++)
		FUZZ_ASSERT(!strcmp(whole.msgs[i], chunked.msgs[i]),
			    "message %u differs: %s / %s", i, whole.msgs[i],
			    chunked.msgs[i]);
	fuzz_free_run(&whole);
	fuzz_free_run(&chunked);
	return 0;
}
