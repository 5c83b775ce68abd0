/*
 * dmctl: the command line of dmsup. The table of commands it shares with
 * dmsup (dmsup/ctl/cmdtab.c) drives parsing, usage, help and the list of
 * commands; the hooks here say what a command does with its request and
 * how it prints the reply: a table, or JSON with --json.
 * Exit codes (dmctl(8)): 0 done, 1 dmsup refused or the operation failed,
 * 2 usage, 3 dmsup unreachable, gone or silent past --timeout, 4 a reply
 * dmctl cannot read.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <json-c/json.h>

#include "dmsup/config.h"
#include "dmsup/ctl/cmdtab.h"
#include "dmsup/kind/dmplan.h"
#include "dmsup/safefile.h"
#include "dmsup/savefile.h"
#include "libdmsup/frame.h"
#include "libdmsup/libdmsup.h"
#include "dmctl/stream.h"
#include "dmctl/xlcfg.h"
#include "version.h"

enum { EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_PROTOCOL };

#define DMCTL_LOG_LINES 20   /* as dmsup's default */
#define DMCTL_WIDTH 72	     /* help text wraps here */
#define DMCTL_LABEL_WIDTH 22 /* and its arguments' help starts after */
#define DMCTL_TIMEOUT 300    /* s: the default of --timeout */

struct opts {
	const char *socket;
	bool json;
};

/* One command line, parsed from the table's entry. */
struct dmctl_inv {
	struct opts o;
	const struct cmdtab *e;
	struct json_object *req;   /* what goes to dmsup */
	struct json_object *local; /* the CMDTAB_LOCAL arguments */
	bool instead;		   /* a CMDTAB_INSTEAD option was given */
};

static int ctl_fd = -1;
static struct evbuffer *ctl_in;
/* --timeout in s (0: none): bounds the connect, each write and the wait
 * for each reply; the stream after a watch's first reply is unbounded. */
static int ctl_timeout = DMCTL_TIMEOUT;

static void dmctl_set_timeouts(int fd)
{
	struct timeval tv = {ctl_timeout, 0};

	/* SO_SNDTIMEO also bounds connect() to a backlog that is full. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Waits until @fd can be read; EXIT_UNREACHABLE once --timeout passed. */
static int dmctl_wait_readable(int fd, const struct timespec *deadline)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	struct timespec now;
	int r;

	do {
		long long ms = -1;
		if (ctl_timeout) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			ms = (deadline->tv_sec - now.tv_sec) * 1000LL +
			     (deadline->tv_nsec - now.tv_nsec) / 1000000;
			ms = ms < 0 ? 0 : ms;
		}
		r = poll(&p, 1, (int)ms);
	} while (r < 0 && errno == EINTR);
	if (r == 0) {
		fprintf(stderr, "dmctl: no reply from dmsup within %d s\n",
			ctl_timeout);
		return EXIT_UNREACHABLE;
	}
	return EXIT_OK;
}

static int dmctl_connect(const struct opts *o)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	if (strlen(o->socket) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "dmctl: socket path too long: %s\n", o->socket);
		return EXIT_USAGE;
	}
	strcpy(sun.sun_path, o->socket);
	ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ctl_fd >= 0)
		dmctl_set_timeouts(ctl_fd);
	if (ctl_fd < 0 ||
	    connect(ctl_fd, (struct sockaddr *)&sun, sizeof(sun))) {
		fprintf(stderr, "dmctl: cannot reach dmsup at %s: %s\n",
			o->socket, strerror(errno));
		return EXIT_UNREACHABLE;
	}
	ctl_in = evbuffer_new();
	return ctl_in ? EXIT_OK : EXIT_UNREACHABLE;
}

static int dmctl_send(struct json_object *req)
{
	struct evbuffer *out = evbuffer_new();
	int rc = EXIT_OK;

	if (!out || frame_put(out, req)) {
		fprintf(stderr, "dmctl: request too large\n");
		rc = EXIT_USAGE;
	}
	while (!rc && evbuffer_get_length(out))
		if (evbuffer_write(out, ctl_fd) < 0 && errno != EINTR) {
			/* dmsup may have said why before it closed (busy):
			 * the caller reads that reply, if any. */
			if (errno == EPIPE || errno == ECONNRESET)
				rc = -1;
			else {
				fprintf(stderr, "dmctl: lost dmsup: %s\n",
					strerror(errno));
				rc = EXIT_UNREACHABLE;
			}
		}
	if (out)
		evbuffer_free(out);
	json_object_put(req);
	return rc;
}

/* One frame from dmsup; waits until it is whole or --timeout passed. */
static int dmctl_recv(struct json_object **reply_r)
{
	struct timespec deadline;
	const char *err;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += ctl_timeout;
	while (!(r = frame_take(ctl_in, reply_r, &err))) {
		if ((r = dmctl_wait_readable(ctl_fd, &deadline)))
			return r;
		int n = evbuffer_read(ctl_in, ctl_fd, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr,
				"dmctl: dmsup closed the connection%s%s\n",
				n ? ": " : "", n ? strerror(errno) : "");
			return EXIT_UNREACHABLE;
		}
	}
	if (r < 0) {
		fprintf(stderr, "dmctl: unreadable reply from dmsup: %s\n",
			err);
		return EXIT_PROTOCOL;
	}
	return EXIT_OK;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v)
						     : NULL;
}

static long long jint(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v)
						     : -1;
}

static bool jbool(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) &&
	       json_object_get_boolean(v);
}

/* Sends @req on a connection that stays open for what follows (watch,
 * log -f), reads the reply; prints dmsup's error and returns 1 on one. */
static int dmctl_call_stream(const struct opts *o, struct json_object *req,
			     struct json_object **reply_r)
{
	struct json_object *reply = NULL, *ok;
	int rc;

	*reply_r = NULL;
	if ((rc = dmctl_connect(o))) {
		json_object_put(req);
		return rc;
	}
	/* dmctl_send takes over req; -1: closed, yet a reply may wait. */
	rc = dmctl_send(req);
	if ((rc > 0) || (rc = dmctl_recv(&reply)))
		return rc;
	if (!json_object_object_get_ex(reply, "ok", &ok)) {
		fprintf(stderr, "dmctl: unreadable reply from dmsup\n");
		json_object_put(reply);
		return EXIT_PROTOCOL;
	}
	if (!json_object_get_boolean(ok)) {
		if (o->json)
			printf("%s\n", json_object_to_json_string_ext(
					   reply, JSON_C_TO_STRING_PLAIN));
		fprintf(stderr, "dmctl: %s\n", jstr(reply, "error"));
		json_object_put(reply);
		return EXIT_FAILED;
	}
	*reply_r = reply;
	return EXIT_OK;
}

