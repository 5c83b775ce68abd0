/* Control-protocol frames: 4-byte big-endian length + one JSON object. */
#include <math.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "libdmsup/frame.h"

int frame_put(struct evbuffer *out, struct json_object *obj)
{
	size_t len;
	const char *text = json_object_to_json_string_length(
	    obj, JSON_C_TO_STRING_PLAIN, &len);

	if (!text || len > FRAME_MAX)
		return -1;
	uint32_t be = htonl((uint32_t)len);
	if (evbuffer_add(out, &be, sizeof(be)) || evbuffer_add(out, text, len))
		return -1;
	return 0;
}

/*
 * json-c reads NaN and Infinity even in strict mode; standard JSON has
 * neither, and a number that compares unequal to itself has no business in
 * a request. The tokener bounded the depth, so the recursion is bounded.
 */
static int frame_json_is_finite(struct json_object *obj)
{
	switch (json_object_get_type(obj)) {
	case json_type_double:
		return isfinite(json_object_get_double(obj));
	case json_type_object: {
		json_object_object_foreach(obj, key, val)
		{
			(void)key;
			if (!frame_json_is_finite(val))
				return 0;
		}
		return 1;
	}
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(obj); i++)
			if (!frame_json_is_finite(
				json_object_array_get_idx(obj, i)))
				return 0;
		return 1;
	default:
		return 1;
	}
}

int frame_take(struct evbuffer *in, struct json_object **obj_r,
	       const char **err_r)
{
	uint32_t be;

	*obj_r = NULL;
	if (evbuffer_get_length(in) < sizeof(be))
		return 0;
	evbuffer_copyout(in, &be, sizeof(be));
	size_t len = ntohl(be);
	if (len > FRAME_MAX) {
		*err_r = "frame longer than 1 MiB";
		return -1;
	}
	if (evbuffer_get_length(in) < sizeof(be) + len)
		return 0;
	evbuffer_drain(in, sizeof(be));
	char *text = (char *)evbuffer_pullup(in, (ssize_t)len);
	struct json_tokener *tok = json_tokener_new_ex(32);
	struct json_object *obj = NULL;
	if (tok && len) {
		/* A client's frame is untrusted: strict JSON (json-c 0.16
		 * still takes single-quoted strings, which are harmless) and
		 * valid UTF-8; non-finite numbers are refused below. */
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
						JSON_TOKENER_VALIDATE_UTF8);
		obj = json_tokener_parse_ex(tok, text, (int)len);
		if (obj && tok->char_offset != (int)len) {
			json_object_put(obj);
			obj = NULL;
		}
	}
	json_tokener_free(tok);
	evbuffer_drain(in, len);
	if (!obj || !json_object_is_type(obj, json_type_object) ||
	    !frame_json_is_finite(obj)) {
		json_object_put(obj);
		*err_r = "frame is not one JSON object";
		return -1;
	}
	*obj_r = obj;
	return 1;
}

int frame_fds_take(struct msghdr *mh, int *fds, int max, bool *over)
{
	int n = 0;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm;
	     cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
			       sizeof(fd));
			if (n < max) {
				fds[n++] = fd;
			} else {
				close(fd);
				*over = true;
			}
		}
	}
	return n;
}
