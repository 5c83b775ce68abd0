/* The local tests' harness (see harness.h). */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "dmsup/cgroup.h"
#include "libdmsup/frame.h"
#include "tests/local/dmsup/harness.h"

/* Paths here are short temp paths; a truncated one fails loudly anyway. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

struct h H;
static char suite_dir[256];

double h_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int h_rm_cb(const char *path, const struct stat *st, int flag,
		   struct FTW *ftw)
{
	remove(path);
	return 0;
}

/* Whether @pid's command line, or the file its fd 3 is, mentions
 * @needle: a device model's argv names no path of the run (its QMP
 * socket is a passed fd), but its fd 3 is the run's sentinel FIFO. */
static bool h_proc_mentions(pid_t pid, const char *needle)
{
	char path[64], buf[8192];

	snprintf(path, sizeof(path), "/proc/%d/fd/3", (int)pid);
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		if (strstr(buf, needle))
			return true;
	}
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return false;
	for (ssize_t i = 0; i < n; i++)
		buf[i] = buf[i] ? buf[i] : ' ';
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

/* Live processes that mention @needle (h_proc_mentions); killed if
 * asked. The last one found goes to *pid_r. */
static int h_scan_procs(const char *needle, bool kill_them, pid_t *pid_r)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int count = 0;

	while (d && (de = readdir(d))) {
		pid_t pid = atoi(de->d_name);
		if (pid <= 1 || pid == getpid() || !h_alive(pid) ||
		    !h_proc_mentions(pid, needle))
			continue;
		count++;
		if (pid_r)
			*pid_r = pid;
		if (kill_them) {
			kill(pid, SIGKILL);
			h_wait_gone(pid);
		}
	}
	if (d)
		closedir(d);
	return count;
}

