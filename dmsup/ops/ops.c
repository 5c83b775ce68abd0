/*
 * Runtime operations (see ops.h). One table row per operation: its name
 * on the control socket, the handshake command it becomes, and whether it
 * takes a PCI address. The reply comes from the handshake's callback,
 * which may run after the domain is gone: the call keeps its own copy of
 * what the reply names.
 *
 * On the QMP kinds each operation is a short chain of QMP commands, as
 * libxl drives upstream QEMU: pci-attach = [the ROM BAR's pages asked of
 * the toolstack] device_add xen-pci-passthrough, then query-pci for the
 * slot it got (under Xen the host device is checked first:
 * ops-pci-xen.c); pci-detach = device_del, done at QEMU's DEVICE_DELETED
 * (pcidel.c); save = dmsup opens the save file (savefile.h; the request's
 * "file" or <state_dir>/<name>.save), stop, add-fd of it, then
 * xen-save-devices-state into /dev/fdset/N (QEMU 7.2 opens an fdset's
 * fd by that name: it writes after the header's room, in the open file
 * dmsup passed), remove-fd, and dmsup writes the header with the length;
 * resume = cont.
 * The first failure ends the chain and the reply names its step. The
 * commands and their timeouts are dmqmp's vocabulary.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "dmsup/ctl/control.h"
#include "dmsup/kind/dmqmp.h"
#include "dmsup/domain.h"
#include "dmsup/ops/hotplug.h"
#include "dmsup/log.h"
#include "dmsup/kind/xendm.h"
#include "dmsup/ops/ops-pci-xen.h"
#include "dmsup/ops/ops-pci.h"
#include "dmsup/ops/ops.h"
#include "dmsup/ops/pcidel.h"
#include "dmsup/restrict-run.h"
#include "dmsup/kind/stubdm.h"
#include "dmsup/savefile.h"
#include "dmsup/savestream.h"
#include "dmsup/savesync.h"
#include "dmsup/kind/stubreq.h"

#define OPS_PARAM_MAX 256

struct ops_qcall;

struct ops_op {
	const char *name; /* control command */
	enum stubdom_cmd cmd;
	bool bdf;			  /* takes "bdf" */
	void (*qmp)(struct ops_qcall *q); /* on the QMP kinds */
	enum dmqmp_cmd qmp_last;	  /* its last QMP command */
};

static void ops_qmp_pci_attach(struct ops_qcall *q);
static void ops_qmp_pci_detach(struct ops_qcall *q);
static void ops_qmp_save(struct ops_qcall *q);
static void ops_qmp_resume(struct ops_qcall *q);

static const struct ops_op ops_ops[] = {
    {"pci-attach", STUBDOM_CMD_PCI_INS, true, ops_qmp_pci_attach,
     DMQMP_QUERY_PCI},
    {"pci-detach", STUBDOM_CMD_PCI_REM, true, ops_qmp_pci_detach,
     DMQMP_DEVICE_DEL},
    {"save", STUBDOM_CMD_SAVE, false, ops_qmp_save, DMQMP_SAVE_DEVICES_STATE},
    {"resume", STUBDOM_CMD_CONTINUE, false, ops_qmp_resume, DMQMP_CONT},
};

struct ops_call {
	struct ctl_ref *ref;
	const struct ops_op *op;
	struct dmsup *sup;
	int domid;
	char name[72];
};

/* [DDDD:]BB:DD.F, then options as xl pci-attach takes them. */
static bool ops_bdf_ok(const char *s)
{
	unsigned dom, bus, dev, fn;
	int n = 0;

	if (strlen(s) > OPS_PARAM_MAX)
		return false;
	if (sscanf(s, "%4x:%2x:%2x.%1x%n", &dom, &bus, &dev, &fn, &n) != 4 ||
	    !n) {
		n = 0;
		if (sscanf(s, "%2x:%2x.%1x%n", &bus, &dev, &fn, &n) != 3 || !n)
			return false;
	}
	if (s[n] && s[n] != ',')
		return false;
	for (s += n; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(",=_.:-", *s))
			return false;
	return true;
}

/* save and continue change whether the stub's device model runs; the
 * domain may be gone by the time the handshake answers. */
