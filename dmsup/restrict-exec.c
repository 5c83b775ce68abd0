/*
 * The exec trampoline (restrict-exec.h): rlimits, no_new_privs, the
 * cgroup, the mount namespace, then execv. Only libc: it is linked into
 * dmsup-restrict-exec as well as into dmsup.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "dmsup/restrict-exec.h"
#include "dmsup/restrict-ns.h"

static int restrict_exec_fail(const char *who, const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", who, what, strerror(errno));
	return 127;
}

static int restrict_exec_cgroup(const char *dir)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return -1;
	int r = write(fd, "0", 1) == 1 ? 0 : -1;
	close(fd);
	return r;
}

int restrict_exec_main(int argc, char **argv, const char *who)
{
	long nproc = -1;
	long long fsize = -1;
	const char *cgroup = "", *mntns = "";
	int i, step;

	for (i = 2; i + 1 < argc && strcmp(argv[i], "--"); i += 2) {
		if (!strcmp(argv[i], "--nproc"))
			nproc = strtol(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--fsize"))
			fsize = strtoll(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--cgroup"))
			cgroup = argv[i + 1];
		else if (!strcmp(argv[i], "--mntns"))
			mntns = argv[i + 1];
	}
	if (i >= argc || strcmp(argv[i], "--") || i + 1 >= argc) {
		fprintf(stderr, "%s: no command\n", who);
		return 127;
	}
	struct rlimit core = {0, 0}, np = {(rlim_t)nproc, (rlim_t)nproc},
		      fs = {(rlim_t)fsize, (rlim_t)fsize};
	if (setrlimit(RLIMIT_CORE, &core))
		return restrict_exec_fail(who, "RLIMIT_CORE");
	if (nproc > 0 && setrlimit(RLIMIT_NPROC, &np))
		return restrict_exec_fail(who, "RLIMIT_NPROC");
	if (fsize >= 0 && setrlimit(RLIMIT_FSIZE, &fs))
		return restrict_exec_fail(who, "RLIMIT_FSIZE");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return restrict_exec_fail(who, "PR_SET_NO_NEW_PRIVS");
	if (*cgroup && restrict_exec_cgroup(cgroup))
		return restrict_exec_fail(who, cgroup);
	if (*mntns && restrict_ns_enter(mntns, &step)) {
		fprintf(stderr, "%s: mount namespace: %s: %s\n", who,
			restrict_ns_step(step), strerror(errno));
		return 127;
	}
	execv(argv[i + 1], argv + i + 1);
	return restrict_exec_fail(who, argv[i + 1]);
}
