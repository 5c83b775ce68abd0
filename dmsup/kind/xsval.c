/* Strict parsing of xenstore values written by other domains. */
#include <stdio.h>
#include <string.h>

#include "dmsup/kind/xsval.h"

#define XSVAL_DOMID_MAX 0x7fef /* below DOMID_FIRST_RESERVED */
#define XSVAL_STATE_MAX 31

static const char *const xsval_names[] = {
    [XSVAL_DM_DOMID] = "device-model-domid",
    [XSVAL_TARGET] = "target",
    [XSVAL_STATE] = "state",
};

static int xsval_domid(const char *val, size_t len, int *v_r)
{
	long v = 0;
	size_t i;

	if (len < 1 || len > 5 || (val[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (val[i] < '0' || val[i] > '9')
			return -1;
		v = v * 10 + (val[i] - '0');
	}
	if (v > XSVAL_DOMID_MAX)
		return -1;
	*v_r = (int)v;
	return 0;
}

static int xsval_state(const char *val, size_t len, int *v_r)
{
	size_t i;

	if (len < 1 || len > XSVAL_STATE_MAX)
		return -1;
	for (i = 0; i < len; i++)
		if ((val[i] < 'a' || val[i] > 'z') && val[i] != '-')
			return -1;
	*v_r = len == 7 && !memcmp(val, "running", 7);
	return 0;
}

int xsval_parse(enum xsval_field field, const char *val, size_t len, int *v_r,
		char *err, size_t errlen)
{
	int rc = -1, v = 0;

	if (field == XSVAL_DM_DOMID || field == XSVAL_TARGET)
		rc = xsval_domid(val, len, &v);
	else if (field == XSVAL_STATE)
		rc = xsval_state(val, len, &v);
	else {
		snprintf(err, errlen, "xenstore field %d unknown", (int)field);
		return -1;
	}
	if (rc) {
		snprintf(err, errlen, "%s: %zu bytes that are not %s",
			 xsval_names[field], len,
			 field == XSVAL_STATE ? "a state ([a-z-], 1..31)"
					      : "a domid (1..32751)");
		return -1;
	}
	*v_r = v;
	return 0;
}
