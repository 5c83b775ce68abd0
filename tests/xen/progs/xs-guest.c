/*
 * xs-guest: runs inside a PV domU of the test bed and proves guest-side
 * xenstore access. It learns its domid from the relative node "domid",
 * waits for data/from-dom0 (placed by dom0), echoes it to data/echo, writes
 * data/guest-wrote, reads data/readonly and checks that writing it fails
 * with EACCES (dom0 gave it read-only access). It reports each step on
 * stdout and records the outcome of the forbidden write in
 * data/readonly-write so dom0 can check it too.
 *
 * usage: xs-guest [TIMEOUT_SECONDS]      exit 0 = every step as expected
 */
#include "tests/xen/progs/tbprog.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XS_GUEST_DEFAULT_TIMEOUT_S 60

static void xs_guest_say(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void xs_guest_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("xs-guest: ");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
}

static bool xs_guest_write(struct xs_handle *xs, const char *base,
			   const char *rel, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	if (!tbprog_xs_write_str(xs, XBT_NULL, path, val)) {
		xs_guest_say("write %s failed: %s", path, strerror(errno));
		return false;
	}
	xs_guest_say("wrote %s = %s", path, val);
	return true;
}

/* The forbidden write: it must fail, and with EACCES exactly. */
static bool xs_guest_try_readonly(struct xs_handle *xs, const char *base)
{
	char path[256];
	const char *outcome;
	bool ok;
	char *val;

	snprintf(path, sizeof(path), "%s/data/readonly", base);
	val = xs_read(xs, XBT_NULL, path, NULL);
	if (!val) {
		xs_guest_say("read %s failed: %s", path, strerror(errno));
		return false;
	}
	xs_guest_say("read %s = %s", path, val);
	free(val);

	if (tbprog_xs_write_str(xs, XBT_NULL, path, "overwritten-by-guest")) {
		outcome = "succeeded";
		ok = false;
	} else {
		outcome = strerrorname_np(errno);
		if (!outcome)
			outcome = "unknown-errno";
		ok = errno == EACCES;
	}
	xs_guest_say("write %s: %s", path, outcome);
	return xs_guest_write(xs, base, "data/readonly-write", outcome) && ok;
}

int main(int argc, char **argv)
{
	unsigned long timeout_s = XS_GUEST_DEFAULT_TIMEOUT_S;
	struct xs_handle *xs = NULL;
	char *domid = NULL, *from_dom0 = NULL;
	char base[64], path[256], wrote[64];
	int rc = 1;

	if (argc > 2 ||
	    (argc == 2 && !tbprog_parse_ulong(argv[1], 1, 3600, &timeout_s))) {
		fprintf(stderr, "usage: xs-guest [TIMEOUT_SECONDS]\n");
		return 2;
	}
	xs = xs_open(0);
	if (!xs) {
		perror("xs-guest: xs_open");
		goto out;
	}
	/* A relative path resolves under our own /local/domain/<domid>. */
	domid = xs_read(xs, XBT_NULL, "domid", NULL);
	if (!domid) {
		perror("xs-guest: read domid");
		goto out;
	}
	xs_guest_say("domid = %s", domid);
	snprintf(base, sizeof(base), "/local/domain/%s", domid);

	snprintf(path, sizeof(path), "%s/data/from-dom0", base);
	from_dom0 = tbprog_xs_wait_read(xs, path, (int)timeout_s * 1000);
	if (!from_dom0) {
		xs_guest_say("waiting for %s: %s", path, strerror(errno));
		goto out;
	}
	xs_guest_say("read %s = %s", path, from_dom0);

	snprintf(wrote, sizeof(wrote), "written-by-domain-%s", domid);
	if (!xs_guest_write(xs, base, "data/echo", from_dom0) ||
	    !xs_guest_write(xs, base, "data/guest-wrote", wrote) ||
	    !xs_guest_try_readonly(xs, base))
		goto out;
	rc = 0;
out:
	xs_guest_say("done, %s", rc ? "FAILED" : "ok");
	free(from_dom0);
	free(domid);
	if (xs)
		xs_close(xs);
	return rc;
}
