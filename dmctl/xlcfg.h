/*
 * xl.cfg(5) import: the device-model part of an xl domain configuration,
 * read with libxlutil, as a dmsup-config(5) JSON object. Pure: no daemon,
 * no Xen. Every key it does not map is named on the report stream with
 * its line ("FILE:LINE: key: ..."), so nothing is dropped silently.
 */
#ifndef DMCTL_XLCFG_H
#define DMCTL_XLCFG_H

#include <stdio.h>

struct json_object;

/*
 * Parses @text (@name names it in messages) and returns a new config
 * object, with "domid" set when @domid > 0. Warnings, and the reason for
 * a refusal (syntax error, PV type, a value dmsup cannot take), go to
 * @report, one line each. Returns NULL when refused.
 */
struct json_object *xlcfg_parse(const char *name, const char *text, int domid,
				FILE *report);

/* The same for the file @path, read as dmctl reads files (safefile.h:
 * regular files only, size-capped). */
struct json_object *xlcfg_read(const char *path, int domid, FILE *report);

#endif
