/*
 * Deprivileged device models (issue 17, docs/restrict.md) with a real
 * QEMU (TCG, no Xen), dmsup running as root: QEMU runs as its uid in its
 * chroot with no_new_privs and its limits, QMP still answers, and after a
 * kill -9 the reaper leaves no process of the uid; a start waits for the
 * reaper of its uid, and fails by name when the reaper cannot finish.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dmsup/cgroup.h"
#include "tests/local/dmsup/harness.h"

/* Users no host here has: the uids are the test's own. */
#define UID_A 23401
#define UID_B 23402
#define UID_C 23403

static char *status_line(pid_t pid, const char *key)
{
	char path[64], *text, *line, *end;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	text = h_read_file(path);
	ck_assert_ptr_nonnull(text);
	line = strstr(text, key);
	ck_assert_ptr_nonnull(line);
	line = strdup(line + strlen(key));
	free(text);
	if ((end = strchr(line, '\n')))
		*end = '\0';
	return line;
}

/* Live processes of @uid (real, effective or saved), zombies aside. */
static int count_uid(uid_t uid)
{
	DIR *dir = opendir("/proc");
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(dir);
	while ((de = readdir(dir))) {
		char path[300], *text;
		unsigned long r, e, s;
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", de->d_name);
		if (!(text = h_read_file(path)))
			continue;
		char *u = strstr(text, "\nUid:"), *st = strstr(text, "State:");
		if (u && sscanf(u, "\nUid: %lu %lu %lu", &r, &e, &s) == 3 &&
		    (r == uid || e == uid || s == uid) &&
		    !(st && strchr(st, '\n') &&
		      memchr(st, 'Z', (size_t)(strchr(st, '\n') - st))))
			n++;
		free(text);
	}
	closedir(dir);
	return n;
}

/* A process that becomes what @become makes it (0, or it exits 1),
 * then sleeps; returned once it did. */
