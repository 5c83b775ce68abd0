/*
 * Readiness under systemd (Type=notify), with the test in systemd's
 * place: a datagram socket it binds and names in $NOTIFY_SOCKET. dmsup
 * sends READY=1 there once its control socket answers, to a path or an
 * abstract "@name", lets no process it starts see the variable, and a
 * socket nobody listens on does not keep it from serving. Around a
 * reload (SIGHUP) it sends RELOADING=1, then READY=1 again; on SIGTERM
 * STOPPING=1.
 */
#include <check.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/local/dmsup/harness.h"

/* A datagram socket bound at @name (in H.dir) or, if @abstract, at an
 * abstract name of its own; @env_r gets what $NOTIFY_SOCKET says. */
static int notify_bind(const char *name, bool abstract, char *env_r, size_t len)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	socklen_t sunlen = sizeof(sun);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	if (abstract) {
		/* Unique per test: the abstract namespace is the machine's. */
		snprintf(env_r, len, "@dmsup-test-%d-%s", (int)getpid(), name);
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", env_r);
		sun.sun_path[0] = '\0';
		sunlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
				     strlen(env_r));
	} else {
		snprintf(env_r, len, "%s/%s", H.dir, name);
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", env_r);
	}
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sunlen), 0);
	return fd;
}

/* In place of the harness's dmsup: one with $NOTIFY_SOCKET = @notify
 * (it inherits the test's environment; dmctl then does not). */
static void restart_dmsup_with(const char *notify)
{
	h_stop_dmsup(SIGTERM);
	setenv("NOTIFY_SOCKET", notify, 1);
	h_start_dmsup();
	unsetenv("NOTIFY_SOCKET");
}

/* The next datagram on @fd, within the harness's deadline; malloc'd. */
static char *recv_message(int fd)
{
	struct pollfd pfd = {fd, POLLIN, 0};
	char buf[512];
	ssize_t n;

	ck_assert_msg(poll(&pfd, 1, H_TIMEOUT * 1000) == 1,
		      "no notification within %d s", H_TIMEOUT);
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	return strdup(buf);
}

/* dmsup's stderr so far, malloc'd. */
static char *dmsup_log(void)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/dmsup.stderr", H.dir);
	return h_read_file(path);
}

/*
 * READY=1 has arrived and the control socket answers; dmsup's log says
 * it listened before it sent READY=1 (the harness waits for the socket,
 * so the order shows there).
 */
static void assert_ready_then_serving(int fd)
{
	char *msg = recv_message(fd), *out, *log;
	int ctl = h_connect();

	ck_assert_str_eq(msg, "READY=1\nSTATUS=0 domains, 0 device models "
			      "active");
	ck_assert_msg(ctl >= 0, "READY=1 came before the control socket");
	close(ctl);
	ck_assert_int_eq(h_dmctl(&out, NULL, "list", NULL), 0);
	log = dmsup_log();
	const char *listening = log ? strstr(log, "listening on ") : NULL;
	const char *sent = log ? strstr(log, "notify: READY=1 sent") : NULL;
	ck_assert_msg(listening && sent && listening < sent, "dmsup's log: %s",
		      log ? log : "");
	free(log);
	free(out);
	free(msg);
}

START_TEST(ready_comes_once_the_control_socket_answers)
{
	char env[320];
	int fd = notify_bind("notify", false, env, sizeof(env));

	restart_dmsup_with(env);
	assert_ready_then_serving(fd);
	close(fd);
}
END_TEST

START_TEST(an_abstract_notify_socket_gets_ready_too)
{
	char env[108];
	int fd = notify_bind("abstract", true, env, sizeof(env));

	restart_dmsup_with(env);
	assert_ready_then_serving(fd);
	close(fd);
}
END_TEST

