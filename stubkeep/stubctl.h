/*
 * stubctl: the keeper's control socket (`--ctl PATH`, mode 0600 in dmsup's
 * runtime directory), through which the daemon drives a save into
 * console 1 (stubxcons.h). One client at a time; lines of at most
 * STUBCTL_LINE_MAX bytes:
 *
 *   client                         keeper
 *   "save\n" + an fd (SCM_RIGHTS)  "ok\n": console 1 now goes to the fd
 *   ... QEMU writes its state (xen-save-devices-state /dev/fdset/1)
 *   "end\n"                        "saved N\n" once the ring is drained
 *                                  (QEMU's write() returned only when its
 *                                  bytes were in the ring), or
 *                                  "error TEXT\n"
 *
 * The fd is closed after "end" or when the client goes; console 1 is
 * dropped again then. A CD change (stubvbd.h):
 *
 *   "vbd-eject I\n"               "ok\n": the CD at disk index I has no
 *                                  vbd any more (the stub's xvdX went)
 *   "vbd-insert I PATH\n"         "ok\n" once its new vbd over PATH is
 *                                  connected both ends (xvdX is back)
 *
 * (or "error TEXT\n"). Anything else gets "error TEXT\n" and the end of
 * the connection; a second client gets "error busy\n". The socket lives
 * in a directory only root can reach: the client is the daemon.
 */
#ifndef DMSUP_STUBCTL_H
#define DMSUP_STUBCTL_H

#include <stddef.h>

struct event_base;
struct stubctl;
struct stubvbd;
struct stubxcons;

#define STUBCTL_LINE_MAX 1200 /* a path of up to 1024 bytes */

/* Listens at path (a stale socket there is replaced). NULL with the
 * reason in err. */
struct stubctl *stubctl_open(struct event_base *base, const char *path,
			     char *err, size_t errsz);

/* What the requests go to: the save console (NULL: "error no save
 * console") and the vbds (NULL: none). */
void stubctl_set_devices(struct stubctl *s, struct stubxcons *x,
			 struct stubvbd *v);

/* Closes the client and the socket and removes it. NULL is fine. */
void stubctl_close(struct stubctl *s);

#endif
