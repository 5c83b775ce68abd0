/*
 * fuzz-plan-json.c - reading a plan back from JSON (plan_json_parse in
 * plan/plan-json.c), as a toolstack does with what it was sent.
 *
 * Input: JSON text. A plan that parses must print (plan_json, plan_text)
 * and read back to the same JSON; a refusal must say why.
 */
#include <string.h>

#include <json-c/json.h>

#include "plan/plan.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_tokener *tok = json_tokener_new_ex(16);
	struct json_object *obj, *out, *out2;
	struct plan plan, plan2;
	struct plan_error err;
	char *text;

	FUZZ_ASSERT(tok, "json_tokener_new");
	obj = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	json_tokener_free(tok);
	if (!obj)
		return 0;
	memset(&plan, 0, sizeof(plan));
	memset(&err, 0, sizeof(err));
	if (plan_json_parse(obj, &plan, &err) != PLAN_OK) {
		FUZZ_ASSERT(err.message[0], "refused without a message");
		json_object_put(obj);
		return 0;
	}
	out = plan_json(&plan);
	FUZZ_ASSERT(out, "plan_json");
	text = plan_text(&plan);
	FUZZ_ASSERT(text, "plan_text");
	free(text);
	memset(&plan2, 0, sizeof(plan2));
	FUZZ_ASSERT(plan_json_parse(out, &plan2, &err) == PLAN_OK,
		    "a printed plan is refused: %s", err.message);
	out2 = plan_json(&plan2);
	FUZZ_ASSERT(out2 && json_object_equal(out, out2), "round trip differs");
	json_object_put(out2);
	json_object_put(out);
	json_object_put(obj);
	return 0;
}