static void ops_note_paused(const struct ops_call *call, enum stubdom_cmd cmd)
{
	struct domain *d = domain_find_domid(call->sup, call->domid);

	if (!d || strcmp(d->cfg.name, call->name))
		return;
	if (cmd == STUBDOM_CMD_SAVE)
		d->paused = true;
	else if (cmd == STUBDOM_CMD_CONTINUE)
		d->paused = false;
}

static void ops_done_cb(const struct stubdom_hs_result *res, void *arg)
{
	struct ops_call *call = arg;
	struct ctl_conn *c = ctl_ref_take(call->ref);

	if (res->rc)
		log_warnx("domid %d (%s): %s: %s", call->domid, call->name,
			  call->op->name, res->error);
	else
		ops_note_paused(call, res->cmd);
	if (c && res->rc) {
		ctl_reply_error(c, call->op->name,
				"domain %s (domid %d): %s: %s", call->name,
				call->domid, call->op->name, res->error);
	} else if (c) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "command",
				       json_object_new_string(call->op->name));
		if (res->cmd == STUBDOM_CMD_PCI_INS) {
			char vdevfn[8];
			snprintf(vdevfn, sizeof(vdevfn), "0x%02x",
				 res->vdevfn & 0xff);
			json_object_object_add(o, "vdevfn",
					       json_object_new_string(vdevfn));
		}
		ctl_reply(c, o);
	}
	free(call);
}

/* ---- the QMP kinds ---- */

/* One operation on a QMP device model, from the request to the reply. */
struct ops_qcall {
	struct ctl_ref *ref;
	const struct ops_op *op;
	struct domain *d;
	struct ops_pci pci;
	uint32_t ticket; /* the page request's; 0: none */
	uint64_t pages;	 /* asked for the ROM BAR */
	bool rom_known;
	int wait_s; /* pci-detach: for DEVICE_DELETED */
	char id[OPS_PCI_ID_MAX];
	char *file;	       /* save: the device state */
	int fd;		       /* save: the file, -1: none */
	int fdset;	       /* save: QEMU's fdset of it, -1: none */
	bool saved;	       /* save: the file is complete */
	bool stream;	       /* save: into a memfd sent with the reply */
	struct savesync *sync; /* save: syncing the file, NULL: not */
	struct stubreq *ss;    /* save of a Linux stub: its keeper's part */
};

static void ops_qcall_free(struct ops_qcall *q)
{
	if (q->ref)
		ctl_ref_take(q->ref);
	stubreq_free(q->ss);
	if (q->fd >= 0)
		close(q->fd);
	/* A save that failed leaves no file a restore could take. */
	if (q->fd >= 0 && !q->saved && !q->stream && unlink(q->file))
		log_warn("domid %d (%s): unlink %s", q->d->cfg.domid,
			 q->d->cfg.name, q->file);
	free(q->file);
	free(q);
}

static void ops_qcall_error(struct ops_qcall *q, const char *step,
			    const char *what, const char *err)
{
	struct ctl_conn *c = ctl_ref_take(q->ref);

	q->ref = NULL;
	log_warnx("domid %d (%s): %s: %s%s%s", q->d->cfg.domid, q->d->cfg.name,
		  q->op->name, what ? what : "", what ? ": " : "", err);
	if (c)
		ctl_reply_error(c, step, "domain %s (domid %d): %s: %s%s%s",
				q->d->cfg.name, q->d->cfg.domid, step,
				what ? what : "", what ? ": " : "", err);
	ops_qcall_free(q);
}

/* The reply, with "command" added; @o's reference is taken. */
static void ops_qcall_reply(struct ops_qcall *q, struct json_object *o)
{
	struct ctl_conn *c = ctl_ref_take(q->ref);

	q->ref = NULL;
	json_object_object_add(o, "command",
			       json_object_new_string(q->op->name));
	if (c)
		ctl_reply(c, o);
	else
		json_object_put(o);
	ops_qcall_free(q);
}

/* @cmd was not sent (@err says why): ends @q at step qmp, and its page
 * request with it. */
static void ops_qmp_unsent(struct ops_qcall *q, enum dmqmp_cmd cmd,
			   const char *err)
{
	if (q->ticket) {
		hotplug_memreq_finish(q->d, q->ticket, false);
		q->ticket = 0;
	}
	ops_qcall_error(q, "qmp", dmqmp_cmd_name(cmd), err);
}