/* How many processes have @parent as their parent (zombies too). */
static int h_children(pid_t parent)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d))) {
		char path[64], buf[1024];
		int ppid = 0;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		int fd = atoi(de->d_name) > 0 ? open(path, O_RDONLY | O_CLOEXEC)
					      : -1;
		ssize_t r = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (r <= 0)
			continue;
		buf[r] = '\0';
		char *p = strrchr(buf, ')');
		if (p && sscanf(p + 1, " %*c %d", &ppid) == 1 && ppid == parent)
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

bool h_wait_childless(pid_t parent)
{
	double end = h_now() + H_TIMEOUT;

	while (h_children(parent) > 0)
		if (h_now() > end)
			return false;
		else
			poll(NULL, 0, 10);
	return true;
}

int h_count_procs(const char *needle)
{
	return h_scan_procs(needle, false, NULL);
}

pid_t h_find_proc(const char *needle)
{
	pid_t pid = 0;

	h_scan_procs(needle, false, &pid);
	return pid;
}

static void h_kill_matching(const char *needle)
{
	for (int round = 0; round < 10 && h_scan_procs(needle, true, NULL);
	     round++)
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/*
 * The cgroups a dmsup on @dir/run made (restricted runs: dmsup-<hash of
 * the run dir>-NAME) and left, its test having failed or killed it:
 * emptied by cgroup.kill, then removed once the kernel emptied them.
 */
static void h_cleanup_cgroups(const char *dir)
{
	char base[DMCG_PATH_MAX], why[256], run[400], prefix[32];
	struct dirent *de;
	DIR *d;

	snprintf(run, sizeof(run), "%s/run", dir);
	snprintf(prefix, sizeof(prefix), "dmsup-%08x-", dmcg_hash(run));
	if (dmcg_base("auto", base, sizeof(base), why, sizeof(why)) ||
	    !(d = opendir(base)))
		return;
	while ((de = readdir(d))) {
		char cg[DMCG_PATH_MAX + 300];
		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(cg, sizeof(cg), "%s/%s", strcmp(base, "/") ? base : "",
			 de->d_name);
		dmcg_kill(cg);
		for (double end = h_now() + H_TIMEOUT;
		     dmcg_remove(cg) == 1 && h_now() < end;)
			usleep(10000);
	}
	closedir(d);
}

static void h_cleanup_dir(const char *dir)
{
	struct dirent *de;
	DIR *d;

	if (!dir[0])
		return;
	h_kill_matching(dir);
	h_cleanup_cgroups(dir);
	/* The suite's dir: the tests' own, whose teardown a failure cut. */
	if ((d = opendir(dir))) {
		while ((de = readdir(d))) {
			char sub[600];
			snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
			if (!strncmp(de->d_name, "t-", 2))
				h_cleanup_cgroups(sub);
		}
		closedir(d);
	}
	nftw(dir, h_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

void h_suite_setup(void)
{
	snprintf(suite_dir, sizeof(suite_dir), "/tmp/dmsup-local-XXXXXX");
	if (!mkdtemp(suite_dir))
		suite_dir[0] = '\0';
}

void h_suite_teardown(void)
{
	h_cleanup_dir(suite_dir);
}

/* The run dir when it is not under H.dir (DMSUP_H_RUN_BASE). */
static void h_cleanup_run(void)
{
	if (H.run[0] && strncmp(H.run, H.dir, strlen(H.dir)))
		h_cleanup_dir(H.run);
	H.run[0] = '\0';
}

static void h_atexit(void)
{
	h_cleanup_run();
	h_cleanup_dir(H.dir);
}

/* The build dir is the nearest parent of this program with bin/dmsup. */
static void h_find_binaries(void)
{
	char dir[4096], probe[4200];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);

	ck_assert(n > 0);
	dir[n] = '\0';
	do {
		*strrchr(dir, '/') = '\0';
		snprintf(probe, sizeof(probe), "%s/bin/dmsup", dir);
	} while (*dir && access(probe, X_OK));
	ck_assert_msg(*dir, "no bin/dmsup above this program");
	snprintf(H.bin, sizeof(H.bin), "%s/bin", dir);
	snprintf(H.standin, sizeof(H.standin), "%s/tests/local/dmsup/standin",
		 dir);
}

void h_setup(void)
{
	memset(&H, 0, sizeof(H));
	snprintf(H.dir, sizeof(H.dir), "%s/t-XXXXXX",
		 suite_dir[0] ? suite_dir : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(H.dir));
	snprintf(H.ctl, sizeof(H.ctl), "%s/control", H.dir);
	snprintf(H.state, sizeof(H.state), "%s/state", H.dir);
	snprintf(H.logdir, sizeof(H.logdir), "%s/log", H.dir);
	/* DMSUP_H_RUN_BASE puts the run dir elsewhere, e.g. on a tmpfs as
	 * /run/dmsup is on a Debian host (bench-dmsup). */
	const char *rb = getenv("DMSUP_H_RUN_BASE");
	snprintf(H.run, sizeof(H.run), "%s/dmsup-run-XXXXXX", rb ? rb : "");
	if (!rb || !mkdtemp(H.run))
		snprintf(H.run, sizeof(H.run), "%s/run", H.dir);
	h_find_binaries();
	atexit(h_atexit);
	signal(SIGPIPE, SIG_IGN);
	h_start_dmsup();
}

void h_teardown(void)
{
	/* A clean exit: no sanitizer report, no leak, no crash. */
	if (H.dmsup > 0) {
		char path[400];
		int status;
		kill(H.dmsup, SIGTERM);
		ck_assert_int_eq(waitpid(H.dmsup, &status, 0), H.dmsup);
		H.dmsup = 0;
		snprintf(path, sizeof(path), "%s/dmsup.stderr", H.dir);
		char *log = h_read_file(path);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "dmsup did not exit cleanly (status %#x): %s",
			      status, log ? log : "");
		free(log);
	}
	h_cleanup_run();
	h_cleanup_dir(H.dir);
	H.dir[0] = '\0';
}

int h_connect(void)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", H.ctl);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static bool h_can_connect(void)
{
	int fd = h_connect();

	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

void h_start_dmsup(void)
{
	char dmsup[4200], errlog[400];

	snprintf(dmsup, sizeof(dmsup), "%s/dmsup", H.bin);
	snprintf(errlog, sizeof(errlog), "%s/dmsup.stderr", H.dir);
	H.dmsup = fork();
	ck_assert_int_ge(H.dmsup, 0);
	if (H.dmsup == 0) {
		int fd = open(errlog, O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(fd, 2);
		struct rlimit rl = {H.nofile_soft, H.nofile_hard};
		if (H.nofile_hard && setrlimit(RLIMIT_NOFILE, &rl))
			_exit(126);
		for (int c = 0; c < 64; c++)
			if ((H.drop_caps >> c & 1) &&
			    prctl(PR_CAPBSET_DROP, c, 0, 0, 0))
				_exit(126);
		execl(dmsup, dmsup, "-f", "-s", H.ctl, "-r", H.run, "-d",
		      H.state, "-l", H.logdir, (char *)NULL);
		_exit(127);
	}
	/* The socket accepts once dmsup has reattached and listens. */
	double end = h_now() + H_TIMEOUT;
	while (!h_can_connect()) {
		ck_assert_msg(h_now() < end, "dmsup did not come up");
		ck_assert_msg(waitpid(H.dmsup, NULL, WNOHANG) == 0,
			      "dmsup exited at start");
		poll(NULL, 0, 10);
	}
}

void h_stop_dmsup(int sig)
{
	int status;

	kill(H.dmsup, sig);
	ck_assert_int_eq(waitpid(H.dmsup, &status, 0), H.dmsup);
	H.dmsup = 0;
}

static char *h_drain(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;

	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 2)
			buf = realloc(buf, cap *= 2);
	}
	buf[len] = '\0';
	close(fd);
	return buf;
}

/* Forks @prog of H.bin with @args (dmctl: with the test's socket), in
 * H.dir if @in_dir (relative paths); its stdout and stderr go to the
 * write ends given (or stay the test's if -1). */
static pid_t h_fork_bin_in(const char *prog, char **args, int out, int err,
			   bool in_dir)
{
	char *argv[32], path[4200];
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", H.bin, prog);
	argv[n++] = path;
	if (!strcmp(prog, "dmctl")) {
		argv[n++] = (char *)"-s";
		argv[n++] = H.ctl;
	}
	while (n < 31 && *args)
		argv[n++] = *args++;
	argv[n] = NULL;
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (out >= 0)
			dup2(out, 1);
		if (err >= 0)
			dup2(err, 2);
		if (in_dir && chdir(H.dir))
			_exit(126);
		execv(path, argv);
		_exit(127);
	}
	return pid;
}

static pid_t h_fork_bin(const char *prog, char **args, int out, int err)
{
	return h_fork_bin_in(prog, args, out, err, false);
}

static void h_collect_args(char **args, va_list ap)
{
	int n = 0;

	while (n < 28 && (args[n] = va_arg(ap, char *)))
		n++;
	args[n] = NULL;
}

static int h_run_in(const char *prog, char **args, char **out_r, char **err_r,
		    bool in_dir)
{
	int opipe[2], epipe[2], status;

	ck_assert(!pipe2(opipe, O_CLOEXEC) && !pipe2(epipe, O_CLOEXEC));
	pid_t pid = h_fork_bin_in(prog, args, opipe[1], epipe[1], in_dir);
	close(opipe[1]);
	close(epipe[1]);
	/* stderr is small; read stdout first, then stderr. */
	char *out = h_drain(opipe[0]);
	char *err = h_drain(epipe[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	if (out_r)
		*out_r = out;
	else
		free(out);
	if (err_r)
		*err_r = err;
	else
		free(err);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int h_run(const char *prog, char **args, char **out_r, char **err_r)
{
	return h_run_in(prog, args, out_r, err_r, false);
}

static int h_dmctl_v(char **out_r, char **err_r, va_list ap)
{
	char *args[29];

	h_collect_args(args, ap);
	return h_run("dmctl", args, out_r, err_r);
}

int h_dmsup(char **out_r, char **err_r, const char *arg)
{
	char *args[] = {(char *)arg, NULL};

	return h_run("dmsup", args, out_r, err_r);
}

int h_prog(char **out_r, char **err_r, const char *prog, ...)
{
	char *args[29];
	va_list ap;

	va_start(ap, prog);
	h_collect_args(args, ap);
	va_end(ap);
	return h_run(prog, args, out_r, err_r);
}

int h_dmsup_args(char **err_r, ...)
{
	char *args[29];
	va_list ap;

	va_start(ap, err_r);
	h_collect_args(args, ap);
	va_end(ap);
	return h_run_in("dmsup", args, NULL, err_r, true);
}

pid_t h_dmctl_bg(int *out_r, ...)
{
	char *args[29];
	int opipe[2];
	va_list ap;

	va_start(ap, out_r);
	h_collect_args(args, ap);
	va_end(ap);
	ck_assert(!pipe2(opipe, O_CLOEXEC));
	pid_t pid = h_fork_bin("dmctl", args, opipe[1], opipe[1]);
	close(opipe[1]);
	*out_r = opipe[0];
	return pid;
}

bool h_read_until(int fd, const char *needle)
{
	char buf[65536];
	size_t len = 0;
	double end = h_now() + H_TIMEOUT;

	while (h_now() < end) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, (int)((end - h_now()) * 1000) + 1) <= 0)
			return false;
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			return false;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, needle))
			return true;
		if (len > sizeof(buf) / 2) {
			/* Keep the tail: the needle may straddle reads. */
			memmove(buf, buf + len - 1024, 1024);
			len = 1024;
		}
	}
	return false;
}

