/*
 * Runtime hotplug through QMP: `nic-attach` asks the toolstack for the
 * pages of the NIC's option ROM first (memreq.h, for domains with
 * xen: true), then runs device_add; `nic-detach` runs device_del.
 * docs/control-protocol.md lists the commands, dmctl(8) their CLI.
 */
#ifndef DMSUP_HOTPLUG_H
#define DMSUP_HOTPLUG_H

struct ctl_conn;
struct domain;
struct json_object;

/* Control commands (rows of commands.c's table). */
void hotplug_nic_attach(struct ctl_conn *c, struct json_object *req,
			struct domain *d);
void hotplug_nic_detach(struct ctl_conn *c, struct json_object *req,
			struct domain *d);

/* The device model stopped or died: requests in flight and queued
 * operations fail, once. */
void hotplug_domain_down(struct domain *d);
/* Frees what hotplug keeps for @d. */
void hotplug_domain_free(struct domain *d);

#endif
