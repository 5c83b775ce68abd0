/*
 * dmctl: the command line of dmsup. One table of commands drives parsing,
 * usage and dispatch; every command talks one request to the control
 * socket and prints the reply as a table, or as JSON with --json.
 * Exit codes (dmctl(8)): 0 done, 1 dmsup refused or the operation failed,
 * 2 usage, 3 dmsup unreachable or gone, 4 a reply dmctl cannot read.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <json-c/json.h>

#include "dmsup/config.h"
#include "dmsup/kind/dmplan.h"
#include "dmsup/ctl/frame.h"

enum { EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_PROTOCOL };

struct opts {
	const char *socket;
	bool json, watch, follow;
	int lines;
};

struct cmd {
	const char *name;
	const char *args;
	const char *help;
	int min_args, max_args;
	int (*fn)(const struct opts *o, int argc, char **argv);
};

static int ctl_fd = -1;
static struct evbuffer *ctl_in;

static int dmctl_connect(const struct opts *o)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	if (strlen(o->socket) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "dmctl: socket path too long: %s\n", o->socket);
		return EXIT_USAGE;
	}
	strcpy(sun.sun_path, o->socket);
	ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
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
			fprintf(stderr, "dmctl: lost dmsup: %s\n",
				strerror(errno));
			rc = EXIT_UNREACHABLE;
		}
	if (out)
		evbuffer_free(out);
	json_object_put(req);
	return rc;
}

/* One frame from dmsup; blocks until it is whole. */
static int dmctl_recv(struct json_object **reply_r)
{
	const char *err;
	int r;

	while (!(r = frame_take(ctl_in, reply_r, &err))) {
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

/* Sends @req, reads the reply; prints dmsup's error and returns 1 on one. */
static int dmctl_call(const struct opts *o, struct json_object *req,
		      struct json_object **reply_r)
{
	struct json_object *reply = NULL, *ok;
	int rc;

	*reply_r = NULL;
	if ((rc = dmctl_connect(o))) {
		json_object_put(req);
		return rc;
	}
	/* dmctl_send takes over req. */
	if ((rc = dmctl_send(req)) || (rc = dmctl_recv(&reply)))
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

static struct json_object *dmctl_req(const char *cmd, const char *domain)
{
	struct json_object *req = json_object_new_object();

	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	if (domain)
		json_object_object_add(req, "domain",
				       json_object_new_string(domain));
	return req;
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
	printf("%-20s %6lld  %-9s %8s %6lld  %s\n", jstr(d, "name"),
	       jint(d, "domid"), jstr(d, "state"), pidbuf, jint(d, "spawns"),
	       why ? why : "");
}

static void print_table_header(void)
{
	printf("%-20s %6s  %-9s %8s %6s  %s\n", "NAME", "DOMID", "STATE", "PID",
	       "SPAWNS", "LAST EXIT");
}

static void print_domain(struct json_object *d)
{
	static const char *const keys[] = {
	    "name",   "domid", "kind",	"stub_domid", "state", "pid",
	    "spawns", "exit",  "error", "step",	      "qmp",   "log"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		struct json_object *v;
		if (json_object_object_get_ex(d, keys[i], &v))
			printf("%-8s %s\n", keys[i], json_object_get_string(v));
		if (!strcmp(keys[i], "pid") && jint(d, "started") > 0)
			printf("%-8s %llds\n", "uptime",
			       (long long)time(NULL) - jint(d, "started"));
	}
	const char *tail = jstr(d, "log_tail");
	if (tail && *tail)
		printf("log tail:\n%s%s", tail,
		       tail[strlen(tail) - 1] == '\n' ? "" : "\n");
}

static int cmd_start(const struct opts *o, int argc, char **argv)
{
	struct json_object *req = dmctl_req("start", NULL), *reply;
	int rc;

	if (strchr(argv[0], '/') || access(argv[0], F_OK) == 0) {
		struct json_object *cfg = json_object_from_file(argv[0]);
		if (!cfg) {
			fprintf(stderr, "dmctl: %s: %s\n", argv[0],
				json_util_get_last_err());
			json_object_put(req);
			return EXIT_FAILED;
		}
		json_object_object_add(req, "config", cfg);
	} else {
		json_object_object_add(req, "domain",
				       json_object_new_string(argv[0]));
	}
	if ((rc = dmctl_call(o, req, &reply)))
		return rc;
	struct json_object *d;
	json_object_object_get_ex(reply, "domain", &d);
	if (o->json)
		print_json(d);
	else
		printf("%s (domid %lld): running, pid %lld\n", jstr(d, "name"),
		       jint(d, "domid"), jint(d, "pid"));
	json_object_put(reply);
	return EXIT_OK;
}

static int cmd_stop(const struct opts *o, int argc, char **argv)
{
	struct json_object *reply, *d;
	int rc = dmctl_call(o, dmctl_req("stop", argv[0]), &reply);

	if (rc)
		return rc;
	json_object_object_get_ex(reply, "domain", &d);
	if (o->json)
		print_json(d);
	else
		printf("%s (domid %lld): %s\n", jstr(d, "name"),
		       jint(d, "domid"), jstr(d, "state"));
	json_object_put(reply);
	return EXIT_OK;
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
		printf("%s %s (domid %lld): %s%s%s\n", ts, jstr(d, "name"),
		       jint(d, "domid"), jstr(d, "state"), why ? ": " : "",
		       why ? why : "");
	}
	fflush(stdout);
}

static int dmctl_watch(const struct opts *o)
{
	struct json_object *ev, *d;
	int rc;

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

static int cmd_status(const struct opts *o, int argc, char **argv)
{
	struct json_object *reply, *d, *list;
	int rc = dmctl_call(
	    o, dmctl_req(o->watch ? "watch" : "status", argc ? argv[0] : NULL),
	    &reply);

	if (rc)
		return rc;
	if (json_object_object_get_ex(reply, "domain", &d)) {
		if (o->json)
			print_json(d);
		else if (o->watch)
			print_event(o, d);
		else
			print_domain(d);
	} else if (json_object_object_get_ex(reply, "domains", &list)) {
		if (o->json && !o->watch)
			print_json(list);
		if (!o->json)
			print_table_header();
		for (size_t i = 0;
		     !o->json && i < json_object_array_length(list); i++)
			print_domain_row(json_object_array_get_idx(list, i));
	}
	json_object_put(reply);
	fflush(stdout);
	return o->watch ? dmctl_watch(o) : EXIT_OK;
}

static int cmd_list(const struct opts *o, int argc, char **argv)
{
	return cmd_status(o, 0, argv);
}

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
	lseek(fd, start + n, SEEK_SET);
}

static void dmctl_copy(int fd)
{
	char buf[65536];
	ssize_t r;

	while (fd >= 0 && (r = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)r, stdout);
	fflush(stdout);
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
		if (e->mask & (IN_CREATE | IN_MOVED_TO)) {
			/* Rotated: the new file starts empty. */
			if (*fd >= 0)
				close(*fd);
			*fd = open(path, O_RDONLY | O_CLOEXEC);
			dmctl_copy(*fd);
		}
	}
	return 0;
}

/* State changes already received, as lines in the stream. */
static int dmctl_print_events(const struct opts *o, int fd)
{
	struct json_object *ev, *d;
	const char *err;
	int r;

	while ((r = frame_take(ctl_in, &ev, &err)) == 1) {
		dmctl_copy(fd);
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
	return dmctl_print_events(o, fd);
}

/*
 * Follows the log as the helper writes and rotates it, with the domain's
 * state changes in between. The watch is set and the file opened before
 * the tail is read, so that no line falls between the tail and the rest.
 */
static int dmctl_follow(const struct opts *o, const char *path)
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
		dmctl_print_tail(fd, o->lines);
	fflush(stdout);
	if (dmctl_print_events(o, fd))
		return EXIT_PROTOCOL;
	for (;;) {
		struct pollfd p[2] = {{.fd = in, .events = POLLIN},
				      {.fd = ctl_fd, .events = POLLIN}};
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return EXIT_FAILED;
		if ((p[0].revents && dmctl_follow_file(in, path, base, &fd)) ||
		    (p[1].revents && dmctl_follow_state(o, fd))) {
			fprintf(stderr, "dmctl: lost dmsup or the log\n");
			return EXIT_UNREACHABLE;
		}
	}
}

static int cmd_log(const struct opts *o, int argc, char **argv)
{
	struct json_object *req = dmctl_req("log", argv[0]), *reply;
	int rc;

	/* With -f the tail comes from the file itself (see dmctl_follow). */
	json_object_object_add(req, "lines",
			       json_object_new_int(o->follow ? 0 : o->lines));
	if ((rc = dmctl_call(o, req, &reply)))
		return rc;
	if (o->json && !o->follow)
		print_json(reply);
	else if (!o->follow)
		fputs(jstr(reply, "text"), stdout);
	fflush(stdout);
	char *path = strdup(jstr(reply, "path"));
	json_object_put(reply);
	if (o->follow && path) {
		/* The same connection then carries the domain's events; the
		 * watch's first reply is its current state. */
		rc = dmctl_send(dmctl_req("watch", argv[0]));
		if (!rc && !(rc = dmctl_recv(&reply)))
			json_object_put(reply);
		if (!rc)
			rc = dmctl_follow(o, path);
	}
	free(path);
	return rc;
}

static int cmd_qmp(const struct opts *o, int argc, char **argv)
{
	struct json_object *req = dmctl_req("qmp", argv[0]), *reply, *ret;
	int rc;

	json_object_object_add(req, "command", json_object_new_string(argv[1]));
	if (argc > 2) {
		struct json_object *args = json_tokener_parse(argv[2]);
		if (!args || !json_object_is_type(args, json_type_object)) {
			fprintf(stderr,
				"dmctl: arguments must be a JSON "
				"object: %s\n",
				argv[2]);
			json_object_put(args);
			json_object_put(req);
			return EXIT_USAGE;
		}
		json_object_object_add(req, "arguments", args);
	}
	if ((rc = dmctl_call(o, req, &reply)))
		return rc;
	json_object_object_get_ex(reply, "return", &ret);
	printf("%s\n", json_object_to_json_string_ext(
			   ret, o->json ? JSON_C_TO_STRING_PLAIN
					: JSON_C_TO_STRING_PRETTY));
	json_object_put(reply);
	return EXIT_OK;
}

static int cmd_set(const struct opts *o, int argc, char **argv)
{
	struct json_object *req = dmctl_req("set", argv[0]), *reply;
	struct json_object *list = json_object_new_array();
	int rc;

	for (int i = 1; i < argc; i++)
		json_object_array_add(list, json_object_new_string(argv[i]));
	json_object_object_add(req, "set", list);
	if ((rc = dmctl_call(o, req, &reply)))
		return rc;
	if (o->json) {
		print_json(reply);
	} else {
		for (int i = 1; i < argc; i++)
			printf("%s: %s (applies %s)\n", argv[0], argv[i],
			       jstr(reply, "applies"));
	}
	json_object_put(reply);
	return EXIT_OK;
}

static int cmd_undefine(const struct opts *o, int argc, char **argv)
{
	struct json_object *reply;
	int rc = dmctl_call(o, dmctl_req("undefine", argv[0]), &reply);

	if (!rc && !o->json)
		printf("%s: undefined\n", argv[0]);
	else if (!rc)
		print_json(reply);
	json_object_put(reply);
	return rc;
}

/* MODEL[,mac=MAC][,id=ID] into the request's fields; dmsup checks them. */
static int cmd_nic_attach(const struct opts *o, int argc, char **argv)
{
	struct json_object *req = dmctl_req("nic-attach", argv[0]), *reply;
	char *spec = strdup(argv[1]), *save = NULL, *opt;
	int rc = EXIT_OK;

	for (opt = strtok_r(spec, ",", &save); opt;
	     opt = strtok_r(NULL, ",", &save)) {
		const char *key = opt == spec ? "model" : NULL;
		if (!key && !strncmp(opt, "mac=", 4))
			key = "mac", opt += 4;
		else if (!key && !strncmp(opt, "id=", 3))
			key = "id", opt += 3;
		if (!key) {
			fprintf(stderr,
				"dmctl: nic-attach: unknown option "
				"'%s' (mac=, id=)\n",
				opt);
			rc = EXIT_USAGE;
		}
		json_object_object_add(req, key ? key : "?",
				       json_object_new_string(opt));
	}
	free(spec);
	if (rc) {
		json_object_put(req);
		return rc;
	}
	if ((rc = dmctl_call(o, req, &reply)))
		return rc;
	if (o->json)
		print_json(reply);
	else
		printf("%s: NIC %s (%s) added, %lld pages\n", argv[0],
		       jstr(reply, "id"), jstr(reply, "device"),
		       jint(reply, "pages"));
	json_object_put(reply);
	return EXIT_OK;
}

static int cmd_nic_detach(const struct opts *o, int argc, char **argv)
{
	struct json_object *req = dmctl_req("nic-detach", argv[0]), *reply;
	int rc;

	json_object_object_add(req, "id", json_object_new_string(argv[1]));
	if ((rc = dmctl_call(o, req, &reply)))
		return rc;
	if (o->json)
		print_json(reply);
	else
		printf("%s: NIC %s: removal asked of the guest\n", argv[0],
		       argv[1]);
	json_object_put(reply);
	return EXIT_OK;
}

/* pci-attach, pci-detach, save, resume: the same request shape. */
static int cmd_op(const struct opts *o, const char *name, int argc, char **argv)
{
	struct json_object *req = dmctl_req(name, argv[0]), *reply;
	int rc;

	if (argc > 1)
		json_object_object_add(req, "bdf",
				       json_object_new_string(argv[1]));
	if ((rc = dmctl_call(o, req, &reply)))
		return rc;
	if (o->json)
		print_json(reply);
	else if (jstr(reply, "vdevfn"))
		printf("%s: %s attached at vdevfn %s\n", argv[0], argv[1],
		       jstr(reply, "vdevfn"));
	else if (jstr(reply, "file"))
		printf("%s: device model paused, its state saved to %s\n",
		       argv[0], jstr(reply, "file"));
	else
		printf("%s: %s%s%s done\n", argv[0], name, argc > 1 ? " " : "",
		       argc > 1 ? argv[1] : "");
	json_object_put(reply);
	return EXIT_OK;
}

static int cmd_pci_attach(const struct opts *o, int argc, char **argv)
{
	return cmd_op(o, "pci-attach", argc, argv);
}

static int cmd_pci_detach(const struct opts *o, int argc, char **argv)
{
	return cmd_op(o, "pci-detach", argc, argv);
}

static int cmd_save(const struct opts *o, int argc, char **argv)
{
	return cmd_op(o, "save", argc, argv);
}

static int cmd_resume(const struct opts *o, int argc, char **argv)
{
	return cmd_op(o, "resume", argc, argv);
}

/* Local: the memory plan of a configuration file (no daemon needed). */
static int cmd_plan(const struct opts *o, int argc, char **argv)
{
	struct json_object *json = json_object_from_file(argv[0]);
	struct plan_error perr = {{0}};
	struct dm_config cfg;
	struct plan *plan;
	char *err = NULL, *text;
	int rc = EXIT_FAILED;

	if (!json) {
		fprintf(stderr, "dmctl: %s: %s\n", argv[0],
			json_util_get_last_err());
		return EXIT_FAILED;
	}
	if (config_from_json(&cfg, json, &err)) {
		fprintf(stderr, "dmctl: %s: invalid configuration: %s\n",
			argv[0], err ? err : "out of memory");
		free(err);
		json_object_put(json);
		return EXIT_FAILED;
	}
	json_object_put(json);
	plan = malloc(sizeof(*plan));
	if (!plan || dmplan_compute(&cfg, plan, &perr)) {
		fprintf(stderr, "dmctl: %s: cannot plan: %s\n", argv[0],
			plan ? perr.message : "out of memory");
		goto out;
	}
	if (o->json) {
		json = plan_json(plan);
		print_json(json);
		json_object_put(json);
	} else if ((text = plan_text(plan))) {
		fputs(text, stdout);
		free(text);
	}
	rc = plan_refused(plan) ? EXIT_FAILED : EXIT_OK;
out:
	free(plan);
	config_dispose(&cfg);
	return rc;
}

static const struct cmd cmds[] = {
    {"start", "CONFIG-FILE|DOMAIN", "start; wait until ready or failed", 1, 1,
     cmd_start},
    {"plan", "CONFIG-FILE", "the pages the device model will populate", 1, 1,
     cmd_plan},
    {"stop", "DOMAIN", "stop: QMP quit, SIGTERM, SIGKILL", 1, 1, cmd_stop},
    {"status", "[--watch] [DOMAIN]", "show state (and follow changes)", 0, 1,
     cmd_status},
    {"list", "", "list every domain", 0, 0, cmd_list},
    {"log", "[-f] [-n N] DOMAIN", "show (and follow) the device model log", 1,
     1, cmd_log},
    {"qmp", "DOMAIN COMMAND [ARGS-JSON]", "run a QMP command", 2, 3, cmd_qmp},
    {"set", "DOMAIN KEY=VALUE...", "change the config for the next start", 2,
     64, cmd_set},
    {"undefine", "DOMAIN", "forget a stopped domain", 1, 1, cmd_undefine},
    {"nic-attach", "DOMAIN MODEL[,mac=MAC][,id=ID]",
     "hotplug a NIC (asks the toolstack for its pages)", 2, 2, cmd_nic_attach},
    {"nic-detach", "DOMAIN ID", "hot-unplug a NIC", 2, 2, cmd_nic_detach},
    {"pci-attach", "DOMAIN BDF[,OPTIONS]", "hotplug a PCI device", 2, 2,
     cmd_pci_attach},
    {"pci-detach", "DOMAIN BDF", "unplug a PCI device", 2, 2, cmd_pci_detach},
    {"save", "DOMAIN", "pause the device model for a save", 1, 1, cmd_save},
    {"resume", "DOMAIN", "let a saved device model run again", 1, 1,
     cmd_resume},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: dmctl [-s SOCKET] [--json] COMMAND [ARGS]\n\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(*cmds); i++)
		fprintf(f, "  %-10s %-28s %s\n", cmds[i].name, cmds[i].args,
			cmds[i].help);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"watch", no_argument, NULL, 'w'},
	    {"follow", no_argument, NULL, 'f'},
	    {"lines", required_argument, NULL, 'n'},
	    {"socket", required_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	struct opts o = {.lines = 20};
	const struct cmd *c = NULL;
	int opt;

	o.socket = getenv("DMSUP_CONTROL");
	if (!o.socket)
		o.socket = "/run/dmsup/control";
	/* Options may come before or after the command. */
	while ((opt = getopt_long(argc, argv, "+s:jwfn:h", longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 's':
			o.socket = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(*cmds); i++)
		if (!strcmp(cmds[i].name, argv[optind]))
			c = &cmds[i];
	if (!c) {
		fprintf(stderr, "dmctl: unknown command '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "jwfn:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			o.json = true;
			break;
		case 'w':
			o.watch = true;
			break;
		case 'f':
			o.follow = true;
			break;
		case 'n':
			o.lines = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: dmctl %s %s\n", c->name,
				c->args);
			return EXIT_USAGE;
		}
	}
	int n = argc - optind;
	if (n < c->min_args || n > c->max_args) {
		fprintf(stderr, "usage: dmctl %s %s\n", c->name, c->args);
		return EXIT_USAGE;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	int rc = c->fn(&o, n, argv + optind);
	if (ctl_in)
		evbuffer_free(ctl_in);
	if (ctl_fd >= 0)
		close(ctl_fd);
	return rc;
}
