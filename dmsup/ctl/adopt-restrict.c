/* --restrict-adopted's arguments (adopt-restrict.h). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dmsup/ctl/adopt-restrict.h"
#include "dmsup/domain.h"
#include "dmsup/dmsup.h"
#include "dmsup/log.h"
#include "dmsup/restrict-config.h"
#include "dmsup/usercache.h"

/* Whether libxl's argv (the request's) holds @arg. */
static bool adopt_argv_has(struct json_object *req, const char *arg)
{
	struct json_object *argv;

	if (!json_object_object_get_ex(req, "argv", &argv) ||
	    !json_object_is_type(argv, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(argv); i++) {
		const char *a =
		    json_object_get_string(json_object_array_get_idx(argv, i));
		if (a && !strcmp(a, arg))
			return true;
	}
	return false;
}

struct json_object *adopt_restrict_args(const struct domain *d,
					struct json_object *req)
{
	struct json_object *add;
	char who[32];
	uid_t base;
	gid_t gid;

	/* -runas in libxl's argv: dm_restrict, libxl's choices stand. */
	if (!d->sup->restrict_adopted || adopt_argv_has(req, "-runas"))
		return NULL;
	if (usercache_getpw(RESTRICT_RANGE_USER, &base, &gid)) {
		log_warnx("domid %d (%s): --restrict-adopted: the host has no "
			  "user " RESTRICT_RANGE_USER ": QEMU runs as libxl "
			  "starts it",
			  d->cfg.domid, d->cfg.name);
		return NULL;
	}
	snprintf(who, sizeof(who), "%u:%u", (unsigned)(base + d->cfg.domid),
		 (unsigned)gid);
	add = json_object_new_array();
	json_object_array_add(add, json_object_new_string("-runas"));
	json_object_array_add(add, json_object_new_string(who));
	if (!adopt_argv_has(req, "-xen-domid-restrict"))
		json_object_array_add(
		    add, json_object_new_string("-xen-domid-restrict"));
	log_info("domid %d (%s): --restrict-adopted: QEMU runs as %s "
		 "(" RESTRICT_RANGE_USER " + %d) with -xen-domid-restrict",
		 d->cfg.domid, d->cfg.name, who, d->cfg.domid);
	return add;
}
