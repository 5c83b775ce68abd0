/*
 * stubkeep: `dmsup --stub-keeper` (see stubkeep.h). One process per stub
 * domain, one libevent loop over three fds: the signalfd (SIGTERM, SIGINT,
 * SIGHUP: stop), the console's event channel (bytes to relay) and libxenstore's
 * watch fd (@releaseDomain: some domain changed, look at ours); and, with
 * disks or NICs, the PV devices' own xenstore connection (stubvbd.h,
 * stubvif.h), whose states the same loop follows. Every step is one line on
 * stdout starting with "dmsup-stub: ".
 */
#include "stubkeep/stubkeep.h"
#include "stubkeep/stubpriv.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenstore.h>

#include "stubdom-proto/xs.h"
#include "stubkeep/stubcons.h"
#include "stubkeep/stubctl.h"
#include "stubkeep/stubdom-build.h"
#include "stubkeep/stubxcons.h"

#define STUBKEEP_WATCH_TOKEN "dmsup-stub"

struct stubkeep {
	struct stubkeep_opts o;
	xc_interface *xch;
	struct xs_handle *xs;
	struct stubcons *cons;
	struct stubdom_build_out out;
	int sfd;
	struct event_base *base;
	struct event *ev_sig, *ev_cons, *ev_xs;
	struct xsp *xsp; /* the PV devices' connection; NULL without any */
	struct stubvbd *vbd;
	struct stubvif *vif;
	struct stubxcons *xcons[2]; /* consoles 1 (save) and 2 (restore) */
	struct stubctl *ctl;
	bool restoring; /* console 2 carries a restore: it must connect */
	int rc;		/* the exit status, once the loop ends */
};

/* --- options ------------------------------------------------------------ */

static int stubkeep_fail(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int stubkeep_fail(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return -1;
}

static bool stubkeep_number(const char *s, unsigned long min, unsigned long max,
			    unsigned long *n_r)
{
	char *end;
	unsigned long n;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || *end || n < min || n > max)
		return false;
	*n_r = n;
	return true;
}

/* One option's value into o; -1 with err if it is not acceptable. */
static int stubkeep_vif(const char *v, struct stubkeep_opts *o, char *err,
			size_t errsz)
{
	char why[128];

	if (o->n_vif == STUBVIF_MAX)
		return stubkeep_fail(err, errsz, "--vif %s: more than %d NICs",
				     v, STUBVIF_MAX);
	if (stubvif_parse(v, &o->vif[o->n_vif], why, sizeof(why)))
		return stubkeep_fail(err, errsz, "--vif %s: %s", v, why);
	o->n_vif++;
	return 0;
}

static int stubkeep_option(int c, const char *v, struct stubkeep_opts *o,
			   char *err, size_t errsz)
{
	unsigned long n;

	switch (c) {
	case 'k':
		if (!strcmp(v, "linux"))
			o->kind = STUBDOM_LINUX;
		else if (!strcmp(v, "minios"))
			o->kind = STUBDOM_MINIOS;
		else
			return stubkeep_fail(err, errsz,
					     "--kind %s: linux or minios", v);
		return 0;
	case 't':
		if (!stubkeep_number(v, 1, DOMID_FIRST_RESERVED - 1, &n))
			return stubkeep_fail(err, errsz,
					     "--target %s: not a domain id", v);
		o->target = (uint32_t)n;
		return 0;
	case 'm':
		if (!stubkeep_number(v, 1, 1024 * 1024, &o->memory_mib))
			return stubkeep_fail(err, errsz,
					     "--memory %s: 1..1048576 MiB", v);
		return 0;
	case 'T':
		if (!stubkeep_number(v, 1, 3600, &o->timeout_s))
			return stubkeep_fail(
			    err, errsz, "--build-timeout %s: 1..3600 s", v);
		return 0;
	case 'K':
		o->kernel = v;
		return 0;
	case 'r':
		o->ramdisk = v;
		return 0;
	case 'c':
		o->cmdline = v;
		return 0;
	case 'n':
		o->name = v;
		return 0;
	case 'b':
		o->bios = v;
		return 0;
	case 'D':
		if (!stubkeep_number(v, 1, 3600, &o->dev_timeout_s))
			return stubkeep_fail(err, errsz,
					     "--dev-timeout %s: 1..3600 s", v);
		return 0;
	case 'v':
		if (o->n_vbd == STUBKEEP_MAX_VBD)
			return stubkeep_fail(err, errsz,
					     "--vbd %s: more than %d disks", v,
					     STUBKEEP_MAX_VBD);
		if (stubvbd_parse(v, &o->vbd[o->n_vbd]))
			return stubkeep_fail(err, errsz,
					     "--vbd %s: disk:PATH, "
					     "disk-ro:PATH, cdrom:PATH or "
					     "cdrom-empty",
					     v);
		o->n_vbd++;
		return 0;
	case 'V':
		return stubkeep_vif(v, o, err, errsz);
	case 'C':
		o->ctl = v;
		return 0;
	case 'R':
		if (!stubkeep_number(v, 3, 1 << 20, &n) ||
		    fcntl((int)n, F_GETFD) < 0)
			return stubkeep_fail(
			    err, errsz, "--restore-fd %s: not an open fd", v);
		o->restore_fd = (int)n;
		fcntl(o->restore_fd, F_SETFD, FD_CLOEXEC);
		return 0;
	}
	return stubkeep_fail(err, errsz, "unknown option");
}

