/*
 * query-chardev's answer read strictly (see serialtty.h). The path goes
 * into xenstore, where the guest can read it and a console client opens
 * it: only the one spelling a Linux pty has is taken, so no answer of
 * QEMU's can point a client at another file.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "dmsup/kind/serialtty.h"

#define SERIALTTY_ENTRIES 256 /* QEMU has a handful of chardevs */
#define SERIALTTY_PTS "/dev/pts/"

/* The string member @key of @o, or NULL (absent, of another type, or
 * with a NUL inside: what C would read is not what QEMU sent). */
static const char *serialtty_str(struct json_object *o, const char *key)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	return strlen(s) == (size_t)json_object_get_string_len(v) ? s : NULL;
}

/* "pty:/dev/pts/N", N 1 to 7 digits: the path into @tty. */
static int serialtty_path(const char *label, const char *filename,
			  char tty[SERIALTTY_MAX], char *err, size_t errlen)
{
	const char *p = filename + strlen("pty:");
	size_t digits;

	if (strncmp(filename, "pty:", 4)) {
		snprintf(err, errlen, "chardev %s is '%.40s', not a pty", label,
			 filename);
		return -1;
	}
	digits = strncmp(p, SERIALTTY_PTS, 9) ? 0 : strlen(p + 9);
	if (digits < 1 || digits > 7 || strspn(p + 9, "0123456789") != digits) {
		snprintf(err, errlen,
			 "chardev %s's pty '%.40s' is not /dev/pts/<number>",
			 label, p);
		return -1;
	}
	memcpy(tty, p, strlen(p) + 1);
	return 0;
}

int serialtty_find(struct json_object *ret, const char *label,
		   char tty[SERIALTTY_MAX], char *err, size_t errlen)
{
	size_t n, i;

	if (!json_object_is_type(ret, json_type_array)) {
		snprintf(err, errlen, "query-chardev's answer is not a list");
		return -1;
	}
	n = json_object_array_length(ret);
	for (i = 0; i < n && i < SERIALTTY_ENTRIES; i++) {
		struct json_object *c = json_object_array_get_idx(ret, i);
		const char *l = serialtty_str(c, "label");
		const char *f = serialtty_str(c, "filename");

		if (!json_object_is_type(c, json_type_object) || !l) {
			snprintf(err, errlen,
				 "query-chardev's entry %zu has no label", i);
			return -1;
		}
		if (strcmp(l, label))
			continue;
		if (!f) {
			snprintf(err, errlen, "chardev %s has no filename",
				 label);
			return -1;
		}
		return serialtty_path(label, f, tty, err, errlen);
	}
	snprintf(err, errlen, "QEMU has no chardev %s%s", label,
		 n > SERIALTTY_ENTRIES ? " in its first 256" : "");
	return -1;
}
