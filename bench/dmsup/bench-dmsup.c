/*
 * dmsup benchmarks (make bench). Prints figures, asserts nothing:
 *  (a) ready latency: `dmctl start` and a start over a kept-open control
 *      connection vs a bare QEMU launch (same argv) to its greeting
 *  (b) crash detection (kill -9 -> "crashed" seen by a watching client),
 *      with 1 real QEMU and with N stand-in device models (N=100; the
 *      environment's N= chooses, e.g. N=1000)
 *  (c) dmsup's RSS with N supervised, and the PSS of dmsup and its log
 *      helpers per device model
 *  (d) dmsup's wake-ups per second while idle
 *  (e) N concurrent `dmctl start`: all must succeed; their wall time
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "bench/stats.h"
#include "libdmsup/frame.h"
#include "tests/local/dmsup/harness.h"

#define READY_RUNS 50
#define CRASH_RUNS_1 20
#define MANY_DEFAULT 100
#define MANY_MAX 4000
#define IDLE_SECONDS 5

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The q-quantile of @n samples (sorts them). */
static double quantile(double *v, int n, double q)
{
	return stats_quantile(v, (size_t)n, q);
}

/* @pid's command line as an argv (free the block and the array). */
static char **proc_argv(pid_t pid, char **block_r)
{
	char path[64];
	static char buf[65536];

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	ck_assert_int_gt(n, 0);
	char *block = malloc((size_t)n + 1),
	     **v = calloc((size_t)n + 1, sizeof(*v));
	memcpy(block, buf, (size_t)n);
	block[n] = '\0';
	int k = 0;
	for (char *p = block; p < block + n; p += strlen(p) + 1)
		v[k++] = p;
	*block_r = block;
	return v;
}

/* Reads until @fd has sent a whole line (QMP ends each message with
 * CRLF); 0 if it did, -1 on EOF, error or timeout. */
static int read_line(int fd)
{
	char buf[512];

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, H_TIMEOUT * 1000) != 1)
			return -1;
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return -1;
		if (buf[n - 1] == '\n')
			return 0;
	}
}

/*
 * The bare launch dmsup is measured against: the same QEMU argv dmsup
 * gave its device model, the same pre-bound QMP socket as fd 4, connected
 * at once (no polling), timed from fork to the greeting's last byte, and
 * on to the answer of qmp_capabilities in *@answered: the greeting comes
 * about 0.6 ms before QEMU answers anything (measured here), and that
 * answer, which dmsup waits for, is when the device model is usable.
 */
static double bare_qemu_ready(char **argv, double *answered)
{
	char sock[512];
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	snprintf(sock, sizeof(sock), "%s/bare.qmp", H.run);
	if (strlen(sock) >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, sock, strlen(sock) + 1);
	unlink(sock);
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert(!bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) &&
		  !listen(lfd, 4));
	double t0 = now();
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		dup2(lfd, 4);
		execv(argv[0], argv);
		_exit(127);
	}
	static const char caps[] = "{\"execute\":\"qmp_capabilities\"}\r\n";
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int ok = !connect(fd, (struct sockaddr *)&sun, sizeof(sun)) &&
		 !read_line(fd);
	double t = now() - t0;
	ok = ok && write(fd, caps, sizeof(caps) - 1) == sizeof(caps) - 1 &&
	     !read_line(fd);
	*answered = now() - t0;
	close(fd);
	close(lfd);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return ok ? t : -1;
}

/* One request on a kept-open control connection, answered (0) or not. */
static int ctl_call(int fd, struct evbuffer *in, const char *cmd,
		    const char *domain)
{
	struct evbuffer *out = evbuffer_new();
	struct json_object *req = json_object_new_object(), *msg;
	const char *err;
	int ok = -1;

	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	json_object_object_add(req, "domain", json_object_new_string(domain));
	frame_put(out, req);
	json_object_put(req);
	while (evbuffer_get_length(out))
		if (evbuffer_write(out, fd) < 0)
			break;
	evbuffer_free(out);
	for (;;) {
		int r = frame_take(in, &msg, &err);
		if (r == 1) {
			struct json_object *v;
			ok = json_object_object_get_ex(msg, "ok", &v) &&
				     json_object_get_boolean(v)
				 ? 0
				 : -1;
			json_object_put(msg);
			return ok;
		}
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (r < 0 || poll(&p, 1, H_TIMEOUT * 1000) <= 0 ||
		    evbuffer_read(in, fd, 65536) <= 0)
			return -1;
	}
}

