/*
 * Benchmark: how long the planner takes, since the daemon calls it from
 * event callbacks (a plan stat()s every ROM file it names), and how fast
 * the log scanner reads a device model's log. Prints figures (the median
 * of several rounds); asserts nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/stats.h"
#include "plan/plan.h"

#define ROUNDS 7
#define PLANS_PER_ROUND 2000
#define LOG_LINES 200000

static double median(double *v, size_t n)
{
	return stats_quantile(v, n, 0.5);
}

/* Microseconds per plan_compute of req (median over the rounds). */
static double bench_plan(const struct plan_request *req)
{
	static struct plan plan;
	struct plan_error err;
	double per[ROUNDS], t;
	int r, i;

	for (r = 0; r < ROUNDS; r++) {
		t = stats_now_us();
		for (i = 0; i < PLANS_PER_ROUND; i++)
			if (plan_compute(req, &plan, &err)) {
				fprintf(stderr, "plan-bench: %s\n",
					err.message);
				exit(1);
			}
		per[r] = (stats_now_us() - t) / PLANS_PER_ROUND;
	}
	return median(per, ROUNDS);
}

/* A log of LOG_LINES lines, mostly noise, ending in a traced failure. */
static char *make_log(size_t *len_r)
{
	size_t cap = (size_t)LOG_LINES * 64, len = 0;
	char *buf = malloc(cap);
	int i;

	if (!buf)
		exit(1);
	for (i = 0; i < LOG_LINES - 2; i++)
		len += (size_t)snprintf(buf + len, cap - len,
					i % 2 ? "xen_ram_alloc requested: "
						"0x%x, size 0x10000\n"
					      : "qemu: some chatter line %d\n",
					i);
	len += (size_t)snprintf(buf + len, cap - len,
				"xen_ram_alloc requested: 0x9000000, size "
				"0x40000\nxen-qemu-system-i386: xen: failed "
				"to populate ram at 9000000\n");
	*len_r = len;
	return buf;
}

int main(void)
{
	struct plan_nic nics[PLAN_MAX_NICS];
	struct plan_request plain = {.memory_mib = 1024};
	struct plan_request typical = {.memory_mib = 1024,
				       .vga = PLAN_VGA_STDVGA,
				       .nics = nics,
				       .nr_nics = 2};
	struct plan_request full = {.memory_mib = 1024,
				    .vga = PLAN_VGA_QXL,
				    .nics = nics,
				    .nr_nics = PLAN_MAX_NICS};
	struct plan_log_scan scan;
	double per[ROUNDS], t;
	size_t len, i;
	char *log;
	int r;

	for (i = 0; i < PLAN_MAX_NICS; i++)
		nics[i] =
		    (struct plan_nic){.model = i % 2 ? "rtl8139" : "e1000"};
	printf("plan, no device:             %8.2f us\n", bench_plan(&plain));
	printf("plan, stdvga + 2 NICs:       %8.2f us\n", bench_plan(&typical));
	printf("plan, qxl + %d NICs:         %8.2f us\n", PLAN_MAX_NICS,
	       bench_plan(&full));

	log = make_log(&len);
	for (r = 0; r < ROUNDS; r++) {
		plan_log_scan_init(&scan);
		t = stats_now_us();
		plan_log_scan_buf(&scan, log, len);
		per[r] = stats_now_us() - t;
		if (!scan.failed || scan.failed_pages != 64) {
			fprintf(stderr, "plan-bench: the scan missed it\n");
			return 1;
		}
	}
	printf("log scan, %d lines (%.1f MiB): %8.1f MiB/s\n", LOG_LINES,
	       len / 1048576.0, len / 1048576.0 / (median(per, ROUNDS) / 1e6));
	free(log);
	return 0;
}
