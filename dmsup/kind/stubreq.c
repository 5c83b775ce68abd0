/*
 * stubreq: a Linux stub's save through its keeper (see stubreq.h).
 *
 * States: WAIT_OK ("save" sent) -> READY (@ready told) -> WAIT_SAVED
 * ("end" sent) -> DONE (@done told); any wait -> DONE with an error on
 * the keeper's "error ...", its going away or the timeout.
 */
#include "dmsup/kind/stubreq.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "dmsup/unixsock.h"

#define STUBREQ_REPLY_MAX 600

enum stubreq_state { SS_WAIT_OK, SS_READY, SS_WAIT_SAVED, SS_DONE };

struct stubreq {
	enum stubreq_state state;
	int sock;
	struct timeval tv;
	struct event *ev_read, *timer, *tell;
	stubreq_fn *cb;
	void *arg;
	char domain[96];
	char what[16]; /* the request's first word, for messages */
	char buf[STUBREQ_REPLY_MAX];
	size_t len;
	int64_t bytes;
	char err[STUBREQ_REPLY_MAX + 160];
	bool failed;
};

/* The outcome of the current wait, told from the loop. */
static void ss_tell(struct stubreq *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void ss_tell(struct stubreq *s, const char *fmt, ...)
{
	va_list ap;

	evtimer_del(s->timer);
	s->failed = fmt != NULL;
	if (fmt) {
		int n = s->domain[0] ? snprintf(s->err, sizeof(s->err),
						"%s: ", s->domain)
				     : 0;
		va_start(ap, fmt);
		vsnprintf(s->err + n, sizeof(s->err) - (size_t)n, fmt, ap);
		va_end(ap);
		s->state = SS_DONE;
		event_del(s->ev_read);
	}
	event_active(s->tell, 0, 0);
}

static void ss_tell_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stubreq *s = arg;
	stubreq_fn *cb = s->cb;

	s->cb = NULL;
	if (cb)
		cb(s->arg, s->bytes, s->failed ? s->err : NULL);
}

/* One reply line. */
static void ss_line(struct stubreq *s, const char *line)
{
	long long n;
	char end;

	if (!strncmp(line, "error ", 6)) {
		ss_tell(s, "the stub keeper: %.500s", line + 6);
		return;
	}
	if (s->state == SS_WAIT_OK && !strcmp(line, "ok")) {
		s->state = SS_READY;
		ss_tell(s, NULL);
		return;
	}
	if (s->state == SS_WAIT_SAVED &&
	    sscanf(line, "saved %lld%c", &n, &end) == 1 && n >= 0) {
		s->bytes = n;
		s->state = SS_DONE;
		ss_tell(s, NULL);
		return;
	}
	ss_tell(s, "the stub keeper said '%.80s'", line);
}

static void ss_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stubreq *s = arg;
	ssize_t r = recv(s->sock, s->buf + s->len, sizeof(s->buf) - s->len - 1,
			 MSG_DONTWAIT);
	char *nl;

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		ss_tell(s, "the stub keeper closed its control socket%s%s",
			r < 0 ? ": " : " (did it die?)",
			r < 0 ? strerror(errno) : "");
		return;
	}
	s->len += (size_t)r;
	s->buf[s->len] = '\0';
	while ((nl = strchr(s->buf, '\n')) && s->state != SS_DONE) {
		*nl = '\0';
		ss_line(s, s->buf);
		s->len -= (size_t)(nl + 1 - s->buf);
		memmove(s->buf, nl + 1, s->len + 1);
	}
	if (s->len + 1 >= sizeof(s->buf) && s->state != SS_DONE)
		ss_tell(s, "the stub keeper's reply is too long");
}

static void ss_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stubreq *s = arg;

	ss_tell(s, "the stub keeper did not answer '%s' within %ld s",
		s->state == SS_WAIT_OK ? s->what : "end", (long)s->tv.tv_sec);
}

