/*
 * dmsup-log: the per-domain log helper (logfile.h) as a program of its
 * own. One runs beside every device model, so it links libc alone: it
 * starts in a fraction of the daemon's time and its private memory is a
 * few pages (bench-dmsup prints both). Its argv keeps the daemon's form,
 * `--log-helper DIR NAME FILES SIZE`, so that every dmsup recognises it.
 */
#include "dmsup/helper.h"
#include "dmsup/logfile.h"

static int loghelper_run(int argc, char **argv)
{
	return logfile_helper_main(argc - 2, argv + 2);
}

static const struct helper loghelper = {
    .name = "dmsup-log",
    .mode = "--log-helper",
    .usage = "DIR NAME FILES SIZE (started by dmsup, see dmsup(8))",
    .argc = 6,
    .run = loghelper_run,
};

int main(int argc, char **argv)
{
	return helper_main(&loghelper, argc, argv);
}