int stubkeep_parse(int argc, char **argv, struct stubkeep_opts *o, char *err,
		   size_t errsz)
{
	static const struct option longopts[] = {
	    {"kind", required_argument, NULL, 'k'},
	    {"target", required_argument, NULL, 't'},
	    {"kernel", required_argument, NULL, 'K'},
	    {"ramdisk", required_argument, NULL, 'r'},
	    {"cmdline", required_argument, NULL, 'c'},
	    {"memory", required_argument, NULL, 'm'},
	    {"name", required_argument, NULL, 'n'},
	    {"bios", required_argument, NULL, 'b'},
	    {"build-timeout", required_argument, NULL, 'T'},
	    {"vbd", required_argument, NULL, 'v'},
	    {"vif", required_argument, NULL, 'V'},
	    {"dev-timeout", required_argument, NULL, 'D'},
	    {"ctl", required_argument, NULL, 'C'},
	    {"restore-fd", required_argument, NULL, 'R'},
	    {NULL, 0, NULL, 0}};
	bool kind = false;
	int c;

	*o = (struct stubkeep_opts){.timeout_s = STUBKEEP_DEFAULT_TIMEOUT_S,
				    .dev_timeout_s =
					STUBKEEP_DEFAULT_DEV_TIMEOUT_S,
				    .restore_fd = -1};
	optind = 0; /* a fresh scan (GNU), also for a second call */
	opterr = 0;
	/* "+": QEMU's arguments after "--" are never ours. */
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (c == '?')
			return stubkeep_fail(err, errsz,
					     "unknown option or missing value: "
					     "%s",
					     argv[optind - 1]);
		if (stubkeep_option(c, optarg, o, err, errsz))
			return -1;
		kind |= c == 'k';
	}
	if ((o->n_vbd || o->n_vif || o->ctl || o->restore_fd >= 0) &&
	    o->kind != STUBDOM_LINUX)
		return stubkeep_fail(err, errsz, "%s: only with --kind linux",
				     o->n_vbd	? "--vbd"
				     : o->n_vif ? "--vif"
				     : o->ctl	? "--ctl"
						: "--restore-fd");
	if (!kind || !o->target || !o->kernel || !o->memory_mib)
		return stubkeep_fail(err, errsz,
				     "--kind, --target, --kernel and --memory "
				     "are required");
	if (optind >= argc || strcmp(argv[optind - 1], "--"))
		return stubkeep_fail(err, errsz,
				     "the device model's arguments must follow "
				     "\"--\"");
	o->dm_argv = (const char *const *)argv + optind;
	o->dm_argc = (size_t)(argc - optind);
	if (!o->cmdline && o->kind == STUBDOM_LINUX)
		o->cmdline = STUBDOM_BUILD_DEFAULT_CMDLINE;
	return 0;
}

