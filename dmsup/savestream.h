/*
 * Save files that are not files dmsup opened (docs/save-restore.md,
 * "Streams"): a save into a sealed memfd that the client gets with the
 * reply, and a restore from an fd the client sent (a regular file, a
 * pipe or a socket). A stream's header comes when the sender sends it:
 * it is read from the loop, never waited for, and bounded in time.
 */
#ifndef DMSUP_SAVESTREAM_H
#define DMSUP_SAVESTREAM_H

#include <stddef.h>

#include "dmsup/savefile.h"

struct event_base;
struct savestream;

/* How save files in streams are named in messages. */
#define SAVESTREAM_LABEL "(stream)"

/* A memfd for a save (write-only, O_CLOEXEC, sealable), positioned after
 * the header's room, as savefile_create. The fd, or -1 with @err naming
 * @name. */
int savestream_memfd(const char *name, char *err, size_t errlen);

/* The save in @fd is complete: sealed against any change. A read-only fd
 * of it at its first byte, for the client, or -1 with @err filled. */
int savestream_seal(int fd, const char *name, char *err, size_t errlen);

/* What a restore's fd is. */
enum savestream_type {
	SAVESTREAM_FILE,   /* regular: checked now, whole */
	SAVESTREAM_STREAM, /* pipe or socket: the header comes later */
	SAVESTREAM_BAD,	   /* anything else: @err says so */
};
enum savestream_type savestream_type(int fd, const char *name, char *err,
				     size_t errlen);

/* A regular file's fd, at the save file's first byte: checked as
 * savefile_open checks a path, and left after the header. 0, or -1. */
int savestream_check_file(int fd, const struct dm_config *cfg,
			  struct savefile_info *info_r, char *err,
			  size_t errlen);

/* The header's bytes (@got < SAVEFILE_HEADER_SIZE: the stream ended), or
 * @err when it could not be read (a read error, out of time). */
typedef void savestream_fn(void *arg, const char *buf, size_t got,
			   const char *err);

/* Reads a stream's header from @fd (made non-blocking; never a byte
 * past the header) within @timeout_s; @fn comes from the loop, once.
 * @fd stays the caller's. NULL out of memory. */
struct savestream *savestream_read(struct event_base *base, int fd,
				   int timeout_s, savestream_fn *fn, void *arg);
/* No call of @fn follows. NULL ok. */
void savestream_free(struct savestream *s);

#endif
