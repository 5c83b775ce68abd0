/*
 * xcinfo: a domain's page counts and limit, as Xen keeps them, for the
 * test bed's memory tests (t-55-plan-pages).
 *
 *   xcinfo DOMID
 *       prints "max_pages=N tot_pages=M" (4 KiB pages, from
 *       XEN_DOMCTL_getdomaininfo: the numbers Xen checks a populate
 *       against), for `eval` in a shell test.
 *   xcinfo --set-max-pages DOMID PAGES
 *       sets max_pages to exactly PAGES: xc_domain_setmaxmem(PAGES * 4 KiB),
 *       which Xen shifts back to pages with no slack (unlike `xl mem-max`,
 *       which adds libxl's 1 MiB LIBXL_MAXMEM_CONSTANT), then reads it
 *       back and fails if Xen holds another value.
 *   xcinfo --shutdown DOMID poweroff|reboot|crash
 *       shuts the domain down with that reason (xc_domain_shutdown), as
 *       a guest's own shutdown would (t-106-guest-lifecycle).
 *
 * Exit status 0, or 1 with a message on stderr.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>

static int xcinfo_usage(void)
{
	fprintf(stderr,
		"usage: xcinfo DOMID\n"
		"       xcinfo --set-max-pages DOMID PAGES\n"
		"       xcinfo --shutdown DOMID poweroff|reboot|crash\n");
	return 1;
}

static int xcinfo_parse(const char *s, uint64_t max, uint64_t *v_r)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v_r = strtoull(s, &end, 10);
	return (errno || *end || *v_r > max) ? -1 : 0;
}

static int xcinfo_get(xc_interface *xch, uint32_t domid,
		      xc_domaininfo_t *info_r)
{
	int r = xc_domain_getinfolist(xch, domid, 1, info_r);

	if (r != 1 || info_r->domain != domid) {
		fprintf(stderr, "xcinfo: no domain %" PRIu32 "\n", domid);
		return -1;
	}
	return 0;
}

static int xcinfo_shutdown(const char *dom, const char *why)
{
	static const char *const reasons[] = {
	    [SHUTDOWN_poweroff] = "poweroff",
	    [SHUTDOWN_reboot] = "reboot",
	    [SHUTDOWN_crash] = "crash",
	};
	xc_interface *xch;
	uint64_t domid;
	int reason = -1, rc = 1;

	for (size_t i = 0; i < sizeof(reasons) / sizeof(*reasons); i++)
		if (reasons[i] && !strcmp(why, reasons[i]))
			reason = (int)i;
	if (reason < 0 || xcinfo_parse(dom, DOMID_FIRST_RESERVED - 1, &domid))
		return xcinfo_usage();
	if (!(xch = xc_interface_open(NULL, NULL, 0))) {
		perror("xcinfo: xc_interface_open");
		return 1;
	}
	if (xc_domain_shutdown(xch, (uint32_t)domid, reason))
		perror("xcinfo: xc_domain_shutdown");
	else
		rc = 0;
	xc_interface_close(xch);
	return rc;
}

int main(int argc, char **argv)
{
	xc_domaininfo_t info;
	xc_interface *xch;
	uint64_t domid, pages = 0;
	int set = argc == 4 && !strcmp(argv[1], "--set-max-pages");
	int rc = 1;

	if (argc == 4 && !strcmp(argv[1], "--shutdown"))
		return xcinfo_shutdown(argv[2], argv[3]);
	if (!set && argc != 2)
		return xcinfo_usage();
	if (xcinfo_parse(argv[set ? 2 : 1], DOMID_FIRST_RESERVED - 1, &domid) ||
	    (set && xcinfo_parse(argv[3], UINT64_MAX / 4, &pages)))
		return xcinfo_usage();
	xch = xc_interface_open(NULL, NULL, 0);
	if (!xch) {
		perror("xcinfo: xc_interface_open");
		return 1;
	}
	if (set && xc_domain_setmaxmem(xch, (uint32_t)domid, pages * 4)) {
		perror("xcinfo: xc_domain_setmaxmem");
		goto out;
	}
	if (xcinfo_get(xch, (uint32_t)domid, &info))
		goto out;
	if (set && info.max_pages != pages) {
		fprintf(stderr,
			"xcinfo: asked max_pages %" PRIu64
			", Xen holds %" PRIu64 "\n",
			pages, (uint64_t)info.max_pages);
		goto out;
	}
	printf("max_pages=%" PRIu64 " tot_pages=%" PRIu64 "\n",
	       (uint64_t)info.max_pages, (uint64_t)info.tot_pages);
	rc = 0;
out:
	xc_interface_close(xch);
	return rc;
}