/* --- the stub's fate ---------------------------------------------------- */

bool stubkeep_judge(bool exists, uint32_t flags, char *why, size_t whysz)
{
	static const char *const reasons[] = {
	    [SHUTDOWN_poweroff] = "poweroff",
	    [SHUTDOWN_reboot] = "reboot",
	    [SHUTDOWN_suspend] = "suspend",
	    [SHUTDOWN_crash] = "crash",
	    [SHUTDOWN_watchdog] = "watchdog",
	    [SHUTDOWN_soft_reset] = "soft_reset",
	};
	unsigned int reason;

	if (exists && (flags & XEN_DOMINF_shutdown)) {
		reason = (flags >> XEN_DOMINF_shutdownshift) &
			 XEN_DOMINF_shutdownmask;
		if (reason < sizeof(reasons) / sizeof(*reasons) &&
		    reasons[reason])
			snprintf(why, whysz, "shut down (%s)", reasons[reason]);
		else
			snprintf(why, whysz, "shut down (reason %u)", reason);
		return true;
	}
	if (!exists || (flags & XEN_DOMINF_dying)) {
		snprintf(why, whysz, "was destroyed");
		return true;
	}
	return false;
}

/* --- the keeper --------------------------------------------------------- */

static void stubkeep_say(struct stubkeep *k, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void stubkeep_say(struct stubkeep *k, const char *fmt, ...)
{
	char line[768];
	va_list ap;
	int n = snprintf(line, sizeof(line), "dmsup-stub: ");

	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	stubcons_put_line(k->cons, STDOUT_FILENO, line);
}

static void stubkeep_cons_say_cb(void *arg, const char *msg)
{
	stubkeep_say(arg, "%s", msg);
}

static int64_t stubkeep_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void stubkeep_consoles_detach(struct stubkeep *k)
{
	stubctl_close(k->ctl);
	k->ctl = NULL;
	for (int i = 0; i < 2; i++) {
		stubxcons_detach(k->xcons[i]);
		k->xcons[i] = NULL;
	}
}

/* Destroys the stub and its xenstore state, bounded; -1 if it failed. */
static int stubkeep_destroy(struct stubkeep *k)
{
	struct stubdom_build_err err;
	int rc = 0;

	stubcons_close(k->cons);
	k->cons = NULL;
	/* Our grant mappings of its console rings would keep it dying. */
	stubkeep_consoles_detach(k);
	/* The build's destroy removes the vbds' and vifs' backends too, so
	 * that blkback and netback unmap the stub's pages before the wait
	 * for it to go. */
	if (stubdom_build_destroy_made(k->xch, k->xs, &k->out,
				       (int)k->o.timeout_s * 1000, &err)) {
		stubkeep_say(k, "error: destroy: %s", err.msg);
		rc = -1;
	}
	stubvbd_detach(k->vbd);
	k->vbd = NULL;
	stubvif_detach(k->vif);
	k->vif = NULL;
	return rc;
}

/* Ends the loop with exit status rc. */
static void stubkeep_end(struct stubkeep *k, int rc)
{
	k->rc = rc;
	event_base_loopbreak(k->base);
}

static void stubkeep_dev_done(struct stubkeep *k, int rc, const char *msg,
			      const char *what)
{
	if (!rc) {
		stubkeep_say(k, "domain %u: stub domain %u has its %s: %s",
			     k->o.target, k->out.stub, what, msg);
		return;
	}
	stubkeep_say(k, "error: %s", msg);
	stubkeep_destroy(k);
	stubkeep_end(k, STUBKEEP_EXIT_FAILED);
}

static void stubkeep_vbd_done_cb(int rc, const char *msg, void *arg)
{
	stubkeep_dev_done(arg, rc, msg, "disks");
}

static void stubkeep_vif_done_cb(int rc, const char *msg, void *arg)
{
	stubkeep_dev_done(arg, rc, msg, "NICs");
}

static void stubkeep_xcons_say_cb(void *arg, const char *msg)
{
	stubkeep_say(arg, "%s", msg);
}

/* Console 2 is needed for a restore; otherwise a console that does not
 * connect only means that a save will fail (and say why). */
static void stubkeep_xcons_done_cb(int rc, const char *msg, void *arg)
{
	struct stubkeep *k = arg;

	if (!rc) {
		stubkeep_say(k, "domain %u: stub domain %u has its console %s",
			     k->o.target, k->out.stub, msg);
		return;
	}
	if (!k->restoring || !strstr(msg, "restore")) {
		stubkeep_say(k, "warning: %s (a save will fail)", msg);
		return;
	}
	stubkeep_dev_done(k, rc, msg, "restore console");
}

/* Consoles 1 and 2 of a Linux stub, and the control socket. */
static int stubkeep_consoles(struct stubkeep *k, const char *domain)
{
	const unsigned int ms = (unsigned int)k->o.dev_timeout_s * 1000;
	char err[512];

	for (int i = 0; i < 2; i++) {
		struct stubxcons_cfg c = {.domain = domain,
					  .stub = k->out.stub,
					  .devid = i ? STUBXCONS_RESTORE
						     : STUBXCONS_SAVE,
					  .source = i ? k->o.restore_fd : -1,
					  .timeout_ms = ms,
					  .done = stubkeep_xcons_done_cb,
					  .say = stubkeep_xcons_say_cb,
					  .arg = k};
		if (i) {
			k->restoring = c.source >= 0;
			k->o.restore_fd = -1; /* the console's now */
		}
		if (!(k->xcons[i] =
			  stubxcons_attach(k->xsp, &c, err, sizeof(err)))) {
			stubkeep_say(k, "error: %s", err);
			return -1;
		}
	}
	if (!k->o.ctl)
		return 0;
	/* Only a save needs it (a name too long for a socket path). */
	if (!(k->ctl = stubctl_open(k->base, k->o.ctl, err, sizeof(err))))
		stubkeep_say(k, "warning: %s: %s (a save will fail)", domain,
			     err);
	else
		stubctl_set_devices(k->ctl, k->xcons[0], k->vbd);
	return 0;
}

/* The target's disks and NICs as the still paused stub's vbds and vifs,
 * then unpause it: its blkfront and netfront find them when they load
 * (libxl's order). */
static int stubkeep_devs(struct stubkeep *k)
{
	const unsigned int ms = (unsigned int)k->o.dev_timeout_s * 1000;
	char domain[32], err[512];
	int e = 0;

	if (!k->o.n_vbd && !k->o.n_vif && k->o.kind != STUBDOM_LINUX)
		return 0;
	snprintf(domain, sizeof(domain), "domain %u", k->o.target);
	if (!(k->xsp = xsp_real_open(k->base, &e))) {
		stubkeep_say(k, "error: %s: PV devices: xenstore: %s", domain,
			     strerror(-e));
		return -1;
	}
	if (k->o.n_vbd)
		k->vbd = stubvbd_attach(k->xsp, domain, k->out.stub, k->o.vbd,
					k->o.n_vbd, ms, stubkeep_vbd_done_cb, k,
					err, sizeof(err));
	if (k->o.n_vbd && !k->vbd) {
		stubkeep_say(k, "error: %s", err);
		return -1;
	}
	if (k->o.n_vif)
		k->vif = stubvif_attach(k->xsp, domain, k->out.stub, k->o.vif,
					k->o.n_vif, ms, stubkeep_vif_done_cb, k,
					err, sizeof(err));
	if (k->o.n_vif && !k->vif) {
		stubkeep_say(k, "error: %s", err);
		return -1;
	}
	return k->o.kind == STUBDOM_LINUX ? stubkeep_consoles(k, domain) : 0;
}

static int stubkeep_unpause(struct stubkeep *k)
{
	if (stubkeep_devs(k))
		return -1;
	if (xc_domain_unpause(k->xch, k->out.stub)) {
		stubkeep_say(k,
			     "error: domain %u: xc_domain_unpause of stub "
			     "domain %u: %s",
			     k->o.target, k->out.stub, strerror(errno));
		return -1;
	}
	return 0;
}

static int stubkeep_build(struct stubkeep *k)
{
	const struct stubkeep_opts *o = &k->o;
	struct stubdom_build_cfg cfg = {.kind = o->kind,
					.target = o->target,
					.name = o->name,
					.kernel = o->kernel,
					.ramdisk = o->ramdisk,
					.cmdline = o->cmdline,
					.memory_mib = o->memory_mib,
					.dm_argv = o->dm_argv,
					.dm_argc = o->dm_argc,
					.bios = o->bios,
					.own_console = true,
					.paused = true};
	struct stubdom_build_err err;
	char why[256];
	int64_t t0 = stubkeep_now_ms();

	stubkeep_say(k,
		     "domain %u: building a %s stub domain (kernel %s, "
		     "%lu MiB, %zu device-model arguments)",
		     o->target, o->kind == STUBDOM_LINUX ? "linux" : "minios",
		     o->kernel, o->memory_mib, o->dm_argc);
	if (stubdom_build_start(k->xch, k->xs, &cfg, &k->out, &err)) {
		stubkeep_say(k, "error: build: %s", err.msg);
		return -1;
	}
	if (stubkeep_unpause(k)) {
		stubkeep_destroy(k);
		return -1;
	}
	stubkeep_say(
	    k, "domain %u: stub domain %u built and unpaused in %lld ms",
	    o->target, k->out.stub, (long long)(stubkeep_now_ms() - t0));
	k->cons = stubcons_open(k->xch, k->out.stub, k->out.console_mfn,
				k->out.console_port, STDOUT_FILENO,
				stubkeep_cons_say_cb, k, why, sizeof(why));
	if (!k->cons) {
		stubkeep_say(k,
			     "error: console of stub domain %u for domain "
			     "%u: %s",
			     k->out.stub, o->target, why);
		stubkeep_destroy(k);
		return -1;
	}
	if (!xs_watch(k->xs, "@releaseDomain", STUBKEEP_WATCH_TOKEN)) {
		stubkeep_say(k,
			     "error: watching @releaseDomain for domain %u: "
			     "%s",
			     o->target, strerror(errno));
		stubkeep_destroy(k);
		return -1;
	}
	if (stubpriv_drop(o->n_vif > 0, why, sizeof(why))) {
		stubkeep_say(k, "error: domain %u: %s", o->target, why);
		stubkeep_destroy(k);
		return -1;
	}
	stubkeep_say(k,
		     "stub domain %u (%s) serves domain %u; the keeper "
		     "keeps %s",
		     k->out.stub, k->out.name, o->target,
		     o->n_vif ? "CAP_NET_ADMIN alone" : "no capability");
	return 0;
}

/* Some domain changed: is it ours? -1 when the stub is gone or dead
 * (then destroyed and said). */
static int stubkeep_check(struct stubkeep *k)
{
	xc_domaininfo_t info;
	char why[64];
	bool exists;
	char **ev;

	/* Drain the queue: one look at the domain answers them all. */
	while ((ev = xs_check_watch(k->xs)))
		free(ev);
	exists = xc_domain_getinfolist(k->xch, k->out.stub, 1, &info) == 1 &&
		 info.domain == k->out.stub;
	if (!stubkeep_judge(exists, exists ? info.flags : 0, why, sizeof(why)))
		return 0;
	/* Its last words may be in the ring without an event for us. */
	if (k->cons)
		stubcons_drain(k->cons);
	stubkeep_say(k, "stub domain %u %s; it served domain %u", k->out.stub,
		     why, k->o.target);
	stubkeep_destroy(k);
	return -1;
}

static void stubkeep_sig_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stubkeep *k = arg;
	struct signalfd_siginfo si;

	if (read(k->sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return;
	stubkeep_say(k, "domain %u: signal %u: destroying stub domain %u",
		     k->o.target, si.ssi_signo, k->out.stub);
	if (stubkeep_destroy(k)) {
		stubkeep_end(k, STUBKEEP_EXIT_FAILED);
		return;
	}
	stubkeep_say(k,
		     "stub domain %u destroyed on request; it served "
		     "domain %u",
		     k->out.stub, k->o.target);
	stubkeep_end(k, STUBKEEP_EXIT_STOPPED);
}

static void stubkeep_cons_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stubkeep *k = arg;
	char err[256];

	if (!k->cons || !stubcons_handle(k->cons, err, sizeof(err)))
		return;
	stubkeep_say(k, "error: console of stub domain %u: %s", k->out.stub,
		     err);
	stubkeep_destroy(k);
	stubkeep_end(k, STUBKEEP_EXIT_FAILED);
}

static void stubkeep_xs_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stubkeep *k = arg;

	if (stubkeep_check(k))
		stubkeep_end(k, STUBKEEP_EXIT_DIED);
}

