/* The device-model save file (dmsup/savefile.c): what dmsup writes is
 * taken back; a wrong magic, bad JSON, another kind, a configuration that
 * differs and a length that does not match are refused naming the
 * domain, the file and what is wrong; a symlink or FIFO is never used. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dmsup/savefile.h"
#include "tests/unit/dmsup/run.h"

static struct dm_config cfg;
static char dir[64];
static char path[128];

static void setup(void)
{
	char *err = NULL;

	ck_assert_int_eq(
	    config_from_string(
		&cfg,
		"{\"name\": \"vm1\", \"qemu\": \"/bin/true\", \"memory\": "
		"256, \"vga\": \"std\"}",
		&err),
	    0);
	snprintf(dir, sizeof(dir), "/tmp/test-savefile.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/vm1.save", dir);
}

static void teardown(void)
{
	char p[160];

	config_dispose(&cfg);
	unlink(path);
	snprintf(p, sizeof(p), "%s/link", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/fifo", dir);
	unlink(p);
	rmdir(dir);
}

/* A file with @cfg's header for @length bytes and @body bytes of state. */
static void write_file(uint64_t length, size_t body)
{
	char buf[SAVEFILE_HEADER_SIZE], err[SAVEFILE_ERR_MAX];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(
	    savefile_header(&cfg, "7.2.22", length, buf, err, sizeof(err)), 0);
	ck_assert_int_eq(write(fd, buf, sizeof(buf)), sizeof(buf));
	for (size_t i = 0; i < body; i++)
		ck_assert_int_eq(write(fd, "s", 1), 1);
	close(fd);
}

static int check_buf(const char *buf, size_t got, uint64_t size, char *err)
{
	struct savefile_info info;

	return savefile_check(buf, got, size, &cfg, "/x/vm1.save", &info, err,
			      SAVEFILE_ERR_MAX);
}

START_TEST(what_dmsup_writes_is_taken)
{
	char buf[SAVEFILE_HEADER_SIZE], err[SAVEFILE_ERR_MAX];
	struct savefile_info info;

	ck_assert_int_eq(
	    savefile_header(&cfg, "7.2.22", 100, buf, err, sizeof(err)), 0);
	ck_assert_mem_eq(buf, "DMSUP-SAVE 1\n{", 14);
	ck_assert_int_eq(buf[SAVEFILE_HEADER_SIZE - 1], 0);
	ck_assert_int_eq(savefile_check(buf, sizeof(buf),
					SAVEFILE_HEADER_SIZE + 100, &cfg,
					"/x/vm1.save", &info, err, sizeof(err)),
			 0);
	ck_assert_str_eq(info.qemu, "7.2.22");
	ck_assert_int_eq(info.length, 100);
}
END_TEST

START_TEST(a_wrong_magic_is_refused)
{
	char buf[SAVEFILE_HEADER_SIZE] = "QEVM", err[SAVEFILE_ERR_MAX];

	ck_assert_int_eq(check_buf(buf, sizeof(buf), sizeof(buf), err), -1);
	ck_assert_str_eq(err, "domain vm1: save file /x/vm1.save: not a dmsup "
			      "save file (no \"DMSUP-SAVE 1\" magic)");
}
END_TEST

START_TEST(bad_json_is_refused)
{
	char buf[SAVEFILE_HEADER_SIZE] = "DMSUP-SAVE 1\n{\"kind\": ",
	     err[SAVEFILE_ERR_MAX];

	ck_assert_int_eq(check_buf(buf, sizeof(buf), sizeof(buf), err), -1);
	ck_assert_str_eq(err, "domain vm1: save file /x/vm1.save: the header "
			      "is not a JSON object");
}
END_TEST

START_TEST(another_kind_is_refused)
{
	char buf[SAVEFILE_HEADER_SIZE] =
	    "DMSUP-SAVE 1\n{\"kind\": \"stubdom-linux\"}";
	char err[SAVEFILE_ERR_MAX];

	ck_assert_int_eq(check_buf(buf, sizeof(buf), sizeof(buf), err), -1);
	ck_assert_str_eq(err, "domain vm1: save file /x/vm1.save: saved by "
			      "kind stubdom-linux, the domain is kind dom0");
}
END_TEST

