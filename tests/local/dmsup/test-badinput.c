/*
 * Bad input gets a clear error, crashes nothing, and leaves the other
 * domains alone. Every test runs next to a healthy domain and checks it
 * at the end.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/local/dmsup/harness.h"

static pid_t healthy;

static void setup(void)
{
	h_setup();
	char *cfg = h_config("healthy", 1, "");
	healthy = h_start(cfg);
	free(cfg);
}

/* dmsup and the healthy domain are as they were. */
static void assert_unharmed(void)
{
	struct json_object *st = h_status("healthy");

	ck_assert_ptr_nonnull(st);
	ck_assert_str_eq(h_str(st, "state"), "running");
	ck_assert_int_eq(h_int(st, "pid"), healthy);
	json_object_put(st);
}

static void assert_error(int rc, char *err, const char *expected)
{
	ck_assert_int_eq(rc, 1);
	ck_assert_msg(strstr(err, expected), "'%s' lacks '%s'", err, expected);
	free(err);
	assert_unharmed();
}

START_TEST(malformed_config_file_is_refused_naming_the_problem)
{
	char path[512], *err;

	snprintf(path, sizeof(path), "%s/bad.json", H.dir);
	FILE *f = fopen(path, "w");
	fputs("{\"domid\": 2, \"name\": ", f);
	fclose(f);
	int rc = h_dmctl(NULL, &err, "start", path, NULL);
	ck_assert_ptr_nonnull(strstr(err, path));
	assert_error(rc, err, "dmctl:");
}
END_TEST

START_TEST(invalid_config_field_is_refused_naming_the_field)
{
	char *cfg = h_config("bad", 2, "\"vcpus\": 0"), *err;

	int rc = h_dmctl(NULL, &err, "start", cfg, NULL);
	assert_error(rc, err, "invalid configuration: field 'vcpus'");
	free(cfg);
}
END_TEST

START_TEST(missing_qemu_binary_fails_at_the_spawn_step)
{
	char *cfg = h_standin_config("bad", 2, "[]", ""), *err;
	FILE *f = fopen(cfg, "w");
	fprintf(f, "{\"domid\": 2, \"name\": \"bad\", \"xen\": false, "
		   "\"qemu\": \"/nonexistent/qemu\"}");
	fclose(f);
	int rc = h_dmctl(NULL, &err, "start", cfg, NULL);
	assert_error(rc, err,
		     "domain bad (domid 2): spawn failed: cannot "
		     "execute /nonexistent/qemu: No such file");
	free(cfg);
}
END_TEST

START_TEST(xen_domain_fails_at_the_xen_step_in_this_build)
{
	char *cfg = h_config("xenvm", 2, "\"xen\": true"), *err;

	int rc = h_dmctl(NULL, &err, "start", cfg, NULL);
	assert_error(rc, err, "domain xenvm (domid 2): xen failed");
	free(cfg);
}
END_TEST

START_TEST(unknown_domain_is_named)
{
	char *err;
	int rc = h_dmctl(NULL, &err, "stop", "nosuch", NULL);

	assert_error(rc, err, "no domain 'nosuch'");
	rc = h_dmctl(NULL, &err, "qmp", "nosuch", "query-status", NULL);
	assert_error(rc, err, "no domain 'nosuch'");
}
END_TEST

START_TEST(second_start_of_a_running_domain_is_refused)
{
	char *err;
	int rc = h_dmctl(NULL, &err, "start", "healthy", NULL);

	assert_error(rc, err, "domain healthy (domid 1) is already running");
}
END_TEST

START_TEST(duplicate_domid_is_refused)
{
	char *cfg = h_config("twin", 1, ""), *err;

	int rc = h_dmctl(NULL, &err, "start", cfg, NULL);
	assert_error(rc, err, "domid 1 is already used by healthy");
	free(cfg);
}
END_TEST

static int connect_control(void)
{
	int fd = h_connect();

	ck_assert_int_ge(fd, 0);
	return fd;
}

/* What dmsup answers to @bytes, up to its closing the connection. */
static char *answer_to(const void *bytes, size_t len)
{
	int fd = connect_control();
	ck_assert_int_eq(write(fd, bytes, len), (ssize_t)len);
	shutdown(fd, SHUT_WR);
	char *buf = calloc(1, 4096);
	size_t got = 0;
	ssize_t n;
	while ((n = read(fd, buf + got, 4095 - got)) > 0)
		got += (size_t)n;
	close(fd);
	/* Skip the 4-byte length of the reply frame. */
	memmove(buf, buf + 4, got > 4 ? got - 4 + 1 : 1);
	return buf;
}

START_TEST(garbage_on_the_control_socket_gets_a_protocol_error)
{
	char *reply = answer_to("GET / HTTP/1.0\r\n\r\n", 18);

	ck_assert_ptr_nonnull(strstr(reply, "protocol error: frame longer "
					    "than 1 MiB"));
	free(reply);
	assert_unharmed();
}
END_TEST

START_TEST(frame_that_is_not_json_gets_a_protocol_error)
{
	static const char frame[] = "\0\0\0\x05hello";
	char *reply = answer_to(frame, sizeof(frame) - 1);

	ck_assert_ptr_nonnull(strstr(reply, "frame is not one JSON object"));
	free(reply);
	assert_unharmed();
}
END_TEST

