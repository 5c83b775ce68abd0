/*
 * stubctl: the keeper's control socket (see stubctl.h).
 *
 * Client states: NONE (listening) -> IDLE (connected, no fd) -> SAVING
 * (console 1 goes to the client's fd) -> IDLE after "end"; any -> NONE
 * when the client goes or breaks the protocol.
 */
#include "stubkeep/stubctl.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "dmsup/unixsock.h"
#include "stubkeep/stubvbd.h"
#include "stubkeep/stubxcons.h"

enum stubctl_state { SC_NONE, SC_IDLE, SC_SAVING };

struct stubctl {
	struct event_base *base;
	char *path;
	int lfd, cfd, sink;
	enum stubctl_state state;
	struct event *ev_listen, *ev_client;
	struct stubxcons *save;
	struct stubvbd *vbd;
	bool inserting; /* a vbd-insert's answer is due */
	char line[STUBCTL_LINE_MAX];
	size_t len;
};

static void sc_drop(struct stubctl *s)
{
	s->inserting = false; /* its answer is nobody's now */
	if (s->save && s->state == SC_SAVING)
		stubxcons_sink(s->save, -1);
	if (s->sink >= 0)
		close(s->sink);
	s->sink = -1;
	if (s->ev_client) {
		event_free(s->ev_client);
		s->ev_client = NULL;
	}
	if (s->cfd >= 0)
		close(s->cfd);
	s->cfd = -1;
	s->len = 0;
	s->state = SC_NONE;
}

/* A short answer; the socket's buffer holds it (one at a time). */
static void sc_say(struct stubctl *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void sc_say(struct stubctl *s, const char *fmt, ...)
{
	char buf[600];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (send(s->cfd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) != n)
		sc_drop(s);
}

static void sc_end(struct stubctl *s)
{
	char err[512];
	int64_t n = stubxcons_flush(s->save, err, sizeof(err));

	stubxcons_sink(s->save, -1);
	close(s->sink);
	s->sink = -1;
	s->state = SC_IDLE;
	if (n < 0)
		sc_say(s, "error %s", err);
	else
		sc_say(s, "saved %lld", (long long)n);
}

static void sc_inserted_cb(int rc, const char *msg, void *arg)
{
	struct stubctl *s = arg;

	if (!s->inserting)
		return;
	s->inserting = false;
	if (rc)
		sc_say(s, "error %s", msg);
	else
		sc_say(s, "ok");
}

/* "vbd-eject I" or "vbd-insert I PATH". */
static void sc_vbd(struct stubctl *s, const char *line)
{
	bool insert = !strncmp(line, "vbd-insert ", 11);
	const char *arg = line + (insert ? 11 : 10);
	char err[512], *end;
	unsigned long i;

	errno = 0;
	i = *arg >= '0' && *arg <= '9' ? strtoul(arg, &end, 10) : ULONG_MAX;
	if (i == ULONG_MAX || errno ||
	    (insert ? *end != ' ' || end[1] != '/' : *end != '\0')) {
		sc_say(s, "error %s needs %s",
		       insert ? "vbd-insert" : "vbd-eject",
		       insert ? "an index and an absolute path" : "an index");
		return;
	}
	if (s->inserting) {
		sc_say(s, "error a vbd-insert is under way");
		return;
	}
	if (!insert) {
		if (stubvbd_eject(s->vbd, i, err, sizeof(err)))
			sc_say(s, "error %s", err);
		else
			sc_say(s, "ok");
		return;
	}
	if (stubvbd_insert(s->vbd, i, end + 1, sc_inserted_cb, s, err,
			   sizeof(err))) {
		sc_say(s, "error %s", err);
		return;
	}
	s->inserting = true;
}

/* One line (without its newline) and the fds that came with it. false
 * if the client was dropped. */
static bool sc_line(struct stubctl *s, const char *line, int fd)
{
	if (!strcmp(line, "save") && s->state == SC_IDLE) {
		if (fd < 0 || !s->save) {
			if (fd >= 0)
				close(fd);
			sc_say(s, "error %s",
			       s->save ? "save needs an fd"
				       : "no save console");
			return s->cfd >= 0;
		}
		s->sink = fd;
		stubxcons_sink(s->save, fd);
		s->state = SC_SAVING;
		sc_say(s, "ok");
		return s->cfd >= 0;
	}
	if (fd >= 0)
		close(fd);
	if (!strcmp(line, "end") && s->state == SC_SAVING) {
		sc_end(s);
		return s->cfd >= 0;
	}
	if ((!strncmp(line, "vbd-eject ", 10) ||
	     !strncmp(line, "vbd-insert ", 11)) &&
	    s->state == SC_IDLE) {
		sc_vbd(s, line);
		return s->cfd >= 0;
	}
	sc_say(s, "error unexpected request '%.32s'", line);
	sc_drop(s);
	return false;
}

static void sc_client_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stubctl *s = arg;
	char buf[STUBCTL_LINE_MAX];
	int fds[1], nfds = 0;
	bool over = false;
	ssize_t r =
	    unixsock_recv_fds(s->cfd, buf, sizeof(buf), fds, 1, &nfds, &over);

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0 || over) {
		if (nfds)
			close(fds[0]);
		sc_drop(s);
		return;
	}
	for (ssize_t i = 0; i < r; i++) {
		if (buf[i] != '\n') {
			if (s->len + 1 >= sizeof(s->line)) {
				sc_say(s, "error request too long");
				sc_drop(s);
				break;
			}
			s->line[s->len++] = buf[i];
			continue;
		}
		s->line[s->len] = '\0';
		s->len = 0;
		/* The fd belongs to the first line of what came with it. */
		if (!sc_line(s, s->line, nfds ? fds[0] : -1))
			return;
		nfds = 0;
	}
	if (nfds)
		close(fds[0]);
}

