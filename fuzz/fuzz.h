/*
 * fuzz.h - pieces shared by the libFuzzer targets in fuzz/ (clang only).
 *
 * A failed invariant aborts, so libFuzzer records the input as a crash.
 */
#ifndef FUZZ_FUZZ_H
#define FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond, ...)                                                 \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz invariant failed: %s: ", #cond); \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
			abort();                                               \
		}                                                              \
	} while (0)

/* Takes the first byte of the input as a small parameter (0 if empty). */
static inline unsigned fuzz_take_byte(const uint8_t **data, size_t *size)
{
	unsigned v;

	if (!*size)
		return 0;
	v = **data;
	(*data)++;
	(*size)--;
	return v;
}

#endif
