/*
 * Answers to runtime page requests (docs/memory-protocol.md 3.2): the
 * value "<id> granted" or "<id> refused [<text>]", written to the
 * domain's memory-grant node in xenstore.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

#include "libdmsup/libdmsup.h"
#include "libdmsup/private.h"

#define DMSUP_GRANT_MAX 256 /* dmsup ignores longer values */

static bool dmsup_text_ok(const char *t)
{
	for (; *t; t++)
		if (*t < 0x20 || *t > 0x7e || (t[0] == ' ' && t[1] == ' '))
			return false;
	return true;
}

DMSUP_EXPORT int dmsup_page_answer_value(char *buf, unsigned long len,
					 unsigned id, bool granted,
					 const char *text)
{
	int n;

	if (!id || id > 0x7fffffffu || (text && !dmsup_text_ok(text)))
		return -1;
	if (granted || !text || !*text)
		n = snprintf(buf, len, "%u %s", id,
			     granted ? "granted" : "refused");
	else
		n = snprintf(buf, len, "%u refused %s", id, text);
	if (n < 0 || (unsigned long)n >= len || n > DMSUP_GRANT_MAX)
		return -1;
	return 0;
}

DMSUP_EXPORT int dmsup_page_answer(int domid, unsigned id, bool granted,
				   const char *text, char **err_r)
{
	char path[96], value[DMSUP_GRANT_MAX + 1];
	struct xs_handle *xs;

	*err_r = NULL;
	if (domid < 0 ||
	    dmsup_page_answer_value(value, sizeof(value), id, granted, text)) {
		*err_r = strdup("page answer: bad domid, id or text (printable "
				"ASCII, single spaces, 256 bytes in all)");
		return -1;
	}
	snprintf(path, sizeof(path),
		 "/local/domain/0/device-model/%d/memory-grant", domid);
	if (!(xs = xs_open(0))) {
		*err_r = strdup("page answer: cannot open xenstore");
		return -1;
	}
	bool ok = xs_write(xs, XBT_NULL, path, value, strlen(value));
	xs_close(xs);
	if (!ok && asprintf(err_r, "page answer: cannot write %s", path) < 0)
		*err_r = NULL;
	return ok ? 0 : -1;
}