static int stubkeep_loop(struct stubkeep *k)
{
	k->ev_sig = event_new(k->base, k->sfd, EV_READ | EV_PERSIST,
			      stubkeep_sig_cb, k);
	k->ev_cons = event_new(k->base, stubcons_fd(k->cons),
			       EV_READ | EV_PERSIST, stubkeep_cons_cb, k);
	k->ev_xs = event_new(k->base, xs_fileno(k->xs), EV_READ | EV_PERSIST,
			     stubkeep_xs_cb, k);
	if (!k->ev_sig || !k->ev_cons || !k->ev_xs ||
	    event_add(k->ev_sig, NULL) || event_add(k->ev_cons, NULL) ||
	    event_add(k->ev_xs, NULL)) {
		stubkeep_say(k, "error: domain %u: event loop: out of memory",
			     k->o.target);
		return stubkeep_destroy(k) ? STUBKEEP_EXIT_FAILED
					   : STUBKEEP_EXIT_DIED;
	}
	if (stubkeep_check(k))
		return STUBKEEP_EXIT_DIED;
	k->rc = -1;
	if (event_base_dispatch(k->base) < 0 || k->rc < 0) {
		stubkeep_say(k, "error: domain %u: event loop failed",
			     k->o.target);
		return stubkeep_destroy(k) ? STUBKEEP_EXIT_FAILED
					   : STUBKEEP_EXIT_DIED;
	}
	return k->rc;
}

