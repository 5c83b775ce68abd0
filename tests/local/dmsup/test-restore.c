/* save --file and start --restore on a real QEMU without Xen (kind dom0):
 * a CMOS byte set before the save is there after the restore in a new
 * QEMU; a file with a bad header, a truncated one, another domain's, a
 * symlink or a FIFO are refused naming the file, and nothing is left
 * running. */
#include <check.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "tests/local/dmsup/harness.h"

#define CMOS_INDEX "0x40" /* a byte of CMOS RAM nothing else writes */

/* HMP through `dmctl qmp`: its output, malloc'd. */
static char *hmp(const char *line)
{
	char args[128], *out;

	snprintf(args, sizeof(args), "{\"command-line\": \"%s\"}", line);
	ck_assert_int_eq(h_dmctl(&out, NULL, "--json", "qmp", "vm1",
				 "human-monitor-command", args, NULL),
			 0);
	return out;
}

/* The guest (SeaBIOS) selects CMOS bytes itself while it runs. */
static void pause_guest(void)
{
	free(h_qmp_json("vm1", "stop"));
}

static void cmos_write(const char *value)
{
	char line[64];

	free(hmp("o /b 0x70 " CMOS_INDEX));
	snprintf(line, sizeof(line), "o /b 0x71 %s", value);
	free(hmp(line));
}

/* The CMOS byte as QEMU reads it back: "0x55". */
static void cmos_expect(const char *value)
{
	char want[64], *out;

	free(hmp("o /b 0x70 " CMOS_INDEX));
	out = hmp("i /b 0x71");
	snprintf(want, sizeof(want), "= %s", value);
	ck_assert_msg(strstr(out, want), "CMOS " CMOS_INDEX ": %s", out);
	free(out);
}

/*
 * vm1 (domid 11) on pc-i440fx-3.1, started. Without the vAPIC: under TCG
 * the kvm-tpr-opt device's state points into guest RAM, which a device
 * state stream does not carry (the toolstack restores memory under Xen,
 * where there is no vAPIC), so once SeaBIOS enabled it its load fails
 * ("error while loading state ... of device 'kvm-tpr-opt'").
 */
static char *start_vm1(void)
{
	char *cfg = h_config("vm1", 11,
			     "\"machine\": \"pc-i440fx-3.1\", \"extra_args\": "
			     "[\"-global\", \"apic-common.vapic=off\"]");

	h_start(cfg);
	return cfg;
}

static char *save_path(const char *name)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/%s", H.dir, name), 0);
	return p;
}

/* vm1 started, CMOS byte written, saved into @path, stopped. */
static char *saved_vm1(const char *path)
{
	char *cfg = start_vm1(), *out;

	pause_guest();
	cmos_write("0x55");
	cmos_expect("0x55");
	ck_assert_int_eq(
	    h_dmctl(&out, NULL, "save", "vm1", "--file", path, NULL), 0);
	ck_assert_msg(strstr(out, path), "%s", out);
	free(out);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "vm1", NULL), 0);
	return cfg;
}

START_TEST(a_restored_device_model_has_the_saved_cmos_byte)
{
	char *path = save_path("vm1.dmstate"), *cfg = saved_vm1(path), *out;
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_gt(st.st_size, 4096);
	out = h_read_file(path);
	ck_assert_mem_eq(out, "DMSUP-SAVE 1\n{", 14);
	ck_assert_ptr_nonnull(strstr(out, "\"kind\":\"dom0\""));
	free(out);
	char *err = NULL;
	ck_assert_msg(
	    !h_dmctl(&out, &err, "start", "vm1", "--restore", path, NULL),
	    "start --restore: %s", err);
	free(out);
	free(err);
	pause_guest();
	cmos_expect("0x55");
	free(path);
	free(cfg);
}
END_TEST