/* What a reply that is not one does: its error printed, EXIT_PROTOCOL. */
static int dmctl_unreadable(const char *why)
{
	fprintf(stderr, "dmctl: unreadable reply from dmsup%s%s\n",
		why ? ": " : "", why ? why : "");
	return EXIT_PROTOCOL;
}

/*
 * One request, one reply: libdmsup's blocking call (dmsup_call), bounded
 * by --timeout. Prints dmsup's error and returns 1 on one; 3 when dmsup
 * was not reached, closed or stayed silent; 4 for a reply that is none.
 */
/* fds a call sends (@send) and takes from the reply (@recv). */
struct dmctl_fds {
	const int *send;
	int nsend;
	int *recv;
	int maxr, nrecv;
};

static int dmctl_call_fds(const struct opts *o, struct json_object *req,
			  struct json_object **reply_r, struct dmctl_fds *f);

static int dmctl_call(const struct opts *o, struct json_object *req,
		      struct json_object **reply_r)
{
	return dmctl_call_fds(o, req, reply_r, NULL);
}

static int dmctl_call_fds(const struct opts *o, struct json_object *req,
			  struct json_object **reply_r, struct dmctl_fds *f)
{
	static const char bad_frame[] = "dmsup's reply: ";
	/* dmsup refused the connection itself (busy, idle): an answer. */
	static const char refused[] = "dmsup: ";
	struct json_object *reply = NULL;
	char *err = NULL;
	int r, rc = EXIT_OK;

	*reply_r = NULL;
	if (f)
		r = dmsup_call_fds(o->socket, req, f->send, f->nsend,
				   ctl_timeout ? ctl_timeout * 1000 : -1,
				   &reply, f->recv, f->maxr, &f->nrecv, &err);
	else
		r = dmsup_call(o->socket, req,
			       ctl_timeout ? ctl_timeout * 1000 : -1, &reply,
			       &err);
	/* The library's own request id is no part of what dmctl prints. */
	if (reply)
		json_object_object_del(reply, "req_id");
	if (r < 0 && err && !strncmp(err, bad_frame, strlen(bad_frame))) {
		rc = dmctl_unreadable(err + strlen(bad_frame));
	} else if (r < 0 && err && !strncmp(err, refused, strlen(refused))) {
		fprintf(stderr, "dmctl: %s\n", err + strlen(refused));
		rc = EXIT_FAILED;
	} else if (r < 0) {
		fprintf(stderr, "dmctl: %s\n",
			err ? err : "no reply from dmsup");
		rc = EXIT_UNREACHABLE;
	} else if (!json_object_object_get_ex(reply, "ok", NULL)) {
		rc = dmctl_unreadable(NULL);
	} else if (r == 1) {
		if (o->json)
			printf("%s\n", json_object_to_json_string_ext(
					   reply, JSON_C_TO_STRING_PLAIN));
		fprintf(stderr, "dmctl: %s\n", err);
		rc = EXIT_FAILED;
	} else {
		*reply_r = reply;
		reply = NULL;
	}
	json_object_put(reply);
	free(err);
	return rc;
}