/* Whether @q's device model takes @cmd now; if not, @q ends. */
static bool ops_qmp_up(struct ops_qcall *q, enum dmqmp_cmd cmd)
{
	if (q->d->state == DM_RUNNING && !q->d->dying)
		return true;
	ops_qmp_unsent(q, cmd, "the device model is not running");
	return false;
}

static void ops_pci_queried_cb(void *arg, struct json_object *ret,
			       const char *err)
{
	struct ops_qcall *q = arg;
	struct json_object *o;
	char vdevfn[8];
	int v = err ? -1 : ops_pci_vdevfn(ret, q->id);

	if (v < 0) {
		ops_qcall_error(q, "qmp", dmqmp_cmd_name(DMQMP_QUERY_PCI),
				err ? err
				    : "the device added is not in QEMU's list");
		return;
	}
	snprintf(vdevfn, sizeof(vdevfn), "0x%02x", v & 0xff);
	log_info("domid %d (%s): PCI device %s added as %s", q->d->cfg.domid,
		 q->d->cfg.name, q->id, vdevfn);
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(q->id));
	json_object_object_add(o, "vdevfn", json_object_new_string(vdevfn));
	if (q->rom_known)
		json_object_object_add(
		    o, "pages", json_object_new_int64((int64_t)q->pages));
	ops_qcall_reply(q, o);
}

static void ops_pci_added_cb(void *arg, struct json_object *ret,
			     const char *err)
{
	struct ops_qcall *q = arg;

	hotplug_memreq_finish(q->d, q->ticket, !err);
	q->ticket = 0;
	if (err) {
		ops_qcall_error(q, "qmp", dmqmp_cmd_name(DMQMP_DEVICE_ADD),
				err);
		return;
	}
	if (ops_qmp_up(q, DMQMP_QUERY_PCI) &&
	    dmqmp_query(q->d->qmp, DMQMP_QUERY_PCI, ops_pci_queried_cb, q,
			&err))
		ops_qmp_unsent(q, DMQMP_QUERY_PCI, err);
}

/* The passthrough device's properties besides driver and id. */
static struct json_object *ops_pci_props(const struct ops_qcall *q)
{
	struct json_object *args = json_object_new_object();
	char addr[16];

	ops_pci_hostaddr(&q->pci, addr);
	json_object_object_add(args, "hostaddr", json_object_new_string(addr));
	if (q->pci.vslot >= 0) {
		char slot[16];

		snprintf(slot, sizeof(slot), "%x.0", q->pci.vslot & 0x1f);
		json_object_object_add(args, "addr",
				       json_object_new_string(slot));
	}
	if (q->pci.permissive >= 0)
		json_object_object_add(
		    args, "permissive",
		    json_object_new_boolean(q->pci.permissive));
	return args;
}

static void ops_pci_device_add(struct ops_qcall *q)
{
	const char *err;

	if (ops_qmp_up(q, DMQMP_DEVICE_ADD) &&
	    dmqmp_device_add(q->d->qmp, "xen-pci-passthrough", q->id,
			     ops_pci_props(q), ops_pci_added_cb, q, &err))
		ops_qmp_unsent(q, DMQMP_DEVICE_ADD, err);
}

static void ops_pci_granted_cb(const struct memreq_outcome *o, void *arg)
{
	struct ops_qcall *q = arg;

	if (o->result != MEMREQ_PROCEED) {
		ops_qcall_error(q, "memory", NULL, o->error);
		return;
	}
	q->ticket = o->ticket;
	ops_pci_device_add(q);
}

/* Under Xen, a device the guest cannot have is refused before QEMU hears
 * of it (step host): QEMU would fail half-way, or seem to work. 0, or -1
 * after ending @q. */
static int ops_pci_host_check(struct ops_qcall *q)
{
	char err[OPS_PCI_ERR_MAX];
	struct xc_interface_core *xch;

	if (!q->d->cfg.xen)
		return 0;
	if ((xch = xendm_xch(q->d->sup, err, sizeof(err))) &&
	    !ops_pci_xen_check(xch, q->d->cfg.domid, &q->pci, err))
		return 0;
	ops_qcall_error(q, "host", NULL, err);
	return -1;
}

