/* dmctl's save streams: `save --file -` writes the save file dmsup sent
 * (a sealed memfd) to stdout; `start --restore -` sends stdin. */
#ifndef DMCTL_STREAM_H
#define DMCTL_STREAM_H

#include <stdbool.h>

/* "-" where a save file's path goes: the file travels as an fd. */
bool dmctl_is_stream(const char *path);

/* Whether fd @fd may carry a save file (open, not a terminal). 0, or -1 with
 * the reason printed, naming @what ("save --file -"). */
int dmctl_stream_check(int fd, const char *what);

/* Copies all of @from (from its start) to stdout: @length bytes, as the
 * reply said. 0, or -1 with the reason printed. @from is closed. */
int dmctl_stream_out(int from, long long length);

#endif
