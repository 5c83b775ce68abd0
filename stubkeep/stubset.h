/*
 * stubset: a set of one kind of the stub's PV devices (stubvbd.h,
 * stubvif.h), each a pvdev, counted to "all connected" or stopped at the
 * first that failed: the done callback runs once, with rc 0 and the
 * set's info, or with that failure's error.
 */
#ifndef DMSUP_STUBSET_H
#define DMSUP_STUBSET_H

#include <stdbool.h>
#include <stddef.h>

struct pvdev_result;

typedef void stubset_done_fn(int rc, const char *msg, void *arg);

struct stubset {
	size_t n, connected;
	bool done_called;
	stubset_done_fn *done;
	void *arg;
	size_t len;
	char info[1024]; /* "xvda on /dev/loop0 (/i/a), ..." */
};

/* Appends one device to info (", " between them; cut when full). */
void stubset_info(struct stubset *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* One device's pvdev result, from its done callback. */
void stubset_result(struct stubset *s, const struct pvdev_result *res);

#endif