/* The ROM BAR's pages are asked of the toolstack first (xen: true and a
 * ROM whose size sysfs tells); otherwise device_add goes now. */
static void ops_qmp_pci_attach(struct ops_qcall *q)
{
	struct domain *d = q->d;
	char reason[MEMREQ_REASON_MAX + 1];
	const char *err;

	if (ops_pci_host_check(q))
		return;
	q->rom_known = !ops_pci_rom_pages(OPS_PCI_SYSFS, &q->pci, &q->pages);
	if (!q->rom_known)
		log_info("domid %d (%s): ROM size of %s unknown (no sysfs "
			 "entry): no pages asked for it",
			 d->cfg.domid, d->cfg.name, q->id);
	if (!d->cfg.xen || !q->pages) {
		ops_pci_device_add(q);
		return;
	}
	snprintf(reason, sizeof(reason), "pci-rom:%s", q->id);
	if (hotplug_memreq_submit(d, q->pages, reason, ops_pci_granted_cb, q,
				  &err))
		ops_qcall_error(q, "memory", NULL, err);
}

static void ops_qmp_done_cb(void *arg, struct json_object *ret, const char *err)
{
	struct ops_qcall *q = arg;
	struct json_object *o;

	if (err) {
		ops_qcall_error(q, "qmp", dmqmp_cmd_name(q->op->qmp_last), err);
		return;
	}
	log_info("domid %d (%s): %s done", q->d->cfg.domid, q->d->cfg.name,
		 q->op->name);
	if (q->op->qmp == ops_qmp_resume)
		q->d->paused = false;
	o = json_object_new_object();
	if (q->file)
		json_object_object_add(o, "file",
				       json_object_new_string(q->file));
	if (q->op->bdf)
		json_object_object_add(o, "id", json_object_new_string(q->id));
	ops_qcall_reply(q, o);
}

static void ops_pci_deleted_cb(void *arg, enum pcidel_outcome outcome,
			       const char *err)
{
	struct ops_qcall *q = arg;
	struct json_object *o;
	char addr[16], why[160];

	switch (outcome) {
	case PCIDEL_DONE:
		log_info("domid %d (%s): PCI device %s deleted",
			 q->d->cfg.domid, q->d->cfg.name, q->id);
		o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(q->id));
		ops_qcall_reply(q, o);
		return;
	case PCIDEL_REFUSED:
		ops_qcall_error(q, "qmp", dmqmp_cmd_name(DMQMP_DEVICE_DEL),
				err);
		return;
	case PCIDEL_ENDED:
		ops_qcall_error(q, "qmp", "DEVICE_DELETED", err);
		return;
	case PCIDEL_TIMEOUT:
		break;
	}
	/* The guest may still release it: it is not known to be gone. */
	ops_pci_hostaddr(&q->pci, addr);
	snprintf(why, sizeof(why),
		 "device %s (%s) not deleted by QEMU within %d s: the guest "
		 "has not released it",
		 q->id, addr, q->wait_s);
	ops_qcall_error(q, "wait", NULL, why);
}

static void ops_qmp_pci_detach(struct ops_qcall *q)
{
	const char *err;

	if (ops_qmp_up(q, DMQMP_DEVICE_DEL) &&
	    pcidel_start(q->d->sup->base, q->d->qmp, q->id, q->wait_s,
			 ops_pci_deleted_cb, q, &err))
		ops_qmp_unsent(q, DMQMP_DEVICE_DEL, err);
}

static void ops_fd_removed_cb(void *arg, struct json_object *ret,
			      const char *err)
{
	/* QEMU's copy of the fd only: the file is done either way. */
}

/* Gives QEMU's fdset of @q's file back, if it has one. */
static void ops_save_release(struct ops_qcall *q)
{
	const char *err;

	if (q->fdset >= 0 &&
	    dmqmp_remove_fd(q->d->qmp, q->fdset, ops_fd_removed_cb, NULL, &err))
		log_warnx("domid %d (%s): remove-fd %d: %s", q->d->cfg.domid,
			  q->d->cfg.name, q->fdset, err);
	q->fdset = -1;
}