/* @v's median and p90, and each over the same quantile of @base (its
 * baseline, n samples too) when there is one. */
static void print_ready(const char *what, double *v, int n, double *base)
{
	double med = quantile(v, n, 0.5), p90 = quantile(v, n, 0.9);

	printf("(a) %s: median %.1f ms, p90 %.1f ms", what, med * 1e3,
	       p90 * 1e3);
	if (base)
		printf(", ratio %.3f (median), %.3f (p90)",
		       med / quantile(base, n, 0.5),
		       p90 / quantile(base, n, 0.9));
	printf("\n");
}

/* Nanoseconds @pid has run on a CPU (/proc/PID/schedstat): what dmsup
 * itself spends, which load on a shared machine changes far less than
 * wall time. -1 if unknown. */
static long long cpu_ns(pid_t pid)
{
	char path[64];
	long long ns = -1;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	FILE *f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%lld", &ns) != 1)
			ns = -1;
		fclose(f);
	}
	return ns;
}

static void bench_ready(void)
{
	static double bare[READY_RUNS], answ[READY_RUNS], cli[READY_RUNS],
	    kept[READY_RUNS];
	char *cfg = h_config("ready", 1, ""), *block;
	struct evbuffer *in = evbuffer_new();
	int fd = h_connect(), fails = 0;

	/* dmsup's own argv for this device model, for the bare launches. */
	char **argv = proc_argv(h_start(cfg), &block);
	h_dmctl(NULL, NULL, "stop", "ready", NULL);
	long long cpu0 = cpu_ns(H.dmsup);
	for (int i = 0; i < READY_RUNS; i++) {
		bare[i] = bare_qemu_ready(argv, &answ[i]);
		double t0 = now();
		fails += h_dmctl(NULL, NULL, "start", "ready", NULL) != 0;
		cli[i] = now() - t0;
		h_dmctl(NULL, NULL, "stop", "ready", NULL);
		t0 = now();
		fails += ctl_call(fd, in, "start", "ready") != 0;
		kept[i] = now() - t0;
		fails += ctl_call(fd, in, "stop", "ready") != 0;
	}
	printf("(a) ready latency, %d runs each, interleaved (%d failed)\n",
	       READY_RUNS, fails);
	print_ready("bare QEMU, same argv and pre-bound QMP socket, to its "
		    "greeting",
		    bare, READY_RUNS, NULL);
	print_ready("dmctl start (CLI) to ready", cli, READY_RUNS, bare);
	print_ready("start over a kept-open connection to ready", kept,
		    READY_RUNS, bare);
	/* Against the bare QEMU's first answer: what a start waits for. */
	print_ready("bare QEMU to its qmp_capabilities answer", answ,
		    READY_RUNS, bare);
	print_ready("dmctl start (CLI), against that answer", cli, READY_RUNS,
		    answ);
	print_ready("kept-open start, against that answer", kept, READY_RUNS,
		    answ);
	long long cpu1 = cpu_ns(H.dmsup);
	if (cpu0 >= 0 && cpu1 >= cpu0)
		printf("(a) dmsup's own CPU per start + stop: %.2f ms (%d of "
		       "each)\n",
		       (cpu1 - cpu0) / 1e6 / (2 * READY_RUNS), 2 * READY_RUNS);
	close(fd);
	evbuffer_free(in);
	free(argv);
	free(block);
	h_dmctl(NULL, NULL, "undefine", "ready", NULL);
	free(cfg);
}

/* A watch on every domain, opened before anything is killed. */
static int watch_all(struct evbuffer **in_r)
{
	int fd = h_connect();
	struct evbuffer *out = evbuffer_new();
	struct json_object *req = json_object_new_object();

	json_object_object_add(req, "cmd", json_object_new_string("watch"));
	frame_put(out, req);
	while (evbuffer_get_length(out))
		evbuffer_write(out, fd);
	evbuffer_free(out);
	json_object_put(req);
	*in_r = evbuffer_new();
	return fd;
}

