/*
 * The xenstore values dmsup reads from nodes other domains can write
 * (image/device-model-domid, a stub's target, device-model/N/state):
 * parsed strictly, in one place, fuzzed by fuzz/fuzz-xsval.c.
 */
#ifndef DMSUP_KIND_XSVAL_H
#define DMSUP_KIND_XSVAL_H

#include <stddef.h>

enum xsval_field {
	XSVAL_DM_DOMID, /* image/device-model-domid: a domid, 1..0x7fef */
	XSVAL_TARGET,	/* a stub's target: a domid, 1..0x7fef */
	XSVAL_STATE,	/* device-model/N/state: 1 for "running", else 0 */
};

/*
 * Parse the len bytes at val (not NUL-terminated necessarily) as field.
 * A domid is plain decimal: digits only, no sign, space or leading zero.
 * A state is 1..31 bytes of [a-z-]. Returns 0 with *v_r, or -1 with a
 * sentence naming the field in err.
 */
int xsval_parse(enum xsval_field field, const char *val, size_t len, int *v_r,
		char *err, size_t errlen);

#endif
