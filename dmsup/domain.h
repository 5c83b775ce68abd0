/*
 * The domain registry and what happens on entering each lifecycle state:
 * spawn, readiness, death, stop, restart, reattach.
 */
#ifndef DMSUP_DOMAIN_H
#define DMSUP_DOMAIN_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "dmsup/config.h"
#include "dmsup/dmsup.h"
#include "dmsup/kind/dmqmp-link.h"
#include "dmsup/lifecycle.h"

struct event;
struct dmqmp;
struct xendm_dom;
struct hotplug;
struct savesync;
struct stubdm;
struct json_object;
struct dm_waiter;
struct dm_kind_ops;
struct dmrestore;

#define DOMAIN_FAIL_WINDOW 10 /* seconds */
#define DOMAIN_FAIL_LIMIT 5   /* crashes in the window -> failed */
#define DOMAIN_QUIT_WAIT 2    /* s after QMP quit before SIGTERM */

/* Readiness, the sub-states of starting: QMP's half and the Xen half
 * (xenstore's state, or the stub's own signal) come in either order
 * (docs/supervision.md). */
enum dm_ready {
	DM_READY_NONE,	    /* not waiting */
	DM_READY_WAIT_BOTH, /* neither half yet */
	DM_READY_WAIT_QMP,  /* the Xen half is there (or the kind has none) */
	DM_READY_WAIT_XEN,  /* QMP is there (or the kind has none) */
	DM_READY_DONE,	    /* both: ready was posted */
	DM_READY_FAILED,    /* a half failed: not-ready was posted */
	DM_N_READY
};

/* Stopping, phase by phase: the sub-states of stopping. */
enum dm_stop {
	DM_STOP_NONE, /* not stopping */
	DM_STOP_QUIT, /* asked to quit (QMP); SIGTERM after 2 s */
	DM_STOP_TERM, /* SIGTERM sent; SIGKILL after stop_timeout */
	DM_STOP_KILL, /* SIGKILL sent; only its death is left */
	DM_STOP_WAIT, /* exiting on its toolstack's signal; SIGKILL after
		       * stop_timeout */
	DM_N_STOPS
};

struct domain {
	struct domain *next;
	struct dmsup *sup;
	/* Its name and domid change only through domain_set_config and
	 * domain_set_domid, which keep sup->index in step. */
	struct dm_config cfg;
	struct domindex_node ix;
	enum dm_state state;
	/* Where this run's runtime files are: sup->run_dir, or the state
	 * directory for a run an older dmsup started (rundir.h). */
	const char *run_dir;

	pid_t pid; /* the device model; 0 when none */
	unsigned long long pid_start;
	int pidfd;
	bool our_child; /* false after a reattach: init reaps it */
	/* The device model's process group (its pid: it leads a session),
	 * killed whole once it died; 0 when not its own or already done. */
	pid_t pgrp;
	pid_t log_pid; /* the log helper */
	unsigned long long log_start;
	int log_pidfd;

	int fifo_fd;
	struct event *fifo_ev;
	struct event *log_ev; /* waits for the log helper after a death */
	struct event *timer;  /* stop phases or the restart delay */
	enum dm_stop stop;
	enum dm_ready ready;
	/* The kind of the current (or last) run: kind/kind.h. */
	const struct dm_kind_ops *kind;
	struct dmqmp *qmp;
	/* The QMP link's state this run, as status shows it; N_STATES
	 * while there is no run (or no QMP). */
	enum dmqmp_link_state qmp_link;
	struct xendm_dom *xen; /* the Xen side, for xen: true */
	struct stubdm *stub;   /* the stub kinds' side (stubdm.c) */
	int stub_domid;	       /* the stub domain; 0 while unknown */
	/* The target itself (kind/guestwatch.h's enum guest_state; 0: not
	 * known), and the domid watched for it (0: none). */
	int guest;
	int guest_domid;