/* The reply only once the file is durable (or why not). */
static void ops_synced_cb(void *arg, int err)
{
	struct ops_qcall *q = arg;
	char why[SAVEFILE_ERR_MAX];

	q->sync = q->d->save_sync = NULL;
	if (err) {
		snprintf(why, sizeof(why),
			 "domain %s: save file %s: syncing it: %s",
			 q->d->cfg.name, q->file,
			 err == ECANCELED ? "cancelled (the domain went)"
					  : strerror(err));
		ops_qcall_error(q, "file", NULL, why);
		return;
	}
	q->saved = true;
	ops_qmp_done_cb(q, NULL, NULL);
}

/* A save into a stream: the sealed memfd goes to the client, which
 * copies it where the state is to go (a migration's socket). */
static void ops_stream_reply(struct ops_qcall *q)
{
	char why[SAVEFILE_ERR_MAX] = "";
	struct ctl_conn *c;
	struct json_object *o;
	struct stat st;
	off_t len;
	int rfd = savestream_seal(q->fd, q->d->cfg.name, why, sizeof(why));

	if (rfd < 0 || fstat(rfd, &st)) {
		if (rfd >= 0)
			close(rfd);
		ops_qcall_error(q, "file", NULL,
				why[0] ? why : "the save stream: fstat");
		return;
	}
	len = st.st_size;
	q->saved = true;
	log_info("domid %d (%s): save done, %lld bytes to the client",
		 q->d->cfg.domid, q->d->cfg.name, (long long)len);
	if (!(c = ctl_ref_take(q->ref))) {
		q->ref = NULL;
		close(rfd);
		ops_qcall_free(q);
		return;
	}
	q->ref = NULL;
	o = json_object_new_object();
	json_object_object_add(o, "command", json_object_new_string("save"));
	json_object_object_add(o, "stream", json_object_new_boolean(1));
	json_object_object_add(o, "length", json_object_new_int64(len));
	json_object_object_add(o, "fds", json_object_new_array());
	json_object_array_add(json_object_object_get(o, "fds"),
			      json_object_new_string("state"));
	if (ctl_reply_fds(c, o, &rfd, 1))
		ctl_reply_error(c, "file",
				"domain %s (domid %d): file: the save stream's "
				"fd could not be sent",
				q->d->cfg.name, q->d->cfg.domid);
	close(rfd);
	ops_qcall_free(q);
}

static void ops_save_finish(struct ops_qcall *q);

static void ops_saved_cb(void *arg, struct json_object *ret, const char *err)
{
	struct ops_qcall *q = arg;

	restrict_run_save_end(q->d);
	ops_save_release(q);
	if (err) {
		ops_qcall_error(q, "qmp",
				dmqmp_cmd_name(DMQMP_SAVE_DEVICES_STATE), err);
		return;
	}
	ops_save_finish(q);
}

/* QEMU's state is in the file: the header in front, then synced (or the
 * stream sent). */
static void ops_save_finish(struct ops_qcall *q)
{
	char qemu[32], why[SAVEFILE_ERR_MAX];

	dmqmp_version(q->d->qmp, qemu, sizeof(qemu));
	if (savefile_finish(q->fd, &q->d->cfg, qemu, q->file, why,
			    sizeof(why))) {
		ops_qcall_error(q, "file", NULL, why);
		return;
	}
	if (q->stream) {
		ops_stream_reply(q);
		return;
	}
	q->sync = savesync_start(q->d->sup->base, q->fd, ops_synced_cb, q);
	if (!q->sync) {
		snprintf(why, sizeof(why),
			 "domain %s: save file %s: syncing it: %s",
			 q->d->cfg.name, q->file, strerror(errno));
		ops_qcall_error(q, "file", NULL, why);
		return;
	}
	q->d->save_sync = q->sync;
}

