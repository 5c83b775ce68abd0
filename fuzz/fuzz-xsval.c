/*
 * fuzz-xsval.c - the xenstore values other domains write and dmsup reads
 * (dmsup/kind/xsval.c): device-model-domid, a stub's target, the device
 * model's state.
 *
 * Input: one byte choosing the field, then the value's bytes. A value
 * taken must be the one plain spelling of what it was taken as.
 */
#include <stdio.h>
#include <string.h>

#include "dmsup/kind/xsval.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum xsval_field f;
	char err[128], again[16];
	int v = -7;

	if (size < 1)
		return 0;
	f = (enum xsval_field)(data[0] % 3);
	if (xsval_parse(f, (const char *)data + 1, size - 1, &v, err,
			sizeof(err))) {
		FUZZ_ASSERT(err[0], "a refusal without a message");
		return 0;
	}
	if (f == XSVAL_STATE) {
		FUZZ_ASSERT(v == 0 || v == 1, "state %d", v);
		FUZZ_ASSERT(
		    v == (size - 1 == 7 && !memcmp(data + 1, "running", 7)),
		    "running mismatch");
		return 0;
	}
	FUZZ_ASSERT(v >= 1 && v <= 0x7fef, "domid %d out of range", v);
	snprintf(again, sizeof(again), "%d", v);
	FUZZ_ASSERT(strlen(again) == size - 1 &&
			!memcmp(again, data + 1, size - 1),
		    "domid %d taken from another spelling", v);
	return 0;
}