static void print_json(struct json_object *o)
{
	printf("%s\n",
	       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
}

static void print_domain_row(struct json_object *d)
{
	const char *why = jstr(d, "exit") ? jstr(d, "exit") : jstr(d, "error");
	long long pid = jint(d, "pid");
	char pidbuf[24] = "-";

	if (pid > 0)
		snprintf(pidbuf, sizeof(pidbuf), "%lld", pid);
	/* Paused by save: still "running" in JSON, with "paused": true. */
	printf("%-20s %6lld  %-9s %8s %6lld  %s\n", jstr(d, "name"),
	       jint(d, "domid"),
	       jbool(d, "paused") ? "paused" : jstr(d, "state"), pidbuf,
	       jint(d, "spawns"), why ? why : "");
}

static void print_table_header(void)
{
	printf("%-20s %6s  %-9s %8s %6s  %s\n", "NAME", "DOMID", "STATE", "PID",
	       "SPAWNS", "LAST EXIT");
}

/* Every member of the domain object, so that the text shows what --json
 * does: these first, in this order, then any other as it comes; started
 * is shown as the uptime, log_tail as a block. */
static void print_domain(struct json_object *d)
{
	static const char *const keys[] = {
	    "name",  "domid",  "kind", "origin", "stub_domid",
	    "state", "paused", "pid",  "spawns", "exit",
	    "error", "step",   "qmp",  "log",	 "cgroup"};
	size_t n = sizeof(keys) / sizeof(*keys);

	for (size_t i = 0; i < n; i++) {
		struct json_object *v;
		/* A null (the cgroup of a run without one) is "none". */
		if (json_object_object_get_ex(d, keys[i], &v))
			printf("%-8s %s\n", keys[i],
			       v ? json_object_get_string(v) : "none");
		if (!strcmp(keys[i], "pid") && jint(d, "started") > 0)
			printf("%-8s %llds\n", "uptime",
			       (long long)time(NULL) - jint(d, "started"));
	}
	json_object_object_foreach(d, key, val)
	{
		size_t i = 0;
		while (i < n && strcmp(keys[i], key))
			i++;
		if (i == n && strcmp(key, "started") && strcmp(key, "log_tail"))
			printf("%-8s %s\n", key, json_object_get_string(val));
	}
	const char *tail = jstr(d, "log_tail");
	if (tail && *tail)
		printf("log tail:\n%s%s", tail,
		       tail[strlen(tail) - 1] == '\n' ? "" : "\n");
}

static void print_event(const struct opts *o, struct json_object *d)
{
	if (o->json) {
		printf("%s\n", json_object_to_json_string_ext(
				   d, JSON_C_TO_STRING_PLAIN));
	} else {
		time_t now = time(NULL);
		struct tm tm;
		char ts[16];
		const char *why =
		    jstr(d, "exit") ? jstr(d, "exit") : jstr(d, "error");
		localtime_r(&now, &tm);
		strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
		printf("%s %s (domid %lld): %s%s%s%s%s\n", ts, jstr(d, "name"),
		       jint(d, "domid"), jstr(d, "state"),
		       jstr(d, "guest") ? ", guest " : "",
		       jstr(d, "guest") ? jstr(d, "guest") : "",
		       why ? ": " : "", why ? why : "");
	}
	fflush(stdout);
}

static int dmctl_watch(const struct opts *o)
{
	struct json_object *ev, *d;
	int rc;

	/* The first reply came in time; events come when they come. */
	ctl_timeout = 0;
	while (!(rc = dmctl_recv(&ev))) {
		if (json_object_object_get_ex(ev, "domain", &d))
			print_event(o, d);
		else /* memory-request and the like: as they come */
			printf("%s\n", json_object_to_json_string_ext(
					   ev, JSON_C_TO_STRING_PLAIN));
		fflush(stdout);
		json_object_put(ev);
	}
	return rc;
}

/* Whether the log's last byte copied ended a line: a state change is
 * printed between lines, never inside one (log -f). */
static bool dmctl_midline;

/* Prints the last @lines lines of what @fd holds; leaves it at its end. */
static void dmctl_print_tail(int fd, int lines)
{
	static char buf[512 * 1024];
	off_t end = lseek(fd, 0, SEEK_END);
	off_t start = end > (off_t)sizeof(buf) ? end - (off_t)sizeof(buf) : 0;
	ssize_t n = end > 0 ? pread(fd, buf, (size_t)(end - start), start) : 0;
	ssize_t from = 0;

	if (n <= 0 || lines <= 0)
		return;
	int seen = 0;
	for (ssize_t i = n - 1; i > 0; i--) {
		if (buf[i - 1] == '\n' && ++seen == lines) {
			from = i;
			break;
		}
	}
	fwrite(buf + from, 1, (size_t)(n - from), stdout);
	dmctl_midline = buf[n - 1] != '\n';
	lseek(fd, start + n, SEEK_SET);
}

static void dmctl_copy(int fd)
{
	char buf[65536];
	ssize_t r;

	while (fd >= 0 && (r = read(fd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, (size_t)r, stdout);
		dmctl_midline = buf[r - 1] != '\n';
	}
	fflush(stdout);
}

#define DMCTL_LOG_FILES_MAX 64
/* How long a state change waits for an unfinished log line to end. */
#define DMCTL_MIDLINE_WAIT_MS 200

static bool dmctl_same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev;
}

/*
 * The files rotated since @had (the file read to its end) and before
 * @now (the one just opened at PATH), copied whole, oldest first. The
 * log helper may be rotating again meanwhile, renaming PATH.k-1 to
 * PATH.k from the top down: a name may be missing for a moment and a
 * file seen under two names, so files are told by inode, each opened
 * once and read through that fd, and a gap never ends the scan.
 */
static void dmctl_copy_rotated(const char *path, const struct stat *had,
			       const struct stat *now)
{
	int fds[DMCTL_LOG_FILES_MAX], n = 0;
	struct stat seen[DMCTL_LOG_FILES_MAX];
	char name[PATH_MAX + 8];

	for (int k = 1; k <= DMCTL_LOG_FILES_MAX; k++) {
		snprintf(name, sizeof(name), "%s.%d", path, k);
		int fd = open(name, O_RDONLY | O_CLOEXEC);
		struct stat st;
		bool dup =
		    fd < 0 || fstat(fd, &st) || dmctl_same_file(&st, now);

		for (int i = 0; i < n && !dup; i++)
			dup = dmctl_same_file(&st, &seen[i]);
		if (!dup && dmctl_same_file(&st, had)) {
			close(fd);
			break; /* older ones were read before */
		}
		if (dup) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		seen[n] = st;
		fds[n++] = fd;
	}
	/* Newest first in fds[]: @had gone means all of them are newer. */
	while (n-- > 0) {
		dmctl_copy(fds[n]);
		close(fds[n]);
	}
}

/*
 * PATH has a new file (the old one was read to its end): it is opened
 * first, so that it cannot be rotated away unseen, then what was rotated
 * in between is copied, then the new file. A file is known by its inode:
 * the same one again is not reopened.
 */
static void dmctl_follow_rotated(const char *path, int *fd)
{
	struct stat now, had;
	int nfd = open(path, O_RDONLY | O_CLOEXEC);

	if (nfd < 0 || fstat(nfd, &now) ||
	    (*fd >= 0 && !fstat(*fd, &had) && dmctl_same_file(&had, &now))) {
		if (nfd >= 0)
			close(nfd);
		return;
	}
	if (*fd >= 0) {
		if (!fstat(*fd, &had))
			dmctl_copy_rotated(path, &had, &now);
		close(*fd);
	}
	*fd = nfd;
	dmctl_copy(*fd);
}

/* Copies what inotify says was written to (or rotated into) @path. */
static int dmctl_follow_file(int in, const char *path, const char *base,
			     int *fd)
{
	char evbuf[4096] __attribute__((aligned(8)));
	ssize_t n = read(in, evbuf, sizeof(evbuf));

	if (n <= 0)
		return -1;
	for (char *p = evbuf; p < evbuf + n;) {
		struct inotify_event *e = (struct inotify_event *)p;
		p += sizeof(*e) + e->len;
		if (!e->len || strcmp(e->name, base))
			continue;
		dmctl_copy(*fd);
		if (e->mask & (IN_CREATE | IN_MOVED_TO))
			dmctl_follow_rotated(path, fd);
	}
	return 0;
}

/* Whether ctl_in holds a whole frame (frame.h: a 4-byte length first). */
static bool dmctl_frame_waiting(void)
{
	unsigned char len[4];

	if (evbuffer_copyout(ctl_in, len, 4) != 4)
		return false;
	size_t n = (size_t)len[0] << 24 | (size_t)len[1] << 16 |
		   (size_t)len[2] << 8 | len[3];
	return evbuffer_get_length(ctl_in) >= n + 4;
}

/*
 * State changes already received, as lines in the stream, once the log
 * is at a line's end; they wait in ctl_in while it is not, unless
 * @force (the line stayed unfinished: it is ended here).
 */
static int dmctl_print_events(const struct opts *o, int fd, bool force)
{
	struct json_object *ev, *d;
	const char *err;
	int r;

	dmctl_copy(fd);
	if (dmctl_midline && dmctl_frame_waiting()) {
		if (!force)
			return 0;
		putchar('\n');
		dmctl_midline = false;
	}
	while ((r = frame_take(ctl_in, &ev, &err)) == 1) {
		if (json_object_object_get_ex(ev, "event", NULL) &&
		    json_object_object_get_ex(ev, "domain", &d)) {
			if (!o->json)
				fputs("--- ", stdout);
			print_event(o, d);
		}
		json_object_put(ev);
	}
	return r < 0 ? -1 : 0;
}

static int dmctl_follow_state(const struct opts *o, int fd)
{
	if (evbuffer_read(ctl_in, ctl_fd, 65536) <= 0)
		return -1;
	return dmctl_print_events(o, fd, false);
}

/*
 * Follows the log as the helper writes and rotates it, with the domain's
 * state changes in between. The watch is set and the file opened before
 * the tail is read, so that no line falls between the tail and the rest.
 */
static int dmctl_follow(const struct opts *o, const char *path, int lines)
{
	char dir[PATH_MAX];
	const char *base = strrchr(path, '/');
	int in = inotify_init1(IN_CLOEXEC);

	if (!base || in < 0)
		return EXIT_FAILED;
	snprintf(dir, sizeof(dir), "%.*s", (int)(base - path), path);
	base++;
	if (inotify_add_watch(in, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO) <
	    0) {
		fprintf(stderr, "dmctl: cannot follow %s: %s\n", path,
			strerror(errno));
		return EXIT_FAILED;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		dmctl_print_tail(fd, lines);
	fflush(stdout);
	if (dmctl_print_events(o, fd, false))
		return EXIT_PROTOCOL;
	for (;;) {
		struct pollfd p[2] = {{.fd = in, .events = POLLIN},
				      {.fd = ctl_fd, .events = POLLIN}};
		/* A state change waiting for the line to end waits this long.
		 */
		bool waiting = dmctl_frame_waiting();
		int r = poll(p, 2, waiting ? DMCTL_MIDLINE_WAIT_MS : -1);
		if (r < 0 && errno != EINTR)
			return EXIT_FAILED;
		if ((p[0].revents && dmctl_follow_file(in, path, base, &fd)) ||
		    (p[1].revents && dmctl_follow_state(o, fd)) ||
		    (waiting && dmctl_print_events(o, fd, r == 0))) {
			fprintf(stderr, "dmctl: lost dmsup or the log\n");
			return EXIT_UNREACHABLE;
		}
	}
}

/* A configuration file: a regular file of at most SAFEFILE_MAX bytes (a
 * FIFO or /dev/zero would hang us or fill memory). Prints why not. */
static struct json_object *dmctl_read_json(const char *path)
{
	enum json_tokener_error jerr = json_tokener_success;
	char *err = NULL;
	char *text = safefile_read(AT_FDCWD, path, 0, SAFEFILE_MAX, &err);
	struct json_object *json;

	if (!text) {
		fprintf(stderr, "dmctl: %s\n", err ? err : "out of memory");
		free(err);
		return NULL;
	}
	json = json_tokener_parse_verbose(text, &jerr);
	free(text);
	if (!json)
		fprintf(stderr, "dmctl: %s: not JSON: %s\n", path,
			json_tokener_error_desc(jerr));
	return json;
}

/* --xl FILE: the device model of an xl.cfg (dmctl/xlcfg.c); with @any_domid
 * a domid is made up when none was given (a plan does not depend on it). */
static struct json_object *dmctl_read_xl(const struct dmctl_inv *inv,
					 bool any_domid)
{
	/* start sends its domid (it binds); import-xl keeps it. */
	long long domid = json_object_object_get_ex(inv->req, "domid", NULL)
			      ? jint(inv->req, "domid")
			      : jint(inv->local, "domid");

	return xlcfg_read(jstr(inv->local, "xl"),
			  domid > 0 ? (int)domid : any_domid, stderr);
}

/* plan --restore FILE: the save file checked against @cfg as start
 * --restore checks it (dmsup/savefile.c), so that a plan is never shown
 * for a restore dmsup would refuse. False with the reason printed. */
static bool dmctl_plan_restorable(const struct dm_config *cfg, const char *file)
{
	char err[SAVEFILE_ERR_MAX];
	struct savefile_info info;
	int fd = -1;

	if (savefile_restorable(cfg, err, sizeof(err)) ||
	    (fd = savefile_open(file, cfg, &info, err, sizeof(err))) < 0) {
		fprintf(stderr, "dmctl: plan: %s\n", err);
		return false;
	}
	close(fd);
	return true;
}

static void dmctl_plan_print(const struct opts *o, const struct plan *plan,
			     const char *restore)
{
	struct json_object *json;
	char *text;

	if (o->json) {
		json = plan_json(plan);
		if (restore)
			json_object_object_add(json, "restore",
					       json_object_new_string(restore));
		print_json(json);
		json_object_put(json);
		return;
	}
	if (restore)
		printf("restore from %s: QEMU loads the saved state and "
		       "populates no videoram or ROMs\n",
		       restore);
	if ((text = plan_text(plan))) {
		fputs(text, stdout);
		free(text);
	}
}

/* Local: the memory plan of a configuration file (no daemon needed). */
static int run_plan(struct dmctl_inv *inv)
{
	const char *xl = jstr(inv->local, "xl");
	const char *path = xl ? xl : jstr(inv->local, "file");
	const char *restore = jstr(inv->local, "restore");
	struct json_object *json =
	    xl ? dmctl_read_xl(inv, true) : dmctl_read_json(path);
	struct plan_error perr = {{0}};
	struct dm_config cfg;
	struct plan *plan = NULL;
	char *err = NULL;
	int rc = EXIT_FAILED;

	if (!json)
		return EXIT_FAILED;
	if (config_from_json(&cfg, json, &err)) {
		fprintf(stderr, "dmctl: %s: invalid configuration: %s\n", path,
			err ? err : "out of memory");
		free(err);
		json_object_put(json);
		return EXIT_FAILED;
	}
	json_object_put(json);
	if (restore && !dmctl_plan_restorable(&cfg, restore))
		goto out;
	plan = malloc(sizeof(*plan));
	if (!plan || dmplan_compute(&cfg, restore != NULL, plan, &perr)) {
		fprintf(stderr, "dmctl: %s: cannot plan: %s\n", path,
			plan ? perr.message : "out of memory");
		goto out;
	}
	dmctl_plan_print(&inv->o, plan, restore);
	rc = plan_refused(plan) ? EXIT_FAILED : EXIT_OK;
out:
	free(plan);
	config_dispose(&cfg);
	return rc;
}

/* ---- what each command does with its request and reply ---- */

static void dmctl_set_cmd(struct dmctl_inv *inv, const char *cmd)
{
	json_object_object_add(inv->req, "cmd", json_object_new_string(cmd));
}

/* start and stop: of the reply's domain. */
static void print_started(const struct dmctl_inv *inv, struct json_object *d)
{
	printf("%s (domid %lld): running, pid %lld\n", jstr(d, "name"),
	       jint(d, "domid"), jint(d, "pid"));
}

static void print_stopped(const struct dmctl_inv *inv, struct json_object *d)
{
	printf("%s (domid %lld): %s\n", jstr(d, "name"), jint(d, "domid"),
	       jstr(d, "state"));
}

/* qmp: QEMU's return value, on one line with --json. */
static void print_return(const struct dmctl_inv *inv, struct json_object *ret)
{
	printf("%s\n", json_object_to_json_string_ext(
			   ret, inv->o.json ? JSON_C_TO_STRING_PLAIN
					    : JSON_C_TO_STRING_PRETTY));
}

static void print_set(const struct dmctl_inv *inv, struct json_object *r)
{
	struct json_object *list;

	json_object_object_get_ex(inv->req, "set", &list);
	for (size_t i = 0; i < json_object_array_length(list); i++)
		printf(
		    "%s: %s (applies %s)\n", jstr(inv->req, "domain"),
		    json_object_get_string(json_object_array_get_idx(list, i)),
		    jstr(r, "applies"));
}

static void print_undefined(const struct dmctl_inv *inv, struct json_object *r)
{
	printf("%s: undefined\n", jstr(inv->req, "domain"));
}

static void print_nic_added(const struct dmctl_inv *inv, struct json_object *r)
{
	printf("%s: NIC %s (%s) added, %lld pages\n", jstr(inv->req, "domain"),
	       jstr(r, "id"), jstr(r, "device"), jint(r, "pages"));
}

static void print_nic_removal(const struct dmctl_inv *inv,
			      struct json_object *r)
{
	printf("%s: NIC %s: removal asked of the guest\n",
	       jstr(inv->req, "domain"), jstr(inv->req, "id"));
}

/* pci-attach, pci-detach, save, resume: one reply shape. */
static void print_op(const struct dmctl_inv *inv, struct json_object *r)
{
	const char *dom = jstr(inv->req, "domain");
	const char *bdf = jstr(inv->req, "bdf");

	if (jstr(r, "vdevfn"))
		printf("%s: %s attached at vdevfn %s\n", dom, bdf,
		       jstr(r, "vdevfn"));
	else if (jstr(r, "file"))
		printf("%s: device model paused, its state saved to %s\n", dom,
		       jstr(r, "file"));
	else
		printf("%s: %s%s%s done\n", dom, inv->e->name, bdf ? " " : "",
		       bdf ? bdf : "");
}

static void print_cd(const struct dmctl_inv *inv, struct json_object *r)
{
	const char *file = jstr(r, "file"), *when = jstr(r, "applies");

	printf("%s: CD-ROM %s %s%s%s%s\n", jstr(inv->req, "domain"),
	       jstr(r, "vdev"), file ? "holds " : "is empty", file ? file : "",
	       when ? " " : "", when ? when : "");
}

/* status and list; status --watch then follows. */
static int run_status(struct dmctl_inv *inv)
{
	const struct opts *o = &inv->o;
	bool watch = jbool(inv->local, "watch");
	struct json_object *reply, *d, *list;
	int rc;

	dmctl_set_cmd(inv, watch ? "watch" : "status");
	if ((rc = (watch ? dmctl_call_stream
			 : dmctl_call)(o, json_object_get(inv->req), &reply)))
		return rc;
	if (json_object_object_get_ex(reply, "domain", &d)) {
		if (o->json)
			print_json(d);
		else if (watch)
			print_event(o, d);
		else
			print_domain(d);
	} else if (json_object_object_get_ex(reply, "domains", &list)) {
		if (o->json && !watch)
			print_json(list);
		if (!o->json)
			print_table_header();
		for (size_t i = 0;
		     !o->json && i < json_object_array_length(list); i++)
			print_domain_row(json_object_array_get_idx(list, i));
	}
	json_object_put(reply);
	fflush(stdout);
	return watch ? dmctl_watch(o) : EXIT_OK;
}

/* log; log -f then follows the file and the domain's state changes. */
static int run_log(struct dmctl_inv *inv)
{
	const struct opts *o = &inv->o;
	bool follow = jbool(inv->local, "follow");
	const char *dom = jstr(inv->req, "domain");
	struct json_object *reply;
	int lines = DMCTL_LOG_LINES, rc;

	if (json_object_object_get_ex(inv->req, "lines", NULL))
		lines = (int)jint(inv->req, "lines");
	/* With -f the tail comes from the file itself (see dmctl_follow). */
	json_object_object_add(inv->req, "lines",
			       json_object_new_int(follow ? 0 : lines));
	if ((rc = (follow ? dmctl_call_stream
			  : dmctl_call)(o, json_object_get(inv->req), &reply)))
		return rc;
	if (o->json && !follow)
		print_json(reply);
	else if (!follow)
		fputs(jstr(reply, "text"), stdout);
	fflush(stdout);
	char *path = strdup(jstr(reply, "path"));
	json_object_put(reply);
	if (follow && path) {
		/* The same connection then carries the domain's events; the
		 * watch's first reply is its current state. */
		struct json_object *req = json_object_new_object();
		json_object_object_add(req, "cmd",
				       json_object_new_string("watch"));
		json_object_object_add(req, "domain",
				       json_object_new_string(dom));
		rc = dmctl_send(req);
		if (rc <= 0 && !(rc = dmctl_recv(&reply)))
			json_object_put(reply);
		if (!rc)
			rc = dmctl_follow(o, path, lines);
	}
	free(path);
	return rc;
}

/* import-xl: defines the domain of an xl.cfg file, or prints it. */
static int run_import_xl(struct dmctl_inv *inv)
{
	struct json_object *cfg = dmctl_read_xl(inv, false), *reply, *d;
	int rc;

	if (!cfg)
		return EXIT_FAILED;
	if (jbool(inv->local, "print")) {
		print_json(cfg);
		json_object_put(cfg);
		return EXIT_OK;
	}
	dmctl_set_cmd(inv, "define");
	json_object_object_add(inv->req, "config", cfg);
	if ((rc = dmctl_call(&inv->o, json_object_get(inv->req), &reply)))
		return rc;
	if (!json_object_object_get_ex(reply, "domain", &d))
		d = reply;
	if (inv->o.json)
		print_json(d);
	else
		printf("%s (domid %lld): defined\n", jstr(d, "name"),
		       jint(d, "domid"));
	json_object_put(reply);
	return EXIT_OK;
}

/* start --xl FILE [--domid N]: the xl.cfg's device model is the config. */
static int prepare_start(struct dmctl_inv *inv)
{
	struct json_object *cfg;

	if (!jstr(inv->local, "xl"))
		return EXIT_OK;
	if (json_object_object_get_ex(inv->req, "config", NULL) ||
	    json_object_object_get_ex(inv->req, "domain", NULL)) {
		fprintf(stderr, "dmctl: start: --xl XL-FILE [--domid DOMID] "
				"takes the place of CONFIG-FILE|DOMAIN\n");
		return EXIT_USAGE;
	}
	if (!(cfg = dmctl_read_xl(inv, false)))
		return EXIT_FAILED;
	json_object_object_add(inv->req, "config", cfg);
	return EXIT_OK;
}

/* ---- usage and help, from the table ---- */

/* dmctl's own options, before or after the command. */
static const struct option dmctl_options[] = {
    {"json", no_argument, NULL, 'j'},
    {"socket", required_argument, NULL, 's'},
    {"timeout", required_argument, NULL, 't'},
    {"help", no_argument, NULL, 'h'},
};
#define DMCTL_NOPTIONS (sizeof(dmctl_options) / sizeof(*dmctl_options))
#define DMCTL_OPTSTRING "s:t:jh"

static void dmctl_list(FILE *f)
{
	char use[256];

	fprintf(f, "usage: dmctl [-s SOCKET] [-t SECONDS] [--json] COMMAND "
		   "[ARGS]\n\n");
	for (size_t i = 0; i < CMDTAB_N; i++) {
		const struct cmdtab *e = &cmdtab[i];
		if (!(e->where & CMDTAB_CLI))
			continue;
		cmdtab_usage(e, use, sizeof(use));
		fprintf(f, "  %-10s %-28s %s\n", e->name,
			use + strlen(e->name) + (use[strlen(e->name)] == ' '),
			e->summary);
	}
	fprintf(f,
		"\n-s, --socket SOCKET  the control socket "
		"(default /run/dmsup/control, or $DMSUP_CONTROL)\n"
		"-t, --timeout SECONDS  how long to wait for dmsup "
		"(default %d, 0: no limit)\n"
		"--json               print JSON instead of tables\n"
		"'dmctl help COMMAND' or 'dmctl COMMAND --help' "
		"explains a command.\n",
		DMCTL_TIMEOUT);
}

/* Prints @e's usage line; returns EXIT_USAGE for a usage error. */
static int dmctl_usage(FILE *f, const struct cmdtab *e)
{
	char use[256];

	fprintf(f, "usage: dmctl %s\n", cmdtab_usage(e, use, sizeof(use)));
	return EXIT_USAGE;
}

/* @text in lines of at most @width columns, at its spaces. */
static void dmctl_wrap(FILE *f, const char *text, int width)
{
	int col = 0;

	for (text += strspn(text, " "); *text; text += strspn(text, " ")) {
		int n = (int)strcspn(text, " ");
		if (col && col + 1 + n > width) {
			fputc('\n', f);
			col = 0;
		} else if (col) {
			fputc(' ', f);
			col++;
		}
		fwrite(text, 1, (size_t)n, f);
		col += n;
		text += n;
	}
	if (col)
		fputc('\n', f);
}

/* "-n, --lines N", "--watch", "KEY=VALUE...": an argument in help. */
static char *dmctl_arg_label(const struct cmdtab_arg *a, char *buf, size_t len)
{
	char var[128], opt[4] = "";

	cmdtab_metavar(a, var, sizeof(var));
	if (a->opt)
		snprintf(opt, sizeof(opt), "-%c", a->opt);
	if (a->opt || a->longopt)
		snprintf(buf, len, "%s%s%s%s%s%s", opt,
			 a->opt && a->longopt ? ", " : "",
			 a->longopt ? "--" : "", a->longopt ? a->longopt : "",
			 a->metavar ? " " : "", var);
	else
		snprintf(buf, len, "%s%s", var,
			 a->type == CMDTAB_STRINGS ? "..." : "");
	return buf;
}

static void dmctl_help(FILE *f, const struct cmdtab *e)
{
	char label[160];

	dmctl_usage(f, e);
	fputc('\n', f);
	dmctl_wrap(f, e->help, DMCTL_WIDTH);
	if (e->args[0].field)
		fputc('\n', f);
	for (const struct cmdtab_arg *a = e->args; a->field; a++) {
		dmctl_arg_label(a, label, sizeof(label));
		fprintf(f, "  %-*s", DMCTL_LABEL_WIDTH, label);
		/* A long label gets a line of its own. */
		if (strlen(label) > DMCTL_LABEL_WIDTH)
			fprintf(f, "\n  %*s", DMCTL_LABEL_WIDTH, "");
		fprintf(f, " %s\n", a->help);
	}
}

static int run_help(struct dmctl_inv *inv)
{
	const char *name = jstr(inv->local, "command");
	const struct cmdtab *e = name ? cmdtab_find(name, CMDTAB_CLI) : NULL;

	if (!name) {
		dmctl_list(stdout);
		return EXIT_OK;
	}
	if (!e) {
		fprintf(stderr, "dmctl: unknown command '%s'\n", name);
		dmctl_list(stderr);
		return EXIT_USAGE;
	}
	dmctl_help(stdout, e);
	return EXIT_OK;
}

/* ---- the hooks, by the table's entries ---- */

struct dmctl_hook {
	/* NULL: send the request, then print the reply. */
	int (*run)(struct dmctl_inv *inv);
	/* Prints a successful reply, or its member @member; NULL or --json
	 * (unless own_json): that as JSON. */
	void (*print)(const struct dmctl_inv *inv, struct json_object *reply);
	const char *member;
	bool own_json;
	/* Before the request goes: its last changes, or a refusal. */
	int (*prepare)(struct dmctl_inv *inv);
};

static const struct dmctl_hook dmctl_hooks[CMDTAB_N] = {
    [CMD_START] = {.print = print_started,
		   .member = "domain",
		   .prepare = prepare_start},
    [CMD_PLAN] = {.run = run_plan},
    [CMD_STOP] = {.print = print_stopped, .member = "domain"},
    [CMD_STATUS] = {.run = run_status},
    [CMD_LIST] = {.run = run_status},
    [CMD_LOG] = {.run = run_log},
    [CMD_QMP] = {.print = print_return, .member = "return", .own_json = true},
    [CMD_SET] = {.print = print_set},
    [CMD_UNDEFINE] = {.print = print_undefined},
    [CMD_NIC_ATTACH] = {.print = print_nic_added},
    [CMD_NIC_DETACH] = {.print = print_nic_removal},
    [CMD_PCI_ATTACH] = {.print = print_op},
    [CMD_PCI_DETACH] = {.print = print_op},
    [CMD_CD_INSERT] = {.print = print_cd},
    [CMD_CD_EJECT] = {.print = print_cd},
    [CMD_SAVE] = {.print = print_op},
    [CMD_RESUME] = {.print = print_op},
    [CMD_IMPORT_XL] = {.run = run_import_xl},
    [CMD_HELP] = {.run = run_help},
};

/* The request; start --restore - sends stdin with it. */
static int dmctl_run_call(struct dmctl_inv *inv, struct json_object **reply_r)
{
	static const int in = STDIN_FILENO;
	struct dmctl_fds f = {&in, 1, NULL, 0, 0};

	if (inv->e != &cmdtab[CMD_START] ||
	    !dmctl_is_stream(jstr(inv->req, "restore")))
		return dmctl_call(&inv->o, json_object_get(inv->req), reply_r);
	if (dmctl_stream_check(STDIN_FILENO, "start --restore -"))
		return EXIT_USAGE;
	return dmctl_call_fds(&inv->o, json_object_get(inv->req), reply_r, &f);
}

/* save --file -: the save file comes as an fd, and goes to stdout;
 * what dmctl says goes to stderr. */
static int run_save_stream(struct dmctl_inv *inv)
{
	struct json_object *reply;
	int state = -1, rc;
	struct dmctl_fds f = {NULL, 0, &state, 1, 0};

	if (dmctl_stream_check(STDOUT_FILENO, "save --file -"))
		return EXIT_USAGE;
	rc = dmctl_call_fds(&inv->o, json_object_get(inv->req), &reply, &f);
	if (!rc && f.nrecv != 1) {
		fprintf(stderr, "dmctl: save --file -: dmsup sent no stream\n");
		rc = EXIT_PROTOCOL;
	} else if (!rc && dmctl_stream_out(state, jint(reply, "length"))) {
		rc = EXIT_FAILED;
	} else if (!rc) {
		fprintf(stderr,
			"%s: device model paused, its state (%lld bytes) "
			"written to stdout\n",
			jstr(inv->req, "domain"), jint(reply, "length"));
	}
	if (rc && f.nrecv == 1)
		close(state);
	json_object_put(reply);
	return rc;
}

static int dmctl_run(struct dmctl_inv *inv)
{
	const struct dmctl_hook *h = &dmctl_hooks[inv->e - cmdtab];
	struct json_object *reply, *what;
	int rc;

	if (h->run)
		return h->run(inv);
	if (h->prepare && (rc = h->prepare(inv)))
		return rc;
	if (inv->e == &cmdtab[CMD_SAVE] &&
	    dmctl_is_stream(jstr(inv->req, "file")))
		return run_save_stream(inv);
	if ((rc = dmctl_run_call(inv, &reply)))
		return rc;
	if (!h->member || !json_object_object_get_ex(reply, h->member, &what))
		what = reply;
	if ((inv->o.json && !h->own_json) || !h->print)
		print_json(what);
	else
		h->print(inv, what);
	json_object_put(reply);
	return EXIT_OK;
}

/* ---- the command line into the request, by the table ---- */

typedef int dmctl_put_fn(const struct dmctl_inv *inv,
			 const struct cmdtab_arg *a, const char *text,
			 struct json_object *into);

static int put_string(const struct dmctl_inv *inv, const struct cmdtab_arg *a,
		      const char *text, struct json_object *into)
{
	json_object_object_add(into, a->field, json_object_new_string(text));
	return EXIT_OK;
}

/* dmsup runs elsewhere: a relative path is dmctl's, from its cwd. */
static int put_path(const struct dmctl_inv *inv, const struct cmdtab_arg *a,
		    const char *text, struct json_object *into)
{
	char cwd[PATH_MAX], *abs = NULL;

	if (text[0] == '/' || !text[0] || dmctl_is_stream(text))
		return put_string(inv, a, text, into);
	if (!getcwd(cwd, sizeof(cwd)) ||
	    asprintf(&abs, "%s/%s", cwd, text) < 0) {
		fprintf(stderr, "dmctl: %s: %s: %s\n", inv->e->name, text,
			strerror(errno));
		return EXIT_FAILED;
	}
	put_string(inv, a, abs, into);
	free(abs);
	return EXIT_OK;
}

static int put_int(const struct dmctl_inv *inv, const struct cmdtab_arg *a,
		   const char *text, struct json_object *into)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < INT_MIN || v > INT_MAX) {
		fprintf(stderr, "dmctl: %s: %s must be a number, not '%s'\n",
			inv->e->name, a->metavar, text);
		return EXIT_USAGE;
	}
	json_object_object_add(into, a->field, json_object_new_int((int)v));
	return EXIT_OK;
}

