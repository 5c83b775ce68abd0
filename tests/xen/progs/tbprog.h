/*
 * Small helpers shared by the test-bed programs (dom0 and guest side).
 * These are test tools, not the daemon: they block, with bounded waits.
 */
#ifndef TBPROG_H
#define TBPROG_H

#include <stdbool.h>
#include <stdint.h>
#include <xenstore.h>

/* Monotonic clock in milliseconds. */
int64_t tbprog_now_ms(void);

/* Parses a decimal number in [min, max]; false on anything else. */
bool tbprog_parse_ulong(const char *s, unsigned long min, unsigned long max,
			unsigned long *val_r);

/*
 * Waits, with a xenstore watch, until `path` exists and is readable, for at
 * most timeout_ms. Returns its value (caller frees) or NULL with errno set
 * (ETIMEDOUT when the deadline passed).
 */
char *tbprog_xs_wait_read(struct xs_handle *xs, const char *path,
			  int timeout_ms);

/* Writes a NUL-terminated string value; false with errno set on failure. */
bool tbprog_xs_write_str(struct xs_handle *xs, xs_transaction_t t,
			 const char *path, const char *val);

/* A deterministic byte stream, different per seed, for transfer checks. */
struct tbprog_pattern {
	uint64_t state;
};

void tbprog_pattern_init(struct tbprog_pattern *p, uint64_t seed);
void tbprog_pattern_fill(struct tbprog_pattern *p, uint8_t *buf, size_t len);
/* Returns the offset of the first mismatch within buf, or len if none. */
size_t tbprog_pattern_check(struct tbprog_pattern *p, const uint8_t *buf,
			    size_t len);

#endif
