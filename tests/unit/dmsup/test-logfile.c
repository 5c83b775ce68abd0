/* The device-model log: rotation, the cap, dropped lines, the tail. */
#include <check.h>
#include <signal.h>
#include <sys/resource.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dmsup/logfile.h"
#include "tests/unit/dmsup/run.h"

static char dir[64];

static int rm_cb(const char *path, const struct stat *st, int flag,
		 struct FTW *ftw)
{
	return remove(path);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/dmsup-logfile-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	nftw(dir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
}

static long file_size(int n)
{
	char *path = logfile_path(dir, "vm", n);
	struct stat st;
	long size = stat(path, &st) ? -1 : (long)st.st_size;

	free(path);
	return size;
}

static void write_lines(struct logfile_writer *w, int from, int to)
{
	char line[64];

	for (int i = from; i < to; i++) {
		int len = snprintf(line, sizeof(line), "line %04d\n", i);
		logfile_writer_write(w, line, (size_t)len);
	}
}

START_TEST(rotation_keeps_at_most_files_times_size)
{
	struct logfile_writer *w = logfile_writer_new(dir, "vm", 3, 100);

	write_lines(w, 0, 1000);
	logfile_writer_free(w);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_gt(file_size(i), 0);
		ck_assert_int_le(file_size(i), 100);
	}
	ck_assert_int_eq(file_size(3), -1);
}
END_TEST

START_TEST(tail_returns_the_newest_lines_across_files_oldest_first)
{
	struct logfile_writer *w = logfile_writer_new(dir, "vm", 3, 100);

	write_lines(w, 0, 1000);
	logfile_writer_free(w);
	/* 10-byte lines, 100-byte files: the last 15 span two files. */
	char *tail = logfile_tail(dir, "vm", 3, 15, 4096);
	char expect[256] = "";
	for (int i = 985; i < 1000; i++)
		sprintf(expect + strlen(expect), "line %04d\n", i);
	ck_assert_str_eq(tail, expect);
	free(tail);
}
END_TEST

START_TEST(lines_stay_whole_when_a_file_fills)
{
	struct logfile_writer *w = logfile_writer_new(dir, "vm", 2, 25);

	write_lines(w, 0, 3);
	logfile_writer_free(w);
	char *path = logfile_path(dir, "vm", 1), text[64] = "";
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fread(text, 1, sizeof(text) - 1, f), 20);
	fclose(f);
	free(path);
	ck_assert_str_eq(text, "line 0000\nline 0001\n");
}
END_TEST

START_TEST(full_disk_drops_and_counts_then_notes_it_in_the_log)
{
	char *path = logfile_path(dir, "vm", 0);

	/* A disk with no room, as the writer sees it: every write fails
	 * (EFBIG under a file size limit of 0; the writer takes regular
	 * files only, so /dev/full cannot stand in). */
	struct rlimit lim;
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &lim), 0);
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit none = {0, lim.rlim_max};
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &none), 0);
	struct logfile_writer *w = logfile_writer_new(dir, "vm", 2, 4096);
	write_lines(w, 0, 3);
	unsigned long long lines, bytes = logfile_writer_dropped(w, &lines);
	ck_assert_uint_eq(bytes, 30);
	ck_assert_uint_eq(lines, 3);
	/* The disk has room again. */
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	write_lines(w, 3, 4);
	ck_assert_uint_eq(logfile_writer_dropped(w, NULL), 0);
	logfile_writer_free(w);
	char *tail = logfile_tail(dir, "vm", 2, 10, 4096);
	ck_assert_str_eq(tail, "dmsup: dropped 3 lines (30 bytes) of this log: "
			       "File too large\nline 0003\n");
	free(tail);
	free(path);
}
END_TEST

START_TEST(tail_of_a_missing_log_is_empty)
{
	char *tail = logfile_tail(dir, "nothing", 4, 20, 4096);

	ck_assert_str_eq(tail, "");
	free(tail);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    rotation_keeps_at_most_files_times_size,
	    tail_returns_the_newest_lines_across_files_oldest_first,
	    lines_stay_whole_when_a_file_fills,
	    full_disk_drops_and_counts_then_notes_it_in_the_log,
	    tail_of_a_missing_log_is_empty,
	};

	return run_suite("dmsup-logfile", setup, teardown, tests,
			 sizeof(tests) / sizeof(*tests));
}