static pid_t sleeper(int (*become)(uid_t, const char *), uid_t uid,
		     const char *cg)
{
	int ready[2];
	char c;

	ck_assert(!pipe(ready));
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(ready[0]);
		setsid();
		if (become(uid, cg) || write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

static int become_uid(uid_t uid, const char *cg)
{
	return setresgid(uid, uid, uid) || setresuid(uid, uid, uid);
}

/* Real and saved uid root's: the uid cannot signal it. */
static int become_euid(uid_t uid, const char *cg)
{
	return setresuid(0, uid, 0);
}

/* A process of @uid outside QEMU's process group: only the uid's reaper
 * finds it. With @killable false its real and saved uid stay root's, so
 * the uid cannot signal it (the reaper counts it but cannot end it). */
static pid_t plant(uid_t uid, bool killable)
{
	return sleeper(killable ? become_uid : become_euid, uid, NULL);
}

static void unplant(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* The cgroup2 path of @pid (its "0::" line), or NULL. */
static char *cgroup_of(pid_t pid)
{
	char path[64], *text, *l, *r = NULL;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (!(text = h_read_file(path)))
		return NULL;
	if ((l = strstr(text, "0::"))) {
		r = strndup(l + 3, strcspn(l + 3, "\n"));
	}
	free(text);
	return r;
}

/* The cgroup status gives @name's run: base/dmsup-<hash of H.run>-NAME,
 * a directory that holds @pid. */
static char *check_run_cgroup(const char *name, pid_t pid)
{
	struct json_object *st = h_status(name);
	char want[128], *cg = strdup(h_str(st, "cgroup")), *in = cgroup_of(pid);
	struct stat sb;

	json_object_put(st);
	snprintf(want, sizeof(want), "/dmsup-%08x-%s", dmcg_hash(H.run), name);
	ck_assert_msg(strlen(cg) > strlen(want) &&
			  !strcmp(cg + strlen(cg) - strlen(want), want),
		      "%s", cg);
	ck_assert_int_eq(stat(cg, &sb), 0);
	ck_assert(S_ISDIR(sb.st_mode));
	/* /proc names it from the mount's root: a tail of the path. */
	ck_assert_ptr_nonnull(in);
	ck_assert_msg(strlen(cg) >= strlen(in) &&
			  !strcmp(cg + strlen(cg) - strlen(in), in),
		      "pid %d is in %s, status says %s", (int)pid, in, cg);
	free(in);
	return cg;
}

static int become_member(uid_t uid, const char *cg)
{
	char procs[1100];
	FILE *f;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	if (!(f = fopen(procs, "we")))
		return -1;
	int bad = fprintf(f, "0") < 0;
	return fclose(f) || bad;
}

/* A root process put into @cg: neither QEMU's group nor its uid, only
 * the cgroup holds it. */
static pid_t plant_in(const char *cg)
{
	return sleeper(become_member, 0, cg);
}

/* @pid (our child) ended by SIGKILL within the harness's timeout. */
static void killed(pid_t pid)
{
	int status;

	ck_assert(h_wait_gone(pid));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

/* @path goes within the harness's timeout. */
static bool gone_in_time(const char *path)
{
	for (double end = h_now() + H_TIMEOUT; h_now() < end; usleep(20000))
		if (access(path, F_OK) && errno == ENOENT)
			return true;
	return false;
}

/* Whether the cgroup above @cg offers @ctl (this build host: none). */
static bool parent_offers(const char *cg, const char *ctl)
{
	char path[1100], *text;
	bool has;

	snprintf(path, sizeof(path), "%.*s/cgroup.controllers",
		 (int)(strrchr(cg, '/') - cg), cg);
	text = h_read_file(path);
	has = text && strstr(text, ctl);
	free(text);
	return has;
}

static bool missing_names(struct json_object *r, const char *what)
{
	struct json_object *m;

	if (!json_object_object_get_ex(r, "missing", &m))
		return false;
	for (size_t i = 0; i < json_object_array_length(m); i++)
		if (strstr(
			json_object_get_string(json_object_array_get_idx(m, i)),
			what))
			return true;
	return false;
}

/* Mode user with @uid and the section's other @members ("" for none). */
static char *user_config(const char *name, int domid, uid_t uid,
			 const char *members)
{
	char extra[300];

	snprintf(extra, sizeof(extra),
		 "\"restrict\": {\"mode\": \"user\", \"uid\": %d%s%s}",
		 (int)uid, *members ? ", " : "", members);
	return h_config(name, domid, extra);
}

static char *restricted_config(const char *name, int domid, uid_t uid,
			       int reap_timeout)
{
	char extra[160];

	snprintf(extra, sizeof(extra),
		 "\"restrict\": {\"mode\": \"user\", \"uid\": %d, "
		 "\"reap_timeout\": %d}",
		 (int)uid, reap_timeout);
	return h_config(name, domid, extra);
}

/* A restricted run of @name started, its cgroup checked, and a root
 * process put in it (*member_r): the cgroup's path. */
static char *start_with_member(const char *name, const char *cfg, pid_t *pid_r,
			       pid_t *member_r)
{
	char *cg;

	*pid_r = h_start(cfg);
	cg = check_run_cgroup(name, *pid_r);
	*member_r = plant_in(cg);
	return cg;
}

static struct json_object *restrict_of(struct json_object *st)
{
	struct json_object *r = NULL;

	ck_assert(json_object_object_get_ex(st, "restrict", &r));
	return r;
}

START_TEST(qemu_runs_as_its_uid_in_its_chroot_with_no_new_privs)
{
	char *cfg = restricted_config("r1", 31, UID_A, 10), want[400], *s;
	pid_t pid = h_start(cfg);
	char link[64], root[PATH_MAX] = "";

	s = status_line(pid, "Uid:");
	ck_assert_str_eq(s, "\t23401\t23401\t23401\t23401");
	free(s);
	s = status_line(pid, "Gid:");
	ck_assert_str_eq(s, "\t23401\t23401\t23401\t23401");
	free(s);
	s = status_line(pid, "NoNewPrivs:");
	ck_assert_str_eq(s, "\t1");
	free(s);
	s = status_line(pid, "Seccomp:");
	ck_assert_str_eq(s, "\t2"); /* -sandbox on */
	free(s);
	snprintf(link, sizeof(link), "/proc/%d/root", (int)pid);
	ck_assert_int_gt(readlink(link, root, sizeof(root) - 1), 0);
	snprintf(want, sizeof(want), "%s/r1.root", H.run);
	ck_assert_str_eq(root, want);
	snprintf(link, sizeof(link), "/proc/%d/limits", (int)pid);
	s = h_read_file(link);
	ck_assert_msg(
	    strstr(s, "Max processes             256                  256"),
	    "%s", s);
	ck_assert_msg(
	    strstr(s, "Max core file size        0                    0"), "%s",
	    s);
	ck_assert_msg(
	    strstr(s, "Max file size             0                    0"), "%s",
	    s);
	free(s);
	/* QMP through the socket dmsup listens on. */
	s = h_qmp_json("r1", "query-status");
	ck_assert_msg(strstr(s, "\"running\""), "%s", s);
	free(s);
	struct json_object *st = h_status("r1"), *r = restrict_of(st), *m;
	ck_assert_int_eq(h_int(r, "uid"), UID_A);
	ck_assert_str_eq(h_str(r, "chroot"), want);
	ck_assert(json_object_object_get_ex(r, "missing", &m));
	json_object_put(st);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "r1", NULL), 0);
	free(cfg);
}
END_TEST

START_TEST(after_kill_9_no_process_of_the_uid_remains)
{
	char *cfg = restricted_config("r2", 32, UID_B, 10);
	pid_t pid = h_start(cfg), other = plant(UID_B, true);

	ck_assert_int_eq(count_uid(UID_B), 2);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	struct json_object *st = h_wait_state("r2", "crashed");
	ck_assert_ptr_nonnull(st);
	json_object_put(st);
	/* The reaper's first round runs before the death is reported. */
	st = h_status("r2");
	ck_assert_str_eq(h_str(restrict_of(st), "reaper"), "done");
	json_object_put(st);
	ck_assert_int_eq(count_uid(UID_B), 0);
	waitpid(other, NULL, 0);
	/* And the uid serves again. */
	pid = h_start(cfg);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "r2", NULL), 0);
	ck_assert_int_eq(count_uid(UID_B), 0);
	free(cfg);
}
END_TEST

