/*
 * fdprobe: what a device model's own Xen fds let it do, the bed's check of
 * -xen-domid-restrict (t-115).
 *
 *   fdprobe PID FD DOMID...   QEMU's open file FD, taken with pidfd_getfd
 *                             (root), so exactly what QEMU restricted
 *   fdprobe --fresh DEV DOMID...  a new open of /dev/xen/DEV (the control)
 *
 * For a privcmd fd, for each DOMID: one page of its gfn 0 mapped
 * ("map D: ok" or the error), then one xen_version hypercall ("hypercall:
 * ..."); for an evtchn fd, for each DOMID a bind to its port 1 ("bind D:
 * ..."). Exits 0 once it has tried them all (the test reads the lines), 1
 * when it cannot get the fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xen/sys/evtchn.h>
#include <xen/sys/privcmd.h>
#include <xen/version.h>

#include "tests/xen/progs/tbprog.h"

static const char *fdprobe_err(int r)
{
	return r ? strerror(errno) : "ok";
}

static void fdprobe_privcmd(int fd, char **domids, int n)
{
	for (int i = 0; i < n; i++) {
		unsigned long d;
		if (!tbprog_parse_ulong(domids[i], 0, 0x7fef, &d))
			continue;
		void *a = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		xen_pfn_t gfn = 0;
		int err = 0, r = -1;
		if (a != MAP_FAILED) {
			privcmd_mmapbatch_v2_t m = {
			    1, (domid_t)d, (__u64)(uintptr_t)a, &gfn, &err};
			r = ioctl(fd, IOCTL_PRIVCMD_MMAPBATCH_V2, &m);
			if (!r && err) {
				errno = -err;
				r = -1;
			}
			munmap(a, 4096);
		}
		printf("map %lu: %s\n", d, fdprobe_err(r));
	}
	privcmd_hypercall_t h = {__HYPERVISOR_xen_version, {XENVER_version}};
	int r = ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &h);
	printf("hypercall: %s\n", fdprobe_err(r < 0 ? -1 : 0));
}

static void fdprobe_evtchn(int fd, char **domids, int n)
{
	for (int i = 0; i < n; i++) {
		unsigned long d;
		if (!tbprog_parse_ulong(domids[i], 0, 0x7fef, &d))
			continue;
		struct ioctl_evtchn_bind_interdomain b = {(unsigned)d, 1};
		int r = ioctl(fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);
		printf("bind %lu: %s\n", d, fdprobe_err(r < 0 ? -1 : 0));
	}
}

/* QEMU's FD (or a fresh DEV) and what it is: 0 privcmd, 1 evtchn. */
static int fdprobe_open(int argc, char **argv, int *kind)
{
	char link[64], dev[64] = "";
	int fd = -1;

	if (!strcmp(argv[1], "--fresh")) {
		snprintf(dev, sizeof(dev), "/dev/xen/%s", argv[2]);
		fd = open(dev, O_RDWR | O_CLOEXEC);
	} else {
		unsigned long pid, n;
		if (!tbprog_parse_ulong(argv[1], 1, 1 << 22, &pid) ||
		    !tbprog_parse_ulong(argv[2], 0, 1 << 20, &n))
			return -1;
		snprintf(link, sizeof(link), "/proc/%lu/fd/%lu", pid, n);
		ssize_t l = readlink(link, dev, sizeof(dev) - 1);
		dev[l > 0 ? l : 0] = '\0';
		int pfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
		if (pfd >= 0)
			fd = (int)syscall(SYS_pidfd_getfd, pfd, (int)n, 0);
	}
	(void)argc;
	*kind = strstr(dev, "evtchn") ? 1 : 0;
	if (fd < 0 || (!strstr(dev, "privcmd") && !*kind)) {
		fprintf(stderr, "fdprobe: no privcmd or evtchn fd (%s): %s\n",
			dev, fd < 0 ? strerror(errno) : "another file");
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	int kind, fd;

	if (argc < 4) {
		fprintf(stderr, "usage: fdprobe PID FD DOMID... | "
				"fdprobe --fresh privcmd|evtchn DOMID...\n");
		return 2;
	}
	if ((fd = fdprobe_open(argc, argv, &kind)) < 0)
		return 1;
	if (kind)
		fdprobe_evtchn(fd, argv + 3, argc - 3);
	else
		fdprobe_privcmd(fd, argv + 3, argc - 3);
	return 0;
}