static void sc_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stubctl *s = arg;
	int c = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (c < 0)
		return;
	if (s->cfd >= 0) {
		static const char busy[] = "error busy\n";
		send(c, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(c);
		return;
	}
	s->cfd = c;
	s->state = SC_IDLE;
	s->ev_client =
	    event_new(s->base, c, EV_READ | EV_PERSIST, sc_client_cb, s);
	if (!s->ev_client || event_add(s->ev_client, NULL))
		sc_drop(s);
}

struct stubctl *stubctl_open(struct event_base *base, const char *path,
			     char *err, size_t errsz)
{
	struct stubctl *s = calloc(1, sizeof(*s));

	if (!s || !(s->path = strdup(path))) {
		free(s);
		snprintf(err, errsz, "control socket %s: out of memory", path);
		return NULL;
	}
	s->base = base;
	s->cfd = s->sink = -1;
	s->lfd = unixsock_listen(path);
	if (s->lfd < 0) {
		snprintf(err, errsz, "control socket %s: %s", path,
			 strerror(errno));
		free(s->path);
		free(s);
		return NULL;
	}
	s->ev_listen =
	    event_new(base, s->lfd, EV_READ | EV_PERSIST, sc_accept_cb, s);
	if (!s->ev_listen || event_add(s->ev_listen, NULL)) {
		snprintf(err, errsz, "control socket %s: out of memory", path);
		stubctl_close(s);
		return NULL;
	}
	return s;
}

void stubctl_set_devices(struct stubctl *s, struct stubxcons *x,
			 struct stubvbd *v)
{
	s->save = x;
	s->vbd = v;
}

void stubctl_close(struct stubctl *s)
{
	if (!s)
		return;
	sc_drop(s);
	if (s->ev_listen)
		event_free(s->ev_listen);
	if (s->lfd >= 0) {
		close(s->lfd);
		unlink(s->path);
	}
	free(s->path);
	free(s);
}
