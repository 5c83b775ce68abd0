/*
 * fuzz-config.c - a device model's configuration (dmsup/config.c) from
 * untrusted JSON text, and `dmctl set key=value` assignments on it.
 *
 * Input: the config text, optionally followed by a NUL and one assignment
 * per line. A config that parses must serialise to JSON that parses back
 * to the same JSON; a refusal must come with a message.
 */
#include <string.h>

#include <json-c/json.h>

#include "dmsup/config.h"
#include "fuzz/fuzz.h"

static void fuzz_check_roundtrip(const struct dm_config *cfg)
{
	struct json_object *j = config_to_json(cfg), *j2;
	struct dm_config again;
	char *err = NULL;

	FUZZ_ASSERT(j, "config_to_json");
	memset(&again, 0, sizeof(again));
	FUZZ_ASSERT(config_from_json(&again, j, &err) == 0,
		    "a valid config serialised is refused: %s", err);
	j2 = config_to_json(&again);
	FUZZ_ASSERT(j2 && json_object_equal(j, j2), "round trip differs");
	json_object_put(j);
	json_object_put(j2);
	config_dispose(&again);
	config_dispose(&again); /* idempotent */
}

static void fuzz_assignments(struct dm_config *cfg, char *s)
{
	char *line, *save = NULL;

	for (line = strtok_r(s, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *err = NULL;

		if (config_set(cfg, line, &err) == 0)
			fuzz_check_roundtrip(cfg);
		else
			FUZZ_ASSERT(err && *err, "refused without a message");
		free(err);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct dm_config cfg;
	char *err = NULL;
	size_t tlen;

	FUZZ_ASSERT(text, "malloc");
	memcpy(text, data, size);
	text[size] = '\0';
	tlen = strlen(text);
	memset(&cfg, 0, sizeof(cfg));
	if (config_from_string(&cfg, text, &err) == 0) {
		fuzz_check_roundtrip(&cfg);
		if (tlen < size)
			fuzz_assignments(&cfg, text + tlen + 1);
	} else {
		FUZZ_ASSERT(err && *err, "refused without a message");
	}
	free(err);
	config_dispose(&cfg);
	free(text);
	return 0;
}