static void ops_fd_added_cb(void *arg, struct json_object *ret, const char *err)
{
	struct ops_qcall *q = arg;
	enum dmqmp_cmd save = DMQMP_SAVE_DEVICES_STATE;
	struct json_object *v = NULL;
	char path[32], why[SAVEFILE_ERR_MAX];

	if (!err && (!json_object_object_get_ex(ret, "fdset-id", &v) ||
		     !json_object_is_type(v, json_type_int) ||
		     json_object_get_int64(v) < 0 ||
		     json_object_get_int64(v) > 0x7fffffff))
		err = "QEMU's reply has no fdset-id";
	if (err) {
		ops_qcall_error(q, "qmp", dmqmp_cmd_name(DMQMP_ADD_FD), err);
		return;
	}
	q->fdset = (int)json_object_get_int64(v);
	snprintf(path, sizeof(path), "/dev/fdset/%d", q->fdset);
	if (!ops_qmp_up(q, save))
		return;
	if (restrict_run_save_begin(q->d, why, sizeof(why))) {
		ops_save_release(q);
		ops_qcall_error(q, "restrict", NULL, why);
		return;
	}
	/* Written by QEMU itself, as libxl has it do; live as QEMU's default
	 * has it. */
	if (dmqmp_save_devices_state(q->d->qmp, path, true, ops_saved_cb, q,
				     &err)) {
		restrict_run_save_end(q->d);
		ops_qmp_unsent(q, save, err);
	}
}

/* --- a Linux stub's save: console 1, drained by its keeper --- */

#define OPS_STUB_SAVE_TTY "/dev/hvc1"

static void ops_stub_drained_cb(void *arg, int64_t bytes, const char *err)
{
	struct ops_qcall *q = arg;

	if (err) {
		ops_qcall_error(q, "keeper", NULL, err);
		return;
	}
	log_info("domid %d (%s): the stub keeper drained %lld bytes of "
		 "device state from console 1",
		 q->d->cfg.domid, q->d->cfg.name, (long long)bytes);
	stubreq_free(q->ss);
	q->ss = NULL;
	ops_save_finish(q);
}

static void ops_stub_saved_cb(void *arg, struct json_object *ret,
			      const char *err)
{
	struct ops_qcall *q = arg;

	if (err) {
		ops_qcall_error(q, "qmp",
				dmqmp_cmd_name(DMQMP_SAVE_DEVICES_STATE), err);
		return;
	}
	/* QEMU's write()s returned: every byte is in the ring or past it. */
	stubreq_end(q->ss, ops_stub_drained_cb);
}

static void ops_stub_ready_cb(void *arg, int64_t bytes, const char *err)
{
	struct ops_qcall *q = arg;
	enum dmqmp_cmd save = DMQMP_SAVE_DEVICES_STATE;

	if (err) {
		ops_qcall_error(q, "keeper", NULL, err);
		return;
	}
	/* Console 1's tty in the stub. Not the protocol's fdset 1: QEMU
	 * truncates an fd it takes from an fdset for O_TRUNC, and a tty
	 * refuses (EINVAL); open() leaves a tty's O_TRUNC alone. dm-launch
	 * holds the tty open raw, so QEMU's open keeps that. */
	if (ops_qmp_up(q, save) &&
	    dmqmp_save_devices_state(q->d->qmp, OPS_STUB_SAVE_TTY, true,
				     ops_stub_saved_cb, q, &err))
		ops_qmp_unsent(q, save, err);
}

static void ops_stub_save(struct ops_qcall *q)
{
	char why[SAVEFILE_ERR_MAX] = "out of memory";
	char *sock = domain_path(q->d, ".keep");

	/* The reply names the domain (ops_qcall_error). */
	if (sock)
		q->ss = stubreq_begin(q->d->sup->base, NULL, sock, q->fd,
				      q->d->cfg.ready_timeout,
				      ops_stub_ready_cb, q, why, sizeof(why));
	free(sock);
	if (!q->ss)
		ops_qcall_error(q, "keeper", NULL, why);
}

static void ops_stopped_cb(void *arg, struct json_object *ret, const char *err)
{
	struct ops_qcall *q = arg;

	if (err) {
		ops_qcall_error(q, "qmp", dmqmp_cmd_name(DMQMP_STOP), err);
		return;
	}
	q->d->paused = true; /* even if saving its state fails next */
	if (config_kind(&q->d->cfg) == DM_KIND_STUBDOM_LINUX) {
		ops_stub_save(q);
		return;
	}
	if (ops_qmp_up(q, DMQMP_ADD_FD) &&
	    dmqmp_add_fd(q->d->qmp, q->fd, ops_fd_added_cb, q, &err))
		ops_qmp_unsent(q, DMQMP_ADD_FD, err);
}