START_TEST(save_without_file_still_goes_into_the_state_dir)
{
	char *cfg = start_vm1(), *out, path[400];

	snprintf(path, sizeof(path), "%s/vm1.save", H.state);
	ck_assert_int_eq(h_dmctl(&out, NULL, "save", "vm1", NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, path));
	free(out);
	out = h_read_file(path);
	ck_assert_mem_eq(out, "DMSUP-SAVE 1\n", 13);
	free(out);
	free(cfg);
}
END_TEST

/* The state dir's save file outlives the stop (a toolstack saves, then
 * destroys the domain, which ends the run) and goes at the next start or
 * at undefine; a --file one is the toolstack's and stays. */
START_TEST(the_state_dirs_save_goes_at_the_next_start)
{
	char *cfg = start_vm1(), *out, path[400], *mine = save_path("mine");
	struct stat st;

	snprintf(path, sizeof(path), "%s/vm1.save", H.state);
	ck_assert_int_eq(h_dmctl(&out, NULL, "save", "vm1", NULL), 0);
	free(out);
	ck_assert_int_eq(
	    h_dmctl(&out, NULL, "save", "vm1", "--file", mine, NULL), 0);
	free(out);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "vm1", NULL), 0);
	ck_assert_msg(stat(path, &st) == 0, "%s went at the stop", path);
	ck_assert_int_eq(h_dmctl(&out, NULL, "start", "vm1", NULL), 0);
	free(out);
	ck_assert_msg(stat(path, &st) == -1, "%s stayed past a start", path);
	ck_assert_int_eq(h_dmctl(&out, NULL, "save", "vm1", NULL), 0);
	free(out);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "vm1", NULL), 0);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "undefine", "vm1", NULL), 0);
	ck_assert_msg(stat(path, &st) == -1, "%s stayed past undefine", path);
	ck_assert_int_eq(stat(mine, &st), 0);
	free(mine);
	free(cfg);
}
END_TEST

/* dmctl makes a relative --file and --restore absolute from its own
 * directory (dmsup's is another). */
START_TEST(relative_paths_are_dmctls)
{
	char *cfg = start_vm1(), *out, *path = save_path("rel.save");

	ck_assert_int_eq(chdir(H.dir), 0);
	ck_assert_int_eq(
	    h_dmctl(&out, NULL, "save", "vm1", "--file", "rel.save", NULL), 0);
	ck_assert_msg(strstr(out, path), "%s", out);
	free(out);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "vm1", NULL), 0);
	ck_assert_int_eq(
	    h_dmctl(NULL, NULL, "start", "vm1", "--restore", "rel.save", NULL),
	    0);
	free(path);
	free(cfg);
}
END_TEST

/* The start is refused before anything is spawned. */
static void refused_and_nothing_runs(const char *path, const char *want)
{
	char *err = NULL, qmp[400];

	snprintf(qmp, sizeof(qmp), "%s/vm1.fifo", H.run);
	ck_assert_int_eq(
	    h_dmctl(NULL, &err, "start", "vm1", "--restore", path, NULL), 1);
	ck_assert_msg(strstr(err, want), "want '%s' in: %s", want, err);
	ck_assert_msg(strstr(err, path), "no file name in: %s", err);
	ck_assert_msg(strstr(err, "vm1"), "no domain in: %s", err);
	free(err);
	ck_assert_int_eq(h_count_procs(qmp), 0); /* no QEMU of vm1 */
	struct json_object *st = h_status("vm1");
	ck_assert_str_ne(h_str(st, "state"), "running");
	json_object_put(st);
}

START_TEST(a_file_with_a_bad_header_is_refused)
{
	char *path = save_path("bad.save"), *cfg = saved_vm1(path);
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	ck_assert_int_eq(pwrite(fd, "QEVM", 4, 0), 4);
	close(fd);
	refused_and_nothing_runs(path, "not a dmsup save file");
	free(path);
	free(cfg);
}
END_TEST

