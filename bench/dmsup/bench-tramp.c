/*
 * The exec trampoline's cost (make bench; figures only, no assertion):
 * what a restricted start spends between dmsup's spawn and QEMU's exec.
 * Each run forks and execs `TRAMP --restrict-exec --nproc 256 --fsize 0
 * -- /bin/true` and waits for it; TRAMP is dmsup itself (the old path,
 * its libevent, json-c and Xen libraries loaded for nothing) or
 * dmsup-restrict-exec (libc only), against /bin/true exec'd directly.
 * Wall time is fork to reaped exit; CPU time is the child's user + system
 * (wait4), /bin/true's own included, so the difference to /bin/true
 * alone is the trampoline's. As root each trampoline runs a second time
 * with the mount namespace (--mntns, a scratch chroot under /tmp); the
 * cgroup step is left out (it would need a cgroup of dmsup's).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/stats.h"

#define RUNS 100
#define TRUE_BIN "/bin/true"

struct variant {
	const char *what;
	char *argv[16];
	double wall[RUNS], cpu[RUNS]; /* microseconds */
	int failed;
};

/* bin/ of the build tree this bench is in (build/bench/dmsup/..). */
static int find_bin(char *bin, size_t len)
{
	char dir[PATH_MAX], probe[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);

	if (n <= 0)
		return -1;
	dir[n] = '\0';
	do {
		*strrchr(dir, '/') = '\0';
		snprintf(probe, sizeof(probe), "%s/bin/dmsup", dir);
	} while (*dir && access(probe, X_OK));
	if (!*dir)
		return -1;
	snprintf(bin, len, "%s/bin", dir);
	return 0;
}

/* One fork, exec and reap of @v: its wall and CPU time. */
static void run_once(struct variant *v, int i)
{
	struct rusage ru;
	int status;
	double t0 = stats_now_us();
	pid_t pid = fork();

	if (pid == 0) {
		execv(v->argv[0], v->argv);
		_exit(126);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) != pid) {
		v->failed++;
		v->wall[i] = v->cpu[i] = 0;
		return;
	}
	v->wall[i] = stats_now_us() - t0;
	v->cpu[i] = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
		    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		v->failed++;
}

static void trampoline(struct variant *v, const char *what, const char *exe,
		       const char *mntns)
{
	int n = 0;

	v->what = what;
	v->argv[n++] = (char *)exe;
	v->argv[n++] = (char *)"--restrict-exec";
	v->argv[n++] = (char *)"--nproc";
	v->argv[n++] = (char *)"256";
	v->argv[n++] = (char *)"--fsize";
	v->argv[n++] = (char *)"0";
	v->argv[n++] = (char *)"--cgroup";
	v->argv[n++] = (char *)"";
	if (mntns) {
		v->argv[n++] = (char *)"--mntns";
		v->argv[n++] = (char *)mntns;
	}
	v->argv[n++] = (char *)"--";
	v->argv[n++] = (char *)TRUE_BIN;
	v->argv[n] = NULL;
}

/* A chroot as dmsup makes it: root's, 0555, with an empty rom/ (root
 * writes in it all the same). */
static char *scratch_chroot(char *tmp, size_t len)
{
	static char root[PATH_MAX];
	char rom[PATH_MAX + 8];

	snprintf(tmp, len, "/tmp/bench-tramp-XXXXXX");
	if (!mkdtemp(tmp))
		return NULL;
	snprintf(root, sizeof(root), "%s/vm.root", tmp);
	snprintf(rom, sizeof(rom), "%s/rom", root);
	if (mkdir(root, 0555) || mkdir(rom, 0555))
		return NULL;
	return root;
}

static void scratch_remove(const char *tmp, const char *root)
{
	char path[PATH_MAX + 8];

	if (root) {
		snprintf(path, sizeof(path), "%s/rom", root);
		rmdir(path);
		rmdir(root);
	}
	rmdir(tmp);
}

static void report(struct variant *v, const struct variant *base)
{
	double wm = stats_quantile(v->wall, RUNS, 0.5) / 1e3;
	double w9 = stats_quantile(v->wall, RUNS, 0.9) / 1e3;
	double cm = stats_quantile(v->cpu, RUNS, 0.5) / 1e3;
	double c9 = stats_quantile(v->cpu, RUNS, 0.9) / 1e3;

	printf("(t) %-45s wall median %.3f ms, p90 %.3f ms; CPU median "
	       "%.3f ms, p90 %.3f ms",
	       v->what, wm, w9, cm, c9);
	if (base && base != v)
		printf(
		    "; over %s: +%.3f ms wall, +%.3f ms CPU (medians)",
		    TRUE_BIN,
		    wm - stats_quantile((double *)base->wall, RUNS, 0.5) / 1e3,
		    cm - stats_quantile((double *)base->cpu, RUNS, 0.5) / 1e3);
	if (v->failed)
		printf(" (%d of %d failed)", v->failed, RUNS);
	printf("\n");
}

int main(void)
{
	static struct variant v[5];
	char bin[PATH_MAX + 8], dmsup[PATH_MAX + 16], tramp[PATH_MAX + 32],
	    tmp[64] = "";
	const char *root = NULL;
	int nv = 0;

	if (find_bin(bin, sizeof(bin))) {
		fprintf(stderr,
			"bench-tramp: no bin/dmsup above this program\n");
		return 1;
	}
	snprintf(dmsup, sizeof(dmsup), "%s/dmsup", bin);
	snprintf(tramp, sizeof(tramp), "%s/dmsup-restrict-exec", bin);
	v[nv].what = TRUE_BIN " alone";
	v[nv].argv[0] = (char *)TRUE_BIN;
	nv++;
	trampoline(&v[nv++], "dmsup --restrict-exec (before)", dmsup, NULL);
	trampoline(&v[nv++], "dmsup-restrict-exec (now)", tramp, NULL);
	if (geteuid() == 0 && !(root = scratch_chroot(tmp, sizeof(tmp))))
		fprintf(stderr, "bench-tramp: scratch chroot: %s\n",
			strerror(errno));
	if (root) {
		trampoline(&v[nv++], "dmsup --restrict-exec --mntns (before)",
			   dmsup, root);
		trampoline(&v[nv++], "dmsup-restrict-exec --mntns (now)", tramp,
			   root);
	}
	/* Interleaved, after one warm-up round (page cache, ld.so cache). */
	for (int k = 0; k < nv; k++)
		run_once(&v[k], 0);
	for (int i = 0; i < RUNS; i++)
		for (int k = 0; k < nv; k++)
			run_once(&v[k], i);
	printf("(t) the exec trampoline: fork, exec TRAMP --restrict-exec "
	       "--nproc 256 --fsize 0%s -- %s, reap; %d runs each, "
	       "interleaved\n",
	       root ? " [--mntns CHROOT]" : "", TRUE_BIN, RUNS);
	for (int k = 0; k < nv; k++)
		report(&v[k], &v[0]);
	if (!root)
		printf("(t) the mount namespace step: not measured (needs "
		       "root)\n");
	if (*tmp)
		scratch_remove(tmp, root);
	return 0;
}
