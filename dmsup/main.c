/*
 * dmsup: the device-model supervisor daemon. One event_base for
 * everything; signals arrive as events. See dmsup(8).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "dmsup/ctl/adopt.h"
#include "dmsup/ctl/commands.h"
#include "dmsup/ctl/control.h"
#include "dmsup/ctl/notify.h"
#include "dmsup/config.h"
#include "dmsup/dmsup.h"
#include "dmsup/domain.h"
#include "dmsup/fdlimit.h"
#include "dmsup/listenfd.h"
#include "dmsup/log.h"
#include "dmsup/logfile.h"
#include "dmsup/notify.h"
#include "dmsup/persist.h"
#include "dmsup/reload.h"
#include "dmsup/restrict-exec.h"
#include "dmsup/rundir.h"
#include "dmsup/unixsock.h"
#include "stubkeep/stubkeep.h"
#include "version.h"
#include "dmsup/kind/xendm.h"

#define DEFAULT_CONTROL RUNDIR_DEFAULT "/control"
#define DEFAULT_STATE_DIR "/var/lib/dmsup"
#define DEFAULT_LOG_DIR "/var/log/dmsup"

/* The options: getopt's tables, the usage line and --help come from it. */
static const struct main_option {
	char opt;
	const char *longopt; /* or NULL */
	const char *arg;     /* its value's name; NULL for a flag */
	const char *help;
} main_options[] = {
    {'f', NULL, NULL,
     "stay in the foreground, log to stderr (default: syslog)"},
    {'v', NULL, NULL, "also log debug messages"},
    {'s', NULL, "control-socket",
     "the control socket (default runtime-dir/control, or $DMSUP_CONTROL)"},
    {'r', NULL, "runtime-dir",
     "runtime files: .run, .fifo, .qmp (default " RUNDIR_DEFAULT
     ", or $DMSUP_RUN_DIR)"},
    {'d', NULL, "state-dir",
     "the state directory (default " DEFAULT_STATE_DIR
     ", or $DMSUP_STATE_DIR)"},
    {'l', NULL, "log-dir",
     "the log directory (default " DEFAULT_LOG_DIR ", or $DMSUP_LOG_DIR)"},
    {'S', NULL, "stubdom-dir",
     "the Linux stub image's directory (default " DMSUP_STUBDOM_DIR
     ", or $DMSUP_STUBDOM_DIR)"},
    {'R', "restrict-adopted", NULL,
     "run device models from xl without dm_restrict as libxl's range user "
     "+ domid, with -xen-domid-restrict (default: as libxl starts them)"},
    {'h', "help", NULL, "print this help and exit"},
};
#define MAIN_NOPTIONS (sizeof(main_options) / sizeof(*main_options))

static void main_getopt_tables(char *optstring, struct option *longopts)
{
	for (size_t i = 0; i < MAIN_NOPTIONS; i++) {
		const struct main_option *o = &main_options[i];
		*optstring++ = o->opt;
		if (o->arg)
			*optstring++ = ':';
		if (o->longopt)
			*longopts++ = (struct option){o->longopt,
						      o->arg ? required_argument
							     : no_argument,
						      NULL, o->opt};
	}
	*optstring = '\0';
	*longopts = (struct option){0};
}

/* "usage: dmsup [-fv] [-s control-socket] ...": the flags, then the rest. */
static void usage(FILE *f)
{
	fputs("usage: dmsup [-", f);
	for (size_t i = 0; i < MAIN_NOPTIONS; i++)
		if (!main_options[i].arg && main_options[i].opt != 'h')
			fputc(main_options[i].opt, f);
	fputc(']', f);
	for (size_t i = 0; i < MAIN_NOPTIONS; i++)
		if (main_options[i].arg)
			fprintf(f, " [-%c %s]", main_options[i].opt,
				main_options[i].arg);
	fputc('\n', f);
}

static void main_help(void)
{
	char opt[64];

	usage(stdout);
	printf("\nSupervises Xen device models; dmctl(8) talks to it. "
	       "See dmsup(8).\n\n");
	for (size_t i = 0; i < MAIN_NOPTIONS; i++) {
		const struct main_option *o = &main_options[i];
		snprintf(opt, sizeof(opt), "-%c%s%s%s%s", o->opt,
			 o->longopt ? ", --" : "", o->longopt ? o->longopt : "",
			 o->arg ? " " : "", o->arg ? o->arg : "");
		printf("  %-18s %s\n", opt, o->help);
	}
	printf("\nInternal modes (not for use by hand): --stub-keeper, "
	       "--stub-reap, "
	       "--log-helper, --restrict-exec.\n");
}

