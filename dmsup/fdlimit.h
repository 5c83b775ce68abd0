/*
 * dmsup's file descriptors against RLIMIT_NOFILE (dmsup(8), "FILE
 * DESCRIPTORS"): the soft limit is raised to the hard one at start; a
 * device model is started only while enough stay free for the control
 * socket's clients and dmsup's own files.
 */
#ifndef DMSUP_FDLIMIT_H
#define DMSUP_FDLIMIT_H

#include <stddef.h>

/* What one device model costs dmsup at the peak of its spawn (the log
 * pipe, the sentinel FIFO's two ends, the pidfds, the QMP socket, spare);
 * and what stays free for clients and files whatever runs. */
#define FDLIMIT_PER_DM 12
#define FDLIMIT_RESERVE 64

/* Raises the soft limit to the hard one; the limit now in force. */
unsigned long fdlimit_raise(void);
/* The soft limit in force. */
unsigned long fdlimit_limit(void);
/* How many descriptors this process has open (the limit when none is
 * left to count them; -1 if unknown). */
long fdlimit_open(void);
/*
 * 0 if @need more descriptors leave FDLIMIT_RESERVE free; else -1 with
 * why in @err (open, limit, need).
 */
int fdlimit_room(unsigned need, char *err, size_t n);

#endif
