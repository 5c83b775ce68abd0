/*
 * stubloop: a loop device over one of the target's disk images, for the
 * stub's PV vbd (blkback serves block devices only; this is what Xen's
 * block hotplug script does for a file). The device is set up with
 * LO_FLAGS_AUTOCLEAR, so the kernel detaches it at its last close: once
 * the keeper closed its fd and blkback let go of the vbd, nothing is
 * left, also when the keeper itself was killed.
 */
#ifndef DMSUP_STUBLOOP_H
#define DMSUP_STUBLOOP_H

#include <stdbool.h>
#include <stddef.h>

struct stubloop {
	int fd; /* the loop device, open; -1: none */
	unsigned int major, minor;
	char dev[32]; /* /dev/loopN */
};

/* Attaches file (read-only if ro) to a free loop device. 0, or -1 with
 * a one-line reason (naming the file and the step) in err; nothing is
 * left attached on failure. */
int stubloop_attach(const char *file, bool ro, struct stubloop *l, char *err,
		    size_t errsz);

/* Closes the keeper's fd (autoclear does the rest); idempotent. */
void stubloop_close(struct stubloop *l);

#endif
