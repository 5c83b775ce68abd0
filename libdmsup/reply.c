/* Reading dmsup's replies (libdmsup.h): a small typed layer on json-c. */
#include "libdmsup/libdmsup.h"
#include "libdmsup/private.h"

DMSUP_EXPORT const char *dmsup_json_string(struct json_object *obj,
					   const char *key)
{
	struct json_object *v;

	if (!obj || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

DMSUP_EXPORT long long dmsup_json_int(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!obj || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	return json_object_get_int64(v);
}

DMSUP_EXPORT bool dmsup_reply_ok(struct json_object *reply)
{
	struct json_object *v;

	return reply && json_object_object_get_ex(reply, "ok", &v) &&
	       json_object_is_type(v, json_type_boolean) &&
	       json_object_get_boolean(v);
}

DMSUP_EXPORT const char *dmsup_reply_error(struct json_object *reply)
{
	return dmsup_json_string(reply, "error");
}

DMSUP_EXPORT const char *dmsup_reply_step(struct json_object *reply)
{
	return dmsup_json_string(reply, "step");
}

DMSUP_EXPORT struct json_object *dmsup_reply_domain(struct json_object *reply)
{
	struct json_object *v;

	if (!reply || !json_object_object_get_ex(reply, "domain", &v) ||
	    !json_object_is_type(v, json_type_object))
		return NULL;
	return v;
}
