/* The daemon's shared context: one per dmsup process, owned by main. */
#ifndef DMSUP_DMSUP_H
#define DMSUP_DMSUP_H

#include <stdbool.h>

#include "dmsup/domindex.h"
#include "dmsup/observe.h"

struct event_base;
struct control;
struct domain;
struct dm_observer;
struct lifecycle_actions;
struct xendm;
struct guestwatch;

struct dmsup {
	struct event_base *base;
	const char *state_dir;
	const char *log_dir;
	const char *ctl_path;
	/* The control socket systemd passed (listenfd.h): control_new
	 * listens on it, binds nothing, and ctl_path is never unlinked. */
	bool ctl_passed;
	int ctl_fd;
	const char *run_dir; /* runtime files (rundir.h) */
	char *self_exe;	     /* for the stub keeper */
	char *log_helper;    /* dmsup-log (main_helper) */
	char *restrict_exec; /* dmsup-restrict-exec (main_helper) */
	/* --restrict-adopted: xl's QEMUs without dm_restrict run as the
	 * range user (ctl/adopt-restrict.h). */
	bool restrict_adopted;
	struct control *ctl;
	/* Newest first; found through index (domain_find and friends),
	 * which domain.c keeps in step. */
	struct domain *domains;
	struct domindex index;
	struct xendm *xen; /* NULL until a xen: true domain needs it */
	/* The targets' own lifecycle (kind/guestwatch.c); NULL until the
	 * first device model with Xen runs. */
	struct guestwatch *guests;
	/* What runs on entering each lifecycle state (domain.c's). */
	const struct lifecycle_actions *actions;
	/* Who hears about domains (observe.h), in registration order. */
	struct {
		const struct dm_observer *o;
		void *arg;
	} observers[OBSERVE_MAX];
	int n_observers;
};

#endif