/* dmsup exits; device models keep running and are reattached later. */
static void main_sigterm_cb(evutil_socket_t sig, short what, void *arg)
{
	struct dmsup *sup = arg;

	log_info("signal %d: exiting, device models keep running", (int)sig);
	notify_stopping();
	event_base_loopbreak(sup->base);
}

/* SIGHUP: definitions and dmsup's own log again; no device model is
 * touched (reload.h). */
static void main_sighup_cb(evutil_socket_t sig, short what, void *arg)
{
	log_reopen();
	log_info("signal %d: reloading the definitions", (int)sig);
	notify_reloading();
	reload_definitions(arg);
	notify_ready(arg);
}

static int main_mkdirs(const char *path)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -1;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0700) && errno != EEXIST ? -1 : 0;
}

/* "a/b" -> "a", "/b" -> "/", "b" -> ".". */
static char *main_dirname(const char *path)
{
	char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

/* fds 0-2 must be open, or the first socket would become "stderr". */
/*
 * A small helper program (dmsup-log, dmsup-restrict-exec): @name beside
 * this binary (a build tree), else @installed, else this binary itself,
 * which takes the same argv (--log-helper, --restrict-exec).
 */
static char *main_helper(const char *self_exe, const char *name,
			 const char *installed)
{
	char *dir = main_dirname(self_exe), *path = NULL;

	if (dir && asprintf(&path, "%s/%s", dir, name) > 0 &&
	    access(path, X_OK)) {
		free(path);
		path = NULL;
	}
	free(dir);
	if (!path && !access(installed, X_OK))
		path = strdup(installed);
	return path ? path : strdup(self_exe);
}

static void main_std_fds(bool foreground)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
	if (!foreground) {
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
	}
}

/* <run_dir>/control, for as long as dmsup runs. */
static const char *main_default_control(const char *run_dir)
{
	static char path[PATH_MAX];

	if (!strcmp(run_dir, RUNDIR_DEFAULT))
		return DEFAULT_CONTROL;
	snprintf(path, sizeof(path), "%s/control", run_dir);
	return path;
}

/* Detached, dmsup works from / (daemon(3)): a relative path would name
 * another file than the one meant. */
static int main_check_absolute(const struct dmsup *sup, bool foreground)
{
	const char *what[] = {"-s", "-r", "-d", "-l"};
	const char *path[] = {sup->ctl_path, sup->run_dir, sup->state_dir,
			      sup->log_dir};

	for (int i = 0; !foreground && i < 4; i++)
		if (path[i][0] != '/') {
			fprintf(stderr,
				"dmsup: %s %s: a relative path does not work "
				"once dmsup detaches (it works from /): give "
				"an absolute path, or -f\n",
				what[i], path[i]);
			return -1;
		}
	return 0;
}

/* Paths that cannot work are refused before anything is made. */
static int main_check_paths(const struct dmsup *sup, bool foreground)
{
	char err[512];
	int r;

	if (main_check_absolute(sup, foreground))
		return -1;
	r = rundir_check(sup, err, sizeof(err));

	if (r)
		fprintf(stderr, "dmsup: %s%s\n", r > 0 ? "warning: " : "", err);
	if (r < 0)
		return -1;
	/* Another dmsup's live socket is never taken over (dmsup(8)); the
	 * one systemd passed answers, it is ours. */
	r = sup->ctl_passed ? 0 : unixsock_answers(sup->ctl_path);
	if (r)
		fprintf(stderr, "dmsup: %s: %s\n", sup->ctl_path,
			r > 0 ? "another dmsup answers there; not replacing it"
			      : "not a socket; not replacing it");
	return r ? -1 : 0;
}

struct main_opts {
	bool foreground;
	bool ctl_given; /* -s or $DMSUP_CONTROL */
	int verbose;
};

