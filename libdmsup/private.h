/* libdmsup's own, between its files; never installed. */
#ifndef LIBDMSUP_PRIVATE_H
#define LIBDMSUP_PRIVATE_H

#include <stdbool.h>

#include "libdmsup/libdmsup.h"

/* What the map file exports is marked so, the rest is hidden. */
#define DMSUP_EXPORT __attribute__((visibility("default")))

/* dmsup_request; @hello: the reply sets the client's protocol. */
int dmsup_send(struct dmsup_client *cl, struct json_object *req,
	       dmsup_reply_fn *fn, void *arg, bool hello);

#endif