START_TEST(a_truncated_file_is_refused)
{
	char *path = save_path("short.save"), *cfg = saved_vm1(path);
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(truncate(path, st.st_size - 100), 0);
	refused_and_nothing_runs(path, "truncated");
	free(path);
	free(cfg);
}
END_TEST

START_TEST(a_file_of_another_config_is_refused)
{
	char *path = save_path("vm1.save"), *cfg = saved_vm1(path);

	ck_assert_int_eq(h_dmctl(NULL, NULL, "set", "vm1", "memory=32", NULL),
			 0);
	refused_and_nothing_runs(path, "config field memory is 16 in the "
				       "file, 32");
	free(path);
	free(cfg);
}
END_TEST

/* The header is right, the state is not: QEMU fails the load, the start
 * fails naming the domain and what QEMU said, and QEMU is gone. */
START_TEST(a_state_qemu_cannot_load_fails_the_start_with_its_reason)
{
	char *path = save_path("vm1.save"), *cfg = saved_vm1(path), *err,
	     qmp[400];
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	ck_assert_int_eq(pwrite(fd, "garbage!", 8, 4096), 8);
	close(fd);
	snprintf(qmp, sizeof(qmp), "%s/vm1.fifo", H.run);
	ck_assert_int_eq(
	    h_dmctl(NULL, &err, "start", "vm1", "--restore", path, NULL), 1);
	ck_assert_msg(strstr(err, "vm1"), "%s", err);
	ck_assert_msg(strstr(err, path), "%s", err);
	ck_assert_msg(strstr(err, "load of migration failed"),
		      "no QEMU reason: %s", err);
	free(err);
	ck_assert_int_eq(h_count_procs(qmp), 0);
	free(path);
	free(cfg);
}
END_TEST

START_TEST(a_symlink_or_fifo_as_save_file_is_refused)
{
	char *cfg = start_vm1(), *link = save_path("link"),
	     *fifo = save_path("fifo"), *target = save_path("target"), *err;

	ck_assert_int_eq(symlink(target, link), 0);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(
	    h_dmctl(NULL, &err, "save", "vm1", "--file", link, NULL), 1);
	ck_assert_msg(strstr(err, "a symbolic link (refused)"), "%s", err);
	free(err);
	ck_assert_int_eq(access(target, F_OK), -1);
	ck_assert_int_eq(
	    h_dmctl(NULL, &err, "save", "vm1", "--file", fifo, NULL), 1);
	ck_assert_msg(strstr(err, "not a regular file"), "%s", err);
	free(err);
	/* Refused before QMP stop: the guest was never paused. */
	char *st = h_qmp_json("vm1", "query-status");
	ck_assert_msg(strstr(st, "\"status\":\"running\""), "%s", st);
	free(st);
	free(link);
	free(fifo);
	free(target);
	free(cfg);
}
END_TEST

/* `dmctl --json plan CFG [--restore FILE]`'s target_pages (it must
 * succeed). */
static long long plan_pages(const char *cfg, const char *restore)
{
	char *out = NULL, *err = NULL;
	int rc = restore ? h_dmctl(&out, &err, "--json", "plan", cfg,
				   "--restore", restore, NULL)
			 : h_dmctl(&out, &err, "--json", "plan", cfg, NULL);

	ck_assert_msg(rc == 0, "plan: %s", err);
	struct json_object *o = json_tokener_parse(out), *v;
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, "target_pages", &v));
	long long pages = json_object_get_int64(v);
	json_object_put(o);
	free(out);
	free(err);
	return pages;
}

/* The pages of the plan's items named @prefix* (vga., nic). */
static long long plan_item_pages(const char *cfg, const char *prefix)
{
	char *out;
	long long sum = 0;

	ck_assert_int_eq(h_dmctl(&out, NULL, "--json", "plan", cfg, NULL), 0);
	struct json_object *o = json_tokener_parse(out), *items;
	ck_assert(json_object_object_get_ex(o, "items", &items));
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		struct json_object *it = json_object_array_get_idx(items, i);
		if (!strncmp(h_str(it, "name"), prefix, strlen(prefix)))
			sum += h_int(it, "pages");
	}
	json_object_put(o);
	free(out);
	return sum;
}

