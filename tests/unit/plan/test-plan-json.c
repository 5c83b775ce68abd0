/*
 * Unit tests: a plan's JSON form (what `dmctl plan --json` prints and a
 * toolstack reads) and its readable breakdown.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"
#include "tests/unit/qmp/check-main.h"

static struct plan plan, back;
static struct plan_error err;

/* A plan with target and stub items and a warning and a refusal. */
static void compute_rich_plan(void)
{
	static const struct plan_nic nics[] = {{.model = "e1000"},
					       {.model = "rtl8139"}};
	struct plan_request req = {.kind = PLAN_KIND_STUBDOM_LINUX,
				   .memory_mib = 400,
				   .maxmem_mib = 5000,
				   .vcpus = 2,
				   .shadow_kib = 16,
				   .vga = PLAN_VGA_STDVGA,
				   .nics = nics,
				   .nr_nics = 2,
				   .linux_guest = true};

	ck_assert_int_eq(plan_compute(&req, &plan, &err), PLAN_OK);
	ck_assert_int_ge(plan.nr_rules, 2);
}

/* The plan printed as a JSON string and parsed back as a toolstack would. */
static struct json_object *as_text_and_back(void)
{
	struct json_object *o = plan_json(&plan), *parsed;

	ck_assert_ptr_nonnull(o);
	parsed = json_tokener_parse(json_object_to_json_string(o));
	json_object_put(o);
	ck_assert_ptr_nonnull(parsed);
	return parsed;
}

static int64_t int_member(struct json_object *o, const char *key)
{
	struct json_object *v;

	ck_assert(json_object_object_get_ex(o, key, &v));
	return json_object_get_int64(v);
}

START_TEST(json_round_trip_gives_the_same_plan)
{
	struct json_object *o;
	size_t i;

	compute_rich_plan();
	o = as_text_and_back();
	ck_assert_int_eq(plan_json_parse(o, &back, &err), PLAN_OK);
	json_object_put(o);
	ck_assert_int_eq(back.kind, plan.kind);
	ck_assert_uint_eq(back.target_pages, plan.target_pages);
	ck_assert_uint_eq(back.stubdom_pages, plan.stubdom_pages);
	ck_assert_uint_eq(back.shadow_kib, plan.shadow_kib);
	ck_assert_uint_eq(back.balloon_limit_mib, plan.balloon_limit_mib);
	ck_assert_int_eq(back.nr_items, plan.nr_items);
	for (i = 0; i < plan.nr_items; i++) {
		ck_assert_str_eq(back.items[i].name, plan.items[i].name);
		ck_assert_int_eq(back.items[i].where, plan.items[i].where);
		ck_assert_uint_eq(back.items[i].pages, plan.items[i].pages);
		ck_assert_str_eq(back.items[i].why, plan.items[i].why);
	}
	ck_assert_int_eq(back.nr_rules, plan.nr_rules);
	for (i = 0; i < plan.nr_rules; i++) {
		ck_assert_int_eq(back.rules[i].severity,
				 plan.rules[i].severity);
		ck_assert_str_eq(back.rules[i].code, plan.rules[i].code);
		ck_assert_str_eq(back.rules[i].message, plan.rules[i].message);
	}
	ck_assert(memcmp(&back, &plan, sizeof(plan)) == 0);
}
END_TEST

START_TEST(json_says_totals_and_refusal_at_the_top)
{
	struct json_object *o, *v;

	compute_rich_plan();
	o = as_text_and_back();
	ck_assert_int_eq(int_member(o, "target_pages"),
			 (int64_t)plan.target_pages);
	ck_assert_int_eq(int_member(o, "stubdom_pages"),
			 (int64_t)plan.stubdom_pages);
	ck_assert(json_object_object_get_ex(o, "refused", &v));
	ck_assert(json_object_get_boolean(v));
	ck_assert(json_object_object_get_ex(o, "kind", &v));
	ck_assert_str_eq(json_object_get_string(v), "stubdom-linux");
	json_object_put(o);
}
END_TEST

/* Parses `text` and expects plan_json_parse to refuse it, saying `why`. */
static void assert_parse_rejects(const char *text, const char *why)
{
	struct json_object *o = json_tokener_parse(text);

	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(plan_json_parse(o, &back, &err), PLAN_E_INVAL);
	ck_assert_msg(strstr(err.message, why), "\"%s\" lacks \"%s\"",
		      err.message, why);
	json_object_put(o);
}

#define PLAN_JSON_HEAD                                                         \
	"{\"kind\":\"dom0\",\"stubdom_pages\":0,\"shadow_kib\":0,"             \
	"\"balloon_limit_mib\":0,"

