/*
 * Faults around the device model and the control socket that dmsup must
 * survive (issue 12): what a device model leaves behind when it dies.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/local/dmsup/harness.h"

/* A stand-in config whose DM forks a child holding its stderr (the
 * child's pid goes to *pidfile_r), then runs with @rest (JSON options). */
static char *holder_config(const char *name, const char *rest, char **pidfile_r)
{
	char args[1024];

	if (asprintf(pidfile_r, "%s/%s.holder", H.dir, name) < 0)
		ck_abort();
	snprintf(args, sizeof(args), "[\"--hold-stderr\", \"%s\", %s]",
		 *pidfile_r, rest);
	return h_standin_config(name, 31, args, "");
}

static pid_t holder_pid(const char *pidfile)
{
	char *s = h_read_file(pidfile);
	pid_t pid;

	ck_assert_ptr_nonnull(s);
	pid = atoi(s);
	free(s);
	ck_assert_int_gt(pid, 1);
	return pid;
}

START_TEST(crash_kills_what_the_dm_left_and_is_reported_at_once)
{
	char *pidfile, *err;
	char *cfg = holder_config("held", "\"--exit\", \"3\"", &pidfile);

	ck_assert_int_eq(h_dmctl(NULL, &err, "start", cfg, NULL), 1);
	ck_assert_ptr_nonnull(strstr(err, "exited with status 3"));
	/* The report waited for no one, but the group was killed with it:
	 * SIGKILL is delivered at once, the exit completes a moment later. */
	ck_assert_msg(h_wait_gone(holder_pid(pidfile)),
		      "the DM's child outlived the crash report");
	struct json_object *st = h_status("held");
	ck_assert_str_eq(h_str(st, "state"), "crashed");
	ck_assert_ptr_nonnull(strstr(h_str(st, "log_tail"), "exiting with 3"));
	json_object_put(st);
	free(err);
	free(pidfile);
	free(cfg);
}
END_TEST

START_TEST(stop_kills_what_the_dm_left)
{
	char *pidfile, *out;
	char *cfg = holder_config("held", "\"--qmp\"", &pidfile);

	h_start(cfg);
	pid_t holder = holder_pid(pidfile);
	ck_assert(h_alive(holder));
	ck_assert_int_eq(h_dmctl(&out, NULL, "stop", "held", NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "stopped"));
	ck_assert_msg(h_wait_gone(holder), "the DM's child outlived the stop");
	free(out);
	free(pidfile);
	free(cfg);
}
END_TEST

#define BULKY_DOMAINS 20
#define BULKY_TAIL (60 * 1024) /* a .last's log tail may be 64 KiB */

/* Each crashed domain's kept report gets a 60 KiB log tail: together far
 * more than one 1 MiB frame. */
static void crash_many_with_bulky_tails(void)
{
	char name[32], path[512];
	char *tail = malloc(BULKY_TAIL + 1);

	memset(tail, 'x', BULKY_TAIL);
	tail[BULKY_TAIL] = '\0';
	for (int i = 0; i < BULKY_DOMAINS; i++) {
		snprintf(name, sizeof(name), "bulk%d", i);
		char *cfg =
		    h_standin_config(name, 100 + i, "[\"--exit\", \"1\"]", "");
		ck_assert_int_eq(h_dmctl(NULL, NULL, "start", cfg, NULL), 1);
		free(cfg);
	}
	h_stop_dmsup(SIGTERM);
	for (int i = 0; i < BULKY_DOMAINS; i++) {
		snprintf(path, sizeof(path), "%s/bulk%d.last", H.state, i);
		struct json_object *o = json_object_from_file(path);
		ck_assert_ptr_nonnull(o);
		json_object_object_add(o, "log_tail",
				       json_object_new_string(tail));
		ck_assert_int_eq(json_object_to_file(path, o), 0);
		json_object_put(o);
	}
	free(tail);
	h_start_dmsup();
}

START_TEST(status_and_list_of_all_domains_answer_past_the_frame_cap)
{
	char *out, *err;

	crash_many_with_bulky_tails();
	ck_assert_int_eq(h_dmctl(&out, &err, "--json", "status", NULL), 0);
	struct json_object *list = json_tokener_parse(out);
	ck_assert(json_object_is_type(list, json_type_array));
	ck_assert_int_eq(json_object_array_length(list), BULKY_DOMAINS);
	/* The tails are for status NAME. */
	ck_assert(!json_object_object_get_ex(json_object_array_get_idx(list, 0),
					     "log_tail", NULL));
	json_object_put(list);
	free(out);
	free(err);
	ck_assert_int_eq(h_dmctl(&out, NULL, "list", NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "bulk19"));
	free(out);
	struct json_object *st = h_status("bulk3");
	ck_assert_int_eq(strlen(h_str(st, "log_tail")), BULKY_TAIL);
	json_object_put(st);
}
END_TEST

