/*
 * The Xen-facing commands on a machine without Xen: `dmctl plan` needs
 * neither dmsup nor Xen, and a start of a "xen": true domain fails at the
 * step "xen" (dmsup connects only then) without spawning anything or
 * touching the "xen": false domains next to it.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/local/dmsup/harness.h"

/* A Xen config (the default) in the test's dir; returns its path. */
static char *xen_config(const char *name, const char *extra)
{
	char *path;

	ck_assert_int_ge(asprintf(&path, "%s/%s.json", H.dir, name), 0);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"{\"domid\": 7, \"name\": \"%s\", \"qemu\": \"%s\", "
		"\"memory\": 64, \"vga\": \"std\", \"videoram\": 16%s%s}\n",
		name, H_QEMU, *extra ? ", " : "", extra);
	fclose(f);
	return path;
}

/* The pages of every item line of the readable plan, and its total. */
static void sum_plan(const char *text, long long *items_r, long long *total_r)
{
	char name[64];
	long long pages;

	*items_r = 0;
	*total_r = -1;
	for (const char *l = text; l && *l; l = strchr(l, '\n') + 1) {
		if (sscanf(l, " %63s %lld pages", name, &pages) == 2) {
			if (!strcmp(name, "total"))
				*total_r = pages;
			else
				*items_r += pages;
		}
		if (!strchr(l, '\n'))
			break;
	}
}

START_TEST(plan_lists_vga_and_nic_items_that_add_up_to_the_total)
{
	char *cfg = xen_config("p1", "\"nics\": [{\"model\": \"e1000\"}]");
	char *out, *json;
	long long items, total;

	ck_assert_int_eq(h_dmctl(&out, NULL, "plan", cfg, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "vga.vram"));
	ck_assert_ptr_nonnull(strstr(out, "vga.rom"));
	ck_assert_ptr_nonnull(strstr(out, "nic0.rom"));
	sum_plan(out, &items, &total);
	ck_assert_int_gt(total, 0);
	ck_assert_int_eq(items, total);
	ck_assert_int_eq(h_dmctl(&json, NULL, "plan", "--json", cfg, NULL), 0);
	struct json_object *o = json_tokener_parse(json);
	ck_assert_ptr_nonnull(o);
	struct json_object *tp;
	ck_assert(json_object_object_get_ex(o, "target_pages", &tp));
	ck_assert_int_eq(json_object_get_int64(tp), total);
	json_object_put(o);
	free(json);
	free(out);
	free(cfg);
}
END_TEST

START_TEST(plan_refuses_videoram_below_the_vga_minimum)
{
	char *cfg = xen_config("p2", "\"videoram\": 8");
	char *out;

	ck_assert_int_eq(h_dmctl(&out, NULL, "plan", cfg, NULL), 1);
	ck_assert_msg(strstr(out, "below"), "no refusal in:\n%s", out);
	free(out);
	free(cfg);
}
END_TEST

START_TEST(xen_start_without_xen_fails_at_step_xen_and_spawns_nothing)
{
	char *healthy = h_config("healthy", 1, "");
	pid_t pid = h_start(healthy);
	char *cfg = xen_config("x1", "");
	char *err;

	ck_assert_int_eq(h_dmctl(NULL, &err, "start", cfg, NULL), 1);
	ck_assert_msg(strstr(err, "xen"), "'%s' does not name the step", err);
	ck_assert_int_eq(h_count_procs("-xen-domid"), 0);
	struct json_object *st = h_status("x1");
	ck_assert_str_eq(h_str(st, "state"), "failed");
	ck_assert_str_eq(h_str(st, "step"), "xen");
	json_object_put(st);
	st = h_status("healthy");
	ck_assert_str_eq(h_str(st, "state"), "running");
	ck_assert_int_eq(h_int(st, "pid"), pid);
	json_object_put(st);
	free(err);
	free(cfg);
	free(healthy);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    plan_lists_vga_and_nic_items_that_add_up_to_the_total,
	    plan_refuses_videoram_below_the_vga_minimum,
	    xen_start_without_xen_fails_at_step_xen_and_spawns_nothing,
	};
	return h_main("dmsup-xen", NULL, tests, sizeof(tests) / sizeof(*tests));
}
