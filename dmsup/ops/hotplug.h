/*
 * Runtime hotplug through QMP: `nic-attach` asks the toolstack for the
 * pages of the NIC's option ROM first (memreq.h, for domains with
 * xen: true), then runs device_add; `nic-detach` runs device_del.
 * docs/control-protocol.md lists the commands, dmctl(8) their CLI.
 */
#ifndef DMSUP_HOTPLUG_H
#define DMSUP_HOTPLUG_H

#include <stdbool.h>
#include <stdint.h>

#include "dmsup/ops/memreq.h"

struct ctl_conn;
struct domain;
struct json_object;

/* Control commands (rows of commands.c's table). */
void hotplug_nic_attach(struct ctl_conn *c, struct json_object *req,
			struct domain *d);
void hotplug_nic_detach(struct ctl_conn *c, struct json_object *req,
			struct domain *d);

/* Another runtime operation (ops.c's pci-attach) through @d's page
 * request queue, made at the first one: 0, or -1 with *err_r (@cb is
 * then never called). */
int hotplug_memreq_submit(struct domain *d, uint64_t pages, const char *reason,
			  memreq_cb *cb, void *arg, const char **err_r);
/* The operation let through with @ticket (0: none) ended. */
void hotplug_memreq_finish(struct domain *d, uint32_t ticket, bool ok);

/* The device model stopped or died: requests in flight and queued
 * operations fail, once. */
void hotplug_domain_down(struct domain *d);
/* A stop began: a page request waiting for the toolstack and every
 * queued operation fail now ("the domain is stopping"), their nodes
 * removed, rather than once QEMU is gone. */
void hotplug_domain_stopping(struct domain *d);
/* Frees what hotplug keeps for @d. */
void hotplug_domain_free(struct domain *d);

#endif
