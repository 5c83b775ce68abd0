/*
 * fuzz-frame.c - control-protocol framing (libdmsup/frame.c) on the bytes a
 * client could send, arriving in arbitrary pieces.
 *
 * Input: one byte seeding the piece sizes, then the stream. Every frame
 * taken must be a JSON object that frame_put writes back to a frame which
 * frame_take reads again to the same object; an error is final and says
 * why; incomplete input is never consumed.
 */
#include <string.h>

#include <event2/buffer.h>
#include <json-c/json.h>

#include "libdmsup/frame.h"
#include "fuzz/fuzz.h"

static void fuzz_roundtrip(struct json_object *obj)
{
	struct evbuffer *b = evbuffer_new();
	struct json_object *back = NULL;
	const char *err = NULL;

	FUZZ_ASSERT(b, "evbuffer_new");
	FUZZ_ASSERT(frame_put(b, obj) == 0, "frame_put of a taken frame");
	FUZZ_ASSERT(frame_take(b, &back, &err) == 1, "re-take: %s",
		    err ? err : "incomplete");
	/* Compared as text: json-c reads NaN, which equals nothing. */
	FUZZ_ASSERT(!strcmp(json_object_to_json_string(obj),
			    json_object_to_json_string(back)),
		    "round trip differs");
	FUZZ_ASSERT(evbuffer_get_length(b) == 0, "bytes left over");
	json_object_put(back);
	evbuffer_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned seed = fuzz_take_byte(&data, &size) % 32;
	struct evbuffer *in = evbuffer_new();
	size_t off = 0;
	int rc = 0;

	FUZZ_ASSERT(in, "evbuffer_new");
	while (off < size && rc >= 0) {
		size_t n = seed ? 1 + (data[off] + off) % seed : size - off;

		if (n > size - off)
			n = size - off;
		evbuffer_add(in, data + off, n);
		off += n;
		for (;;) {
			struct json_object *obj = NULL;
			const char *err = NULL;
			size_t before = evbuffer_get_length(in);

			rc = frame_take(in, &obj, &err);
			if (rc == 1) {
				FUZZ_ASSERT(obj && json_object_is_type(
						       obj, json_type_object),
					    "not an object");
				fuzz_roundtrip(obj);
				json_object_put(obj);
				continue;
			}
			FUZZ_ASSERT(obj == NULL, "object with rc %d", rc);
			if (rc == 0)
				FUZZ_ASSERT(evbuffer_get_length(in) == before,
					    "incomplete frame consumed");
			else
				FUZZ_ASSERT(err && *err, "error without why");
			break;
		}
	}
	evbuffer_free(in);
	return 0;
}
