/*
 * The "adopt" request of dmsup-qemu-dm (docs/xl.md): a device model that
 * libxl started is handed to dmsup. adopt_observer retires the definition
 * of an adopted device model once its toolstack stopped it.
 */
#ifndef DMSUP_CTL_ADOPT_H
#define DMSUP_CTL_ADOPT_H

struct ctl_conn;
struct dm_observer;
struct domain;
struct json_object;

/* A command handler (commands.c's table); @d is unused (NULL). */
void adopt_request(struct ctl_conn *c, struct json_object *req,
		   struct domain *d);

extern const struct dm_observer adopt_observer;

#endif