START_TEST(a_run_reattached_after_a_dmsup_restart_is_reaped_too)
{
	char *cfg = restricted_config("r8", 38, UID_B, 10);
	pid_t pid = h_start(cfg);

	h_stop_dmsup(SIGKILL);
	h_start_dmsup();
	struct json_object *st = h_wait_state("r8", "running");
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(h_int(restrict_of(st), "uid"), UID_B);
	json_object_put(st);
	pid_t other = plant(UID_B, true);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	st = h_wait_state("r8", "crashed");
	ck_assert_ptr_nonnull(st);
	json_object_put(st);
	ck_assert_int_eq(count_uid(UID_B), 0);
	waitpid(other, NULL, 0);
	free(cfg);
}
END_TEST

START_TEST(a_start_waits_for_the_reaper_of_its_uid)
{
	char *cfg = restricted_config("r3", 33, UID_C, 60);
	pid_t pid = h_start(cfg), stuck = plant(UID_C, false);
	int out, status;

	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	struct json_object *st = h_wait_state("r3", "crashed");
	ck_assert_ptr_nonnull(st);
	ck_assert_str_eq(h_str(restrict_of(st), "reaper"), "reaping");
	json_object_put(st);
	pid_t bg = h_dmctl_bg(&out, "start", "r3", NULL);
	st = h_wait_state("r3", "starting");
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(h_int(st, "pid"), -1); /* nothing spawned yet */
	json_object_put(st);
	/* Its last process gone, the reaper ends and the start goes on. */
	unplant(stuck);
	ck_assert(h_read_until(out, "running"));
	ck_assert_int_eq(waitpid(bg, &status, 0), bg);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	close(out);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "r3", NULL), 0);
	free(cfg);
}
END_TEST

START_TEST(a_stop_gives_up_a_start_waiting_for_the_reaper)
{
	char *cfg = restricted_config("r7", 37, UID_C, 60);
	pid_t pid = h_start(cfg), stuck = plant(UID_C, false);
	int out, status;

	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	struct json_object *st = h_wait_state("r7", "crashed");
	ck_assert_ptr_nonnull(st);
	json_object_put(st);
	pid_t bg = h_dmctl_bg(&out, "start", "r7", NULL);
	st = h_wait_state("r7", "starting");
	ck_assert_ptr_nonnull(st);
	json_object_put(st);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "r7", NULL), 0);
	st = h_status("r7");
	ck_assert_str_eq(h_str(st, "state"), "stopped");
	ck_assert_int_eq(h_int(st, "pid"), -1);
	json_object_put(st);
	ck_assert_int_eq(waitpid(bg, &status, 0), bg);
	close(out);
	unplant(stuck);
	free(cfg);
}
END_TEST