/* Reads events until @name is reported crashed. */
static void wait_crashed(int fd, struct evbuffer *in, const char *name)
{
	struct json_object *msg, *d;
	const char *err;

	for (;;) {
		while (frame_take(in, &msg, &err) == 1) {
			bool hit =
			    json_object_object_get_ex(msg, "event", NULL) &&
			    json_object_object_get_ex(msg, "domain", &d) &&
			    !strcmp(h_str(d, "name"), name) &&
			    !strcmp(h_str(d, "state"), "crashed");
			json_object_put(msg);
			if (hit)
				return;
		}
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, H_TIMEOUT * 1000) <= 0 ||
		    evbuffer_read(in, fd, 65536) <= 0) {
			fprintf(stderr, "bench: lost the watch\n");
			exit(1);
		}
	}
}

static void print_crash(const char *what, double *v, int n)
{
	double med = quantile(v, n, 0.5), p99 = quantile(v, n, 0.99);

	printf("(b) crash detection, %s: median %.2f ms, p99 %.2f ms (%d "
	       "kills)\n",
	       what, med * 1e3, p99 * 1e3, n);
}

static void bench_crash_one(void)
{
	double v[CRASH_RUNS_1];
	char *cfg = h_config("crash1", 2, "");
	struct evbuffer *in;
	int fd = watch_all(&in);

	for (int i = 0; i < CRASH_RUNS_1; i++) {
		pid_t pid = h_start(cfg);
		double t0 = now();
		kill(pid, SIGKILL);
		wait_crashed(fd, in, "crash1");
		v[i] = now() - t0;
	}
	print_crash("1 real QEMU", v, CRASH_RUNS_1);
	close(fd);
	evbuffer_free(in);
	h_dmctl(NULL, NULL, "undefine", "crash1", NULL);
	free(cfg);
}

static long ctxt_switches(pid_t pid)
{
	char path[64];
	long total = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	char *s = h_read_file(path);
	for (char *p = s; p && (p = strstr(p, "ctxt_switches:")); p++)
		total += atol(p + strlen("ctxt_switches:"));
	free(s);
	return total;
}

/* @pid's proportional set size (smaps_rollup), KiB; 0 if unknown. */
static long pss_kb(pid_t pid)
{
	char path[64];
	long kb = 0;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	char *s = h_read_file(path), *p = s ? strstr(s, "\nPss:") : NULL;
	if (p)
		kb = atol(p + strlen("\nPss:"));
	free(s);
	return kb;
}

/* The PSS of every log helper of this run, KiB, and how many there are. */
static long helpers_pss_kb(int *n_r)
{
	char needle[600], path[64], buf[4096];
	DIR *d = opendir("/proc");
	struct dirent *de;
	long kb = 0;

	snprintf(needle, sizeof(needle), "--log-helper %s ", H.logdir);
	*n_r = 0;
	while (d && (de = readdir(d))) {
		pid_t pid = atoi(de->d_name);
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
		int fd = pid > 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		for (ssize_t i = 0; i < n; i++)
			buf[i] = buf[i] ? buf[i] : ' ';
		if (n <= 0 || (buf[n] = '\0', !strstr(buf, needle)))
			continue;
		kb += pss_kb(pid);
		(*n_r)++;
	}
	if (d)
		closedir(d);
	return kb;
}

/* N= from the environment, within 1..MANY_MAX. */
static int many_count(void)
{
	const char *s = getenv("N");
	int n = s ? atoi(s) : MANY_DEFAULT;

	return n < 1 ? MANY_DEFAULT : n > MANY_MAX ? MANY_MAX : n;
}