	bool paused;		/* by `dmctl save`, until `dmctl resume` */
	bool dying;		/* death seen, being finalised */
	bool failing;		/* a start failed: end in `failed` */
	bool no_restart;	/* stop asked, or found dead on reattach */
	bool ran;		/* this run was ready once */
	bool toolstack_stop;	/* QEMU said it is ending on a host's request */
	bool reload_seen;	/* reload.c: its definition file is there */
	struct event *pidfd_ev; /* not our child: the pidfd tells its end */
	char *error;		/* why the last start or run ended */
	const char *step;
	char *exit_desc; /* "killed by signal 9", "exited with status 1" */
	int exit_signal, exit_code; /* -1 when not known */
	char *log_tail;
	time_t started_at;
	unsigned spawns;
	struct timespec fails[DOMAIN_FAIL_LIMIT];
	unsigned n_fails;
	/* Runtime hotplug and its page requests (hotplug.h). */
	struct hotplug *hotplug;
	/* A save's file being synced (savesync.h); NULL: none. */
	struct savesync *save_sync;
	/* The deprivileged run's (restrict-run.h); NULL before any. */
	struct restrict_run *rst;
	/* The lifecycle's (lifecycle.c): events posted during a transition,
	 * and the starts and stops waiting to settle. */
	struct lifecycle_queue posted;
	struct dm_waiter *waiters;
	/* start --restore: the save file, checked, positioned after its
	 * header (-1: a plain start), until QMP is ready; then the restore
	 * that loads it (kind/dmrestore.h). */
	int restore_fd;
	char *restore_file;
	struct dmrestore *restore;
	/* Reattached mid-restore (the run file named restore_file): QMP's
	 * readiness asks QEMU how far the load got (dmrestore_resume). */
	bool restore_resume;
	/* A stub keeper took restore_fd at spawn (console 2): QMP's
	 * readiness follows the load its QEMU began (dmrestore_follow). */
	bool restore_follow;
};

/* A new domain in state defined; takes over @cfg (left zeroed). NULL
 * out of memory (@cfg left as it was). */
struct domain *domain_new(struct dmsup *sup, struct dm_config *cfg);
void domain_free(struct domain *d);
/* Replaces @d's definition with @cfg (taken over, left zeroed). */
void domain_set_config(struct domain *d, struct dm_config *cfg);
/* Binds @d's definition to @domid (0: none). */
void domain_set_domid(struct domain *d, int domid);
/* The domain named @name, or NULL. */
struct domain *domain_find_name(struct dmsup *sup, const char *name);
/* By name, else (a key that is a domid) by domid: a name wins. */
struct domain *domain_find(struct dmsup *sup, const char *name_or_domid);
/* The domain whose device model runs for @domid (an active one), or
 * NULL: only a run holds a domid, a definition does not. */
struct domain *domain_holding_domid(struct dmsup *sup, int domid);
struct domain *domain_find_domid(struct dmsup *sup, int domid);
/* The next start loads @fd (taken over; -1 with @file: the run file's
 * restore, resumed; -1 without: boots) from @file. Drops a restore
 * still held. 0, or -1 out of memory (@fd closed). */
int domain_set_restore_take_fd(struct domain *d, int fd, const char *file);

/* "<dir>/<name><suffix>", malloc'd: dir is the run's runtime directory
 * for a runtime file (rundir.h), else the state directory. */
char *domain_path(const struct domain *d, const char *suffix);
/*
 * Removes the default save file, <state_dir>/<name>.save: at the next
 * start (a restore from it already holds it open) and at undefine, never
 * when a run ends, since a toolstack saves and then destroys the domain,
 * which ends the run before it can take the file.
 */
void domain_forget_save(const struct domain *d);
struct json_object *domain_to_json(const struct domain *d);

/*
 * A device model that announced itself (dmsup-qemu-dm, about to exec
 * QEMU as @pid, which is not our child): its sentinel FIFO, log helper
 * and a listening QMP socket are made, and the start posted. 0 with the
 * fds to hand over in @fds_r (log pipe's write end, the FIFO's write
 * end, the QMP socket; the caller closes them once sent), or -1 with
 * *err_r (static).
 */
int domain_adopt(struct domain *d, pid_t pid, int fds_r[3], const char **err_r);
/* After a dmsup restart: adopt from the runtime file @run or report dead. */
void domain_reattach(struct domain *d, struct json_object *run);

/* The entry actions, for struct dmsup's actions (lifecycle_post runs
 * them). */
extern const struct lifecycle_actions domain_actions;

#endif
