/*
 * dmsup-qemu-dm (dmsup-qemu-dm(8)): libxl runs it as the device model.
 * It asks dmsup to adopt the device model (the control request "adopt",
 * docs/control-protocol.md), receives the log pipe, the sentinel FIFO and
 * a listening socket for dmsup's own monitor over SCM_RIGHTS, and execs
 * the real QEMU: exec keeps the pid libxl wrote to device-model-pid, and
 * every fd libxl passed (its log, -incoming fd:N) stays where it was.
 *
 * Blocking and small on purpose: it runs once, before QEMU, and every
 * wait is bounded by the config's timeout_ms.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <json-c/json.h>

#include "dropin/dropin.h"
#include "version.h"

#define REPLY_MAX (64 * 1024)
#define N_FDS 3 /* log, sentinel, qmp: in the reply's "fds" order */

#define ADD_MAX 8	/* arguments dmsup may append (argv_add) */
#define ADD_LEN_MAX 128 /* bytes each */

struct adoption {
	int fd[N_FDS];
	char log[512];
	char **env;
	char *add[ADD_MAX + 1]; /* dmsup's additions to QEMU's argv */
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	/* stderr is libxl's qemu-dm-NAME.log until QEMU takes over. */
	fputs("dmsup-qemu-dm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static long ms_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000 +
	       (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

/* A regular file, no FIFO or device (it could hang us), size-capped. */
static int read_conf(const char *path, struct dropin_conf *c, char *err,
		     size_t len)
{
	char buf[DROPIN_CONF_MAX + 1];
	struct stat st;
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0 && errno == ENOENT)
		return dropin_conf_parse(c, "", err, len);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    st.st_size > DROPIN_CONF_MAX ||
	    (n = read(fd, buf, DROPIN_CONF_MAX)) < 0) {
		snprintf(err, len, "%s: %s", path,
			 fd >= 0 && !S_ISREG(st.st_mode) ? "not a regular file"
			 : fd >= 0 && n != -1		 ? "too large"
							 : strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	buf[n] = '\0';
	if (dropin_conf_parse(c, buf, err, len))
		return -1;
	return 0;
}

static int send_all(int fd, const char *p, size_t n,
		    const struct timespec *deadline)
{
	while (n) {
		struct pollfd pfd = {fd, POLLOUT, 0};
		long left = ms_left(deadline);
		ssize_t r;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return errno = ETIMEDOUT, -1;
		r = send(fd, p, n, MSG_NOSIGNAL);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r < 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static void take_fds(struct msghdr *mh, struct adoption *a, int *nfd)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm;
	     cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		int n = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		int *fds = (int *)CMSG_DATA(cm);
		for (int i = 0; i < n; i++) {
			if (*nfd < N_FDS)
				a->fd[(*nfd)++] = fds[i];
			else
				close(fds[i]); /* more than asked for */
		}
	}
}

/* The reply frame, with the fds that came with it. NULL on error. */
static char *recv_reply(int fd, struct adoption *a,
			const struct timespec *deadline, char *err, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * (N_FDS + 1))];
		struct cmsghdr align;
	} ctl;
	char *msg = malloc(REPLY_MAX + 4);
	size_t have = 0, want = 4;
	int nfd = 0;

	while (msg && have < want) {
		struct iovec iov = {msg + have, want - have};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = ctl.buf,
				    .msg_controllen = sizeof(ctl.buf)};
		struct pollfd pfd = {fd, POLLIN, 0};
		long left = ms_left(deadline);
		ssize_t r;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
			snprintf(err, len, "no answer within the timeout");
			goto fail;
		}
		r = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0) {
			snprintf(err, len, "%s",
				 r ? strerror(errno)
				   : "dmsup closed the connection");
			goto fail;
		}
		take_fds(&mh, a, &nfd);
		have += (size_t)r;
		if (have == 4 && want == 4) {
			uint32_t be;
			memcpy(&be, msg, 4);
			want = 4 + ntohl(be);
			if (want > REPLY_MAX + 4) {
				snprintf(err, len, "reply too long");
				goto fail;
			}
		}
	}
	if (!msg)
		snprintf(err, len, "out of memory");
	else
		msg[want] = '\0';
	return msg;
fail:
	free(msg);
	return NULL;
}