START_TEST(a_reaper_that_cannot_finish_fails_the_start_by_name)
{
	char *cfg = restricted_config("r4", 34, UID_C, 1), *err;
	pid_t pid = h_start(cfg), stuck = plant(UID_C, false);

	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	struct json_object *st = h_wait_state("r4", "crashed");
	ck_assert_ptr_nonnull(st);
	json_object_put(st);
	ck_assert_int_eq(h_dmctl(NULL, &err, "start", "r4", NULL), 1);
	ck_assert_msg(strstr(err, "domain r4: restrict: 1 process of uid 23403 "
				  "from its last run still alive after 1 s"),
		      "%s", err);
	free(err);
	st = h_status("r4");
	ck_assert_str_eq(h_str(st, "step"), "restrict");
	json_object_put(st);
	unplant(stuck);
	/* The next start tries again, and the uid is clean. */
	h_start(cfg);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "r4", NULL), 0);
	free(cfg);
}
END_TEST

START_TEST(a_missing_user_fails_the_start_naming_domain_and_step)
{
	char *cfg = h_config("r5", 35,
			     "\"restrict\": {\"mode\": \"user\", \"user\": "
			     "\"dmsup-no-such-user\"}"),
	     *err;

	ck_assert_int_eq(h_dmctl(NULL, &err, "start", cfg, NULL), 1);
	ck_assert_msg(strstr(err, "domain r5: restrict: restrict user: user "
				  "dmsup-no-such-user does not exist"),
		      "%s", err);
	free(err);
	struct json_object *st = h_status("r5");
	ck_assert_str_eq(h_str(st, "step"), "restrict");
	json_object_put(st);
	free(cfg);
}
END_TEST

START_TEST(auto_without_the_users_says_so_in_status)
{
	char *cfg = h_config("r6", 36, "");
	pid_t pid = h_start(cfg);
	char *s = status_line(pid, "Uid:");

	ck_assert_str_eq(s, "\t0\t0\t0\t0");
	free(s);
	struct json_object *st = h_status("r6"), *r = restrict_of(st), *on;
	ck_assert(json_object_object_get_ex(r, "enabled", &on));
	ck_assert(!json_object_get_boolean(on));
	ck_assert_str_eq(h_str(r, "why"),
			 "auto: the host has no user xen-qemuuser-shared");
	json_object_put(st);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "r6", NULL), 0);
	free(cfg);
}
END_TEST

/* A PC machine (NICs, a state to save), restricted to UID_A. */
static char *pc_user_config(const char *name, int domid)
{
	char extra[200];

	snprintf(extra, sizeof(extra),
		 "\"machine\": \"pc-i440fx-3.1\", \"restrict\": {\"mode\": "
		 "\"user\", \"uid\": %d}",
		 UID_A);
	return h_config(name, domid, extra);
}

/* A chrooted QEMU loads a hotplugged NIC's ROM from inside its chroot:
 * dmsup puts it there, and takes it away with the run. */
START_TEST(a_nic_hotplugged_into_the_chroot_finds_its_rom)
{
	char *out, rom[PATH_MAX + 32], root[PATH_MAX];
	struct stat st;
	char *cfg = pc_user_config("r7", 37);
	h_start(cfg);
	int rc = h_dmctl(&out, NULL, "nic-attach", "r7", "e1000,id=hot1", NULL);
	ck_assert_msg(rc == 0, "nic-attach: exit %d", rc);
	ck_assert_msg(strstr(out, "NIC hot1 (e1000) added"), "%s", out);
	free(out);
	out = h_qmp_json("r7", "query-pci");
	ck_assert_msg(strstr(out, "\"qdev_id\":\"hot1\""), "%s", out);
	free(out);
	snprintf(root, sizeof(root), "%s/r7.root", H.run);
	snprintf(rom, sizeof(rom), "%s/rom/efi-e1000.rom", root);
	ck_assert_int_eq(lstat(rom, &st), 0);
	ck_assert(S_ISREG(st.st_mode) && st.st_uid == 0);
	ck_assert_int_eq(st.st_mode & 07777, 0444);
	/* A second NIC of the model reuses the ROM. */
	ck_assert_int_eq(
	    h_dmctl(NULL, NULL, "nic-attach", "r7", "e1000,id=hot2", NULL), 0);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "r7", NULL), 0);
	ck_assert_int_eq(lstat(root, &st), -1);
	/* The next run starts in an empty chroot again. */
	h_start(cfg);
	ck_assert_int_eq(lstat(rom, &st), -1);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "r7", NULL), 0);
	free(cfg);
}
END_TEST

/* Whether this process has capability @cap (CapEff of its status). */
static bool have_cap(int cap)
{
	char *s = status_line(getpid(), "CapEff:");
	unsigned long long eff = strtoull(s, NULL, 16);

	free(s);
	return eff >> cap & 1;
}

