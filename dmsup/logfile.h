/*
 * A device model's log: <logdir>/<name>.log, rotated to <name>.log.1 ...
 * <name>.log.<files-1>, each file at most <size> bytes.
 *
 * The writer runs in a small per-domain helper process (dmsup-log(8),
 * or `dmsup --log-helper` where it is not installed) that owns the read end of
 * the device model's stdout/stderr pipe and the files. It outlives a dmsup that
 * is killed, so capture goes on across a dmsup restart, and dmsup itself never
 * touches the data: its memory stays flat and a slow or full disk never delays
 * supervision.
 */
#ifndef DMSUP_LOGFILE_H
#define DMSUP_LOGFILE_H

#include <stddef.h>

/*
 * The writer: appends to <dir>/<name>.log, rotating at @size bytes and
 * keeping @files files. It never blocks on anything but the disk and never
 * fails: what cannot be written is dropped and counted, and the count is
 * written into the log once writing works again.
 */
struct logfile_writer;
struct logfile_writer *logfile_writer_new(const char *dir, const char *name,
					  int files, long size);
void logfile_writer_write(struct logfile_writer *w, const char *buf,
			  size_t len);
/* Bytes dropped and not yet noted in the log; lines in *lines_r. */
unsigned long long logfile_writer_dropped(const struct logfile_writer *w,
					  unsigned long long *lines_r);
void logfile_writer_free(struct logfile_writer *w);

/* argv: dir name files size; copies stdin to a writer until EOF. */
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