static struct json_object *request(const struct dropin_conf *c,
				   const struct dropin_guest *g, int argc,
				   char *const argv[])
{
	struct json_object *req = json_object_new_object();
	struct json_object *args = json_object_new_array();

	for (int i = 0; i < argc; i++)
		json_object_array_add(args, json_object_new_string(argv[i]));
	json_object_object_add(req, "cmd", json_object_new_string("adopt"));
	json_object_object_add(req, "domid", json_object_new_int(g->domid));
	json_object_object_add(req, "name", json_object_new_string(g->name));
	json_object_object_add(req, "qemu", json_object_new_string(c->qemu));
	json_object_object_add(req, "on_dm_crash",
			       json_object_new_string(c->crash_report
							  ? "report"
							  : "crash-domain"));
	json_object_object_add(req, "argv", args);
	return req;
}

/* The reply's "argv_add" (--restrict-adopted), bounded: 0, or -1. */
static int read_additions(struct json_object *o, struct adoption *a, char *err,
			  size_t len)
{
	struct json_object *add;

	if (!json_object_object_get_ex(o, "argv_add", &add))
		return 0;
	size_t n = json_object_is_type(add, json_type_array)
		       ? json_object_array_length(add)
		       : ADD_MAX + 1;
	for (size_t i = 0; i < n && i < ADD_MAX; i++) {
		const char *v =
		    json_object_get_string(json_object_array_get_idx(add, i));
		if (!v || strlen(v) > ADD_LEN_MAX || !(a->add[i] = strdup(v)))
			n = ADD_MAX + 1;
	}
	if (n > ADD_MAX) {
		snprintf(err, len,
			 "dmsup's argv_add is not a list of up to "
			 "%d short strings",
			 ADD_MAX);
		return -1;
	}
	return 0;
}

/* The reply's fields; -1 with the error dmsup gave, or ours. */
static int read_reply(const char *text, struct adoption *a, char *err,
		      size_t len)
{
	struct json_object *o = json_tokener_parse(text), *v, *env;
	int rc = -1;

	if (!o || !json_object_is_type(o, json_type_object)) {
		snprintf(err, len, "dmsup's reply is not a JSON object");
		goto out;
	}
	if (!json_object_object_get_ex(o, "ok", &v) ||
	    !json_object_get_boolean(v)) {
		snprintf(err, len, "%s",
			 json_object_object_get_ex(o, "error", &v)
			     ? json_object_get_string(v)
			     : "refused without a reason");
		goto out;
	}
	if (json_object_object_get_ex(o, "log", &v))
		snprintf(a->log, sizeof(a->log), "%s",
			 json_object_get_string(v));
	if (!json_object_object_get_ex(o, "env", &env) ||
	    !json_object_is_type(env, json_type_array)) {
		snprintf(err, len, "dmsup's reply has no environment");
		goto out;
	}
	if (read_additions(o, a, err, len))
		goto out;
	size_t n = json_object_array_length(env);
	a->env = calloc(n + 1, sizeof(*a->env));
	for (size_t i = 0; a->env && i < n; i++)
		a->env[i] = strdup(
		    json_object_get_string(json_object_array_get_idx(env, i)));
	rc = a->env ? 0 : -1;
	if (rc)
		snprintf(err, len, "out of memory");
out:
	json_object_put(o);
	return rc;
}

