/*
 * Hostile and careless clients: too many of them, idle ones, requests
 * that bend the protocol. dmsup answers each with a clear error and keeps
 * serving everyone else.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdint.h>
#include <sys/socket.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/local/dmsup/harness.h"

#define MAX_CLIENTS 4096

/* Reads what dmsup sends on @fd until it closes or @secs pass. */
static char *read_all(int fd, int secs)
{
	static char buf[65536];
	size_t n = 0;
	struct pollfd p = {.fd = fd, .events = POLLIN};

	while (n < sizeof(buf) - 1 && poll(&p, 1, secs * 1000) == 1) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = 0;
	/* Skip the 4-byte length: the JSON text is what a test checks. */
	return n > 4 ? buf + 4 : buf;
}

/* Sends @json as one frame on a fresh connection; dmsup's reply text. */
static char *ask(const char *json)
{
	int fd = h_connect();
	uint32_t be = htonl((uint32_t)strlen(json));

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, &be, 4), 4);
	ck_assert_int_eq(write(fd, json, strlen(json)), (ssize_t)strlen(json));
	shutdown(fd, SHUT_WR);
	char *text = strdup(read_all(fd, 20));
	close(fd);
	return text;
}

static void assert_refused(const char *json, const char *want)
{
	char *text = ask(json);

	ck_assert_msg(strstr(text, "\"ok\":false") && strstr(text, want),
		      "%s: got '%s', wanted '%s'", json, text, want);
	free(text);
}

/* A domain that is defined (its QEMU does not exist, so nothing runs). */
static void define_vm(void)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/vm.json", H.dir);
	FILE *f = fopen(path, "w");
	fprintf(f, "{\"domid\": 2, \"name\": \"vm\", \"xen\": false, "
		   "\"qemu\": \"/nonexistent/qemu\"}");
	fclose(f);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "start", path, NULL), 1);
}

START_TEST(duplicate_key_is_refused_naming_it)
{
	define_vm();
	assert_refused("{\"cmd\":\"status\",\"cmd\":\"stop\","
		       "\"domain\":\"vm\"}",
		       "field 'cmd' is given twice");
	assert_refused("{\"cmd\":\"log\",\"domain\":\"vm\","
		       "\"domain\":\"vm\"}",
		       "field 'domain' is given twice");
	assert_refused("{\"cmd\":\"status\",\"c\\u006dd\":\"stop\"}",
		       "given twice");
	/* Equal keys deeper down are the config's or QEMU's business. */
	char *text = ask("{\"cmd\":\"status\",\"x\":{\"a\":1},"
			 "\"y\":{\"a\":2}}");
	ck_assert_msg(strstr(text, "\"ok\":true"), "got '%s'", text);
	free(text);
}
END_TEST

START_TEST(field_of_another_type_is_refused_naming_it)
{
	assert_refused("{\"cmd\":\"status\",\"domain\":[\"vm\"]}",
		       "field 'domain' must be a string");
	assert_refused("{\"cmd\":[\"status\"]}",
		       "field 'cmd' must be a string");
	assert_refused("{\"cmd\":\"qmp\",\"domain\":\"vm\","
		       "\"command\":\"x\",\"arguments\":[1]}",
		       "field 'arguments' must be an object");
	assert_refused("{\"cmd\":\"set\",\"domain\":\"vm\","
		       "\"set\":[1]}",
		       "field 'set' must be an array of strings");
}
END_TEST

START_TEST(log_lines_must_be_an_integer_in_range)
{
	define_vm();
	assert_refused("{\"cmd\":\"log\",\"domain\":\"vm\","
		       "\"lines\":\"all\"}",
		       "field 'lines' must be an integer");
	assert_refused("{\"cmd\":\"log\",\"domain\":\"vm\","
		       "\"lines\":1e300}",
		       "field 'lines' must be an integer");
	assert_refused("{\"cmd\":\"log\",\"domain\":\"vm\","
		       "\"lines\":-5}",
		       "field 'lines' must be 0 to 10000");
	char *text = ask("{\"cmd\":\"log\",\"domain\":\"vm\","
			 "\"lines\":10000}");
	ck_assert_msg(strstr(text, "\"ok\":true"), "got '%s'", text);
	free(text);
}
END_TEST

/* The harness's own probe, connected and closed as dmsup came up, may
 * still be counted when the burst arrives (it let dmctl through in 8 of
 * 10 runs): hung-up clients hold no slot, so the 4097th live one is busy. */
START_TEST(client_past_the_limit_hears_busy)
{
	int fds[MAX_CLIENTS];
	char *out = NULL, *err = NULL;

	for (int i = 0; i < MAX_CLIENTS; i++)
		ck_assert_int_ge(fds[i] = h_connect(), 0);
	int rc = h_dmctl(&out, &err, "list", NULL);
	ck_assert_msg(rc == 1, "dmctl exited %d: %s", rc, err);
	ck_assert_msg(strstr(err, "busy"), "stderr: %s", err);
	free(out);
	free(err);
	for (int i = 0; i < MAX_CLIENTS; i++)
		close(fds[i]);
	/* Their slots are free again. */
	ck_assert_int_eq(h_dmctl(&out, NULL, "list", NULL), 0);
	free(out);
}
END_TEST

START_TEST(idle_client_is_closed_with_a_reason)
{
	int fd = h_connect();

	ck_assert_int_ge(fd, 0);
	/* Half a frame header: never a whole request. */
	ck_assert_int_eq(write(fd, "\0\0", 2), 2);
	char *text = read_all(fd, 20);
	ck_assert_msg(strstr(text, "idle"), "got '%s'", text);
	close(fd);
}
END_TEST

START_TEST(idle_clients_do_not_lock_admins_out)
{
	int fds[MAX_CLIENTS];
	char *out = NULL;

	for (int i = 0; i < MAX_CLIENTS; i++)
		ck_assert_int_ge(fds[i] = h_connect(), 0);
	sleep(12);
	ck_assert_int_eq(h_dmctl(&out, NULL, "list", NULL), 0);
	free(out);
	for (int i = 0; i < MAX_CLIENTS; i++)
		close(fds[i]);
}
END_TEST

START_TEST(watching_client_is_not_idle)
{
	int out;
	pid_t pid = h_dmctl_bg(&out, "status", "--watch", NULL);

	sleep(13);
	ck_assert_msg(h_alive(pid), "the watch ended");
	close(out);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    client_past_the_limit_hears_busy,
	    idle_client_is_closed_with_a_reason,
	    idle_clients_do_not_lock_admins_out,
	    watching_client_is_not_idle,
	    duplicate_key_is_refused_naming_it,
	    field_of_another_type_is_refused_naming_it,
	    log_lines_must_be_an_integer_in_range,
	};

	return h_main("dmsup-hostile", NULL, tests,
		      sizeof(tests) / sizeof(tests[0]));
}