/* QEMU writes its state itself: RLIMIT_FSIZE (0) is lifted for the save
 * alone, else SIGXFSZ kills QEMU at its first byte. Lifting another uid's
 * limit takes CAP_SYS_RESOURCE (a container may lack it): without, the
 * save is refused by name and QEMU runs on. */
START_TEST(a_restricted_device_model_saves_and_keeps_its_fsize_limit)
{
	char *out, path[PATH_MAX], limits[64];
	struct stat st;
	char *cfg = pc_user_config("r9", 39);
	pid_t pid = h_start(cfg);
	snprintf(path, sizeof(path), "%s/r9.dmstate", H.dir);
	char *err = NULL;
	int rc = h_dmctl(&out, &err, "save", "r9", "--file", path, NULL);
	if (have_cap(CAP_SYS_RESOURCE)) {
		ck_assert_msg(rc == 0, "save: exit %d: %s", rc, err);
		ck_assert_int_eq(stat(path, &st), 0);
		ck_assert_int_gt(st.st_size, 4096);
	} else {
		ck_assert_int_eq(rc, 1);
		ck_assert_msg(strstr(err, "domain r9 (domid 39): restrict: ") &&
				  strstr(err, "lifting RLIMIT_FSIZE (0 bytes) "
					      "for QEMU's state file: "
					      "Operation not permitted"),
			      "%s", err);
		ck_assert_int_eq(stat(path, &st), -1);
	}
	free(out);
	free(err);
	ck_assert_int_eq(kill(pid, 0), 0);
	snprintf(limits, sizeof(limits), "/proc/%d/limits", (int)pid);
	out = h_read_file(limits);
	ck_assert_msg(
	    strstr(out, "Max file size             0                    0"),
	    "%s", out);
	free(out);
	out = h_qmp_json("r9", "query-status");
	ck_assert_msg(strstr(out, "\"paused\""), "%s", out);
	free(out);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "r9", NULL), 0);
	free(cfg);
}
END_TEST

START_TEST(qemu_runs_in_its_cgroup_and_what_joins_it_dies_with_it)
{
	char *cfg = restricted_config("c1", 41, UID_A, 10), file[1100], *text;
	pid_t pid, other;
	char *cg = start_with_member("c1", cfg, &pid, &other);

	/* The limits where the host offers them, else named missing. */
	struct json_object *st = h_status("c1"), *r = restrict_of(st);
	snprintf(file, sizeof(file), "%s/pids.max", cg);
	if (parent_offers(cg, "pids")) {
		text = h_read_file(file);
		ck_assert_str_eq(text, "256\n");
		free(text);
		ck_assert_int_eq(h_int(r, "pids_max"), 256);
	} else
		ck_assert_msg(missing_names(r, "cgroup pids limit ("), "%s",
			      json_object_to_json_string(r));
	json_object_put(st);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	st = h_wait_state("c1", "crashed");
	ck_assert_ptr_nonnull(st);
	json_object_put(st);
	/* A root process outside QEMU's group: only cgroup.kill ends it. */
	killed(other);
	ck_assert_msg(gone_in_time(cg), "%s is still there", cg);
	st = h_status("c1");
	ck_assert(json_object_object_get_ex(st, "cgroup", &r));
	ck_assert_ptr_null(r); /* null: no run, no cgroup */
	json_object_put(st);
	free(cg);
	free(cfg);
}
END_TEST

START_TEST(a_stop_removes_the_cgroup_and_dmctl_status_shows_it)
{
	char *cfg = restricted_config("c2", 42, UID_B, 10), *out;
	pid_t pid = h_start(cfg);
	char *cg = check_run_cgroup("c2", pid), want[1200];

	ck_assert_int_eq(h_dmctl(&out, NULL, "status", "c2", NULL), 0);
	snprintf(want, sizeof(want), "\ncgroup   %s\n", cg);
	ck_assert_msg(strstr(out, want), "%s", out);
	free(out);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "c2", NULL), 0);
	ck_assert_msg(gone_in_time(cg), "%s is still there", cg);
	ck_assert_int_eq(h_dmctl(&out, NULL, "status", "c2", NULL), 0);
	ck_assert_msg(strstr(out, "\ncgroup   none\n"), "%s", out);
	free(out);
	free(cg);
	free(cfg);
}
END_TEST