static void ops_qmp_save(struct ops_qcall *q)
{
	char why[SAVEFILE_ERR_MAX];
	const char *err;

	if (!q->file && !(q->file = domain_path(q->d, ".save"))) {
		ops_qcall_error(q, "request", NULL, "out of memory");
		return;
	}
	q->fd = q->stream ? savestream_memfd(q->d->cfg.name, why, sizeof(why))
			  : savefile_create(q->file, q->d->cfg.name, why,
					    sizeof(why));
	if (q->fd < 0) {
		ops_qcall_error(q, "file", NULL, why);
		return;
	}
	if (ops_qmp_up(q, DMQMP_STOP) &&
	    dmqmp_stop(q->d->qmp, ops_stopped_cb, q, &err))
		ops_qmp_unsent(q, DMQMP_STOP, err);
}

static void ops_qmp_resume(struct ops_qcall *q)
{
	const char *err;

	if (ops_qmp_up(q, DMQMP_CONT) &&
	    dmqmp_cont(q->d->qmp, ops_qmp_done_cb, q, &err))
		ops_qmp_unsent(q, DMQMP_CONT, err);
}

/* pci-detach's "wait" (seconds) into @q, or -1 after replying why not. */
static int ops_qmp_wait(struct ctl_conn *c, struct json_object *req,
			struct ops_qcall *q)
{
	struct json_object *v;
	int64_t n = PCIDEL_WAIT_DEFAULT;

	if (json_object_object_get_ex(req, "wait", &v)) {
		if (q->op->cmd != STUBDOM_CMD_PCI_REM)
			goto bad;
		n = json_object_is_type(v, json_type_int)
			? json_object_get_int64(v)
			: -1;
	}
	if (n >= 1 && n <= PCIDEL_WAIT_MAX) {
		q->wait_s = (int)n;
		return 0;
	}
bad:
	ctl_reply_error(c, "request",
			"domain %s (domid %d): %s: wait is pci-detach's, in "
			"seconds from 1 to %d",
			q->d->cfg.name, q->d->cfg.domid, q->op->name,
			PCIDEL_WAIT_MAX);
	return -1;
}

/* save's "file" (an absolute path) into @q, or -1 after replying why
 * not. */
static int ops_qmp_file(struct ctl_conn *c, struct json_object *req,
			struct ops_qcall *q)
{
	struct json_object *v;
	const char *f;

	if (!json_object_object_get_ex(req, "file", &v))
		return 0;
	f = json_object_is_type(v, json_type_string) ? json_object_get_string(v)
						     : "";
	if (!strcmp(f, "-")) {
		q->stream = true;
		f = SAVESTREAM_LABEL;
	} else if (f[0] != '/' || strlen(f) > 4000) {
		ctl_reply_error(c, "request",
				"domain %s (domid %d): save: file must be an "
				"absolute path, or \"-\" for a stream",
				q->d->cfg.name, q->d->cfg.domid);
		return -1;
	}
	if (!(q->file = strdup(f))) {
		ctl_reply_error(c, "request", "out of memory");
		return -1;
	}
	return 0;
}

/* The request's fields into @q, or -1 after replying why not. */
static int ops_qmp_request(struct ctl_conn *c, struct json_object *req,
			   struct ops_qcall *q)
{
	char err[OPS_PCI_ERR_MAX];
	struct json_object *v;
	const char *bdf;

	if (q->op->qmp == ops_qmp_save)
		return ops_qmp_file(c, req, q);
	if (!q->op->bdf)
		return 0;
	if (!json_object_object_get_ex(req, "bdf", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		ctl_reply_error(c, "request",
				"%s needs a PCI address like 0000:03:00.0",
				q->op->name);
		return -1;
	}
	bdf = json_object_get_string(v);
	if (ops_pci_parse(bdf, q->op->cmd == STUBDOM_CMD_PCI_INS, &q->pci,
			  err)) {
		ctl_reply_error(c, "request", "domain %s (domid %d): %s: %s",
				q->d->cfg.name, q->d->cfg.domid, q->op->name,
				err);
		return -1;
	}
	ops_pci_id(&q->pci, q->id);
	return ops_qmp_wait(c, req, q);
}

static void ops_qmp_run(struct ctl_conn *c, struct json_object *req,
			struct domain *d, const struct ops_op *op)
{
	struct ops_qcall *q = calloc(1, sizeof(*q));