static int put_object(const struct dmctl_inv *inv, const struct cmdtab_arg *a,
		      const char *text, struct json_object *into)
{
	struct json_object *v = json_tokener_parse(text);

	if (!v || !json_object_is_type(v, json_type_object)) {
		fprintf(stderr, "dmctl: %s must be a JSON object: %s\n",
			a->field, text);
		json_object_put(v);
		return EXIT_USAGE;
	}
	json_object_object_add(into, a->field, v);
	return EXIT_OK;
}

static int put_strings(const struct dmctl_inv *inv, const struct cmdtab_arg *a,
		       const char *text, struct json_object *into)
{
	struct json_object *list;

	if (!json_object_object_get_ex(into, a->field, &list)) {
		list = json_object_new_array();
		json_object_object_add(into, a->field, list);
	}
	json_object_array_add(list, json_object_new_string(text));
	return EXIT_OK;
}

static int put_flag(const struct dmctl_inv *inv, const struct cmdtab_arg *a,
		    const char *text, struct json_object *into)
{
	json_object_object_add(into, a->field, json_object_new_boolean(1));
	return EXIT_OK;
}

/* The KEY of @a that @opt ("KEY=VALUE") names, or NULL. */
static const char *spec_key(const struct cmdtab_arg *a, const char *opt)
{
	for (const char *const *k = a->keys; k && *k; k++)
		if (!strncmp(opt, *k, strlen(*k)) && opt[strlen(*k)] == '=')
			return *k;
	return NULL;
}

