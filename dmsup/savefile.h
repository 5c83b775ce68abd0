/*
 * The device-model save file (docs/save-restore.md): a 4 KiB header, the
 * magic "DMSUP-SAVE 1\n" then one JSON object (kind, QEMU's version, the
 * domain's name, the configuration that shapes the device state, the
 * length of the state) padded with NULs, then QEMU's state stream as
 * QEMU wrote it. dmsup writes the header around QEMU's stream and checks
 * it before a restore, so a wrong file is a clear error instead of a
 * broken guest. Pure apart from the file calls: unit-tested.
 */
#ifndef DMSUP_SAVEFILE_H
#define DMSUP_SAVEFILE_H

#include <stddef.h>
#include <stdint.h>

#include "dmsup/config.h"

#define SAVEFILE_HEADER_SIZE 4096
#define SAVEFILE_MAGIC "DMSUP-SAVE 1\n"
#define SAVEFILE_ERR_MAX 512

/* What a checked header said. */
struct savefile_info {
	char qemu[32];	 /* QEMU's version at the save, "7.2.22" */
	uint64_t length; /* bytes of QEMU state after the header */
};

/* @buf (SAVEFILE_HEADER_SIZE bytes) gets the header for @cfg, @qemu
 * (QEMU's version) and @length. 0, or -1 with @err filled. */
int savefile_header(const struct dm_config *cfg, const char *qemu,
		    uint64_t length, char *buf, char *err, size_t errlen);

/* A stream's size: its length cannot be checked before QEMU reads it. */
#define SAVEFILE_SIZE_UNKNOWN UINT64_MAX

/*
 * Checks @buf (the first @got bytes of @path, up to SAVEFILE_HEADER_SIZE)
 * against @cfg and the file's size @size: the magic, the JSON, the kind,
 * each configuration field and the length (not for SAVEFILE_SIZE_UNKNOWN). 0
 * with *info_r filled, or -1 with @err naming the domain, @path and what is
 * wrong.
 */
int savefile_check(const char *buf, size_t got, uint64_t size,
		   const struct dm_config *cfg, const char *path,
		   struct savefile_info *info_r, char *err, size_t errlen);

/*
 * Opens @path for a save: created 0600 if missing, O_NOFOLLOW, never a
 * FIFO, device or symlink (refused), truncated, O_CLOEXEC, positioned
 * after the header's room. The caller owns the fd. -1 with @err filled.
 */
int savefile_create(const char *path, const char *name, char *err,
		    size_t errlen);

/* The save went into @fd (from savefile_create): the header for @cfg and
 * @qemu with the length QEMU wrote goes in front (not synced: that blocks,
 * savesync.h does it off the loop). 0, or -1 with @err filled. @fd stays
 * the caller's. */
int savefile_finish(int fd, const struct dm_config *cfg, const char *qemu,
		    const char *path, char *err, size_t errlen);

/* A restore is possible for @cfg (kind dom0, not adopted from xl): 0, or
 * -1 with @err naming the domain. */
int savefile_restorable(const struct dm_config *cfg, char *err, size_t errlen);

/*
 * Opens @path for a restore (O_RDONLY, O_NOFOLLOW, O_CLOEXEC, a regular
 * file only), checks its header against @cfg and leaves the fd after the
 * header. The fd (the caller's) or -1 with @err filled.
 */
int savefile_open(const char *path, const struct dm_config *cfg,
		  struct savefile_info *info_r, char *err, size_t errlen);

#endif
