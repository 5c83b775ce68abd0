/*
 * Recognises QEMU's "failed to populate ram" in a device model's log and
 * how many pages the failing allocation wanted (see plan.h for the exact
 * messages, taken from QEMU 7.2's xen_ram_alloc and its trace event).
 */
#include "plan/plan.h"

#include <string.h>

static const char plan_log_failed[] = "xen: failed to populate ram at ";
static const char plan_log_trace[] = "xen_ram_alloc requested: 0x";
static const char plan_log_size[] = ", size 0x";

/* A longer line is not QEMU's message; ignore it rather than parse it. */
#define PLAN_LOG_LINE_MAX 4096

static const char *plan_log_find(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	const char *p = memmem(s, len, needle, n);

	return p ? p + n : NULL;
}

/* Parses hex digits at *p (at most 16, at least one) up to end. */
static bool plan_log_hex(const char **p, const char *end, uint64_t *v_r)
{
	uint64_t v = 0;
	int n = 0, d;

	while (*p < end && n < 17) {
		char c = **p;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			break;
		v = v << 4 | (uint64_t)d;
		n++;
		(*p)++;
	}
	if (n == 0 || n > 16)
		return false;
	*v_r = v;
	return true;
}

void plan_log_scan_init(struct plan_log_scan *scan)
{
	memset(scan, 0, sizeof(*scan));
}

static void plan_log_scan_trace(struct plan_log_scan *scan, const char *p,
				const char *end)
{
	uint64_t addr, size;

	if (!plan_log_hex(&p, end, &addr))
		return;
	if ((size_t)(end - p) < sizeof(plan_log_size) - 1 ||
	    memcmp(p, plan_log_size, sizeof(plan_log_size) - 1))
		return;
	p += sizeof(plan_log_size) - 1;
	if (!plan_log_hex(&p, end, &size))
		return;
	scan->last_addr = addr;
	scan->last_pages = (size + PLAN_PAGE_SIZE - 1) / PLAN_PAGE_SIZE;
	scan->requested_pages += scan->last_pages;
	scan->requests++;
}

void plan_log_scan_line(struct plan_log_scan *scan, const char *line,
			size_t len)
{
	const char *end = line + len, *p;
	uint64_t addr;

	if (!line || len > PLAN_LOG_LINE_MAX)
		return;
	while (end > line && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	len = (size_t)(end - line);
	p = plan_log_find(line, len, plan_log_trace);
	if (p) {
		plan_log_scan_trace(scan, p, end);
		return;
	}
	p = plan_log_find(line, len, plan_log_failed);
	if (!p || scan->failed)
		return;
	/* RAM_ADDR_FMT prints bare hex; accept a 0x in case it changes. */
	if (end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (!plan_log_hex(&p, end, &addr))
		return;
	scan->failed = true;
	scan->failed_addr = addr;
	scan->failed_pages =
	    scan->requests && scan->last_addr == addr ? scan->last_pages : 0;
}

void plan_log_scan_buf(struct plan_log_scan *scan, const char *buf, size_t len)
{
	const char *end = buf + len, *nl;

	while (buf && buf < end) {
		nl = memchr(buf, '\n', (size_t)(end - buf));
		if (!nl)
			nl = end;
		plan_log_scan_line(scan, buf, (size_t)(nl - buf));
		buf = nl + 1;
	}
}