/* vm2 with std VGA (16 MiB) and an e1000, saved into @path, stopped. */
static char *saved_vm2(const char *path)
{
	char *cfg = h_config(
	    "vm2", 12,
	    "\"machine\": \"pc-i440fx-3.1\", \"vga\": \"std\", "
	    "\"videoram\": 16, \"nics\": [{\"model\": "
	    "\"e1000\", \"backend\": \"user\"}], \"extra_args\": [\"-global\", "
	    "\"apic-common.vapic=off\"]");

	h_start(cfg);
	ck_assert_int_eq(
	    h_dmctl(NULL, NULL, "save", "vm2", "--file", path, NULL), 0);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "vm2", NULL), 0);
	return cfg;
}

/* A toolstack asks what a restore needs before it restores: the plan
 * of a restore lacks exactly the videoram and the ROMs. */
START_TEST(plan_restore_is_smaller_by_the_videoram_and_roms)
{
	char *path = save_path("vm2.save"), *cfg = saved_vm2(path), *out;
	long long boot = plan_pages(cfg, NULL);
	long long vga = plan_item_pages(cfg, "vga."),
		  nic = plan_item_pages(cfg, "nic");

	ck_assert_int_ge(vga, 16 * 256); /* the videoram alone */
	ck_assert_int_gt(nic, 0);	 /* the e1000's option ROM */
	ck_assert_int_eq(plan_pages(cfg, path), boot - vga - nic);
	ck_assert_int_eq(
	    h_dmctl(&out, NULL, "plan", cfg, "--restore", path, NULL), 0);
	ck_assert_msg(strstr(out, "restore from") && strstr(out, path) &&
			  !strstr(out, "vga.vram") && !strstr(out, "nic0.rom"),
		      "%s", out);
	free(out);
	free(path);
	free(cfg);
}
END_TEST

/* What start --restore refuses, plan --restore refuses the same way:
 * naming @domain and the file, and no plan printed. */
static void plan_refused(const char *cfg, const char *domain, const char *path,
			 const char *want)
{
	char *out = NULL, *err = NULL;

	ck_assert_int_eq(
	    h_dmctl(&out, &err, "plan", cfg, "--restore", path, NULL), 1);
	ck_assert_msg(strstr(err, want), "want '%s' in: %s", want, err);
	ck_assert_msg(strstr(err, path) && strstr(err, domain),
		      "no file or domain in: %s", err);
	ck_assert_msg(!strstr(out, "pages"), "a plan printed: %s", out);
	free(out);
	free(err);
}

START_TEST(plan_restore_refuses_a_bad_file)
{
	char *path = save_path("vm2.save"), *cfg = saved_vm2(path);
	char *garbage = save_path("garbage");
	/* Another configuration (more videoram): the file is not its. */
	char *other = h_config("vm3", 13,
			       "\"machine\": \"pc-i440fx-3.1\", \"vga\": "
			       "\"std\", \"videoram\": 32, \"nics\": "
			       "[{\"model\": \"e1000\"}]");
	int fd = open(garbage, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	plan_refused(other, "vm3", path,
		     "config field videoram is 16 in the file, 32");
	ck_assert_int_eq(write(fd, "QEVM garbage", 12), 12);
	close(fd);
	plan_refused(cfg, "vm2", garbage, "not a dmsup save file");
	ck_assert_int_eq(truncate(path, 5000), 0);
	plan_refused(cfg, "vm2", path, "truncated");
	free(other);
	free(garbage);
	free(path);
	free(cfg);
}
END_TEST

/* A QEMU "binary" that stops itself before it execs QEMU: the start it
 * belongs to is held before QMP exists, while the test kills dmsup. */
static char *stopping_qemu(void)
{
	char *path = save_path("stopping-qemu");
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\nkill -STOP $$\nexec %s \"$@\"\n", H_QEMU);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0755), 0);
	return path;
}