START_TEST(json_parse_rejects_what_does_not_add_up)
{
	assert_parse_rejects(PLAN_JSON_HEAD
			     "\"target_pages\":5,\"rules\":[],\"items\":["
			     "{\"name\":\"a\",\"where\":\"target\","
			     "\"pages\":4,\"why\":\"\"}]}",
			     "totals");
	assert_parse_rejects(PLAN_JSON_HEAD
			     "\"target_pages\":-4,\"rules\":[],\"items\":[]}",
			     "negative");
	assert_parse_rejects(PLAN_JSON_HEAD
			     "\"target_pages\":0,\"items\":[],\"rules\":["
			     "{\"severity\":\"fatal\",\"code\":\"x\","
			     "\"message\":\"\"}]}",
			     "severity");
	assert_parse_rejects(PLAN_JSON_HEAD
			     "\"target_pages\":0,\"rules\":[],\"items\":["
			     "{\"name\":\"a\",\"where\":\"mars\","
			     "\"pages\":0,\"why\":\"\"}]}",
			     "where");
	assert_parse_rejects("{\"kind\":\"pv\"}", "kind");
	assert_parse_rejects("[1,2]", "not a JSON object");
}
END_TEST

START_TEST(json_parse_bounds_lists_and_strings)
{
	struct json_object *o = json_object_new_object();
	struct json_object *items = json_object_new_array();
	char longname[PLAN_NAME_MAX + 8];
	int i;

	json_object_object_add(o, "kind", json_object_new_string("dom0"));
	json_object_object_add(o, "target_pages", json_object_new_int(0));
	json_object_object_add(o, "stubdom_pages", json_object_new_int(0));
	json_object_object_add(o, "shadow_kib", json_object_new_int(0));
	json_object_object_add(o, "balloon_limit_mib", json_object_new_int(0));
	json_object_object_add(o, "rules", json_object_new_array());
	for (i = 0; i <= PLAN_MAX_ITEMS; i++)
		json_object_array_add(items, json_object_new_object());
	json_object_object_add(o, "items", items);
	ck_assert_int_eq(plan_json_parse(o, &back, &err), PLAN_E_INVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "more than"));

	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	items = json_object_new_array();
	json_object_array_add(items, json_object_new_object());
	json_object_object_add(json_object_array_get_idx(items, 0), "name",
			       json_object_new_string(longname));
	json_object_object_add(o, "items", items);
	ck_assert_int_eq(plan_json_parse(o, &back, &err), PLAN_E_INVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "too long"));
	json_object_put(o);
}
END_TEST

START_TEST(text_lists_every_item_the_totals_and_the_rules)
{
	char *text, want[64];
	size_t i;

	compute_rich_plan();
	text = plan_text(&plan);
	ck_assert_ptr_nonnull(text);
	for (i = 0; i < plan.nr_items; i++)
		ck_assert_ptr_nonnull(strstr(text, plan.items[i].name));
	snprintf(want, sizeof(want), "%llu pages",
		 (unsigned long long)plan.target_pages);
	ck_assert_ptr_nonnull(strstr(text, want));
	snprintf(want, sizeof(want), "%llu pages",
		 (unsigned long long)plan.stubdom_pages);
	ck_assert_ptr_nonnull(strstr(text, want));
	ck_assert_ptr_nonnull(strstr(text, "warning shadow-raised"));
	ck_assert_ptr_nonnull(strstr(text, "refusal balloon-unreachable"));
	ck_assert_ptr_nonnull(strstr(text, "refused"));
	free(text);
}
END_TEST

START_TEST(text_of_a_plain_dom0_plan_has_no_stub_section)
{
	struct plan_request req = {.memory_mib = 256};
	char *text;

	ck_assert_int_eq(plan_compute(&req, &plan, &err), PLAN_OK);
	text = plan_text(&plan);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "device model: dom0"));
	ck_assert_ptr_null(strstr(text, "stub domain"));
	ck_assert_ptr_null(strstr(text, "refused"));
	free(text);
}
END_TEST

static Suite *plan_json_suite(void)
{
	Suite *s = suite_create("plan-json");
	TCase *tc = tcase_create("json");
	TCase *text = tcase_create("text");

	tcase_add_test(tc, json_round_trip_gives_the_same_plan);
	tcase_add_test(tc, json_says_totals_and_refusal_at_the_top);
	tcase_add_test(tc, json_parse_rejects_what_does_not_add_up);
	tcase_add_test(tc, json_parse_bounds_lists_and_strings);
	suite_add_tcase(s, tc);
	tcase_add_test(text, text_lists_every_item_the_totals_and_the_rules);
	tcase_add_test(text, text_of_a_plain_dom0_plan_has_no_stub_section);
	suite_add_tcase(s, text);
	return s;
}

int main(void)
{
	return check_main_run(plan_json_suite());
}
