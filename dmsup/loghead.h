/*
 * The start header of a device model's log: when, which domain, which
 * spawn, and the command line, one argument a line as libxl logs it, so
 * that `dmctl log` shows what was started. Bounded and escaped: an
 * argument from a config cannot forge log lines.
 */
#ifndef DMSUP_LOGHEAD_H
#define DMSUP_LOGHEAD_H

#include <time.h>

#define LOGHEAD_MAX (16 * 1024) /* bytes of one header */
#define LOGHEAD_ARG_MAX 1024	/* escaped bytes of one argument */

/* The header's text (malloc'd, NULL for out of memory), every line
 * starting "dmsup: ". */
char *loghead_format(const char *name, int domid, unsigned spawn, time_t when,
		     char *const argv[]);

/* Writes the header to @fd, the write end of the log pipe, before the
 * device model gets it: whole lines only, never blocking (a full pipe
 * drops the rest). */
void loghead_write(int fd, const char *name, int domid, unsigned spawn,
		   char *const argv[]);

#endif
