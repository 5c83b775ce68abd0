/*
 * Option ROMs inside a restricted device model's chroot: a NIC hotplugged
 * into a chrooted QEMU loads its ROM by a path inside the chroot.
 */
#ifndef DMSUP_RESTRICT_ROM_H
#define DMSUP_RESTRICT_ROM_H

#include <stdbool.h>
#include <stddef.h>

/* iPXE's ROMs are below 512 KiB: anything far larger is not a ROM. */
#define RESTRICT_ROM_MAX (4 << 20)

/*
 * Copies the ROM file @src into @chroot/rom (once per name) and gives its
 * path as QEMU sees it in the chroot ("/rom/NAME"). -1 with @err on a
 * failure. The copy is synchronous: a ROM is small and in the page cache.
 */
int restrict_rom_install(const char *chroot, const char *src, char *path_r,
			 size_t len, char *err, size_t elen);
/* Makes @chroot/rom before the spawn of a device model with a mount
 * namespace, whose chroot is a tmpfs that dmsup cannot reach: the
 * trampoline binds dom0's @chroot/rom into it. 0, or -1 with errno. */
int restrict_rom_dir(const char *chroot);
/* Removes @chroot/rom and the ROMs in it (the chroot must be empty again
 * for the next run). */
void restrict_rom_clear(const char *chroot);

#endif
