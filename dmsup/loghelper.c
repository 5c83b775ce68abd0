/*
 * dmsup-log: the per-domain log helper (logfile.h) as a program of its
 * own. One runs beside every device model, so it links libc alone: it
 * starts in a fraction of the daemon's time and its private memory is a
 * few pages (bench-dmsup prints both). Its argv keeps the daemon's form,
 * `--log-helper DIR NAME FILES SIZE`, so that every dmsup recognises it.
 */
#include <stdio.h>
#include <string.h>

#include "dmsup/logfile.h"
#include "version.h"

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--version"))
		return printf("dmsup-log %s\n", DMSUP_VERSION) < 0;
	if (argc != 6 || strcmp(argv[1], "--log-helper")) {
		fprintf(stderr, "usage: dmsup-log --log-helper DIR NAME FILES "
				"SIZE (started by dmsup, see dmsup(8))\n");
		return 2;
	}
	return logfile_helper_main(argc - 2, argv + 2);
}
