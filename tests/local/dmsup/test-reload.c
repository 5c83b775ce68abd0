/*
 * SIGHUP reloads instead of exiting: dmsup still answers, a definition
 * dropped into the state directory appears in `dmctl list`, a changed one
 * applies at its domain's next start, a removed one undefines a domain
 * that is not running and is written back for one that is; no device
 * model is touched (the same pid, still answering QMP).
 */
#include <check.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/local/dmsup/harness.h"

/* Writes the harness's config of @name as a definition in the state
 * directory, as an administrator would. */
static void drop_definition(const char *name, int domid, const char *extra)
{
	char *cfg = h_config(name, domid, extra), to[600];

	snprintf(to, sizeof(to), "%s/%s.json", H.state, name);
	ck_assert_int_eq(rename(cfg, to), 0);
	free(cfg);
}

static void remove_definition(const char *name)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s.json", H.state, name);
	ck_assert_int_eq(unlink(path), 0);
}

/* How often @needle is in dmsup's stderr. */
static int log_count(const char *needle)
{
	char path[400];
	int n = 0;

	snprintf(path, sizeof(path), "%s/dmsup.stderr", H.dir);
	char *log = h_read_file(path);
	for (const char *p = log; p && (p = strstr(p, needle)); p++)
		n++;
	free(log);
	return n;
}

/* SIGHUP, and the reload's summary line in dmsup's log (the n-th). */
static void reload(void)
{
	int before = log_count("reload: done: ");

	ck_assert_int_eq(kill(H.dmsup, SIGHUP), 0);
	for (int i = 0;
	     i < H_TIMEOUT * 100 && log_count("reload: done: ") <= before;
	     i++) {
		ck_assert_msg(waitpid(H.dmsup, NULL, WNOHANG) == 0,
			      "dmsup exited on SIGHUP");
		poll(NULL, 0, 10);
	}
	ck_assert_int_gt(log_count("reload: done: "), before);
	ck_assert_msg(waitpid(H.dmsup, NULL, WNOHANG) == 0,
		      "dmsup exited on SIGHUP");
}

/* The domain is running with @pid, and its QMP answers. */
static void assert_untouched(const char *name, pid_t pid)
{
	struct json_object *st = h_status(name);

	ck_assert_ptr_nonnull(st);
	ck_assert_str_eq(h_str(st, "state"), "running");
	ck_assert_int_eq(h_int(st, "pid"), pid);
	ck_assert_int_eq(h_int(st, "spawns"), 1);
	json_object_put(st);
	ck_assert(h_alive(pid));
	ck_assert_int_eq(h_dmctl(NULL, NULL, "qmp", name, "query-status", NULL),
			 0);
}

START_TEST(sighup_defines_a_dropped_file_and_touches_no_dm)
{
	char *cfg = h_config("vm1", 1, ""), *out;
	pid_t pid = h_start(cfg);

	drop_definition("vm2", 2, "");
	reload();
	ck_assert_int_eq(h_dmctl(&out, NULL, "list", NULL), 0);
	ck_assert_msg(strstr(out, "vm2"), "list: %s", out);
	free(out);
	assert_untouched("vm1", pid);
	/* The new definition is a domain like any other. */
	cfg = (free(cfg), h_config("vm2", 2, ""));
	ck_assert_int_gt(h_start(cfg), 0);
	free(cfg);
}
END_TEST

START_TEST(a_changed_definition_applies_at_the_next_start)
{
	char *cfg = h_config("vm1", 1, ""), path[64], *cmdline;
	pid_t pid = h_start(cfg);

	drop_definition("vm1", 1,
			"\"extra_args\": [\"-msg\", \"timestamp=on\"]");
	reload();
	ck_assert_int_eq(log_count("(vm1): definition changed, applies at its "
				   "next start (running now)"),
			 1);
	assert_untouched("vm1", pid);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "vm1", NULL), 0);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "start", "vm1", NULL), 0);
	struct json_object *st = h_wait_state("vm1", "running");
	ck_assert_ptr_nonnull(st);
	snprintf(path, sizeof(path), "/proc/%lld/cmdline", h_int(st, "pid"));
	json_object_put(st);
	cmdline = h_read_file(path);
	ck_assert_ptr_nonnull(cmdline);
	/* cmdline's arguments are NUL-separated: "-msg\0timestamp=on". */
	bool found = false;
	for (char *p = cmdline; *p; p += strlen(p) + 1)
		if (!strcmp(p, "timestamp=on"))
			found = true;
	ck_assert_msg(found, "the new QEMU lacks the changed extra_args");
	free(cmdline);
	free(cfg);
}
END_TEST

START_TEST(a_removed_definition_undefines_only_a_domain_not_running)
{
	char *cfg = h_config("vm1", 1, ""), *out, path[600];
	pid_t pid = h_start(cfg);

	drop_definition("vm2", 2, "");
	drop_definition("vm3", 3, "");
	reload();
	remove_definition("vm1");
	remove_definition("vm2");
	/* An invalid file is ignored, not taken for a removal. */
	snprintf(path, sizeof(path), "%s/vm3.json", H.state);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\"name\": ", f);
	fclose(f);
	reload();
	ck_assert_int_eq(h_dmctl(&out, NULL, "list", NULL), 0);
	ck_assert_msg(!strstr(out, "vm2") && strstr(out, "vm3"), "list: %s",
		      out);
	free(out);
	assert_untouched("vm1", pid);
	snprintf(path, sizeof(path), "%s/vm1.json", H.state);
	ck_assert_msg(access(path, F_OK) == 0, "vm1.json was not written back");
	ck_assert_int_eq(log_count("(vm1): vm1.json was removed while it is "
				   "running: kept"),
			 1);
	free(cfg);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    sighup_defines_a_dropped_file_and_touches_no_dm,
	    a_changed_definition_applies_at_the_next_start,
	    a_removed_definition_undefines_only_a_domain_not_running,
	};
	return h_main("reload", NULL, tests, sizeof(tests) / sizeof(*tests));
}
