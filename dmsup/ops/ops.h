/*
 * The runtime operations on a running device model (dmctl pci-attach,
 * pci-detach, save, resume; docs/control-protocol.md): routed by kind. A
 * stubdom-minios device model gets them through stubdom-proto's
 * handshake; the QMP kinds (dom0, stubdom-linux) get them as QMP commands
 * (ops.c; save only for dom0: a stub QEMU's device state has no file here).
 */
#ifndef DMSUP_OPS_H
#define DMSUP_OPS_H

struct ctl_conn;
struct domain;
struct json_object;

void ops_pci_attach(struct ctl_conn *c, struct json_object *req,
		    struct domain *d);
void ops_pci_detach(struct ctl_conn *c, struct json_object *req,
		    struct domain *d);
void ops_save(struct ctl_conn *c, struct json_object *req, struct domain *d);
void ops_resume(struct ctl_conn *c, struct json_object *req, struct domain *d);
/* dmctl qmp on a kind without QMP: true after replying an error. */
bool ops_refuse_qmp(struct ctl_conn *c, struct domain *d);

#endif
