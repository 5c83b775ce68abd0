/* The QEMU command line of a device model, built from a table of options. */
#ifndef DMSUP_ARGV_H
#define DMSUP_ARGV_H

#include "dmsup/config.h"

struct dm_paths;

/*
 * Returns a NULL-terminated, malloc'd argv (free with argv_free) for
 * @cfg, whose QMP socket is at @qmp_path. NULL only when out of memory.
 */
char **argv_build(const struct dm_config *cfg, const char *qmp_path);
void argv_free(char **argv);

#endif