struct json_object *h_status(const char *domain)
{
	char *out;
	struct json_object *o = NULL;

	if (h_dmctl(&out, NULL, "--json", "status", domain, NULL) == 0)
		o = json_tokener_parse(out);
	free(out);
	return o;
}

const char *h_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, key, &v)
		   ? json_object_get_string(v)
		   : "";
}

long long h_int(struct json_object *o, const char *key)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, key, &v)
		   ? json_object_get_int64(v)
		   : -1;
}

static char *h_write_config(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static char *h_write_config(const char *name, const char *fmt, ...)
{
	char *path;
	va_list ap;
	FILE *f;

	ck_assert_int_gt(asprintf(&path, "%s/%s.json", H.dir, name), 0);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	return path;
}

char *h_config(const char *name, int domid, const char *extra)
{
	return h_write_config(name,
			      "{\"domid\": %d, \"name\": \"%s\", \"xen\": "
			      "false, \"qemu\": \"%s\", \"machine\": \"none\", "
			      "\"vga\": \"none\", \"memory\": 16%s%s}\n",
			      domid, name, H_QEMU, *extra ? ", " : "", extra);
}

char *h_standin_config(const char *name, int domid, const char *args,
		       const char *extra)
{
	return h_write_config(
	    name,
	    "{\"domid\": %d, \"name\": \"%s\", \"xen\": "
	    "false, \"qemu\": \"%s\", \"extra_args\": %s%s%s}\n",
	    domid, name, H.standin, args, *extra ? ", " : "", extra);
}

/* A start failed: what dmsup and the device model said goes to stderr,
 * so that a failure seen once under load can be understood. */
static void h_tell_why(const char *name)
{
	char path[400], *out = NULL;

	snprintf(path, sizeof(path), "%s/dmsup.stderr", H.dir);
	char *log = h_read_file(path);
	size_t len = log ? strlen(log) : 0;
	fprintf(stderr, "--- dmsup's log (tail):\n%s\n",
		log ? log + (len > 4096 ? len - 4096 : 0) : "(none)");
	free(log);
	h_dmctl(&out, NULL, "log", "-n", "40", name, NULL);
	fprintf(stderr, "--- dmctl log %s:\n%s\n", name, out ? out : "");
	free(out);
}

pid_t h_start(const char *config)
{
	char *name = strdup(strrchr(config, '/') + 1), *err = NULL;

	*strrchr(name, '.') = '\0';
	/* The error is kept: a start refused under load says why. */
	int rc = h_dmctl(NULL, &err, "start", config, NULL);
	if (rc != 0)
		h_tell_why(name);
	ck_assert_msg(rc == 0, "dmctl start %s: exit %d: %s", name, rc,
		      err ? err : "");
	free(err);
	struct json_object *st = h_status(name);
	pid_t pid = (pid_t)h_int(st, "pid");
	ck_assert_str_eq(h_str(st, "state"), "running");
	ck_assert_int_gt(pid, 0);
	json_object_put(st);
	free(name);
	return pid;
}

static int h_watch_connect(const char *domain)
{
	int fd = h_connect();
	struct evbuffer *out = evbuffer_new();
	struct json_object *req = json_object_new_object();

	ck_assert_int_ge(fd, 0);
	json_object_object_add(req, "cmd", json_object_new_string("watch"));
	json_object_object_add(req, "domain", json_object_new_string(domain));
	ck_assert_int_eq(frame_put(out, req), 0);
	while (evbuffer_get_length(out))
		ck_assert_int_ge(evbuffer_write(out, fd), 0);
	evbuffer_free(out);
	json_object_put(req);
	return fd;
}

/* Reads the watch on @fd until @domain is in @state. 1: found (*found_r),
 * 0: the domain does not exist (yet), -1: timeout or connection lost. */
static int h_watch_until(int fd, const char *state, double end,
			 struct json_object **found_r)
{
	struct evbuffer *in = evbuffer_new();
	struct json_object *msg, *d, *ok;
	const char *err;
	int r, rc = -1;

	while (rc < 0 && h_now() < end) {
		while (rc < 0 && (r = frame_take(in, &msg, &err)) == 1) {
			if (json_object_object_get_ex(msg, "ok", &ok) &&
			    !json_object_get_boolean(ok))
				rc = 0;
			else if (json_object_object_get_ex(msg, "domain", &d) &&
				 !strcmp(h_str(d, "state"), state)) {
				*found_r = json_object_get(d);
				rc = 1;
			}
			json_object_put(msg);
		}
		if (rc >= 0 || r < 0)
			break;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, (int)((end - h_now()) * 1000) + 1) <= 0 ||
		    evbuffer_read(in, fd, 65536) <= 0)
			break;
	}
	evbuffer_free(in);
	return rc;
}

