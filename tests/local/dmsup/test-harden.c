/*
 * Faults around the device model and the control socket that dmsup must
 * survive (issue 12): what a device model leaves behind when it dies.
 */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
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
	/* The report waited for no one: the child was gone before it. */
	ck_assert_msg(!h_alive(holder_pid(pidfile)),
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
	ck_assert_msg(!h_alive(holder), "the DM's child outlived the stop");
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

int main(void)
{
	const TTest *const tests[] = {
	    crash_kills_what_the_dm_left_and_is_reported_at_once,
	    stop_kills_what_the_dm_left,
	    status_and_list_of_all_domains_answer_past_the_frame_cap,
	    dmctl_gives_up_on_a_silent_dmsup_with_status_3,
	};

	return h_main("dmsup-harden", NULL, tests,
		      sizeof(tests) / sizeof(tests[0]));
}
