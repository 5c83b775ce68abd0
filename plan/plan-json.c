/*
 * A plan as JSON (json-c), for `dmctl plan --json` and for toolstacks, and
 * back. The form is documented in plan.h and docs/memory-protocol.md.
 */
#include "plan/plan.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int plan_json_add(struct json_object *obj, const char *key,
			 struct json_object *val)
{
	if (!val)
		return -1;
	if (json_object_object_add(obj, key, val)) {
		json_object_put(val);
		return -1;
	}
	return 0;
}

static struct json_object *plan_json_item(const struct plan_item *it)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (plan_json_add(o, "name", json_object_new_string(it->name)) ||
	    plan_json_add(o, "where",
			  json_object_new_string(plan_where_name(it->where))) ||
	    plan_json_add(o, "pages",
			  json_object_new_int64((int64_t)it->pages)) ||
	    plan_json_add(o, "why", json_object_new_string(it->why))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *plan_json_rule(const struct plan_rule *rule)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (plan_json_add(
		o, "severity",
		json_object_new_string(plan_severity_name(rule->severity))) ||
	    plan_json_add(o, "code", json_object_new_string(rule->code)) ||
	    plan_json_add(o, "message",
			  json_object_new_string(rule->message))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int plan_json_append(struct json_object *arr, struct json_object *val)
{
	if (!val)
		return -1;
	if (json_object_array_add(arr, val)) {
		json_object_put(val);
		return -1;
	}
	return 0;
}

struct json_object *plan_json(const struct plan *plan)
{
	struct json_object *o = json_object_new_object();
	struct json_object *items = json_object_new_array();
	struct json_object *rules = json_object_new_array();
	size_t i;

	if (!o || !items || !rules)
		goto fail;
	for (i = 0; i < plan->nr_items; i++)
		if (plan_json_append(items, plan_json_item(&plan->items[i])))
			goto fail;
	for (i = 0; i < plan->nr_rules; i++)
		if (plan_json_append(rules, plan_json_rule(&plan->rules[i])))
			goto fail;
	if (plan_json_add(o, "kind",
			  json_object_new_string(plan_kind_name(plan->kind))) ||
	    plan_json_add(o, "target_pages",
			  json_object_new_int64((int64_t)plan->target_pages)) ||
	    plan_json_add(
		o, "stubdom_pages",
		json_object_new_int64((int64_t)plan->stubdom_pages)) ||
	    plan_json_add(o, "shadow_kib",
			  json_object_new_int64((int64_t)plan->shadow_kib)) ||
	    plan_json_add(
		o, "balloon_limit_mib",
		json_object_new_int64((int64_t)plan->balloon_limit_mib)) ||
	    plan_json_add(o, "refused",
			  json_object_new_boolean(plan_refused(plan))))
		goto fail;
	if (plan_json_add(o, "items", items)) {
		items = NULL;
		goto fail;
	}
	items = NULL;
	if (plan_json_add(o, "rules", rules)) {
		rules = NULL;
		goto fail;
	}
	return o;

fail:
	json_object_put(items);
	json_object_put(rules);
	json_object_put(o);
	return NULL;
}

/* Parsing: every field is checked; the input may come from anywhere. */

static int plan_json_err(struct plan_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int plan_json_err(struct plan_error *err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return PLAN_E_INVAL;
}

static int plan_json_u64(const struct json_object *obj, const char *key,
			 uint64_t *v_r, struct plan_error *err)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return plan_json_err(err, "plan: \"%s\" is not an integer",
				     key);
	n = json_object_get_int64(v);
	if (n < 0)
		return plan_json_err(err, "plan: \"%s\" is negative", key);
	*v_r = (uint64_t)n;
	return PLAN_OK;
}

/* Copies a string field into buf; it must fit. */
static int plan_json_str(const struct json_object *obj, const char *key,
			 char *buf, size_t len, struct plan_error *err)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return plan_json_err(err, "plan: \"%s\" is not a string", key);
	s = json_object_get_string(v);
	if (strlen(s) >= len)
		return plan_json_err(err, "plan: \"%s\" is too long", key);
	memcpy(buf, s, strlen(s) + 1);
	return PLAN_OK;
}

static int plan_json_array(const struct json_object *obj, const char *key,
			   size_t max, struct json_object **arr_r, size_t *n_r,
			   struct plan_error *err)
{
	if (!json_object_object_get_ex(obj, key, arr_r) ||
	    !json_object_is_type(*arr_r, json_type_array))
		return plan_json_err(err, "plan: \"%s\" is not an array", key);
	*n_r = json_object_array_length(*arr_r);
	if (*n_r > max)
		return plan_json_err(err, "plan: more than %zu %s", max, key);
	return PLAN_OK;
}

static int plan_json_parse_item(const struct json_object *o,
				struct plan_item *it, struct plan_error *err)
{
	char where[16];
	int rc;

	if (!json_object_is_type(o, json_type_object))
		return plan_json_err(err, "plan: an item is not an object");
	rc = plan_json_str(o, "name", it->name, sizeof(it->name), err);
	if (!rc)
		rc = plan_json_str(o, "where", where, sizeof(where), err);
	if (!rc)
		rc = plan_json_u64(o, "pages", &it->pages, err);
	if (!rc)
		rc = plan_json_str(o, "why", it->why, sizeof(it->why), err);
	if (rc)
		return rc;
	if (!strcmp(where, "target"))
		it->where = PLAN_IN_TARGET;
	else if (!strcmp(where, "stubdom"))
		it->where = PLAN_IN_STUBDOM;
	else
		return plan_json_err(err, "plan: unknown where \"%s\"", where);
	return PLAN_OK;
}

static int plan_json_parse_rule(const struct json_object *o,
				struct plan_rule *rule, struct plan_error *err)
{
	char severity[16];
	int rc;

	if (!json_object_is_type(o, json_type_object))
		return plan_json_err(err, "plan: a rule is not an object");
	rc = plan_json_str(o, "severity", severity, sizeof(severity), err);
	if (!rc)
		rc = plan_json_str(o, "code", rule->code, sizeof(rule->code),
				   err);
	if (!rc)
		rc = plan_json_str(o, "message", rule->message,
				   sizeof(rule->message), err);
	if (rc)
		return rc;
	if (!strcmp(severity, "warning"))
		rule->severity = PLAN_WARNING;
	else if (!strcmp(severity, "refusal"))
		rule->severity = PLAN_REFUSAL;
	else
		return plan_json_err(err, "plan: unknown severity \"%s\"",
				     severity);
	return PLAN_OK;
}

static int plan_json_parse_lists(const struct json_object *obj,
				 struct plan *plan, struct plan_error *err)
{
	struct json_object *arr;
	size_t i, n;
	int rc;

	rc = plan_json_array(obj, "items", PLAN_MAX_ITEMS, &arr, &n, err);
	if (rc)
		return rc;
	for (i = 0; i < n; i++) {
		rc = plan_json_parse_item(json_object_array_get_idx(arr, i),
					  &plan->items[i], err);
		if (rc)
			return rc;
	}
	plan->nr_items = n;
	rc = plan_json_array(obj, "rules", PLAN_MAX_RULES, &arr, &n, err);
	if (rc)
		return rc;
	for (i = 0; i < n; i++) {
		rc = plan_json_parse_rule(json_object_array_get_idx(arr, i),
					  &plan->rules[i], err);
		if (rc)
			return rc;
	}
	plan->nr_rules = n;
	return PLAN_OK;
}

int plan_json_parse(const struct json_object *obj, struct plan *plan_r,
		    struct plan_error *err_r)
{
	char kind[32];
	uint64_t sum[2] = {0, 0};
	size_t i;
	int rc;

	memset(plan_r, 0, sizeof(*plan_r));
	if (!obj || !json_object_is_type(obj, json_type_object))
		return plan_json_err(err_r, "plan: not a JSON object");
	rc = plan_json_str(obj, "kind", kind, sizeof(kind), err_r);
	if (rc)
		return rc;
	if (!plan_kind_parse(kind, &plan_r->kind))
		return plan_json_err(err_r, "plan: unknown kind \"%s\"", kind);
	rc = plan_json_u64(obj, "target_pages", &plan_r->target_pages, err_r);
	if (!rc)
		rc = plan_json_u64(obj, "stubdom_pages", &plan_r->stubdom_pages,
				   err_r);
	if (!rc)
		rc = plan_json_u64(obj, "shadow_kib", &plan_r->shadow_kib,
				   err_r);
	if (!rc)
		rc = plan_json_u64(obj, "balloon_limit_mib",
				   &plan_r->balloon_limit_mib, err_r);
	if (!rc)
		rc = plan_json_parse_lists(obj, plan_r, err_r);
	if (rc)
		return rc;
	/* The totals must be what the items say. */
	for (i = 0; i < plan_r->nr_items; i++)
		sum[plan_r->items[i].where == PLAN_IN_STUBDOM] +=
		    plan_r->items[i].pages;
	if (sum[0] != plan_r->target_pages || sum[1] != plan_r->stubdom_pages)
		return plan_json_err(err_r,
				     "plan: totals do not match the items");
	return PLAN_OK;
}