/* A socket that takes connections and never answers. */
static int silent_socket(char *path, size_t size)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(path, size, "%s/silent", H.dir);
	ck_assert_uint_lt(strlen(path), sizeof(sun.sun_path));
	memcpy(sun.sun_path, path, strlen(path) + 1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	return fd;
}

START_TEST(dmctl_gives_up_on_a_silent_dmsup_with_status_3)
{
	char path[512], *err;
	int fd = silent_socket(path, sizeof(path));

	ck_assert_int_eq(
	    h_dmctl(NULL, &err, "-s", path, "--timeout", "1", "status", NULL),
	    3);
	ck_assert_ptr_nonnull(strstr(err, "no reply from dmsup within 1 s"));
	free(err);
	ck_assert_int_eq(h_dmctl(NULL, &err, "-s", path, "-t", "1", "status",
				 "--watch", NULL),
			 3);
	free(err);
	ck_assert_int_eq(h_dmctl(NULL, &err, "--timeout", "soon", "list", NULL),
			 2);
	ck_assert_ptr_nonnull(strstr(err, "--timeout"));
	free(err);
	close(fd);
}
END_TEST

/* Another dmsup on the test's socket, with dirs of its own: its exit
 * status and stderr (malloc'd in *err_r). */
static int second_dmsup(char **err_r)
{
	char exe[4200], dirs[4][400], errlog[400];
	const char *what[] = {"state2", "run2", "log2", "err2"};
	int status;

	snprintf(exe, sizeof(exe), "%s/dmsup", H.bin);
	for (int i = 0; i < 4; i++)
		snprintf(dirs[i], sizeof(dirs[i]), "%s/%s", H.dir, what[i]);
	snprintf(errlog, sizeof(errlog), "%s", dirs[3]);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		execl(exe, exe, "-f", "-s", H.ctl, "-d", dirs[0], "-r", dirs[1],
		      "-l", dirs[2], (char *)NULL);
		_exit(127);
	}
	ck_assert_msg(h_wait_gone(pid), "the second dmsup kept running");
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	*err_r = h_read_file(errlog);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

START_TEST(second_dmsup_does_not_take_a_live_socket)
{
	char *err, *out;

	ck_assert_int_eq(second_dmsup(&err), 1);
	ck_assert_msg(strstr(err, "another dmsup answers there"), "%s", err);
	free(err);
	/* The first one is still reachable. */
	ck_assert_int_eq(h_dmctl(&out, NULL, "list", NULL), 0);
	free(out);
}
END_TEST

START_TEST(stale_socket_of_a_killed_dmsup_is_replaced)
{
	char *out;

	h_stop_dmsup(SIGKILL);
	ck_assert_int_eq(access(H.ctl, F_OK), 0);
	h_start_dmsup();
	ck_assert_int_eq(h_dmctl(&out, NULL, "list", NULL), 0);
	free(out);
}
END_TEST

/* ---- the fd limit ---- */

/* How often @needle is in dmsup's stderr so far; its size in *size_r. */
static int log_count(const char *needle, size_t *size_r)
{
	char path[400];
	int n = 0;

	snprintf(path, sizeof(path), "%s/dmsup.stderr", H.dir);
	char *log = h_read_file(path);
	ck_assert_ptr_nonnull(log);
	for (const char *p = log; (p = strstr(p, needle)); p++)
		n++;
	if (size_r)
		*size_r = strlen(log);
	free(log);
	return n;
}

/* Waits (with the harness's deadline) until dmsup logged @needle. */
static void wait_log(const char *needle)
{
	for (int i = 0; i < H_TIMEOUT * 100 && !log_count(needle, NULL); i++)
		poll(NULL, 0, 10);
	ck_assert_msg(log_count(needle, NULL), "dmsup never logged '%s'",
		      needle);
}

static void restart_with_nofile(unsigned long soft, unsigned long hard)
{
	h_stop_dmsup(SIGTERM);
	H.nofile_soft = soft;
	H.nofile_hard = hard;
	h_start_dmsup();
}

START_TEST(soft_fd_limit_is_raised_to_the_hard_one)
{
	char path[64];

	restart_with_nofile(64, 256);
	snprintf(path, sizeof(path), "/proc/%d/limits", (int)H.dmsup);
	char *limits = h_read_file(path);
	ck_assert_ptr_nonnull(strstr(limits, "Max open files            256"
					     "                  256"));
	free(limits);
}
END_TEST