START_TEST(a_crashed_dmsups_leftover_cgroup_is_emptied_at_the_next_start)
{
	char *cfg = restricted_config("c3", 43, UID_C, 10);
	pid_t pid, left;
	char *cg = start_with_member("c3", cfg, &pid, &left);

	/* dmsup dies, then its QEMU: what joined the cgroup stays. */
	h_stop_dmsup(SIGKILL);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert(h_wait_gone(pid));
	ck_assert(h_alive(left));
	h_start_dmsup();
	pid = h_start(cfg);
	killed(left);
	free(check_run_cgroup("c3", pid));
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "c3", NULL), 0);
	ck_assert_msg(gone_in_time(cg), "%s is still there", cg);
	free(cg);
	free(cfg);
}
END_TEST

START_TEST(a_reattach_finds_qemu_in_its_cgroup)
{
	char *cfg = restricted_config("c4", 44, UID_A, 10);
	pid_t pid, other;
	char *cg = start_with_member("c4", cfg, &pid, &other);

	h_stop_dmsup(SIGKILL);
	h_start_dmsup();
	struct json_object *st = h_wait_state("c4", "running");
	ck_assert_ptr_nonnull(st);
	ck_assert_str_eq(h_str(st, "cgroup"), cg);
	json_object_put(st);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	killed(other);
	ck_assert_msg(gone_in_time(cg), "%s is still there", cg);
	free(cg);
	free(cfg);
}
END_TEST

START_TEST(cgroup_off_is_named_missing)
{
	char *cfg = user_config("c5", 45, UID_B, "\"cgroup\": \"off\"");

	h_start(cfg);
	struct json_object *st = h_status("c5"), *v;
	ck_assert(json_object_object_get_ex(st, "cgroup", &v));
	ck_assert_ptr_null(v);
	ck_assert(
	    missing_names(restrict_of(st), "cgroup (restrict.cgroup off)"));
	json_object_put(st);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "c5", NULL), 0);
	free(cfg);
}
END_TEST

START_TEST(a_cgroup_dir_that_is_no_cgroup_fails_the_start_by_name)
{
	char extra[600], *err;

	snprintf(extra, sizeof(extra),
		 "\"restrict\": {\"mode\": \"user\", \"uid\": %d, "
		 "\"cgroup\": \"%s\"}",
		 UID_B, H.dir);
	char *cfg = h_config("c6", 46, extra);
	ck_assert_int_eq(h_dmctl(NULL, &err, "start", cfg, NULL), 1);
	char want[700];
	snprintf(want, sizeof(want),
		 "domain c6: restrict: restrict.cgroup %s is not a cgroup2 "
		 "directory",
		 H.dir);
	ck_assert_msg(strstr(err, want), "%s", err);
	free(err);
	free(cfg);
}
END_TEST

/* /proc/PID/@what (a link, else a file) of @pid and of dmsup. */
static char *proc_of(pid_t pid, const char *what)
{
	char path[64], link[128] = "";

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	if (readlink(path, link, sizeof(link) - 1) > 0)
		return strdup(link);
	return h_read_file(path);
}

static void differs_from_dmsups(pid_t pid, const char *what)
{
	char *a = proc_of(pid, what), *b = proc_of(H.dmsup, what);

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_msg(strcmp(a, b), "%s: %s", what, a);
	free(a);
	free(b);
}

/* The mountinfo line of @pid whose mount point is @at, or NULL. */
static char *mount_at(pid_t pid, const char *at)
{
	char path[64], *text, *line, *r = NULL, mp[PATH_MAX];

	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	text = h_read_file(path);
	ck_assert_ptr_nonnull(text);
	for (line = strtok(text, "\n"); line && !r; line = strtok(NULL, "\n"))
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 &&
		    !strcmp(mp, at))
			r = strdup(line);
	free(text);
	return r;
}

/* What dom0 sees in @dir: its entries but . and .., space-separated. */
static char *dir_entries(const char *dir)
{
	char buf[1024] = "";
	DIR *d = opendir(dir);
	struct dirent *de;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
				 "%s%s", *buf ? " " : "", de->d_name);
	closedir(d);
	return strdup(buf);
}

START_TEST(qemu_has_a_mount_namespace_of_its_own)
{
	char *cfg = restricted_config("m1", 51, UID_A, 10);
	pid_t pid = h_start(cfg);

	differs_from_dmsups(pid, "ns/mnt");
	differs_from_dmsups(pid, "mountinfo");
	struct json_object *st = h_status("m1"), *r = restrict_of(st), *v;
	ck_assert(json_object_object_get_ex(r, "mount_ns", &v));
	ck_assert(json_object_get_boolean(v));
	ck_assert(!missing_names(r, "mount namespace"));
	ck_assert(!missing_names(r, "private /tmp"));
	json_object_put(st);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "m1", NULL), 0);
	free(cfg);
}
END_TEST