struct json_object *h_wait_state(const char *domain, const char *state)
{
	struct json_object *found = NULL;
	double end = h_now() + H_TIMEOUT;
	int rc;

	/* A domain that is not defined yet is waited for as well. */
	do {
		int fd = h_watch_connect(domain);
		rc = h_watch_until(fd, state, end, &found);
		close(fd);
		if (rc == 0)
			poll(NULL, 0, 10);
	} while (rc == 0 && h_now() < end);
	return found;
}

bool h_wait_gone(pid_t pid)
{
	int fd = pidfd_open(pid, 0);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	bool gone;

	if (fd < 0)
		return errno == ESRCH;
	gone = poll(&p, 1, H_TIMEOUT * 1000) == 1;
	close(fd);
	return gone;
}

bool h_alive(pid_t pid)
{
	char path[64], buf[512];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	/* A zombie is dead. */
	return p && p[2] != 'Z' && p[2] != 'X';
}

long h_rss_kb(pid_t pid)
{
	char path[64];
	long kb = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	char *s = h_read_file(path);
	char *p = s ? strstr(s, "VmRSS:") : NULL;
	if (p)
		kb = atol(p + 6);
	free(s);
	return kb;
}

char *h_read_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? NULL : h_drain(fd);
}

int h_main(const char *name, void (*setup)(void), const TTest *const *tests,
	   size_t n)
{
	Suite *s = suite_create(name);
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, 180);
	tcase_add_unchecked_fixture(tc, h_suite_setup, h_suite_teardown);
	tcase_add_checked_fixture(tc, setup ? setup : h_setup, h_teardown);
	for (size_t i = 0; i < n; i++)
		tcase_add_test(tc, tests[i]);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

char *h_start_pc(void)
{
	char *cfg = h_config("vm1", 11, "\"machine\": \"pc-i440fx-3.1\"");

	h_start(cfg);
	return cfg;
}

char *h_qmp_json(const char *domain, const char *command)
{
	char *out;

	ck_assert_int_eq(
	    h_dmctl(&out, NULL, "--json", "qmp", domain, command, NULL), 0);
	return out;
}

int h_dmctl(char **out_r, char **err_r, ...)
{
	va_list ap;
	int rc;

	va_start(ap, err_r);
	rc = h_dmctl_v(out_r, err_r, ap);
	va_end(ap);
	return rc;
}

void h_dmctl_refused(const char *want, ...)
{
	char *err;
	va_list ap;
	int rc;

	va_start(ap, want);
	rc = h_dmctl_v(NULL, &err, ap);
	va_end(ap);
	ck_assert_int_eq(rc, 1);
	ck_assert_msg(strstr(err, want), "dmctl's error lacks '%s': %s", want,
		      err);
	free(err);
}
