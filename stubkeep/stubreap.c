/*
 * stubreap: `dmsup --stub-reap TARGET STUB`, the daemon's one-shot helper
 * for a stub domain whose keeper ended without destroying it (killed
 * outright, or crashed): the stub would go on running QEMU for TARGET
 * with nobody serving its consoles, and a restart would build a second
 * one. The destroy waits for Xen (bounded), so it runs here, not in the
 * daemon's loop. Only a stub whose xenstore target is TARGET is touched.
 * Exit status: 0 destroyed (or already gone), 1 not TARGET's stub, 2 the
 * destroy failed, 64 bad usage; one line on stderr says which.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>
#include <xenstore.h>

#include "stubkeep/stubdom-build.h"
#include "stubkeep/stubkeep.h"

#define STUBREAP_TIMEOUT_MS 30000

static int stubreap_domid(const char *s, uint32_t *d_r)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = s && *s >= '0' && *s <= '9' ? strtoul(s, &end, 10) : 0;
	if (!v || errno || *end || v >= DOMID_FIRST_RESERVED)
		return -1;
	*d_r = (uint32_t)v;
	return 0;
}

int stubkeep_reap_main(int argc, char **argv)
{
	struct stubdom_build_err err;
	uint32_t target, stub;
	char path[64], *val;
	xc_interface *xch;
	struct xs_handle *xs;
	int rc = 2;

	if (argc != 3 || stubreap_domid(argv[1], &target) ||
	    stubreap_domid(argv[2], &stub) || target == stub) {
		fprintf(stderr, "usage: dmsup --stub-reap TARGET STUB\n");
		return 64;
	}
	xch = xc_interface_open(NULL, NULL, 0);
	xs = xs_open(0);
	if (!xch || !xs) {
		fprintf(stderr, "dmsup --stub-reap: libxenctrl, xenstore: %s\n",
			strerror(errno));
		goto out;
	}
	snprintf(path, sizeof(path), "/local/domain/%u/target", stub);
	val = xs_read(xs, XBT_NULL, path, NULL);
	if (!val || strtoul(val, NULL, 10) != target) {
		fprintf(stderr,
			"dmsup --stub-reap: domain %u is not the stub of "
			"domain %u (%s: %s): left alone\n",
			stub, target, path, val ? val : "none");
		free(val);
		rc = 1;
		goto out;
	}
	free(val);
	rc = stubdom_build_destroy(xch, xs, stub, STUBREAP_TIMEOUT_MS, &err)
		 ? 2
		 : 0;
	fprintf(stderr, "dmsup --stub-reap: stub domain %u of domain %u: %s\n",
		stub, target, rc ? err.msg : "destroyed");
out:
	if (xs)
		xs_close(xs);
	if (xch)
		xc_interface_close(xch);
	return rc;
}