START_TEST(nothing_dmsup_starts_sees_notify_socket)
{
	char env[320], needle[512], path[64];
	int fd = notify_bind("notify", false, env, sizeof(env));
	char *cfg = h_standin_config("nfy", 31, "[\"--qmp\"]", "");

	restart_dmsup_with(env);
	free(recv_message(fd));
	pid_t dm = h_start(cfg);
	snprintf(needle, sizeof(needle), "--log-helper %s nfy", H.logdir);
	pid_t helper = h_find_proc(needle);
	ck_assert_int_gt(helper, 0);
	pid_t pids[] = {dm, helper};
	for (size_t i = 0; i < sizeof(pids) / sizeof(*pids); i++) {
		snprintf(path, sizeof(path), "/proc/%d/environ", (int)pids[i]);
		char *environ_text = h_read_file(path);
		ck_assert_ptr_nonnull(environ_text);
		ck_assert_msg(!strstr(environ_text, "NOTIFY_SOCKET"),
			      "pid %d has NOTIFY_SOCKET", (int)pids[i]);
		free(environ_text);
	}
	close(fd);
	free(cfg);
}
END_TEST

START_TEST(a_notify_socket_nobody_listens_on_is_logged_and_dmsup_serves)
{
	char notify[320], *out, *log;

	snprintf(notify, sizeof(notify), "%s/nobody", H.dir);
	restart_dmsup_with(notify);
	/* h_dmctl fails (3) until the socket listens: wait for that. */
	for (int i = 0;
	     i < H_TIMEOUT * 100 && h_dmctl(NULL, NULL, "list", NULL) == 3; i++)
		poll(NULL, 0, 10);
	ck_assert_int_eq(h_dmctl(&out, NULL, "list", NULL), 0);
	log = dmsup_log();
	ck_assert_msg(log && strstr(log, "notify: ") && strstr(log, notify),
		      "dmsup's log: %s", log ? log : "");
	free(log);
	free(out);
}
END_TEST

START_TEST(a_reload_is_reloading_then_ready_with_the_status)
{
	char env[320], *msg;
	int fd = notify_bind("notify", false, env, sizeof(env));
	char *cfg = h_standin_config("rld", 32, "[\"--qmp\"]", "");
	pid_t dm = h_start(cfg);

	/* Reattached by the new dmsup: one domain, its device model up. */
	restart_dmsup_with(env);
	msg = recv_message(fd);
	ck_assert_str_eq(msg, "READY=1\nSTATUS=1 domains, 1 device models "
			      "active");
	free(msg);
	ck_assert_int_eq(kill(H.dmsup, SIGHUP), 0);
	msg = recv_message(fd);
	ck_assert_msg(!strncmp(msg, "RELOADING=1\nMONOTONIC_USEC=", 27) &&
			  strtoull(msg + 27, NULL, 10) > 0,
		      "%s", msg);
	free(msg);
	msg = recv_message(fd);
	ck_assert_str_eq(msg, "READY=1\nSTATUS=1 domains, 1 device models "
			      "active");
	free(msg);
	ck_assert(h_alive(dm));
	close(fd);
	free(cfg);
}
END_TEST

START_TEST(an_exit_on_sigterm_says_stopping)
{
	char env[320], *msg;
	int fd = notify_bind("notify", false, env, sizeof(env));

	restart_dmsup_with(env);
	free(recv_message(fd));
	h_stop_dmsup(SIGTERM);
	msg = recv_message(fd);
	ck_assert_str_eq(
	    msg, "STOPPING=1\nSTATUS=exiting; device models keep running");
	free(msg);
	close(fd);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    ready_comes_once_the_control_socket_answers,
	    an_abstract_notify_socket_gets_ready_too,
	    nothing_dmsup_starts_sees_notify_socket,
	    a_notify_socket_nobody_listens_on_is_logged_and_dmsup_serves,
	    a_reload_is_reloading_then_ready_with_the_status,
	    an_exit_on_sigterm_says_stopping,
	};
	return h_main("notify", NULL, tests, sizeof(tests) / sizeof(*tests));
}
