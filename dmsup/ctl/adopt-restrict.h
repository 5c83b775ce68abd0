/*
 * --restrict-adopted (dmsup(8); docs/restrict.md, "Device models from
 * xl"): for a QEMU that libxl starts without dm_restrict, the arguments
 * dmsup-qemu-dm appends before its exec, so that it runs as libxl's range
 * user + domid with -xen-domid-restrict, as dm_restrict would have it.
 * Off by default: libxl chose the argv.
 */
#ifndef DMSUP_CTL_ADOPT_RESTRICT_H
#define DMSUP_CTL_ADOPT_RESTRICT_H

#include <json-c/json.h>

struct domain;

/* The reply's "argv_add" for @d's adopt request @req, or NULL for none
 * (the option is off, libxl restricts it, or the host has no range user:
 * logged). */
struct json_object *adopt_restrict_args(const struct domain *d,
					struct json_object *req);

#endif