static void spec_unknown(const struct dmctl_inv *inv,
			 const struct cmdtab_arg *a, const char *opt)
{
	fprintf(stderr, "dmctl: %s: unknown option '%s' (", inv->e->name, opt);
	for (const char *const *k = a->keys; k && *k; k++)
		fprintf(stderr, "%s%s=", k == a->keys ? "" : ", ", *k);
	fprintf(stderr, ")\n");
}

/* FIRST[,KEY=VALUE]...; dmsup checks the values. */
static int put_spec(const struct dmctl_inv *inv, const struct cmdtab_arg *a,
		    const char *text, struct json_object *into)
{
	char *spec = strdup(text), *save = NULL, *opt;
	char *rest = spec ? strchr(spec, ',') : NULL;
	int rc = spec ? EXIT_OK : EXIT_FAILED;

	if (rest)
		*rest++ = '\0';
	if (spec)
		put_string(inv, a, spec, into);
	for (opt = rest ? strtok_r(rest, ",", &save) : NULL; opt;
	     opt = strtok_r(NULL, ",", &save)) {
		const char *key = spec_key(a, opt);
		if (!key) {
			spec_unknown(inv, a, opt);
			rc = EXIT_USAGE;
			break;
		}
		json_object_object_add(
		    into, key, json_object_new_string(opt + strlen(key) + 1));
	}
	free(spec);
	return rc;
}

