/*
 * xen-pages: a domain's page counts, and the test toolstack's way to set
 * its page limit (what a real toolstack does with xc_domain_setmaxmem after
 * reading `dmctl plan`; dmsup itself never does).
 *
 *   xen-pages DOMID              prints "TOT_PAGES MAX_PAGES"
 *   xen-pages DOMID MAX_PAGES    sets max_pages (xc_domain_setmaxmem takes
 *                                KiB: 4 per page), then prints as above
 *
 * Pages, not MiB: `xl mem-max` takes MiB (or a k suffix), adds libxl's
 * 1 MiB slack and refuses anything below memory/target, so it cannot set
 * the exact limits these tests need.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>

static int xen_pages_print(xc_interface *xch, uint32_t domid)
{
	xc_domaininfo_t info;

	if (xc_domain_getinfolist(xch, domid, 1, &info) != 1 ||
	    info.domain != domid) {
		fprintf(stderr, "xen-pages: no domain %u\n", domid);
		return 1;
	}
	printf("%llu %llu\n", (unsigned long long)info.tot_pages,
	       (unsigned long long)info.max_pages);
	return 0;
}

int main(int argc, char **argv)
{
	xc_interface *xch;
	uint32_t domid;
	int rc;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: xen-pages DOMID [MAX_PAGES]\n");
		return 2;
	}
	domid = (uint32_t)strtoul(argv[1], NULL, 10);
	xch = xc_interface_open(NULL, NULL, 0);
	if (!xch) {
		fprintf(stderr, "xen-pages: libxenctrl: %s\n", strerror(errno));
		return 1;
	}
	if (argc == 3) {
		uint64_t pages = strtoull(argv[2], NULL, 10);
		if (xc_domain_setmaxmem(xch, domid, pages * 4)) {
			fprintf(stderr, "xen-pages: setmaxmem %u: %s\n", domid,
				strerror(errno));
			xc_interface_close(xch);
			return 1;
		}
	}
	rc = xen_pages_print(xch, domid);
	xc_interface_close(xch);
	return rc;
}
