/*
 * Control-protocol frames (docs/control-protocol.md): a 4-byte big-endian
 * length, then that many bytes of one JSON object. The length comes first,
 * so nothing inside the JSON can end or forge a frame.
 */
#ifndef LIBDMSUP_FRAME_H
#define LIBDMSUP_FRAME_H

#include <stdbool.h>

#include <json-c/json.h>

struct evbuffer;
struct msghdr;

#define FRAME_MAX (1024 * 1024)

/* Appends one frame holding @obj. Returns 0, or -1 if it is too large. */
int frame_put(struct evbuffer *out, struct json_object *obj);

/*
 * Takes one frame from @in. Returns 1 and sets *obj_r (the caller owns it),
 * 0 when the frame is not complete yet, or -1 with *err_r (a static
 * string) when the frame is too long or is not a JSON object: the stream
 * cannot be trusted after that.
 */
int frame_take(struct evbuffer *in, struct json_object **obj_r,
	       const char **err_r);

/* The fds of every SCM_RIGHTS message in @mh (as recvmsg filled it) into
 * @fds while there is room: their count. The others are closed and
 * *@over is set, so that none leaks. */
int frame_fds_take(struct msghdr *mh, int *fds, int max, bool *over);

#endif
