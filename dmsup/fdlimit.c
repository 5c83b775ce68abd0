/* dmsup's file descriptors against RLIMIT_NOFILE (see fdlimit.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "dmsup/fdlimit.h"

unsigned long fdlimit_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 0;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	return fdlimit_limit();
}

unsigned long fdlimit_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 0;
	return rl.rlim_cur == RLIM_INFINITY ? (unsigned long)-1
					    : (unsigned long)rl.rlim_cur;
}

long fdlimit_open(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	long n = 0;

	/* None left to look: all of them are open. */
	if (!d && (errno == EMFILE || errno == ENFILE))
		return (long)fdlimit_limit();
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own */
}

/*
 * The size of this process's fd table (/proc/self/status FDSize): no
 * descriptor is numbered at or above it, so it bounds how many are open
 * at a fixed cost, where counting /proc/self/fd costs one entry per fd
 * (4,000 with 1,000 device models). -1 if unknown.
 */
static long fdlimit_table_size(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t r = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	long size = -1;

	if (fd >= 0)
		close(fd);
	if (r <= 0)
		return -1;
	buf[r] = '\0';
	char *p = strstr(buf, "\nFDSize:");
	if (p && sscanf(p + 8, "%ld", &size) != 1)
		size = -1;
	return size;
}

int fdlimit_room(unsigned need, char *err, size_t n)
{
	unsigned long limit = fdlimit_limit();
	long table = fdlimit_table_size();

	/* Far from the limit: no need to count. */
	if (limit && table >= 0 &&
	    (unsigned long)table + need + FDLIMIT_RESERVE <= limit)
		return 0;
	long open = fdlimit_open();

	if (open < 0 || !limit ||
	    (unsigned long)open + need + FDLIMIT_RESERVE <= limit)
		return 0;
	snprintf(err, n,
		 "dmsup has %ld of its %lu file descriptors open; a device "
		 "model needs %u more and %d stay free for clients (raise "
		 "dmsup's RLIMIT_NOFILE, LimitNOFILE= in dmsup.service)",
		 open, limit, need, FDLIMIT_RESERVE);
	return -1;
}