/* The process running @needle once it is stopped (state T). */
static pid_t wait_stopped(const char *needle)
{
	double end = h_now() + H_TIMEOUT;

	while (h_now() < end) {
		pid_t pid = h_find_proc(needle);
		char path[64], *stat;

		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		if (pid > 0 && (stat = h_read_file(path))) {
			char *st = strrchr(stat, ')');
			bool stopped = st && st[1] == ' ' && st[2] == 'T';
			free(stat);
			if (stopped)
				return pid;
		}
		poll(NULL, 0, 10);
	}
	ck_abort_msg("%s never stopped", needle);
	return 0;
}

/* vm1's run file names the restore: dmsup wrote it after the spawn. */
static void wait_run_restore(void)
{
	char path[400], *run = NULL;
	double end = h_now() + H_TIMEOUT;

	snprintf(path, sizeof(path), "%s/vm1.run", H.run);
	while (h_now() < end) {
		run = h_read_file(path);
		bool named = run && strstr(run, "\"restore\"");
		free(run);
		if (named)
			return;
		poll(NULL, 0, 10);
	}
	ck_abort_msg("%s never named the restore", path);
}

/*
 * dmsup is killed during a start --restore, before QEMU began loading
 * (QEMU not even up): the restarted dmsup reattaches, asks QEMU, which
 * has no incoming migration, and fails the start naming the file; it
 * never reports the half-restored device model running, and stops it.
 */
START_TEST(a_restore_dmsup_died_in_before_the_load_fails_and_stops_qemu)
{
	char *path = save_path("vm1.save"), *cfg = saved_vm1(path);
	char *wrapper = stopping_qemu(), set[4200], *out = NULL;
	int out_fd, status;

	snprintf(set, sizeof(set), "qemu=%s", wrapper);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "set", "vm1", set, NULL), 0);
	pid_t cli =
	    h_dmctl_bg(&out_fd, "start", "vm1", "--restore", path, NULL);
	pid_t qemu = wait_stopped(wrapper);
	wait_run_restore();
	h_stop_dmsup(SIGKILL);
	ck_assert_int_eq(waitpid(cli, &status, 0), cli);
	ck_assert(!WIFEXITED(status) || WEXITSTATUS(status) != 0);
	close(out_fd);
	h_start_dmsup();
	ck_assert_int_eq(kill(qemu, SIGCONT), 0);
	struct json_object *st = h_wait_state("vm1", "failed");
	ck_assert_ptr_nonnull(st);
	const char *err = h_str(st, "error");
	ck_assert_msg(err && strstr(err, path) &&
			  strstr(err, "before QEMU began loading it"),
		      "%s", err ? err : "(no error)");
	json_object_put(st);
	ck_assert(h_wait_gone(qemu));
	free(out);
	free(wrapper);
	free(path);
	free(cfg);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    a_restored_device_model_has_the_saved_cmos_byte,
	    save_without_file_still_goes_into_the_state_dir,
	    the_state_dirs_save_goes_at_the_next_start,
	    relative_paths_are_dmctls,
	    a_file_with_a_bad_header_is_refused,
	    a_truncated_file_is_refused,
	    a_file_of_another_config_is_refused,
	    a_symlink_or_fifo_as_save_file_is_refused,
	    a_state_qemu_cannot_load_fails_the_start_with_its_reason,
	    plan_restore_is_smaller_by_the_videoram_and_roms,
	    plan_restore_refuses_a_bad_file,
	    a_restore_dmsup_died_in_before_the_load_fails_and_stops_qemu,
	};

	return h_main("dmsup-restore", NULL, tests,
		      sizeof(tests) / sizeof(*tests));
}
