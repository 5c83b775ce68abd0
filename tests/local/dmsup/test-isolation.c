/*
 * What a device model gets from dmsup, and what it cannot do to dmsup:
 * exactly the allowed environment and fds, and logs that stay capped.
 */
#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/local/dmsup/harness.h"

/* "0=/dev/null 1=pipe:[..] ..." for the fds of @pid below @below. */
static char *fd_list(pid_t pid, int below)
{
	char dir[64], *out = calloc(1, 8192);
	struct dirent **names;
	int n;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	n = scandir(dir, &names, NULL, versionsort);
	ck_assert_int_gt(n, 0);
	for (int i = 0; i < n; i++) {
		char link[PATH_MAX + 64], target[PATH_MAX] = "";
		int fd = atoi(names[i]->d_name);
		if (names[i]->d_name[0] != '.' && fd < below) {
			snprintf(link, sizeof(link), "%s/%d", dir, fd);
			ssize_t len =
			    readlink(link, target, sizeof(target) - 1);
			target[len > 0 ? len : 0] = '\0';
			/* Pipe inode numbers vary; their sameness is checked.
			 */
			snprintf(out + strlen(out), 8192 - strlen(out),
				 "%s%d=%s", *out ? " " : "", fd,
				 strncmp(target, "pipe:", 5) ? target : "pipe");
		}
		free(names[i]);
	}
	free(names);
	return out;
}

static char *fd_target(pid_t pid, int fd)
{
	char link[64], *target = calloc(1, PATH_MAX);

	snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, fd);
	ck_assert_int_gt(readlink(link, target, PATH_MAX - 1), 0);
	return target;
}

START_TEST(dm_environment_is_exactly_path)
{
	char *cfg = h_standin_config("iso", 21, "[\"--qmp\"]", "");
	char path[64];

	/* Something in dmsup's own environment that must not leak. */
	setenv("DMSUP_TEST_SECRET", "leak", 1);
	pid_t pid = h_start(cfg);
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	char *env = h_read_file(path);
	ck_assert_str_eq(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
			      "/usr/bin:/sbin:/bin");
	free(env);
	free(cfg);
}
END_TEST

/* The path a unix socket of inode @ino is bound to ("" if none). */
static void unix_socket_path(unsigned long ino, char *path, size_t len)
{
	FILE *f = fopen("/proc/net/unix", "re");
	char line[PATH_MAX + 128], p[PATH_MAX];
	unsigned long i;

	ck_assert_ptr_nonnull(f);
	*path = '\0';
	while (fgets(line, sizeof(line), f)) {
		p[0] = '\0';
		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %lu %4095s", &i, p) >=
			1 &&
		    i == ino)
			snprintf(path, len, "%s", p);
	}
	fclose(f);
}

START_TEST(dm_fds_are_exactly_devnull_log_pipe_sentinel_and_qmp)
{
	char *cfg = h_standin_config("iso", 21, "[\"--qmp\"]", "");
	char expect[512];

	pid_t pid = h_start(cfg);
	/* The stand-in keeps its own sockets at 64 and above. */
	char *fds = fd_list(pid, 64);
	snprintf(expect, sizeof(expect),
		 "0=/dev/null 1=pipe 2=pipe 3=%s/iso.fifo 4=socket:[", H.run);
	/* 4 is the QMP socket dmsup listens on (spawn.h). */
	ck_assert_msg(!strncmp(fds, expect, strlen(expect)) &&
			  !strchr(fds + strlen(expect), ' '),
		      "fds: %s", fds);
	/* ... bound at the run's QMP path, where dmsup connects. */
	char *qmp = fd_target(pid, 4), bound[PATH_MAX], want[PATH_MAX];
	unix_socket_path(strtoul(qmp + strlen("socket:["), NULL, 10), bound,
			 sizeof(bound));
	snprintf(want, sizeof(want), "%s/iso.qmp", H.run);
	ck_assert_str_eq(bound, want);
	free(qmp);
	char *out = fd_target(pid, 1), *err = fd_target(pid, 2);
	ck_assert_str_eq(out, err);
	free(out);
	free(err);
	free(fds);
	free(cfg);
}
END_TEST

START_TEST(real_qemu_gets_fds_0_to_3_and_opens_the_rest_itself)
{
	char *cfg = h_config("vm1", 24, ""), expect[512];
	pid_t pid = h_start(cfg);

	char *low = fd_list(pid, 4);
	snprintf(expect, sizeof(expect),
		 "0=/dev/null 1=pipe 2=pipe 3=%s/vm1.fifo", H.run);
	ck_assert_str_eq(low, expect);
	/* QEMU's own: its sockets, eventfds, signalfd. No file, no pipe:
	 * nothing of dmsup's (state, lock, logs, the pipe's read end). */
	char *all = fd_list(pid, 1 << 20);
	for (char *t = strtok(all + strlen(low), " "); t; t = strtok(NULL, " "))
		ck_assert_msg(strstr(t, "=socket:") ||
				  strstr(t, "=anon_inode:"),
			      "QEMU holds %s", t);
	free(all);
	free(low);
	free(cfg);
}
END_TEST

