/* The daemon's shared context: one per dmsup process, owned by main. */
#ifndef DMSUP_DMSUP_H
#define DMSUP_DMSUP_H

struct event_base;
struct control;
struct domain;
struct xendm;

struct dmsup {
	struct event_base *base;
	const char *state_dir;
	const char *log_dir;
	const char *ctl_path;
	char *self_exe; /* for the log helper */
	struct control *ctl;
	struct domain *domains;
	struct xendm *xen; /* NULL until a xen: true domain needs it */
};

#endif
