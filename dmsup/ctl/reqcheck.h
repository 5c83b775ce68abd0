/*
 * reqcheck.h - the checks every control request passes before its command
 * is looked at: no key given twice, a req_id of the documented shape.
 * Pure functions on a request's frame text and its parsed object, so the
 * control socket and the fuzz target (fuzz/fuzz-request.c) run the same
 * code.
 */
#ifndef DMSUP_CTL_REQCHECK_H
#define DMSUP_CTL_REQCHECK_H

#include <stddef.h>

struct json_object;

#define REQCHECK_REQ_ID_MAX 128 /* bytes of a string req_id */

/* The number of top-level keys written in the frame text @t (@len bytes);
 * the first key written twice (compared as written) is copied into @dup
 * (@n bytes, NUL-terminated, "" if none). */
size_t reqcheck_keys(const char *t, size_t len, char *dup, size_t n);

/* Why @req (parsed from a frame of @keys top-level keys, @dup as
 * reqcheck_keys left it) is refused whatever its command, written into
 * @err (@n bytes); NULL if it is not. */
const char *reqcheck_common(struct json_object *req, size_t keys,
			    const char *dup, char *err, size_t n);

#endif