static void bench_many(void)
{
	static pid_t pids[MANY_MAX];
	static double v[MANY_MAX];
	const int MANY = many_count();
	char name[32], what[48];

	for (int i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		char *cfg = h_standin_config(name, 100 + i, "[\"--qmp\"]", "");
		pids[i] = h_start(cfg);
		free(cfg);
	}
	int helpers;
	long dmsup_pss = pss_kb(H.dmsup), log_pss = helpers_pss_kb(&helpers);
	printf("(c) dmsup RSS with %d supervised: %ld KiB\n", MANY,
	       h_rss_kb(H.dmsup));
	printf("(c) supervision PSS with %d supervised: dmsup %ld KiB + %d "
	       "log helpers %ld KiB = %.0f KiB per device model\n",
	       MANY, dmsup_pss, helpers, log_pss,
	       (double)(dmsup_pss + log_pss) / MANY);
	long before = ctxt_switches(H.dmsup);
	poll(NULL, 0, IDLE_SECONDS * 1000);
	long after = ctxt_switches(H.dmsup);
	printf("(d) dmsup wake-ups while idle with %d supervised: %.1f per "
	       "second (%ld in %d s)\n",
	       MANY, (double)(after - before) / IDLE_SECONDS, after - before,
	       IDLE_SECONDS);
	struct evbuffer *in;
	int fd = watch_all(&in);
	for (int i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		double t0 = now();
		kill(pids[i], SIGKILL);
		wait_crashed(fd, in, name);
		v[i] = now() - t0;
	}
	snprintf(what, sizeof(what), "%d stand-ins", MANY);
	print_crash(what, v, MANY);
	close(fd);
	evbuffer_free(in);
}

/* N `dmctl start` at once, each its own process and connection, as a
 * host boot might: how many succeed, and the wall time of all. */
static void bench_concurrent(void)
{
	static pid_t pids[MANY_MAX];
	static int outs[MANY_MAX];
	static char *cfgs[MANY_MAX];
	const int MANY = many_count();
	char name[32];
	int ok = 0, first_bad = -1;

	for (int i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		cfgs[i] = h_standin_config(name, 5000 + i, "[\"--qmp\"]", "");
	}
	double t0 = now();
	for (int i = 0; i < MANY; i++)
		pids[i] = h_dmctl_bg(&outs[i], "start", cfgs[i], NULL);
	for (int i = 0; i < MANY; i++) {
		int status;
		if (waitpid(pids[i], &status, 0) == pids[i] &&
		    WIFEXITED(status) && !WEXITSTATUS(status))
			ok++;
		else if (first_bad < 0)
			first_bad = i;
	}
	double wall = now() - t0;
	printf("(e) %d concurrent dmctl start: %d succeeded, %d failed, all "
	       "ready in %.2f s\n",
	       MANY, ok, MANY - ok, wall);
	if (first_bad >= 0) {
		char why[512];
		ssize_t n = read(outs[first_bad], why, sizeof(why) - 1);
		why[n > 0 ? n : 0] = '\0';
		printf("(e) the first failure said: %s", why);
	}
	for (int i = 0; i < MANY; i++) {
		close(outs[i]);
		free(cfgs[i]);
	}
}

/* Inside a Check runner only because the harness's sanity checks use
 * ck_assert; the figures are printed, never asserted. */
START_TEST(bench)
{
	bench_ready();
	bench_crash_one();
	bench_many();
	bench_concurrent();
}
END_TEST

int main(void)
{
	/* dmsup's run dir on a tmpfs, as /run/dmsup is on a Debian host,
	 * where the machine has one (a container's /run may not be). */
	if (!access("/dev/shm", W_OK) && !getenv("DMSUP_H_RUN_BASE"))
		setenv("DMSUP_H_RUN_BASE", "/dev/shm", 0);
	printf("(run dir under %s)\n", getenv("DMSUP_H_RUN_BASE")
					   ? getenv("DMSUP_H_RUN_BASE")
					   : "the test dir");
	Suite *s = suite_create("bench-dmsup");
	TCase *tc = tcase_create("bench");

	tcase_set_timeout(tc, 600);
	tcase_add_unchecked_fixture(tc, h_suite_setup, h_suite_teardown);
	tcase_add_checked_fixture(tc, h_setup, h_teardown);
	tcase_add_test(tc, bench);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_SILENT);
	int failed = srunner_ntests_failed(sr);
	if (failed)
		srunner_print(sr, CK_NORMAL);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