	if (!q) {
		ctl_reply_error(c, "request", "out of memory");
		return;
	}
	q->op = op;
	q->d = d;
	q->fd = q->fdset = -1;
	if (ops_qmp_request(c, req, q)) {
		ops_qcall_free(q);
		return;
	}
	if (d->state != DM_RUNNING || d->dying || !dmqmp_is_ready(d->qmp)) {
		ctl_reply_error(
		    c, "qmp",
		    "domain %s (domid %d): qmp: the device model "
		    "is %s, not running with QMP (QMP link: %s)",
		    d->cfg.name, d->cfg.domid, lifecycle_state_name(d->state),
		    dmqmp_link_state_name(dmqmp_link_state(d->qmp)));
		ops_qcall_free(q);
		return;
	}
	if (!(q->ref = ctl_ref_new(c))) {
		ops_qcall_free(q);
		ctl_reply_error(c, "request", "out of memory");
		return;
	}
	ctl_hold(c);
	op->qmp(q);
}

static void ops_run(struct ctl_conn *c, struct json_object *req,
		    struct domain *d, const struct ops_op *op)
{
	struct json_object *v;
	const char *bdf = NULL, *err;

	if (config_kind(&d->cfg) != DM_KIND_STUBDOM_MINIOS) {
		ops_qmp_run(c, req, d, op);
		return;
	}
	if (json_object_object_get_ex(req, "wait", &v)) {
		/* The handshake waits for pci-removed on its own timer. */
		ctl_reply_error(c, "request",
				"domain %s (domid %d): %s: wait is for the QMP "
				"kinds; stubdom-minios's pci-rem waits for "
				"pci-removed itself",
				d->cfg.name, d->cfg.domid, op->name);
		return;
	}
	if (op->bdf && (!json_object_object_get_ex(req, "bdf", &v) ||
			!json_object_is_type(v, json_type_string) ||
			!ops_bdf_ok(bdf = json_object_get_string(v)))) {
		ctl_reply_error(c, op->name,
				"%s needs a PCI address like 0000:03:00.0 "
				"(options after a comma)",
				op->name);
		return;
	}
	if (d->state != DM_RUNNING) {
		ctl_reply_error(c, op->name, "domain %s (domid %d) is %s",
				d->cfg.name, d->cfg.domid,
				lifecycle_state_name(d->state));
		return;
	}
	struct ops_call *call = calloc(1, sizeof(*call));
	if (!call || !(call->ref = ctl_ref_new(c))) {
		free(call);
		ctl_reply_error(c, op->name, "out of memory");
		return;
	}
	call->op = op;
	call->sup = d->sup;
	call->domid = d->cfg.domid;
	snprintf(call->name, sizeof(call->name), "%s", d->cfg.name);
	ctl_hold(c);
	if (stubdm_submit(d, op->cmd, bdf, ops_done_cb, call, &err)) {
		c = ctl_ref_take(call->ref);
		ctl_reply_error(c, op->name, "domain %s (domid %d): %s: %s",
				d->cfg.name, d->cfg.domid, op->name, err);
		free(call);
	}
}

void ops_pci_attach(struct ctl_conn *c, struct json_object *req,
		    struct domain *d)
{
	ops_run(c, req, d, &ops_ops[0]);
}

void ops_pci_detach(struct ctl_conn *c, struct json_object *req,
		    struct domain *d)
{
	ops_run(c, req, d, &ops_ops[1]);
}

void ops_save(struct ctl_conn *c, struct json_object *req, struct domain *d)
{
	ops_run(c, req, d, &ops_ops[2]);
}

void ops_resume(struct ctl_conn *c, struct json_object *req, struct domain *d)
{
	ops_run(c, req, d, &ops_ops[3]);
}

bool ops_refuse_qmp(struct ctl_conn *c, struct domain *d)
{
	if (config_kind(&d->cfg) != DM_KIND_STUBDOM_MINIOS)
		return false;
	ctl_reply_error(c, "qmp",
			"domain %s (domid %d) is kind stubdom-minios: its "
			"device model (qemu-traditional) has no QMP; use "
			"pci-attach, pci-detach, save, resume",
			d->cfg.name, d->cfg.domid);
	return true;
}