/* A non-blocking connect: a connection, or -1 once the backlog is full. */
static int connect_nowait(void)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	ck_assert_uint_lt(strlen(H.ctl), sizeof(sun.sun_path));
	memcpy(sun.sun_path, H.ctl, strlen(H.ctl) + 1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		ck_assert_int_eq(errno, EAGAIN);
		close(fd);
		return -1;
	}
	return fd;
}

/* One request on an open connection; the reply's text. */
static char *ask_on(int fd, const char *json)
{
	static char buf[65536];
	uint32_t be = htonl((uint32_t)strlen(json));
	struct pollfd p = {.fd = fd, .events = POLLIN};
	size_t n = 0;

	ck_assert_int_eq(write(fd, &be, 4), 4);
	ck_assert_int_eq(write(fd, json, strlen(json)), (ssize_t)strlen(json));
	while (n < 4 || n < 4 + ntohl(*(uint32_t *)buf)) {
		ck_assert_int_eq(poll(&p, 1, H_TIMEOUT * 1000), 1);
		ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);
		ck_assert_int_gt(r, 0);
		n += (size_t)r;
	}
	buf[n] = '\0';
	return buf + 4;
}

#define FD_LIMIT 48
#define STARVED "not accepting clients until a descriptor is free"

START_TEST(at_the_fd_limit_dmsup_pauses_accepting_and_recovers)
{
	int fds[1024], n = 0;
	size_t size;
	char *out;

	restart_with_nofile(FD_LIMIT, FD_LIMIT);
	/* Until dmsup ran out; past its limit the backlog (SOMAXCONN) takes
	 * the rest, so each one more waits for dmsup to have said so. */
	while (!log_count(STARVED, NULL)) {
		ck_assert_int_lt(n, 1024);
		bool in = (fds[n] = connect_nowait()) >= 0;
		n += in;
		if (!in || n >= FD_LIMIT)
			poll(NULL, 0, 10);
	}
	/* It still serves the clients it has, and did not spin meanwhile. */
	char *reply = ask_on(fds[0], "{\"cmd\":\"status\"}");
	ck_assert_msg(strstr(reply, "\"ok\":true"), "%s", reply);
	ck_assert_int_eq(log_count(STARVED, &size), 1);
	ck_assert_uint_lt(size, 16384);
	while (n > 0)
		close(fds[--n]);
	wait_log("accepting clients again");
	ck_assert_int_eq(h_dmctl(&out, NULL, "list", NULL), 0);
	free(out);
	ck_assert_int_eq(log_count(STARVED, &size), 1);
	ck_assert_uint_lt(size, 16384);
}
END_TEST

START_TEST(start_that_would_cross_the_fd_limit_is_refused)
{
	char name[32], *err = NULL;
	int started = 0, rc = 0;

	restart_with_nofile(128, 128);
	while (started < 20) {
		snprintf(name, sizeof(name), "fd%d", started);
		char *cfg =
		    h_standin_config(name, 40 + started, "[\"--qmp\"]", "");
		rc = h_dmctl(NULL, &err, "start", cfg, NULL);
		free(cfg);
		if (rc)
			break;
		free(err);
		started++;
	}
	ck_assert_msg(rc == 1 && started > 0, "%d started; %s", started, err);
	ck_assert_msg(strstr(err, "domain fd") && strstr(err, "not started") &&
			  strstr(err, "file descriptors"),
		      "%s", err);
	free(err);
	/* dmsup itself goes on. */
	char *out;
	ck_assert_int_eq(h_dmctl(&out, NULL, "list", NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "fd0"));
	free(out);
}
END_TEST

/* ---- paths checked at start ---- */

/* Another dmsup with these paths and -r run2 -l log2, in H.dir. */
static int dmsup_paths(char **err_r, const char *fg, const char *ctl,
		       const char *state)
{
	return h_dmsup_args(err_r, fg, "-s", ctl, "-d", state, "-r", "run2",
			    "-l", "log2", NULL);
}

START_TEST(relative_paths_of_a_daemon_are_refused_at_start)
{
	char *err;

	ck_assert_int_eq(dmsup_paths(&err, "-v", "ctl2", "/nonexistent/x"), 1);
	ck_assert_msg(strstr(err, "-s ctl2: a relative path does not work"),
		      "%s", err);
	free(err);
	/* Nothing was made. */
	ck_assert_int_ne(access("/nonexistent/x", F_OK), 0);
}
END_TEST