static int connect_dmsup(const char *path, char *err, size_t len)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	/* A unix connect never waits: it succeeds or fails at once. */
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		snprintf(err, len, "cannot connect to %s: %s", path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Asks dmsup to adopt the device model. 0 with @a filled, or -1. */
static int adopt(const struct dropin_conf *c, const struct dropin_guest *g,
		 int argc, char *const argv[], struct adoption *a, char *err,
		 size_t len)
{
	struct timespec deadline;
	struct json_object *req = request(c, g, argc, argv);
	const char *body = json_object_to_json_string_ext(req, 0);
	uint32_t be = htonl((uint32_t)strlen(body));
	char *reply = NULL;
	int fd, rc = -1;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += c->timeout_ms / 1000;
	deadline.tv_nsec += (c->timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	if ((fd = connect_dmsup(c->control, err, len)) < 0)
		goto out;
	if (send_all(fd, (char *)&be, 4, &deadline) ||
	    send_all(fd, body, strlen(body), &deadline)) {
		snprintf(err, len, "sending to dmsup: %s", strerror(errno));
		goto out;
	}
	if (!(reply = recv_reply(fd, a, &deadline, err, len)) ||
	    read_reply(reply + 4, a, err, len))
		goto out;
	rc = 0;
	for (int i = 0; i < N_FDS; i++)
		if (a->fd[i] < 0) {
			snprintf(err, len, "dmsup sent %d of %d fds", i, N_FDS);
			rc = -1;
			break;
		}
out:
	if (fd >= 0)
		close(fd);
	free(reply);
	json_object_put(req);
	return rc;
}

/* The fds QEMU keeps: the log on 1 and 2, the others where they are. */
static int hand_over(struct adoption *a)
{
	int log = a->fd[0];

	if (dup2(log, 1) < 0 || dup2(log, 2) < 0)
		return -1;
	close(log);
	for (int i = 1; i < N_FDS; i++)
		if (fcntl(a->fd[i], F_SETFD, 0))
			return -1;
	return 0;
}

/* @v (dropin_qemu_argv's, taken) with @add appended; NULL out of memory.
 * The process execs or exits next: nothing is freed. */
static char **with_additions(char **v, char *const add[])
{
	size_t n = 0, k = 0;

	if (!v || !add[0])
		return v;
	while (v[n])
		n++;
	while (add[k])
		k++;
	char **w = calloc(n + k + 1, sizeof(*w));
	if (!w)
		return NULL;
	memcpy(w, v, n * sizeof(*w));
	memcpy(w + n, add, k * sizeof(*w));
	return w;
}

int main(int argc, char *argv[])
{
	const char *conf_path = getenv("DMSUP_QEMU_DM_CONF");
	struct adoption a = {.fd = {-1, -1, -1}};
	struct dropin_conf c;
	struct dropin_guest g;
	char err[512];
	char **qargv;

	/* Before the config: the version needs no dmsup and no QEMU. */
	if (argc > 1 && !strcmp(argv[1], "--version"))
		return printf("dmsup-qemu-dm %s\n", DMSUP_VERSION) < 0;
	if (read_conf(conf_path ? conf_path : DROPIN_CONF, &c, err,
		      sizeof(err))) {
		say("error: %s", err);
		return 1;
	}
	dropin_scan_argv(argc, argv, &g);
	if (g.domid < 0 || !g.name) {
		/* Not a guest's device model: nothing to supervise. */
		argv[0] = c.qemu;
		execv(c.qemu, argv);
		say("error: cannot execute %s: %s", c.qemu, strerror(errno));
		return 1;
	}
	if (adopt(&c, &g, argc, argv, &a, err, sizeof(err))) {
		for (int i = 0; i < N_FDS; i++)
			if (a.fd[i] >= 0)
				close(a.fd[i]);
		if (c.fail_closed) {
			say("error: dmsup did not adopt domain %d (%s): %s; "
			    "failing the start (on_no_dmsup = fail-closed)",
			    g.domid, g.name, err);
			return 1;
		}
		say("warning: dmsup did not adopt domain %d (%s): %s; "
		    "running %s unsupervised",
		    g.domid, g.name, err, c.qemu);
		argv[0] = c.qemu;
		execv(c.qemu, argv);
		say("error: cannot execute %s: %s", c.qemu, strerror(errno));
		return 1;
	}
	say("domain %d (%s): supervised by dmsup; QEMU's output is in %s "
	    "(capped; dmctl log %s)",
	    g.domid, g.name, a.log, g.name);
	qargv = with_additions(dropin_qemu_argv(c.qemu, argc, argv, a.fd[2]),
			       a.add);
	if (a.add[0])
		say("domain %d (%s): dmsup adds to QEMU's arguments "
		    "(--restrict-adopted): %s %s%s%s",
		    g.domid, g.name, a.add[0], a.add[1] ? a.add[1] : "",
		    a.add[2] ? " " : "", a.add[2] ? a.add[2] : "");
	if (!qargv || hand_over(&a)) {
		say("error: domain %d (%s): %s", g.domid, g.name,
		    qargv ? strerror(errno) : "out of memory");
		return 1;
	}
	execve(c.qemu, qargv, a.env);
	/* stderr is dmsup's log now: dmsup sees this and the death. */
	say("error: cannot execute %s: %s", c.qemu, strerror(errno));
	return 1;
}