static int put_file_or_domain(const struct dmctl_inv *inv,
			      const struct cmdtab_arg *a, const char *text,
			      struct json_object *into)
{
	struct json_object *cfg;

	if (!strchr(text, '/') && access(text, F_OK) != 0) {
		json_object_object_add(into, "domain",
				       json_object_new_string(text));
		return EXIT_OK;
	}
	if (!(cfg = dmctl_read_json(text)))
		return EXIT_FAILED;
	json_object_object_add(into, a->field, cfg);
	return EXIT_OK;
}

static dmctl_put_fn *const dmctl_puts[CMDTAB_TYPES] = {
    [CMDTAB_STRING] = put_string,
    [CMDTAB_INT] = put_int,
    [CMDTAB_OBJECT] = put_object,
    [CMDTAB_STRINGS] = put_strings,
    [CMDTAB_FLAG] = put_flag,
    [CMDTAB_SPEC] = put_spec,
    [CMDTAB_FILE_OR_DOMAIN] = put_file_or_domain,
    [CMDTAB_PATH] = put_path,
};

static int dmctl_put(struct dmctl_inv *inv, const struct cmdtab_arg *a,
		     const char *text)
{
	inv->instead = inv->instead || (a->flags & CMDTAB_INSTEAD);
	return dmctl_puts[a->type](
	    inv, a, text, a->flags & CMDTAB_LOCAL ? inv->local : inv->req);
}