/* QEMU's / is an empty read-only tmpfs, its /tmp a writable 4 MiB one,
 * /rom dom0's chroot's rom/ (read-only): nothing else is there. */
START_TEST(qemus_root_is_a_read_only_tmpfs_with_a_private_tmp)
{
	char *cfg = restricted_config("m2", 52, UID_B, 10), *l;
	pid_t pid = h_start(cfg);
	char path[96];
	struct statfs sf;
	struct statvfs sv;

	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	ck_assert_int_eq(statfs(path, &sf), 0);
	ck_assert_int_eq(sf.f_type, TMPFS_MAGIC);
	ck_assert_int_eq(statvfs(path, &sv), 0);
	ck_assert(sv.f_flag & ST_RDONLY);
	snprintf(path, sizeof(path), "/proc/%d/root/tmp", (int)pid);
	ck_assert_int_eq(statfs(path, &sf), 0);
	ck_assert_int_eq(sf.f_type, TMPFS_MAGIC);
	ck_assert_int_eq((long long)sf.f_blocks * sf.f_bsize, 4 << 20);
	/* Seen from QEMU (chrooted): three mounts, its own. */
	l = mount_at(pid, "/");
	ck_assert_msg(l && strstr(l, " ro,nosuid,nodev,noexec") &&
			  strstr(l, " - tmpfs "),
		      "%s", l);
	free(l);
	l = mount_at(pid, "/tmp");
	ck_assert_msg(l && strstr(l, " rw,nosuid,nodev,noexec") &&
			  strstr(l, " - tmpfs ") && strstr(l, "size=4096k"),
		      "%s", l);
	free(l);
	l = mount_at(pid, "/rom");
	ck_assert_msg(l && strstr(l, " ro,nosuid,nodev,noexec"), "%s", l);
	free(l);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "m2", NULL), 0);
	free(cfg);
}
END_TEST

/* A file QEMU writes in its /tmp (a dump of the guest's 16 MiB, as its
 * uid) stops at the 4 MiB of the tmpfs, is not in dom0's /tmp nor in
 * dom0's chroot directory, and goes with QEMU. */
START_TEST(what_qemu_writes_in_its_tmp_is_capped_and_dom0_never_sees)
{
	char *cfg = user_config("m3", 53, UID_C, "\"fsize_mib\": 64"), *out,
	     *err, *e;
	char file[64], args[160], in_qemu[PATH_MAX], root[PATH_MAX];
	struct stat st;
	pid_t pid = h_start(cfg);
	snprintf(file, sizeof(file), "/tmp/dmsup-test-m3-%d.core", (int)pid);
	snprintf(args, sizeof(args),
		 "{\"paging\": false, \"protocol\": \"file:%s\"}", file);
	int rc =
	    h_dmctl(&out, &err, "qmp", "m3", "dump-guest-memory", args, NULL);
	ck_assert_msg(rc != 0 && strstr(err, "No space left on device"),
		      "dump-guest-memory: exit %d: %s", rc, err);
	free(out);
	free(err);
	snprintf(in_qemu, sizeof(in_qemu), "/proc/%d/root%s", (int)pid, file);
	ck_assert_int_eq(stat(in_qemu, &st), 0);
	ck_assert_int_eq(st.st_uid, UID_C);
	ck_assert_int_gt(st.st_size, 0);
	ck_assert_int_le(st.st_size, 4 << 20);
	out = h_qmp_json("m3", "query-status");
	ck_assert_msg(strstr(out, "\"running\""), "%s", out);
	free(out);
	/* dom0: not in its /tmp, and its chroot dir holds only rom/. */
	ck_assert_int_eq(lstat(file, &st), -1);
	snprintf(root, sizeof(root), "%s/m3.root", H.run);
	e = dir_entries(root);
	ck_assert_str_eq(e, "rom");
	free(e);
	/* Its / takes nothing, even from root in its namespace. */
	snprintf(in_qemu, sizeof(in_qemu), "/proc/%d/root/x", (int)pid);
	ck_assert_int_eq(mkdir(in_qemu, 0700), -1);
	ck_assert_int_eq(errno, EROFS);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "m3", NULL), 0);
	ck_assert_int_eq(lstat(root, &st), -1);
	free(cfg);
}
END_TEST

/* A root without CAP_SYS_ADMIN (a container forbids it): the explicit
 * mode asked for all of it, so the start fails by name. */
