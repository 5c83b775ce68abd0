/* dmsup's file descriptors against RLIMIT_NOFILE (see fdlimit.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>

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

int fdlimit_room(unsigned need, char *err, size_t n)
{
	unsigned long limit = fdlimit_limit();
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
