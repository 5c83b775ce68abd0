/*
 * The stub keeper's privileges once its stub runs (docs/restrict.md, "The
 * stub keeper"): every capability dropped, from the bounding set too,
 * but CAP_NET_ADMIN while stub vifs are to be bridged (netback creates
 * them later, and the hook's bridge ioctls need it); no_new_privs and
 * RLIMIT_CORE 0. It stays uid 0: the Xen devices, the loop devices and the
 * xenstore socket are root's own files, and it already holds them.
 */
#ifndef STUBKEEP_STUBPRIV_H
#define STUBKEEP_STUBPRIV_H

#include <stdbool.h>
#include <stddef.h>

/* 0, or -1 with @err naming the step that failed. */
int stubpriv_drop(bool keep_net_admin, char *err, size_t len);

#endif