static bool dmctl_option(struct dmctl_inv *inv, int opt)
{
	switch (opt) {
	case 's':
		inv->o.socket = optarg;
		return true;
	case 'j':
		inv->o.json = true;
		return true;
	case 't': {
		char *end;
		long t = strtol(optarg, &end, 10);
		if (*optarg && !*end && t >= 0 && t <= 86400) {
			ctl_timeout = (int)t;
			return true;
		}
		fprintf(stderr, "dmctl: --timeout: 0 to 86400 seconds\n");
		return false;
	}
	}
	return false;
}

/* getopt_long's tables for @e: dmctl's options and the command's. */
static void dmctl_getopt_tables(const struct cmdtab *e, char *optstring,
				struct option *longopts)
{
	size_t n = DMCTL_NOPTIONS;
	char *s = optstring + strlen(strcpy(optstring, DMCTL_OPTSTRING));

	memcpy(longopts, dmctl_options, sizeof(dmctl_options));
	for (size_t i = 0; e->args[i].field; i++) {
		const struct cmdtab_arg *a = &e->args[i];
		int has_arg =
		    a->type == CMDTAB_FLAG ? no_argument : required_argument;
		if (a->opt) {
			*s++ = a->opt;
			if (has_arg)
				*s++ = ':';
		}
		if (a->longopt)
			longopts[n++] =
			    (struct option){a->longopt, has_arg, NULL,
					    a->opt ? a->opt : 0x100 + (int)i};
	}
	*s = '\0';
	longopts[n] = (struct option){0};
}

