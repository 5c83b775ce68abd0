/*
 * reqcheck.c - checks common to every control request (reqcheck.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "dmsup/ctl/reqcheck.h"

#define REQCHECK_KEYS_MAX 64

/* Past a string that opens at @t[i] (either quote json-c takes); returns
 * the index of its closing quote (or @len). */
static size_t reqcheck_skip_string(const char *t, size_t len, size_t i)
{
	char q = t[i];

	for (i++; i < len && t[i] != q; i++)
		if (t[i] == '\\')
			i++;
	return i;
}

/* Is the key @t[s..e) among the @nk keys seen before? */
static bool reqcheck_seen(const char *const *key, const size_t *klen, size_t nk,
			  const char *k, size_t kl)
{
	for (size_t i = 0; i < nk; i++)
		if (klen[i] == kl && !memcmp(key[i], k, kl))
			return true;
	return false;
}

/*
 * json-c keeps the last of two equal keys, so a request could say one
 * command to a reader and do another: the frame's own text is scanned for
 * its top-level keys.
 */
size_t reqcheck_keys(const char *t, size_t len, char *dup, size_t n)
{
	const char *key[REQCHECK_KEYS_MAX];
	size_t klen[REQCHECK_KEYS_MAX], nk = 0, count = 0;
	int depth = 0;
	bool want_key = false;

	if (n)
		*dup = 0;
	for (size_t i = 0; i < len; i++) {
		if (t[i] == '"' || t[i] == '\'') {
			size_t s = i + 1;

			i = reqcheck_skip_string(t, len, i);
			if (depth != 1 || !want_key)
				continue;
			want_key = false;
			count++;
			if (n && !*dup &&
			    reqcheck_seen(key, klen, nk, t + s, i - s))
				snprintf(dup, n, "%.*s", (int)(i - s), t + s);
			if (nk < REQCHECK_KEYS_MAX) {
				key[nk] = t + s;
				klen[nk++] = i - s;
			}
		} else if (t[i] == '{' || t[i] == '[') {
			want_key = ++depth == 1;
		} else if (t[i] == '}' || t[i] == ']') {
			depth--;
		} else if (t[i] == ',' && depth == 1) {
			want_key = true;
		}
	}
	return count;
}

static bool reqcheck_req_id_ok(struct json_object *id)
{
	if (json_object_is_type(id, json_type_int))
		return true;
	return json_object_is_type(id, json_type_string) &&
	       json_object_get_string_len(id) <= REQCHECK_REQ_ID_MAX;
}

const char *reqcheck_common(struct json_object *req, size_t keys,
			    const char *dup, char *err, size_t n)
{
	struct json_object *id;

	if (*dup) {
		snprintf(err, n, "field '%s' is given twice", dup);
		return err;
	}
	/* An escaped twin ("c\u006dd") only shows in the count. */
	if (keys > (size_t)json_object_object_length(req)) {
		snprintf(err, n,
			 "field '(a key written with escapes)' is "
			 "given twice");
		return err;
	}
	if (json_object_object_get_ex(req, "req_id", &id) &&
	    !reqcheck_req_id_ok(id)) {
		snprintf(err, n,
			 "field 'req_id' must be an integer or a string of "
			 "at most %d bytes",
			 REQCHECK_REQ_ID_MAX);
		return err;
	}
	return NULL;
}
