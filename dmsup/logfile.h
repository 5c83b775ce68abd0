/*
 * A device model's log: <logdir>/<name>.log, rotated to <name>.log.1 ...
 * <name>.log.<files-1>, each file at most <size> bytes.
 *
 * The writer runs in a small per-domain helper process (`dmsup
 * --log-helper`) that owns the read end of the device model's stdout/stderr
 * pipe and the files. It outlives a dmsup that is killed, so capture goes
 * on across a dmsup restart, and dmsup itself never touches the data: its
 * memory stays flat and a slow or full disk never delays supervision.
 */
#ifndef DMSUP_LOGFILE_H
#define DMSUP_LOGFILE_H

#include <stddef.h>

/* argv: dir name files size; reads stdin until EOF. Returns exit status. */
int logfile_helper_main(int argc, char **argv);

/* "<dir>/<name>.log" or with a suffix ".N" for N > 0 (malloc'd). */
char *logfile_path(const char *dir, const char *name, int n);

/*
 * The last @lines lines (at most @max_bytes) across the rotated files,
 * oldest first, malloc'd; "" if there is no log. NULL on allocation
 * failure.
 */
char *logfile_tail(const char *dir, const char *name, int files, int lines,
		   size_t max_bytes);

#endif
