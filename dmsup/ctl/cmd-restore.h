/*
 * start's "restore" (docs/save-restore.md): a save file's path, or "-"
 * with the save file's fd sent with the request (SCM_RIGHTS: a regular
 * file, a pipe or a socket). Its header is checked against the domain's
 * config before anything is spawned; a pipe's or socket's header is
 * read from the loop first, bounded by the domain's ready_timeout.
 */
#ifndef DMSUP_CTL_CMD_RESTORE_H
#define DMSUP_CTL_CMD_RESTORE_H

struct ctl_conn;
struct domain;
struct json_object;

enum cmd_restore_outcome {
	CMD_RESTORE_GO,	     /* start now (the domain holds any restore) */
	CMD_RESTORE_REFUSED, /* replied why not */
	CMD_RESTORE_LATER,   /* @go runs once the stream's header is in */
};

/* Goes on with a start whose restore is settled; @c and @d are live. */
typedef void cmd_restore_go_fn(struct ctl_conn *c, struct domain *d);

/* Without "restore", a restore held from before is dropped. */
enum cmd_restore_outcome cmd_restore(struct ctl_conn *c,
				     struct json_object *req, struct domain *d,
				     cmd_restore_go_fn *go);

#endif
