/*
 * A PCI device's removal from a QMP device model, as libxl waits for it:
 * device_del only asks; the device is gone (and its id free for another
 * device_add) when QEMU sends DEVICE_DELETED for it, which with ACPI
 * hotplug is once the guest's OS has ejected it. One removal, from the
 * request to its outcome:
 *
 *   WAITING --device_del refused---------------> told REFUSED
 *   WAITING --reply ok + DEVICE_DELETED (any order)--> told DONE
 *   WAITING --@wait_s passed-------------------> told TIMEOUT
 *   WAITING --the connection ended-------------> told ENDED
 *
 * Told once, never synchronously from pcidel_start; the event is
 * subscribed before device_del goes, so an event QEMU sends before its
 * reply is not missed. No cancel: the removal ends with the connection
 * (dmqmp_free tells ENDED before it returns).
 */
#ifndef DMSUP_OPS_PCIDEL_H
#define DMSUP_OPS_PCIDEL_H

struct dmqmp;
struct event_base;

enum pcidel_outcome {
	PCIDEL_DONE,	/* QEMU deleted it */
	PCIDEL_REFUSED, /* device_del failed: @err is QEMU's (or dmqmp's) */
	PCIDEL_TIMEOUT, /* no DEVICE_DELETED within the wait */
	PCIDEL_ENDED,	/* the QMP connection ended first: @err says why */
};

#define PCIDEL_WAIT_DEFAULT 10 /* s, libxl's LIBXL_QMP_CMD_TIMEOUT */
#define PCIDEL_WAIT_MAX 3600

/* @err: NULL for DONE and TIMEOUT, else valid during the call. */
typedef void pcidel_done_fn(void *arg, enum pcidel_outcome outcome,
			    const char *err);

/* Removes the device @id from @m, waiting @wait_s (1..PCIDEL_WAIT_MAX)
 * for it to go. 0, or -1 with *err_r (then @done is never called). */
int pcidel_start(struct event_base *base, struct dmqmp *m, const char *id,
		 int wait_s, pcidel_done_fn *done, void *arg,
		 const char **err_r);

#endif