/* And its log dir: every log name is opened under it (no symlinks). */
START_TEST(log_helper_holds_only_the_pipe_and_its_log_file)
{
	char *cfg = h_standin_config("iso", 21, "[\"--qmp\"]", "");
	char needle[512], expect[1024];

	pid_t dm = h_start(cfg);
	snprintf(needle, sizeof(needle), "--log-helper %s iso", H.logdir);
	ck_assert_int_eq(h_count_procs(needle), 1);
	pid_t helper = h_find_proc(needle);
	ck_assert_int_gt(helper, 0);
	/* dmsup-log, beside the daemon in the build tree: libc alone. */
	char exe[64], *path = calloc(1, PATH_MAX), *maps;
	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)helper);
	ck_assert_int_gt(readlink(exe, path, PATH_MAX - 1), 0);
	ck_assert_str_eq(strrchr(path, '/'), "/dmsup-log");
	snprintf(exe, sizeof(exe), "/proc/%d/maps", (int)helper);
	maps = h_read_file(exe);
	ck_assert_ptr_null(strstr(maps, "libevent"));
	ck_assert_ptr_null(strstr(maps, "libxen"));
	free(maps);
	free(path);
	/* The helper is the other end of the DM's stdout pipe. */
	char *dm_out = fd_target(dm, 1), *helper_in = fd_target(helper, 0);
	ck_assert_str_eq(helper_in, dm_out);
	free(helper_in);
	snprintf(expect, sizeof(expect),
		 "0=pipe 1=/dev/null 2=/dev/null 3=%s 4=%s/iso.log", H.logdir,
		 H.logdir);
	/* Until the helper is past its start: the dynamic loader holds libc
	 * at fd 3 for a moment, and the log file comes after it. */
	char *fds = NULL;
	for (int tries = 0; tries < 1000; tries++) {
		free(fds);
		fds = fd_list(helper, 1 << 20);
		if (!strcmp(fds, expect))
			break;
		usleep(10 * 1000);
	}
	ck_assert_str_eq(fds, expect);
	free(fds);
	free(dm_out);
	free(cfg);
}
END_TEST

START_TEST(gigabyte_on_stderr_keeps_logs_capped_and_dmsup_rss_flat)
{
	/* 4 files of 2 MiB by default: at most 8 MiB of logs on disk. */
	char *cfg = h_standin_config(
	    "noisy", 22, "[\"--stderr-bytes\", \"1073741824\", \"--qmp\"]", "");
	char *warm = h_standin_config(
	    "warm", 23, "[\"--stderr-bytes\", \"1048576\", \"--qmp\"]", "");

	/*
	 * Under AddressSanitizer freed memory stays resident in its
	 * quarantine, so RSS would measure the allocator. This test only:
	 * the others keep the quarantine that catches use-after-free.
	 */
	h_stop_dmsup(SIGTERM);
	setenv("ASAN_OPTIONS", "quarantine_size_mb=0", 1);
	h_start_dmsup();
	/* The same cycle with 1 MiB first: the baseline is a warm dmsup. */
	h_start(warm);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "warm", NULL), 0);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "undefine", "warm", NULL), 0);
	long rss_before = h_rss_kb(H.dmsup);
	h_start(cfg);
	/* stop returns once the log helper has written everything. */
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "noisy", NULL), 0);
	long rss_after = h_rss_kb(H.dmsup);
	long long total = 0;
	int files = 0;
	DIR *d = opendir(H.logdir);
	struct dirent *de;
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;
		if (de->d_name[0] == '.' || strncmp(de->d_name, "noisy", 5))
			continue;
		snprintf(path, sizeof(path), "%s/%s", H.logdir, de->d_name);
		ck_assert_int_eq(stat(path, &st), 0);
		ck_assert_int_le(st.st_size, 2 * 1024 * 1024);
		total += st.st_size;
		files++;
	}
	closedir(d);
	ck_assert_int_eq(files, 4);
	ck_assert_int_le(total, 4LL * 2 * 1024 * 1024);
	/* The newest lines survive rotation. */
	char *out;
	ck_assert_int_eq(h_dmctl(&out, NULL, "log", "-n", "2", "noisy", NULL),
			 0);
	ck_assert_str_eq(out, "standin: done\nstandin: up\n");
	free(out);
	/* dmsup never holds the data: its memory does not grow with it. */
	ck_assert_int_le(rss_after, rss_before + 4096);
	free(warm);
	free(cfg);
}
END_TEST

START_TEST(small_log_cap_is_respected)
{
	char *cfg = h_standin_config(
	    "capped", 23, "[\"--stderr-bytes\", \"1000000\", \"--qmp\"]",
	    "\"log_files\": 2, \"log_size\": 65536");

	h_start(cfg);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "capped", NULL), 0);
	char path[PATH_MAX];
	struct stat st;
	snprintf(path, sizeof(path), "%s/capped.log", H.logdir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_le(st.st_size, 65536);
	snprintf(path, sizeof(path), "%s/capped.log.1", H.logdir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_le(st.st_size, 65536);
	snprintf(path, sizeof(path), "%s/capped.log.2", H.logdir);
	ck_assert_int_ne(stat(path, &st), 0);
	free(cfg);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    dm_environment_is_exactly_path,
	    dm_fds_are_exactly_devnull_log_pipe_sentinel_and_qmp,
	    real_qemu_gets_fds_0_to_3_and_opens_the_rest_itself,
	    log_helper_holds_only_the_pipe_and_its_log_file,
	    gigabyte_on_stderr_keeps_logs_capped_and_dmsup_rss_flat,
	    small_log_cap_is_respected,
	};

	return h_main("dmsup-isolation", NULL, tests,
		      sizeof(tests) / sizeof(*tests));
}
