/*
 * stubvbd: the target's disks as the stub domain's PV vbds (xvda, xvdb...
 * in config order), as Xen's stubdom protocol has them
 * (docs/stubdom-protocols.md "The stub's vbds"): per disk a loop device in
 * dom0 (stubloop.h) served by blkback, and one pvdev (stubdom-proto/
 * pvdev.h) that writes both ends' nodes and follows them to Connected.
 * The backend's keys are what Xen's block hotplug script would leave:
 * params (the image), physical-device (the loop device, hex major:minor),
 * physical-device-path, mode, type phy; the stub's QEMU opens /dev/xvdX.
 *
 * The done callback runs once, from the event loop: rc 0 when every vbd
 * is connected (info lists them), or the first failure's error (naming
 * the domain, the vbd and the step). Never after stubvbd_detach().
 */
#ifndef DMSUP_STUBVBD_H
#define DMSUP_STUBVBD_H

#include <stdbool.h>
#include <stddef.h>

struct xsp;
struct stubvbd;

struct stubvbd_disk {
	const char *path; /* the image in dom0 */
	bool readonly;
	bool cdrom; /* device-type cdrom (always read-only) */
};

typedef void stubvbd_done_fn(int rc, const char *msg, void *arg);

/* Sets up every disk's loop device and vbd nodes (the stub may still be
 * paused). NULL with the reason in err; nothing is left behind then. */
struct stubvbd *stubvbd_attach(struct xsp *xs, const char *domain,
			       unsigned int stub,
			       const struct stubvbd_disk *disks, size_t n,
			       unsigned int timeout_ms, stubvbd_done_fn *done,
			       void *arg, char *err, size_t errsz);

/* Removes the vbds' nodes (blkback lets go) and closes the loop devices
 * (they detach when blkback has). NULL is fine. */
void stubvbd_detach(struct stubvbd *v);

/* "disk:PATH", "disk-ro:PATH", "cdrom:PATH" or "cdrom-empty" (the
 * keeper's --vbd) into d (path points into spec; NULL for an empty CD
 * drive, which keeps its xvd name but gets no vbd until a medium is
 * inserted). 0, or -1 if spec is none of these. */
int stubvbd_parse(const char *spec, struct stubvbd_disk *d);

/* A CD change (dmsup's cd-eject, cd-insert through the keeper's control
 * socket): eject removes the CD at index i's vbd (blkfront drops the
 * stub's xvdX; the loop device detaches once blkback let go); insert
 * gives it a new medium: a loop device over path and the vbd's nodes
 * again, done (from the loop, once) when both ends are connected. 0, or
 * -1 with err (no such index, not a CD-ROM, a medium already there). */
int stubvbd_eject(struct stubvbd *v, size_t i, char *err, size_t errsz);
int stubvbd_insert(struct stubvbd *v, size_t i, const char *path,
		   stubvbd_done_fn *done, void *arg, char *err, size_t errsz);

#endif
