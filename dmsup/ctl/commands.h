/* The control commands (commands.c): control_new's dispatcher. */
#ifndef DMSUP_CTL_COMMANDS_H
#define DMSUP_CTL_COMMANDS_H

struct ctl_conn;
struct json_object;

/* Runs one request (see control_dispatch_fn). */
void commands_dispatch(struct ctl_conn *c, struct json_object *req);

#endif