START_TEST(a_config_that_differs_is_refused_by_field)
{
	char buf[SAVEFILE_HEADER_SIZE], err[SAVEFILE_ERR_MAX];

	ck_assert_int_eq(
	    savefile_header(&cfg, "7.2.22", 0, buf, err, sizeof(err)), 0);
	cfg.memory = 512;
	ck_assert_int_eq(check_buf(buf, sizeof(buf), sizeof(buf), err), -1);
	ck_assert_str_eq(err, "domain vm1: save file /x/vm1.save: config "
			      "field memory is 256 in the file, 512 in the "
			      "domain's config");
	cfg.memory = 256;
	free(cfg.vga);
	cfg.vga = strdup("cirrus");
	ck_assert_int_eq(check_buf(buf, sizeof(buf), sizeof(buf), err), -1);
	ck_assert_ptr_nonnull(strstr(err, "config field vga is \"std\" in "
					  "the file, \"cirrus\""));
}
END_TEST

START_TEST(a_truncated_file_is_refused)
{
	char buf[SAVEFILE_HEADER_SIZE], err[SAVEFILE_ERR_MAX];

	ck_assert_int_eq(
	    savefile_header(&cfg, "7.2.22", 100, buf, err, sizeof(err)), 0);
	ck_assert_int_eq(
	    check_buf(buf, sizeof(buf), SAVEFILE_HEADER_SIZE + 60, err), -1);
	ck_assert_str_eq(err, "domain vm1: save file /x/vm1.save: truncated: "
			      "the header says 100 bytes of QEMU state, the "
			      "file has 60");
	ck_assert_int_eq(check_buf(buf, 1000, 1000, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "truncated: 1000 bytes"));
}
END_TEST

START_TEST(create_then_finish_then_open_round_trips)
{
	char err[SAVEFILE_ERR_MAX];
	struct savefile_info info;
	struct stat st;
	int fd = savefile_create(path, "vm1", err, sizeof(err));

	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	ck_assert_int_eq(write(fd, "QEVMstate", 9), 9);
	ck_assert_int_eq(
	    savefile_finish(fd, &cfg, "7.2.22", path, err, sizeof(err)), 0);
	close(fd);
	fd = savefile_open(path, &cfg, &info, err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert_int_eq(info.length, 9);
	ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), SAVEFILE_HEADER_SIZE);
	close(fd);
}
END_TEST

START_TEST(open_refuses_a_truncated_file)
{
	char err[SAVEFILE_ERR_MAX];
	struct savefile_info info;

	write_file(50, 20);
	ck_assert_int_eq(savefile_open(path, &cfg, &info, err, sizeof(err)),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "truncated"));
	ck_assert_ptr_nonnull(strstr(err, path));
}
END_TEST

START_TEST(a_symlink_or_fifo_is_refused)
{
	char link[160], fifo[160], err[SAVEFILE_ERR_MAX];
	struct savefile_info info;

	write_file(0, 0);
	snprintf(link, sizeof(link), "%s/link", dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	ck_assert_int_eq(symlink(path, link), 0);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(savefile_create(link, "vm1", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "a symbolic link (refused)"));
	ck_assert_int_eq(savefile_open(link, &cfg, &info, err, sizeof(err)),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "a symbolic link (refused)"));
	ck_assert_int_eq(savefile_create(fifo, "vm1", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
	ck_assert_int_eq(savefile_open(fifo, &cfg, &info, err, sizeof(err)),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    what_dmsup_writes_is_taken,
	    a_wrong_magic_is_refused,
	    bad_json_is_refused,
	    another_kind_is_refused,
	    a_config_that_differs_is_refused_by_field,
	    a_truncated_file_is_refused,
	    create_then_finish_then_open_round_trips,
	    open_refuses_a_truncated_file,
	    a_symlink_or_fifo_is_refused,
	};

	return run_suite("dmsup-savefile", setup, teardown, tests,
			 sizeof(tests) / sizeof(*tests));
}
