/* The strict check of a .run file (see runfile.h). */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dmsup/runfile.h"

#define RUNFILE_PID_MAX 4194304 /* the kernel's PID_MAX_LIMIT */
#define RUNFILE_PATH_MAX 4000	/* as start's restore */

static const struct runfile_field {
	const char *key;
	int64_t lo, hi; /* hi < lo: a string, a state name */
} runfile_fields[] = {
    {"pid", 1, RUNFILE_PID_MAX},
    {"log_pid", 0, RUNFILE_PID_MAX},
    {"pid_start", 0, INT64_MAX},
    {"log_start", 0, INT64_MAX},
    {"started", 0, INT64_MAX},
    {"spawns", 0, 1000000000},
    {"state", 1, 0},
    {"restore", 1, 0},
};

static int runfile_field_ok(const struct runfile_field *f,
			    struct json_object *v)
{
	int64_t n;

	if (f->hi < f->lo && !strcmp(f->key, "restore")) {
		/* Only named in messages, never opened again. */
		const char *s = json_object_get_string(v);

		return json_object_is_type(v, json_type_string) &&
		       s[0] == '/' && strlen(s) <= RUNFILE_PATH_MAX;
	}
	if (f->hi < f->lo) {
		const char *s = json_object_get_string(v);

		return json_object_is_type(v, json_type_string) &&
		       (!strcmp(s, "starting") || !strcmp(s, "running") ||
			!strcmp(s, "stopping"));
	}
	if (!json_object_is_type(v, json_type_int))
		return 0;
	n = json_object_get_int64(v);
	/* json-c clamps what does not fit: refuse the clamped ends. */
	return n >= f->lo && n <= f->hi && n != INT64_MAX && n != INT64_MIN;
}

int runfile_check(struct json_object *run, char *err, size_t errlen)
{
	size_t i, n = sizeof(runfile_fields) / sizeof(*runfile_fields);

	if (!json_object_is_type(run, json_type_object)) {
		snprintf(err, errlen, "not a JSON object");
		return -1;
	}
	json_object_object_foreach(run, key, v)
	{
		for (i = 0; i < n && strcmp(key, runfile_fields[i].key); i++)
			;
		if (i == n) {
			snprintf(err, errlen, "unknown field '%.64s'", key);
			return -1;
		}
		if (!runfile_field_ok(&runfile_fields[i], v)) {
			snprintf(
			    err, errlen, "%s: %s", key,
			    !strcmp(key, "restore")
				? "not an absolute path of at most 4000 bytes"
			    : runfile_fields[i].hi < runfile_fields[i].lo
				? "not starting, running or stopping"
				: "not an integer in range");
			return -1;
		}
	}
	if (!json_object_object_get_ex(run, "pid", NULL)) {
		snprintf(err, errlen, "pid: missing");
		return -1;
	}
	return 0;
}
