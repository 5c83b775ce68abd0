/*
 * Option ROMs for a chrooted device model (see restrict-rom.h). QEMU
 * finds a hotplugged NIC's ROM after it entered its chroot, where its
 * data directories are not; dmsup copies the ROM into CHROOT/rom (root's,
 * read-only) and names it by its path inside the chroot. Every step goes
 * through directory fds with O_NOFOLLOW: the chroot is under the runtime
 * dir, and nothing in it is followed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dmsup/restrict-rom.h"

#define ROM_DIR "rom"

/* A ROM file's name as it may appear inside the chroot. */
static bool rom_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 64 || s[0] == '.')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._-") == n;
}

/* CHROOT/rom, made if @create: an fd, or -1 with errno. */
static int rom_dir_open(const char *chroot, bool create)
{
	int dfd = open(chroot, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	int rfd;

	if (dfd < 0)
		return -1;
	if (create && mkdirat(dfd, ROM_DIR, 0555) && errno != EEXIST) {
		close(dfd);
		return -1;
	}
	rfd = openat(dfd, ROM_DIR,
		     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	if (rfd >= 0 && (fstat(rfd, &st) || st.st_uid != 0)) {
		close(rfd);
		errno = EPERM;
		return -1;
	}
	return rfd;
}

static int rom_copy(int from, int to, off_t size)
{
	char buf[16384];
	off_t done = 0;

	while (done < size) {
		ssize_t n = read(from, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		for (ssize_t w = 0; w < n;) {
			ssize_t k = write(to, buf + w, (size_t)(n - w));
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				return -1;
			w += k;
		}
		done += n;
	}
	return 0;
}

/* @src copied to @rfd/@name through a temporary name, so QEMU never sees
 * half a ROM. */
static int rom_put(int rfd, const char *src, const char *name, char *err,
		   size_t len)
{
	char tmp[80];
	struct stat st;
	int in, out, r = -1;

	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, len, "%s: %s", src, strerror(errno));
		return -1;
	}
	if (fstat(in, &st) || !S_ISREG(st.st_mode) ||
	    st.st_size > RESTRICT_ROM_MAX) {
		snprintf(err, len, "%s: not a regular file of at most %d bytes",
			 src, RESTRICT_ROM_MAX);
		close(in);
		return -1;
	}
	snprintf(tmp, sizeof(tmp), ".%s.new", name);
	unlinkat(rfd, tmp, 0);
	out =
	    openat(rfd, tmp,
		   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
	if (out >= 0 && rom_copy(in, out, st.st_size) == 0 &&
	    !renameat(rfd, tmp, rfd, name))
		r = 0;
	if (r)
		snprintf(err, len, "copy of %s: %s", src, strerror(errno));
	if (out >= 0)
		close(out);
	if (r)
		unlinkat(rfd, tmp, 0);
	close(in);
	return r;
}

int restrict_rom_install(const char *chroot, const char *src, char *path_r,
			 size_t len, char *err, size_t elen)
{
	const char *name = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
	struct stat st;
	int rfd, r = 0;

	if (!rom_name_ok(name)) {
		snprintf(err, elen, "ROM file name '%s' is not usable", name);
		return -1;
	}
	if ((rfd = rom_dir_open(chroot, true)) < 0) {
		snprintf(err, elen, "%s/%s: %s", chroot, ROM_DIR,
			 strerror(errno));
		return -1;
	}
	/* The same ROM twice (a second NIC of a model) is copied once. */
	if (fstatat(rfd, name, &st, AT_SYMLINK_NOFOLLOW) ||
	    !S_ISREG(st.st_mode))
		r = rom_put(rfd, src, name, err, elen);
	close(rfd);
	if (!r)
		snprintf(path_r, len, "/%s/%s", ROM_DIR, name);
	return r;
}

int restrict_rom_dir(const char *chroot)
{
	int rfd = rom_dir_open(chroot, true);

	if (rfd < 0)
		return -1;
	close(rfd);
	return 0;
}

void restrict_rom_clear(const char *chroot)
{
	int rfd = rom_dir_open(chroot, false), dfd;
	struct dirent *de;
	DIR *dir;

	if (rfd < 0)
		return;
	if ((dir = fdopendir(rfd))) {
		while ((de = readdir(dir)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(dirfd(dir), de->d_name, 0);
		closedir(dir);
	} else {
		close(rfd);
	}
	dfd = open(chroot, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd >= 0) {
		unlinkat(dfd, ROM_DIR, AT_REMOVEDIR);
		close(dfd);
	}
}
