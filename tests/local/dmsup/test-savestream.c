/* save --file - and start --restore - on real QEMUs without Xen (kind
 * dom0): a device model's state piped from one dmsup domain into a new
 * one (a migration's device-model half), through a file on stdin, and
 * the refusals: garbage, a device, a silent pipe, fds a request may not
 * carry. The control socket closes every fd a request did not take. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>
#include <arpa/inet.h>

#include <json-c/json.h>

#include "tests/local/dmsup/harness.h"

/* A CMOS byte nothing else writes, set before the save, read after. */
static char *hmp(const char *dom, const char *line)
{
	char args[128], *out;

	snprintf(args, sizeof(args), "{\"command-line\": \"%s\"}", line);
	ck_assert_int_eq(h_dmctl(&out, NULL, "--json", "qmp", dom,
				 "human-monitor-command", args, NULL),
			 0);
	return out;
}

static void cmos_set(const char *dom, const char *value)
{
	char line[64];

	free(hmp(dom, "o /b 0x70 0x40"));
	snprintf(line, sizeof(line), "o /b 0x71 %s", value);
	free(hmp(dom, line));
}

static void cmos_expect(const char *dom, const char *value)
{
	char want[32], *out;

	free(h_qmp_json(dom, "stop"));
	free(hmp(dom, "o /b 0x70 0x40"));
	out = hmp(dom, "i /b 0x71");
	snprintf(want, sizeof(want), "= %s", value);
	ck_assert_msg(strstr(out, want), "%s: CMOS 0x40: %s", dom, out);
	free(out);
}

/* As test-restore.c: no vAPIC, whose state points into guest RAM. */
static char *vm_config(const char *name, int domid, const char *more)
{
	char extra[256];

	snprintf(extra, sizeof(extra),
		 "\"machine\": \"pc-i440fx-3.1\", \"extra_args\": "
		 "[\"-global\", \"apic-common.vapic=off\"]%s",
		 more);
	return h_config(name, domid, extra);
}

/* vm1 running, paused, with CMOS 0x40 = @value. */
static char *vm1_marked(const char *value)
{
	char *cfg = vm_config("vm1", 11, "");

	h_start(cfg);
	free(h_qmp_json("vm1", "stop"));
	cmos_set("vm1", value);
	return cfg;
}

/* sh -c @cmd with $D the dmctl command line of this dmsup, in H.dir:
 * its exit status; stderr into *@err_r. */
static int sh(const char *cmd, char **err_r)
{
	char *env, *errf, *full;
	int st;

	ck_assert_int_ge(asprintf(&env, "%s/dmctl -s %s", H.bin, H.ctl), 0);
	ck_assert_int_ge(asprintf(&errf, "%s/sh.err", H.dir), 0);
	ck_assert_int_ge(asprintf(&full, "cd '%s' && D='%s' && (%s) 2>'%s'",
				  H.dir, env, cmd, errf),
			 0);
	st = system(full);
	if (err_r)
		*err_r = h_read_file(errf);
	free(env);
	free(errf);
	free(full);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(a_state_piped_from_one_domain_loads_in_another)
{
	char *cfg1 = vm1_marked("0x5a"), *err = NULL;
	char *cfg2 = vm_config("vm2", 12, "");

	int rc =
	    sh("$D save vm1 --file - | $D start vm2.json --restore -", &err);
	ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
	ck_assert_msg(strstr(err, "vm1: device model paused, its state ("),
		      "%s", err);
	struct json_object *st = h_status("vm2");
	ck_assert_str_eq(h_str(st, "state"), "running");
	json_object_put(st);
	cmos_expect("vm2", "0x5a");
	free(err);
	free(cfg1);
	free(cfg2);
}
END_TEST

START_TEST(a_stream_saved_to_a_file_restores_from_stdin)
{
	char *cfg = vm1_marked("0x3c"), *err = NULL, *path, *data;

	int rc = sh("$D save vm1 --file - > vm1.stream", &err);
	ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
	free(err);
	ck_assert_int_ge(asprintf(&path, "%s/vm1.stream", H.dir), 0);
	data = h_read_file(path);
	ck_assert_mem_eq(data, "DMSUP-SAVE 1\n{", 14);
	free(data);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "vm1", NULL), 0);
	rc = sh("$D start vm1 --restore - < vm1.stream", &err);
	ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
	cmos_expect("vm1", "0x3c");
	free(err);
	free(path);
	free(cfg);
}
END_TEST

/* A wrong stream is refused at step restore, and no QEMU starts. */
static void refused(const char *cmd, const char *want)
{
	char *err = NULL;

	ck_assert_int_eq(sh(cmd, &err), 1);
	ck_assert_msg(strstr(err, want), "'%s' lacks '%s': %s", cmd, want, err);
	free(err);
	struct json_object *st = h_status("vm3");
	ck_assert_str_ne(h_str(st, "state"), "running");
	json_object_put(st);
	ck_assert_int_eq(h_count_procs("vm3"), 0);
}