START_TEST(control_socket_without_a_slash_is_in_the_working_dir)
{
	char path[400], *err;

	/* Another dmsup in the foreground, "-s ctl2": it binds H.dir/ctl2
	 * (it used to make a directory there and fail to bind). */
	snprintf(path, sizeof(path), "%s/ctl2", H.dir);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char exe[4200];
		snprintf(exe, sizeof(exe), "%s/dmsup", H.bin);
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, 2);
		if (chdir(H.dir))
			_exit(126);
		execl(exe, exe, "-f", "-s", "ctl2", "-d", "state2", "-r",
		      "run2", "-l", "log2", (char *)NULL);
		_exit(127);
	}
	int rc = 1;
	for (int i = 0; i < H_TIMEOUT * 100 && rc; i++) {
		rc = h_dmctl(NULL, &err, "-s", path, "list", NULL);
		free(err);
		if (rc)
			poll(NULL, 0, 10);
	}
	ck_assert_int_eq(rc, 0);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	kill(pid, SIGTERM);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
}
END_TEST

/* ---- log -f: lines whole, across rotation ---- */

/* Reads @fd into @buf until @needle is in it, or the deadline. */
static bool read_into(int fd, char *buf, size_t size, size_t *n,
		      const char *needle)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	while (!strstr(buf, needle) && *n < size - 1 &&
	       poll(&p, 1, H_TIMEOUT * 1000) == 1) {
		ssize_t r = read(fd, buf + *n, size - 1 - *n);
		if (r <= 0)
			return false;
		*n += (size_t)r;
		buf[*n] = '\0';
	}
	return strstr(buf, needle) != NULL;
}

START_TEST(log_follow_never_prints_a_state_change_inside_a_line)
{
	char *cfg = h_standin_config(
	    "half", 62, "[\"--write\", \"half a line\", \"--qmp\"]", "");
	static char buf[65536];
	size_t n = 0;
	int out;

	h_start(cfg);
	pid_t pid = h_dmctl_bg(&out, "log", "-f", "half", NULL);
	ck_assert(read_into(out, buf, sizeof(buf), &n, "up\nhalf a line"));
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "half", NULL), 0);
	/* The line never ends: dmctl ends it before the state change. */
	ck_assert(read_into(out, buf, sizeof(buf), &n, "--- "));
	ck_assert_msg(strstr(buf, "half a line\n--- "), "output: %s", buf);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	close(out);
	free(cfg);
}
END_TEST

#define LOG_LINES 20000

START_TEST(log_follow_prints_every_line_once_across_rotation)
{
	char *cfg = h_standin_config("spew", 61, "[\"--qmp\"]",
				     "\"log_files\": 10, \"log_size\": 65536");
	char *cfg2 =
	    h_standin_config("spew", 61, "[\"--lines\", \"20000\", \"--qmp\"]",
			     "\"log_files\": 10, \"log_size\": 65536");
	int out;

	h_start(cfg);
	pid_t pid = h_dmctl_bg(&out, "log", "-f", "-n", "0", "spew", NULL);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "spew", NULL), 0);
	h_start(cfg2);
	/* All of it, read as it comes. */
	static char buf[1 << 21];
	size_t n = 0;
	struct pollfd p = {.fd = out, .events = POLLIN};
	while (!strstr(buf, "line 019999") && n < sizeof(buf) - 1 &&
	       poll(&p, 1, H_TIMEOUT * 1000) == 1) {
		ssize_t r = read(out, buf + n, sizeof(buf) - 1 - n);
		ck_assert_int_gt(r, 0);
		n += (size_t)r;
		buf[n] = '\0';
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	close(out);
	const char *q = buf;
	char want[32];
	for (int i = 0; i < LOG_LINES; i++) {
		snprintf(want, sizeof(want), "line %06d\n", i);
		const char *at = strstr(q, want);
		ck_assert_msg(at, "%s missing or out of order", want);
		ck_assert_msg(!strstr(at + 1, want), "%s twice", want);
		q = at + strlen(want);
	}
	free(cfg);
	free(cfg2);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    crash_kills_what_the_dm_left_and_is_reported_at_once,
	    stop_kills_what_the_dm_left,
	    status_and_list_of_all_domains_answer_past_the_frame_cap,
	    dmctl_gives_up_on_a_silent_dmsup_with_status_3,
	    second_dmsup_does_not_take_a_live_socket,
	    stale_socket_of_a_killed_dmsup_is_replaced,
	    soft_fd_limit_is_raised_to_the_hard_one,
	    at_the_fd_limit_dmsup_pauses_accepting_and_recovers,
	    start_that_would_cross_the_fd_limit_is_refused,
	    relative_paths_of_a_daemon_are_refused_at_start,
	    control_socket_without_a_slash_is_in_the_working_dir,
	    log_follow_never_prints_a_state_change_inside_a_line,
	    log_follow_prints_every_line_once_across_rotation,
	};

	return h_main("dmsup-harden", NULL, tests,
		      sizeof(tests) / sizeof(tests[0]));
}
