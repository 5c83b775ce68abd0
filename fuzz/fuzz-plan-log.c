/*
 * fuzz-plan-log.c - the scanner of QEMU's log for "failed to populate
 * ram" (plan_log_scan_* in plan/plan-log.c) on arbitrary log text.
 *
 * Input: the log. Scanning it whole and line by line must agree, and a
 * failure's size can only come from a traced request.
 */
#include <string.h>

#include "plan/plan.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *end = buf + size, *p = buf;
	struct plan_log_scan whole, lines;
	/* A copy of exactly `size` bytes, so ASan sees any overread. */
	char *copy = malloc(size ? size : 1);

	FUZZ_ASSERT(copy, "malloc");
	memcpy(copy, data, size);
	plan_log_scan_init(&whole);
	plan_log_scan_buf(&whole, copy, size);
	plan_log_scan_init(&lines);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		char *line = malloc(len ? len : 1);

		FUZZ_ASSERT(line, "malloc");
		memcpy(line, p, len);
		plan_log_scan_line(&lines, line, len);
		free(line);
		p += len;
	}
	FUZZ_ASSERT(whole.failed == lines.failed &&
			whole.failed_addr == lines.failed_addr &&
			whole.failed_pages == lines.failed_pages &&
			whole.requested_pages == lines.requested_pages &&
			whole.requests == lines.requests,
		    "whole and line-by-line scans differ");
	if (whole.failed_pages)
		FUZZ_ASSERT(whole.failed && whole.requests,
			    "a failure size without a traced request");
	free(copy);
	return 0;
}