static int ss_connect(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return errno = ENAMETOOLONG, -1;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		int e = errno == EAGAIN ? EBUSY : errno;
		close(fd);
		return errno = e, -1;
	}
	return fd;
}

/* Connects and sends @line (with @fd unless -1); @cb at its "ok". */
static struct stubreq *ss_open(struct event_base *base, const char *domain,
			       const char *sock, const char *line, int fd,
			       int timeout_s, stubreq_fn *cb, void *arg,
			       char *err, size_t errsz)
{
	struct stubreq *s = calloc(1, sizeof(*s));
	size_t len = strlen(line);

	if (!s) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	snprintf(s->domain, sizeof(s->domain), "%s", domain ? domain : "");
	snprintf(s->what, sizeof(s->what), "%.*s", (int)strcspn(line, " \n"),
		 line);
	s->cb = cb;
	s->arg = arg;
	s->tv.tv_sec = timeout_s > 0 ? timeout_s : 1;
	s->sock = ss_connect(sock);
	if (s->sock < 0) {
		snprintf(err, errsz, "%s%sthe stub keeper's socket %s: %s",
			 s->domain, s->domain[0] ? ": " : "", sock,
			 strerror(errno));
		free(s);
		return NULL;
	}
	s->ev_read =
	    event_new(base, s->sock, EV_READ | EV_PERSIST, ss_read_cb, s);
	s->timer = evtimer_new(base, ss_timer_cb, s);
	s->tell = event_new(base, -1, 0, ss_tell_cb, s);
	if (!s->ev_read || !s->timer || !s->tell ||
	    event_add(s->ev_read, NULL)) {
		snprintf(err, errsz, "out of memory");
		stubreq_free(s);
		return NULL;
	}
	/* A fresh socket's buffer takes the few bytes at once. */
	if (unixsock_send_fds(s->sock, line, len, &fd, fd >= 0 ? 1 : 0) !=
	    (ssize_t)len) {
		snprintf(err, errsz, "sending '%s' to the stub keeper: %s",
			 s->what, strerror(errno));
		stubreq_free(s);
		return NULL;
	}
	evtimer_add(s->timer, &s->tv);
	return s;
}

struct stubreq *stubreq_begin(struct event_base *base, const char *domain,
			      const char *sock, int fd, int timeout_s,
			      stubreq_fn *ready, void *arg, char *err,
			      size_t errsz)
{
	return ss_open(base, domain, sock, "save\n", fd, timeout_s, ready, arg,
		       err, errsz);
}

struct stubreq *stubreq_call(struct event_base *base, const char *domain,
			     const char *sock, const char *line, int timeout_s,
			     stubreq_fn *done, void *arg, char *err,
			     size_t errsz)
{
	char buf[STUBREQ_LINE_MAX + 2];

	if (strlen(line) > STUBREQ_LINE_MAX || strchr(line, '\n')) {
		snprintf(err, errsz,
			 "a request to the stub keeper of %zu "
			 "bytes or with a newline",
			 strlen(line));
		return NULL;
	}
	snprintf(buf, sizeof(buf), "%s\n", line);
	return ss_open(base, domain, sock, buf, -1, timeout_s, done, arg, err,
		       errsz);
}

void stubreq_end(struct stubreq *s, stubreq_fn *done)
{
	static const char req[] = "end\n";

	s->cb = done;
	s->state = SS_WAIT_SAVED;
	if (send(s->sock, req, sizeof(req) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) !=
	    (ssize_t)sizeof(req) - 1) {
		ss_tell(s, "asking the stub keeper for the end: %s",
			strerror(errno));
		return;
	}
	evtimer_add(s->timer, &s->tv);
}

void stubreq_free(struct stubreq *s)
{
	if (!s)
		return;
	if (s->ev_read)
		event_free(s->ev_read);
	if (s->timer)
		event_free(s->timer);
	if (s->tell)
		event_free(s->tell);
	if (s->sock >= 0)
		close(s->sock);
	free(s);
}
