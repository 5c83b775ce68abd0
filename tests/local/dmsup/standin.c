/*
 * A stand-in device model for the local tests and benchmarks: started by
 * dmsup with QEMU's argv (it only reads the QMP chardev path from it) plus
 * its own options at the end:
 *   --count FILE     append a line to FILE first (counts spawns)
 *   --exit N         exit with status N at once (an insta-crashing DM)
 *   --stderr-bytes N write N bytes of numbered lines to stderr, then
 *                    "standin: done"
 *   --qmp            answer QMP: a greeting, {"return": {}} to every
 *                    command, exit on "quit" after a SHUTDOWN event; on
 *                    a listening socket passed as -chardev ...,fd=N
 *                    (dmsup-qemu-dm) or made at ...,path=P
 *   --write TEXT     write TEXT to stderr as it is (no newline added),
 *                    after "standin: up"
 *   --print-env      write its argv and environment to stderr
 *   --hold-stderr F  fork a child that keeps stderr open and sleeps;
 *                    its pid goes to file F
 * SIGHUP ends it as QEMU does: "terminating on signal 1", exit 0.
 * Its own sockets are moved to fds >= 64, so that everything below 64 is
 * what dmsup gave it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define OWN_FD_BASE 64

static int move_high(int fd)
{
	int hi = fcntl(fd, F_DUPFD_CLOEXEC, OWN_FD_BASE);

	close(fd);
	return hi;
}

static int qmp_listen(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    listen(fd, 1))
		return -1;
	return move_high(fd);
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t r = write(fd, buf, len);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			return;
		}
		buf += r;
		len -= (size_t)r;
	}
}

/* One client at a time; every command gets an empty return. */
static void qmp_serve(int lfd)
{
	static const char greeting[] =
	    "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": "
	    "0, \"major\": 0}, \"package\": \"standin\"}, "
	    "\"capabilities\": []}}\r\n";
	char buf[4096];

	for (;;) {
		int c = accept(lfd, NULL, NULL);
		if (c < 0)
			continue;
		c = move_high(c);
		write_all(c, greeting, strlen(greeting));
		ssize_t n;
		while ((n = read(c, buf, sizeof(buf) - 1)) > 0) {
			buf[n] = '\0';
			/* Enough for dmsup's requests: one command per read. */
			char *id = strstr(buf, "\"id\"");
			char reply[256];
			int len;
			if (id) {
				char *colon = strchr(id + 4, ':');
				char *end = colon ? strpbrk(colon, ",}") : NULL;
				len = snprintf(
				    reply, sizeof(reply),
				    "{\"return\": {}, \"id\": %.*s}\r\n",
				    end ? (int)(end - colon - 1) : 1,
				    end ? colon + 1 : "0");
			} else {
				len = snprintf(reply, sizeof(reply),
					       "{\"return\": {}}\r\n");
			}
			if (strstr(buf, "\"quit\"")) {
				static const char ev[] =
				    "{\"event\": \"SHUTDOWN\", \"data\": "
				    "{\"guest\": false, \"reason\": "
				    "\"host-qmp-quit\"}, \"timestamp\": "
				    "{\"seconds\": 0, \"microseconds\": "
				    "0}}\r\n";
				write_all(c, reply, (size_t)len);
				write_all(c, ev, strlen(ev));
				exit(0);
			}
			write_all(c, reply, (size_t)len);
		}
		close(c);
	}
}

static void spew(long long bytes)
{
	static char line[4096];
	long long n = 0;

	while (bytes > 0) {
		int len = snprintf(line, sizeof(line),
				   "standin: line %lld %0200d\n", n++, 0);
		if (len > bytes) {
			/* The last line is cut short, but still a line. */
			len = (int)bytes;
			line[len - 1] = '\n';
		}
		write_all(2, line, (size_t)len);
		bytes -= len;
	}
	write_all(2, "standin: done\n", 14);
}

static void hup_cb(int sig)
{
	static const char msg[] = "standin: terminating on signal 1\n";

	write_all(2, msg, strlen(msg));
	_exit(0);
}

static void print_env(int argc, char **argv)
{
	extern char **environ;

	fprintf(stderr, "standin: argv:");
	for (int i = 0; i < argc; i++)
		fprintf(stderr, " %s", argv[i]);
	fprintf(stderr, "\n");
	for (char **e = environ; *e; e++)
		fprintf(stderr, "standin: env: %s\n", *e);
}

static void hold_stderr(const char *pidfile)
{
	char buf[32];
	pid_t pid = fork();
	int fd, len;

	if (pid == 0) {
		for (;;)
			pause();
	}
	fd = open(pidfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	len = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	write_all(fd, buf, (size_t)len);
	close(fd);
}

int main(int argc, char **argv)
{
	const char *qmp_path = NULL, *write_last = NULL;
	int qmp = 0, qmp_fd = -1;

	signal(SIGHUP, hup_cb);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-chardev") && i + 1 < argc) {
			char *p = strstr(argv[i + 1], "path=");
			char *f = strstr(argv[i + 1], ",fd=");
			if (f)
				qmp_fd = atoi(f + 4);
			if (p) {
				static char path[256];
				snprintf(path, sizeof(path), "%.*s",
					 (int)strcspn(p + 5, ","), p + 5);
				qmp_path = path;
			}
		} else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			int fd = open(argv[++i], O_WRONLY | O_APPEND | O_CREAT,
				      0600);
			write_all(fd, "spawn\n", 6);
			close(fd);
		} else if (!strcmp(argv[i], "--exit") && i + 1 < argc) {
			fprintf(stderr, "standin: exiting with %s\n",
				argv[i + 1]);
			return atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--lines") && i + 1 < argc) {
			/* Numbered lines as fast as it can: rotation tests. */
			for (int n = 0, max = atoi(argv[++i]); n < max; n++)
				fprintf(stderr, "line %06d\n", n);
			fflush(stderr);
		} else if (!strcmp(argv[i], "--stderr-bytes") && i + 1 < argc) {
			spew(atoll(argv[++i]));
		} else if (!strcmp(argv[i], "--qmp")) {
			qmp = 1;
		} else if (!strcmp(argv[i], "--hold-stderr") && i + 1 < argc) {
			hold_stderr(argv[++i]);
		} else if (!strcmp(argv[i], "--write") && i + 1 < argc) {
			write_last = argv[++i];
		} else if (!strcmp(argv[i], "--print-env")) {
			print_env(argc, argv);
		}
	}
	fprintf(stderr, "standin: up\n");
	if (write_last)
		fputs(write_last, stderr);
	if (qmp && qmp_fd >= 0)
		qmp_serve(qmp_fd);
	if (qmp && qmp_path) {
		int lfd = qmp_listen(qmp_path);
		if (lfd < 0) {
			perror("standin: qmp socket");
			return 1;
		}
		qmp_serve(lfd);
	}
	for (;;)
		pause();
}
