/*
 * The blocking call that carries fds (dmsup_call_fds): a socket of its
 * own and poll(), no event base, since a bufferevent drops SCM_RIGHTS.
 * The request's fds go with its first byte; the reply's fds may come with
 * any of its bytes, and are kept up to the caller's room (the others are
 * closed, so that none leaks into the caller).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "libdmsup/frame.h"
#include "libdmsup/libdmsup.h"
#include "libdmsup/private.h"

#define DMSUP_CALL_FDS_MAX 8

struct dmsup_rx {
	int *fds;
	int max, n;
};

/* Milliseconds left until @end (CLOCK_MONOTONIC), -1 for no deadline. */
static int dmsup_left(const struct timespec *end, int timeout_ms)
{
	struct timespec now;

	if (timeout_ms < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long ms = (end->tv_sec - now.tv_sec) * 1000LL +
		       (end->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? (int)ms : 0;
}

/* Waits for @ev on @fd: 1 ready, 0 out of time, -1 error. */
static int dmsup_wait_fd(int fd, short ev, const struct timespec *end,
			 int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = ev};
	int r;

	do
		r = poll(&p, 1, dmsup_left(end, timeout_ms));
	while (r < 0 && errno == EINTR);
	return r;
}

static int dmsup_send_frame(int sock, struct evbuffer *out, const int *fds,
			    int nfds, const struct timespec *end,
			    int timeout_ms)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * DMSUP_CALL_FDS_MAX)];
		struct cmsghdr align;
	} cb;
	bool first = true;

	while (evbuffer_get_length(out)) {
		size_t len = evbuffer_get_length(out);
		unsigned char *p = evbuffer_pullup(out, -1);
		struct iovec iov = {p, len};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
		if (first && nfds) {
			memset(&cb, 0, sizeof(cb));
			mh.msg_control = cb.b;
			mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
			struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
			memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
		}
		ssize_t r = sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (dmsup_wait_fd(sock, POLLOUT, end, timeout_ms) <= 0)
				return -1;
			continue;
		}
		if (r <= 0)
			return -1;
		first = false;
		evbuffer_drain(out, (size_t)r);
	}
	return 0;
}

/* One frame (events skipped) into *@f: 1, 0 out of time, -1 error. */
static int dmsup_recv_frame(int sock, struct dmsup_rx *rx,
			    struct json_object **f, const char **ferr,
			    const struct timespec *end, int timeout_ms)
{
	struct evbuffer *in = evbuffer_new();
	char buf[16384];
	int rc = -1;

	*ferr = NULL;
	while (in) {
		int r = frame_take(in, f, ferr);
		if (r > 0 && json_object_object_get_ex(*f, "event", NULL)) {
			json_object_put(*f);
			continue;
		}
		if (r) {
			rc = r > 0 ? 1 : -1;
			break;
		}
		union {
			char b[CMSG_SPACE(sizeof(int) * DMSUP_CALL_FDS_MAX)];
			struct cmsghdr align;
		} cb;
		struct iovec iov = {buf, sizeof(buf)};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = cb.b,
				    .msg_controllen = sizeof(cb.b)};
		ssize_t got =
		    recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
			if ((rc = dmsup_wait_fd(sock, POLLIN, end,
						timeout_ms)) <= 0)
				break;
			continue;
		}
		if (got <= 0) {
			rc = -1;
			break;
		}
		bool over = false;
		rx->n += frame_fds_take(&mh, rx->fds + rx->n, rx->max - rx->n,
					&over);
		evbuffer_add(in, buf, (size_t)got);
	}
	if (in)
		evbuffer_free(in);
	return rc;
}

static int dmsup_connect_path(const char *path, char **err_r)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		if (asprintf(err_r, "socket path too long: %s", path) < 0)
			*err_r = NULL;
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		if (asprintf(err_r, "cannot reach dmsup at %s: %s", path,
			     strerror(errno)) < 0)
			*err_r = NULL;
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void dmsup_call_outcome(struct json_object *f, int r, const char *ferr,
			       int timeout_ms, struct json_object **reply_r,
			       char **err_r)
{
	if (r > 0) {
		*reply_r = f;
		if (!dmsup_reply_ok(f))
			*err_r = strdup(dmsup_reply_error(f)
					    ? dmsup_reply_error(f)
					    : "dmsup refused (no error text)");
	} else if (!r) {
		if (asprintf(err_r, "no reply from dmsup within %d ms",
			     timeout_ms) < 0)
			*err_r = NULL;
	} else if (ferr) {
		if (asprintf(err_r, "dmsup's reply: %s", ferr) < 0)
			*err_r = NULL;
	} else {
		*err_r = strdup("dmsup closed the connection without a reply");
	}
}

DMSUP_EXPORT int dmsup_call_fds(const char *path, struct json_object *req,
				const int *fds, int nfds, int timeout_ms,
				struct json_object **reply_r, int *rfds,
				int maxr, int *nrfds_r, char **err_r)
{
	struct dmsup_rx rx = {rfds, maxr < 0 ? 0 : maxr, 0};
	struct evbuffer *out = evbuffer_new();
	struct json_object *f = NULL;
	struct timespec end;
	const char *ferr = NULL;
	int sock = -1, r = -1;

	*reply_r = NULL;
	*err_r = NULL;
	*nrfds_r = 0;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_ms / 1000;
	end.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	if (nfds < 0 || nfds > DMSUP_CALL_FDS_MAX || !out ||
	    frame_put(out, req)) {
		*err_r = strdup("cannot frame the request");
		goto out;
	}
	if ((sock = dmsup_connect_path(path, err_r)) < 0)
		goto out;
	if (dmsup_send_frame(sock, out, fds, nfds, &end, timeout_ms)) {
		/* dmsup may have answered (busy, idle) before it closed. */
		if (dmsup_recv_frame(sock, &rx, &f, &ferr, &end, 0) <= 0) {
			*err_r = strdup("cannot send the request to dmsup");
			goto out;
		}
		r = 1;
	} else {
		r = dmsup_recv_frame(sock, &rx, &f, &ferr, &end, timeout_ms);
	}
	dmsup_call_outcome(f, r, ferr, timeout_ms, reply_r, err_r);
	r = r > 0 ? (*err_r ? 1 : 0) : -1;
out:
	/* Without a reply, fds that came have nothing to belong to. */
	for (int i = 0; r < 0 && i < rx.n; i++)
		close(rx.fds[i]);
	*nrfds_r = r < 0 ? 0 : rx.n;
	json_object_put(req);
	if (out)
		evbuffer_free(out);
	if (sock >= 0)
		close(sock);
	return r;
}