START_TEST(unknown_command_is_named)
{
	static const char frame[] = "\0\0\0\x11{\"cmd\": \"reboot\"}";
	char *reply = answer_to(frame, sizeof(frame) - 1);

	ck_assert_ptr_nonnull(strstr(reply, "unknown command 'reboot'"));
	free(reply);
	assert_unharmed();
}
END_TEST

/* Two requests in one write: each reply, in order, echoes its req_id. */
START_TEST(pipelined_requests_echo_their_req_id_in_order)
{
	static const char a[] = "{\"cmd\": \"status\", \"req_id\": 7}";
	static const char b[] = "{\"cmd\": \"reboot\", \"req_id\":\"x\"}";
	unsigned char buf[256];
	size_t n = 0;

	for (const char *f = a; f; f = f == a ? b : NULL) {
		uint32_t len = htonl((uint32_t)strlen(f));
		memcpy(buf + n, &len, 4);
		memcpy(buf + n + 4, f, strlen(f));
		n += 4 + strlen(f);
	}
	int fd = connect_control();
	ck_assert_int_eq(write(fd, buf, n), (ssize_t)n);
	shutdown(fd, SHUT_WR);
	char *reply = calloc(1, 4096);
	size_t got = 0;
	ssize_t r;
	while ((r = read(fd, reply + got, 4095 - got)) > 0)
		got += (size_t)r;
	close(fd);
	for (size_t i = 0; i < got; i++) /* the frames' lengths */
		if (!reply[i])
			reply[i] = ' ';
	char *second = strstr(reply, "\"req_id\":\"x\"");
	ck_assert_msg(strstr(reply, "\"req_id\":7"), "reply: %s", reply);
	ck_assert_msg(second, "reply: %s", reply);
	ck_assert_ptr_nonnull(strstr(second - 80 > reply ? second - 80 : reply,
				     "unknown command 'reboot'"));
	ck_assert(strstr(reply, "\"req_id\":7") < second);
	free(reply);
}
END_TEST

START_TEST(client_that_vanishes_mid_start_harms_nothing)
{
	char *cfg = h_config("vm2", 2, ""), *text = h_read_file(cfg);
	char frame[4096];
	int len = snprintf(frame + 4, sizeof(frame) - 4,
			   "{\"cmd\": \"start\", \"config\": %s}", text);
	frame[0] = frame[1] = 0;
	frame[2] = (char)(len >> 8);
	frame[3] = (char)(len & 0xff);
	int fd = connect_control();
	ck_assert_int_eq(write(fd, frame, (size_t)len + 4), len + 4);
	close(fd);
	struct json_object *st = h_wait_state("vm2", "running");
	ck_assert_ptr_nonnull(st);
	json_object_put(st);
	assert_unharmed();
	free(text);
	free(cfg);
}
END_TEST

START_TEST(usage_errors_exit_2)
{
	char *err;

	ck_assert_int_eq(h_dmctl(NULL, &err, "frobnicate", NULL), 2);
	ck_assert_ptr_nonnull(strstr(err, "unknown command 'frobnicate'"));
	free(err);
	ck_assert_int_eq(h_dmctl(NULL, &err, "qmp", "healthy", NULL), 2);
	ck_assert_ptr_nonnull(strstr(err, "usage: dmctl qmp"));
	free(err);
}
END_TEST

START_TEST(second_dmsup_on_the_same_state_dir_refuses_to_run)
{
	char dmsup[4200], errlog[400], other[400];
	int status;

	snprintf(dmsup, sizeof(dmsup), "%s/dmsup", H.bin);
	snprintf(errlog, sizeof(errlog), "%s/second.stderr", H.dir);
	snprintf(other, sizeof(other), "%s/other-control", H.dir);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(errlog, O_WRONLY | O_CREAT, 0600);
		dup2(fd, 2);
		execl(dmsup, dmsup, "-f", "-s", other, "-r", H.run, "-d",
		      H.state, "-l", H.logdir, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	char *err = h_read_file(errlog);
	ck_assert_ptr_nonnull(strstr(err, "another dmsup is running there"));
	free(err);
	assert_unharmed();
}
END_TEST

START_TEST(control_socket_is_mode_0600)
{
	struct stat st;

	ck_assert_int_eq(stat(H.ctl, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    pipelined_requests_echo_their_req_id_in_order,
	    malformed_config_file_is_refused_naming_the_problem,
	    invalid_config_field_is_refused_naming_the_field,
	    missing_qemu_binary_fails_at_the_spawn_step,
	    xen_domain_fails_at_the_xen_step_in_this_build,
	    unknown_domain_is_named,
	    second_start_of_a_running_domain_is_refused,
	    duplicate_domid_is_refused,
	    garbage_on_the_control_socket_gets_a_protocol_error,
	    frame_that_is_not_json_gets_a_protocol_error,
	    unknown_command_is_named,
	    client_that_vanishes_mid_start_harms_nothing,
	    usage_errors_exit_2,
	    second_dmsup_on_the_same_state_dir_refuses_to_run,
	    control_socket_is_mode_0600,
	};

	return h_main("dmsup-badinput", setup, tests,
		      sizeof(tests) / sizeof(*tests));
}