START_TEST(without_cap_sys_admin_an_explicit_mode_fails_by_name)
{
	char *cfg = restricted_config("m4", 54, UID_A, 10), *err;

	h_stop_dmsup(SIGTERM);
	H.drop_caps = 1ULL << CAP_SYS_ADMIN;
	h_start_dmsup();
	ck_assert_int_eq(h_dmctl(NULL, &err, "start", cfg, NULL), 1);
	ck_assert_msg(strstr(err, "domain m4: restrict: no mount namespace "
				  "(unshare: Operation not permitted): "
				  "restrict.mode user needs one (auto runs "
				  "without)"),
		      "%s", err);
	free(err);
	struct json_object *st = h_status("m4");
	ck_assert_str_eq(h_str(st, "step"), "restrict");
	ck_assert_int_eq(h_int(st, "pid"), -1);
	json_object_put(st);
	ck_assert_int_eq(count_uid(UID_A), 0);
	free(cfg);
}
END_TEST

/* @cfg with its qemu replaced by @qemu. */
static void config_qemu(const char *cfg, const char *qemu)
{
	char *s = h_read_file(cfg), *at = strstr(s, H_QEMU);
	FILE *f = fopen(cfg, "w");

	ck_assert(at && f);
	*at = '\0';
	fprintf(f, "%s%s%s", s, qemu, at + strlen(H_QEMU));
	fclose(f);
	free(s);
}

/* The trampoline (dmsup-restrict-exec beside dmsup in the build tree)
 * reports a step that fails in the device model's log, and exits 127. */
START_TEST(a_trampoline_that_cannot_exec_qemu_says_why_in_the_log)
{
	char *cfg = restricted_config("r7", 37, UID_A, 10), qemu[400],
	     path[400], want[600], *log = NULL;

	snprintf(qemu, sizeof(qemu), "%s/not-executable", H.dir);
	FILE *f = fopen(qemu, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	config_qemu(cfg, qemu);
	h_dmctl(NULL, NULL, "start", cfg, NULL);
	snprintf(path, sizeof(path), "%s/r7.log", H.logdir);
	snprintf(want, sizeof(want),
		 "dmsup-restrict-exec: %s: Permission denied", qemu);
	for (double end = h_now() + H_TIMEOUT; h_now() < end; usleep(20000)) {
		free(log);
		if ((log = h_read_file(path)) && strstr(log, want))
			break;
	}
	ck_assert_msg(log && strstr(log, want), "%s", log ? log : "(no log)");
	free(log);
	struct json_object *st = h_status("r7");
	ck_assert_int_eq(h_int(st, "pid"), -1);
	json_object_put(st);
	ck_assert_int_eq(count_uid(UID_A), 0);
	free(cfg);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    qemu_runs_as_its_uid_in_its_chroot_with_no_new_privs,
	    after_kill_9_no_process_of_the_uid_remains,
	    a_run_reattached_after_a_dmsup_restart_is_reaped_too,
	    a_start_waits_for_the_reaper_of_its_uid,
	    a_stop_gives_up_a_start_waiting_for_the_reaper,
	    a_reaper_that_cannot_finish_fails_the_start_by_name,
	    a_missing_user_fails_the_start_naming_domain_and_step,
	    auto_without_the_users_says_so_in_status,
	    a_nic_hotplugged_into_the_chroot_finds_its_rom,
	    a_restricted_device_model_saves_and_keeps_its_fsize_limit,
	    qemu_runs_in_its_cgroup_and_what_joins_it_dies_with_it,
	    a_stop_removes_the_cgroup_and_dmctl_status_shows_it,
	    a_crashed_dmsups_leftover_cgroup_is_emptied_at_the_next_start,
	    a_reattach_finds_qemu_in_its_cgroup,
	    cgroup_off_is_named_missing,
	    a_cgroup_dir_that_is_no_cgroup_fails_the_start_by_name,
	    qemu_has_a_mount_namespace_of_its_own,
	    qemus_root_is_a_read_only_tmpfs_with_a_private_tmp,
	    what_qemu_writes_in_its_tmp_is_capped_and_dom0_never_sees,
	    without_cap_sys_admin_an_explicit_mode_fails_by_name,
	    a_trampoline_that_cannot_exec_qemu_says_why_in_the_log,
	};

	if (geteuid() != 0) {
		printf("test-restrict: skipped (needs root)\n");
		return 0;
	}
	return h_main("dmsup-restrict", NULL, tests,
		      sizeof(tests) / sizeof(*tests));
}