START_TEST(wrong_streams_are_refused_naming_why)
{
	char *cfg = vm_config("vm3", 13, ", \"ready_timeout\": 3"), *err;

	/* Defined by the first start, refused as each one after it. */
	refused("head -c 5000 /dev/zero | $D start vm3.json --restore -",
		"save file (stream)");
	refused("echo short | $D start vm3.json --restore -",
		"save file (stream)");
	refused("$D start vm3.json --restore - < /dev/null",
		"not a regular file, pipe or socket");
	/* A sender that never sends: bounded by ready_timeout. */
	ck_assert_int_eq(sh("$D start vm3.json --restore - <&-", &err), 2);
	ck_assert_msg(strstr(err, "stdin is not open"), "%s", err);
	free(err);
	refused("sleep 6 | $D start vm3.json --restore -",
		"0 of the header's 4096 bytes came in time");
	free(cfg);
}
END_TEST

static int dmsup_fds(void)
{
	char path[64];
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)H.dmsup);
	DIR *d = opendir(path);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* One frame with @n fds of /dev/null: dmsup's reply, malloc'd. */
static char *send_with_fds(int n)
{
	static const char req[] = "{\"cmd\": \"status\"}";
	char frame[64], cbuf[CMSG_SPACE(sizeof(int) * 4)], *reply;
	uint32_t len = htonl(sizeof(req) - 1);
	int fds[4], s = h_connect();
	struct iovec iov = {frame, 4 + sizeof(req) - 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

	ck_assert_int_ge(s, 0);
	memcpy(frame, &len, 4);
	memcpy(frame + 4, req, sizeof(req) - 1);
	for (int i = 0; i < n; i++)
		ck_assert_int_ge(fds[i] = open("/dev/null", O_RDONLY), 0);
	memset(cbuf, 0, sizeof(cbuf));
	mh.msg_control = cbuf;
	mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
	ck_assert_int_eq(sendmsg(s, &mh, 0), (ssize_t)iov.iov_len);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	char buf[4096];
	ssize_t got = 0, r;
	while ((r = read(s, buf + got, sizeof(buf) - 1 - got)) > 0) {
		got += r;
		if (got >= 4 && (size_t)got >= 4 + ntohl(*(uint32_t *)buf))
			break;
	}
	close(s);
	ck_assert_int_gt(got, 4);
	buf[got] = 0;
	reply = strdup(buf + 4);
	return reply;
}

/* dmsup's fds come back to @before or fewer (a connection of the
 * harness's may still have been open when @before was counted): it frees
 * a connection when it sees the client's end, and a stream it waits for
 * at the header's deadline. */
static void fds_back_to(int before)
{
	int now = dmsup_fds();

	for (int i = 0; i < H_TIMEOUT * 100 && now > before; i++) {
		usleep(10000);
		now = dmsup_fds();
	}
	ck_assert_int_le(now, before);
}

/* The pipes dmsup holds, as "pipe:[INODE] " words (readlink). */
static void dmsup_pipes(char *buf, size_t len)
{
	char path[64], link[384], target[64];
	struct dirent *e;
	size_t used = 0;

	buf[0] = 0;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)H.dmsup);
	DIR *d = opendir(path);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d))) {
		snprintf(link, sizeof(link), "%s/%s", path, e->d_name);
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0 || strncmp(target, "pipe:", 5))
			continue;
		target[n] = 0;
		used += (size_t)snprintf(buf + used, len - used, "%s ", target);
		ck_assert_uint_lt(used, len);
	}
	closedir(d);
}

/* Every pipe dmsup holds was in @before. */
static bool no_new_pipe(const char *before)
{
	char now[4096], *save = NULL;

	dmsup_pipes(now, sizeof(now));
	for (char *w = strtok_r(now, " ", &save); w;
	     w = strtok_r(NULL, " ", &save))
		if (!strstr(before, w))
			return false;
	return true;
}

START_TEST(a_client_gone_while_its_stream_is_awaited_leaves_nothing)
{
	char *cfg = vm_config("vm4", 14, ", \"ready_timeout\": 2");
	char before[4096];
	bool clean = false;

	dmsup_pipes(before, sizeof(before));
	/* dmctl killed while dmsup waits for the header of a silent pipe:
	 * dmsup holds that pipe until the header's deadline. */
	ck_assert_int_ne(sh("sleep 5 | timeout -s KILL 1 $D start vm4.json "
			    "--restore -",
			    NULL),
			 0);
	for (int i = 0; i < H_TIMEOUT * 100 && !(clean = no_new_pipe(before));
	     i++)
		usleep(10000);
	ck_assert_msg(clean, "dmsup still holds the dead client's pipe");
	ck_assert_int_eq(h_count_procs("vm4"), 0);
	free(cfg);
}
END_TEST

START_TEST(fds_a_request_does_not_take_are_closed)
{
	int before = dmsup_fds();
	char *r;

	for (int i = 0; i < 50; i++) {
		r = send_with_fds(2);
		ck_assert_msg(strstr(r, "\"ok\":true") ||
				  strstr(r, "\"ok\": true"),
			      "%s", r);
		free(r);
	}
	r = send_with_fds(3);
	ck_assert_msg(strstr(r, "at most 2 fds"), "%s", r);
	free(r);
	fds_back_to(before);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    a_state_piped_from_one_domain_loads_in_another,
	    a_stream_saved_to_a_file_restores_from_stdin,
	    wrong_streams_are_refused_naming_why,
	    fds_a_request_does_not_take_are_closed,
	    a_client_gone_while_its_stream_is_awaited_leaves_nothing,
	};

	return h_main("dmsup-savestream", NULL, tests,
		      sizeof(tests) / sizeof(*tests));
}
