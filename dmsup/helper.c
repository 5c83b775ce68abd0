/*
 * The argv of a small helper program (helper.h): --version, --help and
 * the usage, the same for each.
 */
#include <stdio.h>
#include <string.h>

#include "dmsup/helper.h"
#include "version.h"

int helper_main(const struct helper *h, int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--version"))
		return printf("%s %s\n", h->name, DMSUP_VERSION) < 0;
	if (argc > 1 && !strcmp(argv[1], "--help"))
		return printf("usage: %s %s %s\n", h->name, h->mode, h->usage) <
		       0;
	if (argc < 2 || strcmp(argv[1], h->mode) ||
	    (h->argc && argc != h->argc)) {
		fprintf(stderr, "usage: %s %s %s\n", h->name, h->mode,
			h->usage);
		return 2;
	}
	return h->run(argc, argv);
}