/* Options and environment into @sup; -1 to exit with *status_r. */
static int main_parse_args(int argc, char **argv, struct dmsup *sup,
			   struct main_opts *o, int *status_r)
{
	struct option longopts[MAIN_NOPTIONS + 1];
	char optstring[2 * MAIN_NOPTIONS + 1];
	const char *stubdom_dir = getenv("DMSUP_STUBDOM_DIR");
	int opt;

	sup->ctl_path = getenv("DMSUP_CONTROL");
	sup->state_dir = getenv("DMSUP_STATE_DIR");
	sup->log_dir = getenv("DMSUP_LOG_DIR");
	sup->run_dir = getenv("DMSUP_RUN_DIR");
	main_getopt_tables(optstring, longopts);
	while ((opt = getopt_long(argc, argv, optstring, longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'f':
			o->foreground = true;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 's':
			sup->ctl_path = optarg;
			break;
		case 'r':
			sup->run_dir = optarg;
			break;
		case 'd':
			sup->state_dir = optarg;
			break;
		case 'l':
			sup->log_dir = optarg;
			break;
		case 'S':
			stubdom_dir = optarg;
			break;
		case 'R':
			sup->restrict_adopted = true;
			break;
		case 'h':
			main_help();
			*status_r = 0;
			return -1;
		default:
			usage(stderr);
			*status_r = 2;
			return -1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		*status_r = 2;
		return -1;
	}
	if (!sup->run_dir)
		sup->run_dir = RUNDIR_DEFAULT;
	o->ctl_given = sup->ctl_path != NULL;
	if (!sup->ctl_path)
		sup->ctl_path = main_default_control(sup->run_dir);
	if (!sup->state_dir)
		sup->state_dir = DEFAULT_STATE_DIR;
	if (!sup->log_dir)
		sup->log_dir = DEFAULT_LOG_DIR;
	/* Stub definitions get it in their kernel's and ramdisk's path. */
	if (stubdom_dir && config_set_stubdom_dir(stubdom_dir)) {
		fprintf(stderr,
			"dmsup: stub image directory %s: not an absolute path "
			"without commas\n",
			stubdom_dir);
		*status_r = 2;
		return -1;
	}
	return 0;
}

/*
 * The control socket systemd passed (dmsup.socket), if any, before any
 * other fd is opened; its path replaces -s's. 0, or -1 to exit 1.
 */
static int main_take_socket(struct dmsup *sup, const struct main_opts *o)
{
	static char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char err[256];

	sup->ctl_fd = listenfd_take(err, sizeof(err));
	if (sup->ctl_fd == -2) {
		fprintf(stderr, "dmsup: %s\n", err);
		return -1;
	}
	sup->ctl_passed = sup->ctl_fd >= 0;
	if (!sup->ctl_passed || listenfd_path(sup->ctl_fd, path, sizeof(path)))
		return 0;
	if (o->ctl_given && strcmp(path, sup->ctl_path))
		fprintf(stderr,
			"dmsup: warning: control socket %s: systemd passed "
			"the one at %s, which is used\n",
			sup->ctl_path, path);
	sup->ctl_path = path;
	return 0;
}

int main(int argc, char **argv)
{
	struct dmsup sup = {0};
	struct main_opts o = {0};
	struct event *ev[3] = {0};
	unsigned long nofile;
	bool foreground;
	int verbose, status;

	if (argc > 1 && !strcmp(argv[1], "--version"))
		return printf("dmsup %s\n", DMSUP_VERSION) < 0;
	if (argc > 1 && !strcmp(argv[1], "--log-helper"))
		return logfile_helper_main(argc - 2, argv + 2);
	/* The trampoline's own program is dmsup-restrict-exec; this one
	 * serves where it is not installed, and a dmsup still running from
	 * before an upgrade (it execs this path with this argv). */
	if (argc > 1 && !strcmp(argv[1], RESTRICT_EXEC_OPT))
		return restrict_exec_main(argc, argv, "dmsup --restrict-exec");
	if (argc > 1 && !strcmp(argv[1], "--stub-keeper"))
		return stubkeep_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "--stub-reap"))
		return stubkeep_reap_main(argc - 1, argv + 1);
	if (main_parse_args(argc, argv, &sup, &o, &status))
		return status;
	if (main_take_socket(&sup, &o))
		return 1;
	foreground = o.foreground;
	verbose = o.verbose;
	/* Each device model holds a few; systemd's soft 1024 is too few. */
	nofile = fdlimit_raise();
	if (main_check_paths(&sup, foreground))
		return 1;
	char *ctl_dir = main_dirname(sup.ctl_path);
	if (!ctl_dir || main_mkdirs(ctl_dir) || main_mkdirs(sup.run_dir) ||
	    main_mkdirs(sup.state_dir) || main_mkdirs(sup.log_dir)) {
		fprintf(stderr, "dmsup: cannot create %s, %s, %s or %s: %s\n",
			ctl_dir ? ctl_dir : "?", sup.run_dir, sup.state_dir,
			sup.log_dir, strerror(errno));
		free(ctl_dir);
		return 1;
	}
	free(ctl_dir);
	if (persist_lock(sup.state_dir) < 0) {
		fprintf(stderr, "dmsup: %s: %s\n", sup.state_dir,
			errno == EWOULDBLOCK ? "another dmsup is running there"
					     : strerror(errno));
		return 1;
	}
	sup.self_exe = realpath("/proc/self/exe", NULL);
	if (!sup.self_exe) {
		fprintf(stderr, "dmsup: /proc/self/exe: %s\n", strerror(errno));
		return 1;
	}
	sup.log_helper =
	    main_helper(sup.self_exe, "dmsup-log", DMSUP_LOG_HELPER);
	sup.restrict_exec = main_helper(sup.self_exe, "dmsup-restrict-exec",
					DMSUP_RESTRICT_EXEC);
	if (!sup.log_helper || !sup.restrict_exec) {
		fprintf(stderr, "dmsup: out of memory\n");
		return 1;
	}
	if (!foreground && daemon(0, 0)) {
		fprintf(stderr, "dmsup: daemon: %s\n", strerror(errno));
		return 1;
	}
	main_std_fds(foreground);
	log_init(foreground ? LOG_TO_STDERR : LOG_TO_SYSLOG, verbose);
	/* A client that goes away must not kill us with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	sup.base = event_base_new();
	if (!sup.base) {
		log_warnx("cannot create the event loop");
		return 1;
	}
	/* No SIGCHLD handler: every child is reaped through its pidfd
	 * (zombie.h). Not ignored either, or the kernel would reap them
	 * before their status is read. */
	signal(SIGCHLD, SIG_DFL);
	ev[0] = evsignal_new(sup.base, SIGTERM, main_sigterm_cb, &sup);
	ev[1] = evsignal_new(sup.base, SIGINT, main_sigterm_cb, &sup);
	ev[2] = evsignal_new(sup.base, SIGHUP, main_sighup_cb, &sup);
	for (int i = 0; i < 3; i++)
		if (!ev[i] || event_add(ev[i], NULL)) {
			log_warnx("cannot watch signals");
			return 1;
		}
	/* Who hears about domains: the .run files first, then the clients. */
	sup.actions = &domain_actions;
	observe_add(&sup, &persist_observer, NULL);
	observe_add(&sup, &notify_observer, &sup);
	observe_add(&sup, &adopt_observer, NULL);
	/* Before anything is started: no child may see $NOTIFY_SOCKET. */
	notify_init();
	/* Reattach first: no client may see a half-known domain. */
	persist_load_all(&sup);
	bool passed = sup.ctl_passed;
	sup.ctl = control_new(&sup, commands_dispatch);
	if (!sup.ctl)
		return 1;
	log_info("listening on %s%s, runtime files in %s, state in %s, logs "
		 "in %s; %lu file descriptors",
		 sup.ctl_path, passed ? " (systemd's socket)" : "", sup.run_dir,
		 sup.state_dir, sup.log_dir, nofile);
	/* Clients can connect now: what systemd orders after us may start. */
	notify_ready(&sup);
	event_base_dispatch(sup.base);
	control_free(sup.ctl);
	sup.ctl = NULL;
	while (sup.domains)
		domain_free(sup.domains);
	domindex_dispose(&sup.index);
	xendm_close(&sup);
	for (int i = 0; i < 3; i++)
		event_free(ev[i]);
	event_base_free(sup.base);
	free(sup.self_exe);
	free(sup.log_helper);
	free(sup.restrict_exec);
	return 0;
}
