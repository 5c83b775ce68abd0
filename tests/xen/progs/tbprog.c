#include "tests/xen/progs/tbprog.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t tbprog_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool tbprog_parse_ulong(const char *s, unsigned long min, unsigned long max,
			unsigned long *val_r)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*val_r = v;
	return true;
}

/* Consumes every queued watch event; we only care that something changed. */
static void tbprog_drain_watch(struct xs_handle *xs)
{
	char **ev;

	while ((ev = xs_check_watch(xs)))
		free(ev);
}

char *tbprog_xs_wait_read(struct xs_handle *xs, const char *path,
			  int timeout_ms)
{
	static const char token[] = "tbprog-wait";
	int64_t deadline = tbprog_now_ms() + timeout_ms;
	char *val = NULL;
	unsigned int len;
	int saved;

	if (!xs_watch(xs, path, token))
		return NULL;
	for (;;) {
		struct pollfd pfd = {.fd = xs_fileno(xs), .events = POLLIN};
		int64_t left;
		int r;

		val = xs_read(xs, XBT_NULL, path, &len);
		if (val)
			break;
		left = deadline - tbprog_now_ms();
		if (left <= 0) {
			errno = ETIMEDOUT;
			break;
		}
		/*
		 * Re-check at least every half second: xenstored does not
		 * fire a watch for a node the watcher may not read yet.
		 */
		r = poll(&pfd, 1, left < 500 ? (int)left : 500);
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0)
			tbprog_drain_watch(xs);
	}
	saved = errno;
	xs_unwatch(xs, path, token);
	tbprog_drain_watch(xs);
	errno = saved;
	return val;
}

bool tbprog_xs_write_str(struct xs_handle *xs, xs_transaction_t t,
			 const char *path, const char *val)
{
	return xs_write(xs, t, path, val, strlen(val));
}

/* xorshift64*: cheap, and any shift or drop of a byte shows up at once. */
static uint8_t tbprog_pattern_next(struct tbprog_pattern *p)
{
	p->state ^= p->state >> 12;
	p->state ^= p->state << 25;
	p->state ^= p->state >> 27;
	return (uint8_t)((p->state * 0x2545F4914F6CDD1DULL) >> 56);
}

void tbprog_pattern_init(struct tbprog_pattern *p, uint64_t seed)
{
	p->state = seed * 0x9E3779B97F4A7C15ULL + 1;
}

void tbprog_pattern_fill(struct tbprog_pattern *p, uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = tbprog_pattern_next(p);
}

size_t tbprog_pattern_check(struct tbprog_pattern *p, const uint8_t *buf,
			    size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != tbprog_pattern_next(p))
			return i;
	return len;
}