/* Positionals in the table's order; a CMDTAB_STRINGS one takes the rest. */
static int dmctl_positionals(struct dmctl_inv *inv, int n, char **v)
{
	int i = 0, rc;

	for (const struct cmdtab_arg *a = inv->e->args; a->field; a++) {
		if (a->opt || a->longopt)
			continue;
		if (i == n && (a->flags & CMDTAB_REQUIRED) && !inv->instead)
			return dmctl_usage(stderr, inv->e);
		do {
			if (i < n && (rc = dmctl_put(inv, a, v[i++])))
				return rc;
		} while (a->type == CMDTAB_STRINGS && i < n);
	}
	return i < n ? dmctl_usage(stderr, inv->e) : EXIT_OK;
}

/* The command's arguments (argv[0] is its name); -1: --help. */
static int dmctl_parse(struct dmctl_inv *inv, int argc, char **argv)
{
	char optstring[2 * CMDTAB_ARGS_MAX + sizeof(DMCTL_OPTSTRING)];
	struct option longopts[DMCTL_NOPTIONS + CMDTAB_ARGS_MAX + 1];
	const struct cmdtab_arg *a;
	char prog[64];
	int opt, rc;

	/* getopt's messages start with argv[0]. */
	snprintf(prog, sizeof(prog), "dmctl %s", inv->e->name);
	argv[0] = prog;
	dmctl_getopt_tables(inv->e, optstring, longopts);
	optind = 0; /* a fresh scan of the new argv */
	while ((opt = getopt_long(argc, argv, optstring, longopts, NULL)) !=
	       -1) {
		if (opt == 'h')
			return -1;
		if (dmctl_option(inv, opt))
			continue;
		if (!(a = cmdtab_option(inv->e, opt)))
			return dmctl_usage(stderr, inv->e);
		if ((rc = dmctl_put(inv, a, optarg)))
			return rc;
	}
	return dmctl_positionals(inv, argc - optind, argv + optind);
}

/* The options before the command; the command's index, or -1 after
 * setting *rc_r. */
static int dmctl_parse_global(struct opts *o, int argc, char **argv, int *rc_r)
{
	struct dmctl_inv inv = {.o = *o};
	int opt;

	while ((opt = getopt_long(argc, argv, "+" DMCTL_OPTSTRING,
				  dmctl_options, NULL)) != -1) {
		if (opt == 'h' || !dmctl_option(&inv, opt)) {
			dmctl_list(opt == 'h' ? stdout : stderr);
			*rc_r = opt == 'h' ? EXIT_OK : EXIT_USAGE;
			return -1;
		}
	}
	*o = inv.o;
	if (optind >= argc) {
		dmctl_list(stderr);
		*rc_r = EXIT_USAGE;
		return -1;
	}
	return optind;
}

static void dmctl_dispose(struct dmctl_inv *inv)
{
	json_object_put(inv->req);
	json_object_put(inv->local);
	if (ctl_in)
		evbuffer_free(ctl_in);
	if (ctl_fd >= 0)
		close(ctl_fd);
}

int main(int argc, char **argv)
{
	struct dmctl_inv inv = {.o.socket = getenv("DMSUP_CONTROL")};
	int rc = EXIT_USAGE, cmd;

	if (argc > 1 && !strcmp(argv[1], "--version"))
		return printf("dmctl %s\n", DMSUP_VERSION) < 0;
	/* A dmsup that closes on us is exit status 3, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	if (!inv.o.socket)
		inv.o.socket = "/run/dmsup/control";
	if ((cmd = dmctl_parse_global(&inv.o, argc, argv, &rc)) < 0)
		return rc;
	if (!(inv.e = cmdtab_find(argv[cmd], CMDTAB_CLI))) {
		fprintf(stderr, "dmctl: unknown command '%s'\n", argv[cmd]);
		dmctl_list(stderr);
		return EXIT_USAGE;
	}
	inv.req = json_object_new_object();
	inv.local = json_object_new_object();
	dmctl_set_cmd(&inv, inv.e->name);
	rc = dmctl_parse(&inv, argc - cmd, argv + cmd);
	if (rc < 0)
		dmctl_help(stdout, inv.e);
	if (!rc) {
		setvbuf(stdout, NULL, _IOLBF, 0);
		rc = dmctl_run(&inv);
	}
	dmctl_dispose(&inv);
	return rc < 0 ? EXIT_OK : rc;
}
