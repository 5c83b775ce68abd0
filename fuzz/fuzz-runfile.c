/*
 * fuzz-runfile.c - NAME.run as dmsup re-reads it at reattach: the text
 * parsed as persist.c does, then dmsup/runfile.c's check.
 *
 * Input: the file's text. A .run taken must give domain_reattach only
 * values in range; a refusal must come with a message.
 */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "dmsup/runfile.h"
#include "fuzz/fuzz.h"

static void fuzz_check_taken(struct json_object *o)
{
	struct json_object *v;
	int64_t n;

	FUZZ_ASSERT(json_object_object_get_ex(o, "pid", &v), "no pid");
	n = json_object_get_int64(v);
	FUZZ_ASSERT(n >= 1 && n <= 4194304 && json_object_get_int(v) == n,
		    "pid %lld", (long long)n);
	if (json_object_object_get_ex(o, "state", &v))
		FUZZ_ASSERT(json_object_get_string(v) &&
				json_object_is_type(v, json_type_string),
			    "state");
	if (json_object_object_get_ex(o, "spawns", &v))
		FUZZ_ASSERT(json_object_get_int64(v) >= 0 &&
				json_object_get_int64(v) <= 1000000000,
			    "spawns");
	if (json_object_object_get_ex(o, "log_pid", &v))
		FUZZ_ASSERT(json_object_get_int(v) >= 0, "log_pid");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[128] = "";
	struct json_object *o;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	o = json_tokener_parse(text);
	if (runfile_check(o, err, sizeof(err)) == 0)
		fuzz_check_taken(o);
	else
		FUZZ_ASSERT(err[0], "a refusal without a message");
	json_object_put(o);
	free(text);
	return 0;
}