/* Signals become an fd; a stop that arrives during the (blocking) build
 * waits in it until the build is done. */
static int stubkeep_signals(struct stubkeep *k)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN); /* a log reader that went away */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* Not in the contract, but what DESIGN.md's stop sends first: a
	 * SIGHUP must not kill the keeper and leave the stub behind. */
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	k->sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return k->sfd < 0 ? -1 : 0;
}

int stubkeep_main(int argc, char **argv)
{
	struct stubkeep k = {.sfd = -1};
	char err[256];
	int rc = STUBKEEP_EXIT_FAILED;

	if (stubkeep_parse(argc, argv, &k.o, err, sizeof(err))) {
		fprintf(stderr, "dmsup --stub-keeper: %s\n", err);
		return STUBKEEP_EXIT_USAGE;
	}
	if (stubkeep_signals(&k)) {
		stubkeep_say(&k, "error: domain %u: signals: %s", k.o.target,
			     strerror(errno));
		goto out;
	}
	k.xch = xc_interface_open(NULL, NULL, 0);
	k.xs = xs_open(0);
	k.base = event_base_new();
	if (!k.xch || !k.xs || !k.base) {
		stubkeep_say(&k,
			     "error: domain %u: opening libxenctrl and "
			     "xenstore: %s",
			     k.o.target, strerror(errno));
		goto out;
	}
	if (!stubkeep_build(&k))
		rc = stubkeep_loop(&k);
out:
	stubvbd_detach(k.vbd);
	stubvif_detach(k.vif);
	stubkeep_consoles_detach(&k);
	if (k.o.restore_fd >= 0)
		close(k.o.restore_fd);
	stubcons_close(k.cons);
	struct event *evs[] = {k.ev_sig, k.ev_cons, k.ev_xs};
	for (size_t i = 0; i < sizeof(evs) / sizeof(*evs); i++)
		if (evs[i])
			event_free(evs[i]);
	if (k.xsp)
		xsp_close(k.xsp);
	if (k.base)
		event_base_free(k.base);
	if (k.xs)
		xs_close(k.xs);
	if (k.xch)
		xc_interface_close(k.xch);
	if (k.sfd >= 0)
		close(k.sfd);
	return rc;
}
