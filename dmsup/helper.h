/*
 * The small helper programs beside dmsup (dmsup-log, dmsup-restrict-exec):
 * each is one mode of the daemon's argv (`--log-helper ...`,
 * `--restrict-exec ...`) as a program that links libc alone, and each
 * answers --version and --help the same way.
 */
#ifndef DMSUP_HELPER_H
#define DMSUP_HELPER_H

struct helper {
	const char *name;  /* "dmsup-log" */
	const char *mode;  /* its argv[1], the daemon's option */
	const char *usage; /* what follows "usage: NAME MODE " */
	int argc;	   /* the argc it takes exactly, or 0: any */
	int (*run)(int argc, char **argv); /* argv[1] is the mode */
};

/* --version (0), --help (0, the usage on stdout), an argv not of the
 * mode (2, the usage on stderr), else what h->run returns. */
int helper_main(const struct helper *h, int argc, char **argv);

#endif
