/* Reading files dmsup and dmctl did not write themselves: regular files
 * only, never blocking on a FIFO or device, size-capped. */
#ifndef DMSUP_SAFEFILE_H
#define DMSUP_SAFEFILE_H

#include <stddef.h>

/* The largest configuration or state file read (1 MiB). */
#define SAFEFILE_MAX (1024 * 1024)

#define SAFEFILE_NOFOLLOW 1 /* refuse a symlink (dmsup's own dirs) */

/* Opens @path (relative to @dirfd, AT_FDCWD for none) read-only,
 * O_NONBLOCK|O_CLOEXEC, and checks it is a regular file. Returns the fd or
 * -1 with errno set (EINVAL for "not a regular file"). */
int safefile_open(int dirfd, const char *path, int flags);

/* Reads the whole of @path, NUL-terminated, at most @max bytes. Returns a
 * malloc'd string, or NULL with *err_r a malloc'd message naming @path. */
char *safefile_read(int dirfd, const char *path, int flags, size_t max,
		    char **err_r);

#endif
