/*
 * The local tests' harness: a private temp dir with its own control
 * socket, state and log dirs; a real dmsup in the foreground; dmctl run as
 * a user would; waits on dmsup's own events (a watch connection) or on
 * pidfds, each with a generous deadline; and a cleanup that kills every
 * process whose command line names the temp dir.
 */
#ifndef TESTS_LOCAL_DMSUP_HARNESS_H
#define TESTS_LOCAL_DMSUP_HARNESS_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <json-c/json.h>

#define H_TIMEOUT 60 /* seconds: generous, the machine is shared */
#define H_QEMU "/usr/bin/qemu-system-x86_64"

struct h {
	char dir[256];
	char ctl[320], state[320], logdir[320];
	char run[320]; /* dmsup -r: .run, .fifo, .qmp */
	char bin[4096], standin[4096];
	pid_t dmsup;
	/* RLIMIT_NOFILE for the next h_start_dmsup (0: the test's own). */
	unsigned long nofile_soft, nofile_hard;
	/* Capabilities (1 << CAP_X) the next h_start_dmsup drops from its
	 * bounding set: a root without them, as in a container. */
	unsigned long long drop_caps;
};

extern struct h H;

/* Check fixtures: a fresh dir and a running dmsup per test. */
void h_setup(void);
void h_teardown(void);
/* Suite-wide: everything any test left behind goes. */
void h_suite_setup(void);
void h_suite_teardown(void);

void h_start_dmsup(void);
/* A connection to the control socket, or -1. */
int h_connect(void);
/* Sends @sig to dmsup and reaps it. */
void h_stop_dmsup(int sig);

/*
 * Runs dmctl with the test's socket; returns its exit code. @out_r and
 * @err_r (may be NULL) get its stdout and stderr, malloc'd.
 */
int h_dmctl(char **out_r, char **err_r, ...) __attribute__((sentinel));
/* Runs another dmsup with the one argument @arg (e.g. --help), as
 * h_dmctl. */
int h_dmsup(char **out_r, char **err_r, const char *arg);
/* Runs @prog of the build's bin/ (dmsup-restrict-exec) with the
 * arguments given, as h_dmctl. */
int h_prog(char **out_r, char **err_r, const char *prog, ...)
    __attribute__((sentinel));
/* Runs another dmsup with the arguments given, in H.dir (so relative
 * paths are under it), until it exits: its exit status, stderr in
 * *@err_r (malloc'd). */
int h_dmsup_args(char **err_r, ...) __attribute__((sentinel));
/* dmctl must exit 1 with @want in its stderr. */
void h_dmctl_refused(const char *want, ...) __attribute__((sentinel));
/* Runs dmctl in the background; *out_r reads its stdout and stderr. */
pid_t h_dmctl_bg(int *out_r, ...) __attribute__((sentinel));
/* Reads @fd until @needle has appeared (true) or the deadline passed. */
bool h_read_until(int fd, const char *needle);
/* `dmctl --json status DOMAIN`, parsed; NULL if it failed. */
struct json_object *h_status(const char *domain);
/* A string or int field of a status object ("" / -1 if absent). */
const char *h_str(struct json_object *o, const char *key);
long long h_int(struct json_object *o, const char *key);

/* Writes <dir>/<name>.json: a QEMU without Xen plus @extra JSON members
 * (may be ""). Returns its path, malloc'd. */
char *h_config(const char *name, int domid, const char *extra);
/* The same for the stand-in; @args is a JSON array of its options. */
char *h_standin_config(const char *name, int domid, const char *args,
		       const char *extra);
/* `dmctl start CONFIG` must succeed; returns the running DM's pid. */
pid_t h_start(const char *config);
/* vm1 (domid 11) on machine pc-i440fx-3.1 (hotpluggable PCI), started;
 * returns its config path, malloc'd. */
char *h_start_pc(void);
/* `dmctl --json qmp DOMAIN COMMAND` must succeed; its output, malloc'd. */
char *h_qmp_json(const char *domain, const char *command);

/* Waits until @domain is in @state, seen through a watch connection.
 * Returns its status object (caller puts it) or NULL on timeout. */
struct json_object *h_wait_state(const char *domain, const char *state);
/* Waits until @pid has exited (any parent). true if it did in time. */
bool h_wait_gone(pid_t pid);
/* Whether, before the deadline, @parent has no child left at all, live
 * or zombie (every one it spawned was reaped). */
bool h_wait_childless(pid_t parent);
double h_now(void); /* CLOCK_MONOTONIC, seconds */
bool h_alive(pid_t pid);
/* How many live processes have @needle in their command line or in
 * the name of their fd 3 (a device model's sentinel FIFO). */
int h_count_procs(const char *needle);
/* A live process with @needle there, or 0. */
pid_t h_find_proc(const char *needle);
long h_rss_kb(pid_t pid);
char *h_read_file(const char *path);

/* Runs @tests as one suite, each with @setup (NULL: h_setup) and
 * h_teardown, and returns the exit status. */
int h_main(const char *name, void (*setup)(void), const TTest *const *tests,
	   size_t n);

#endif
