/*
 * CD-ROM change (dmctl cd-insert, cd-eject; docs/control-protocol.md):
 * the medium of a configured CD drive, found by its vdev. A running dom0
 * device model gets QMP blockdev-change-medium or eject on libxl's drive
 * id (ide-<devnum>); a stopped domain only has its stored configuration
 * changed. Either way the stored configuration follows the medium, so a
 * restart of dmsup or of the device model keeps it.
 */
#ifndef DMSUP_OPS_CD_H
#define DMSUP_OPS_CD_H

struct ctl_conn;
struct domain;
struct json_object;

void ops_cd_insert(struct ctl_conn *c, struct json_object *req,
		   struct domain *d);
void ops_cd_eject(struct ctl_conn *c, struct json_object *req,
		  struct domain *d);

#endif
