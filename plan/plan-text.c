/*
 * A plan as readable text, for `dmctl plan CONFIG`:
 *
 *   device model: dom0
 *   in the guest (populated by QEMU):
 *     vga.vram        4096 pages   16.0 MiB  videoram 16 MiB -> ...
 *     ...
 *     total           4176 pages   16.3 MiB
 *   shadow memory: 4352 KiB
 *   balloon limit (Linux): 690 MiB
 *   warning shadow-raised: ...
 */
#include "plan/plan.h"

#include <stdio.h>
#include <stdlib.h>

static void plan_text_items(FILE *f, const struct plan *plan,
			    enum plan_where where, uint64_t total)
{
	size_t i;

	for (i = 0; i < plan->nr_items; i++) {
		const struct plan_item *it = &plan->items[i];

		if (it->where != where)
			continue;
		fprintf(f, "  %-16s %8llu pages %9.1f MiB  %s\n", it->name,
			(unsigned long long)it->pages,
			(double)it->pages * PLAN_PAGE_SIZE / (1024 * 1024),
			it->why);
	}
	fprintf(f, "  %-16s %8llu pages %9.1f MiB\n", "total",
		(unsigned long long)total,
		(double)total * PLAN_PAGE_SIZE / (1024 * 1024));
}

char *plan_text(const struct plan *plan)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "device model: %s\n", plan_kind_name(plan->kind));
	fprintf(f, "in the guest (populated by QEMU):\n");
	plan_text_items(f, plan, PLAN_IN_TARGET, plan->target_pages);
	if (plan->kind != PLAN_KIND_DOM0) {
		fprintf(f, "in the stub domain:\n");
		plan_text_items(f, plan, PLAN_IN_STUBDOM, plan->stubdom_pages);
	}
	fprintf(f, "shadow memory: %llu KiB\n",
		(unsigned long long)plan->shadow_kib);
	fprintf(f, "balloon limit (Linux): %llu MiB\n",
		(unsigned long long)plan->balloon_limit_mib);
	for (i = 0; i < plan->nr_rules; i++)
		fprintf(f, "%s %s: %s\n",
			plan_severity_name(plan->rules[i].severity),
			plan->rules[i].code, plan->rules[i].message);
	if (plan_refused(plan))
		fprintf(f, "refused: this configuration cannot start\n");
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
