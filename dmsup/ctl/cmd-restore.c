/* start's "restore" (cmd-restore.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "dmsup/ctl/cmd-restore.h"
#include "dmsup/ctl/control.h"
#include "dmsup/domain.h"
#include "dmsup/lifecycle.h"
#include "dmsup/log.h"
#include "dmsup/savefile.h"
#include "dmsup/savestream.h"

/* A start waiting for its stream's header. */
struct cmd_pending {
	struct ctl_ref *ref;
	struct dmsup *sup;
	struct savestream *rd;
	cmd_restore_go_fn *go;
	int fd;
	char name[72];
};

static void cmd_restore_log(const struct domain *d, const char *from,
			    const struct savefile_info *info)
{
	log_info("domid %d (%s): restore from %s (saved by QEMU %s, %llu "
		 "bytes of state)",
		 d->cfg.domid, d->cfg.name, from, info->qemu,
		 (unsigned long long)info->length);
}

/* The domain holds the checked @fd (taken) until QMP is ready. */
static bool cmd_restore_hold(struct ctl_conn *c, struct domain *d, int fd,
			     const char *from, const struct savefile_info *info)
{
	cmd_restore_log(d, from, info);
	if (!domain_set_restore_take_fd(d, fd, from))
		return true;
	ctl_reply_error(c, "restore", "out of memory");
	return false;
}

static void cmd_pending_free(struct cmd_pending *p)
{
	savestream_free(p->rd);
	if (p->fd >= 0)
		close(p->fd);
	free(p);
}

static void cmd_header_cb(void *arg, const char *buf, size_t got,
			  const char *err)
{
	struct cmd_pending *p = arg;
	struct ctl_conn *c = ctl_ref_take(p->ref);
	struct domain *d = c ? domain_find_name(p->sup, p->name) : NULL;
	char why[SAVEFILE_ERR_MAX];
	struct savefile_info info;

	if (!c)
		goto out;
	if (!d) {
		ctl_reply_error(c, "restore",
				"domain %s went while its save stream came",
				p->name);
	} else if (lifecycle_is_active(d->state)) {
		ctl_reply_error(
		    c, "start", "domain %s (domid %d) is already %s",
		    d->cfg.name, d->cfg.domid, lifecycle_state_name(d->state));
	} else if (err) {
		ctl_reply_error(c, "restore", "domain %s: save stream: %s",
				p->name, err);
	} else if (savefile_check(buf, got, SAVEFILE_SIZE_UNKNOWN, &d->cfg,
				  SAVESTREAM_LABEL, &info, why, sizeof(why))) {
		ctl_reply_error(c, "restore", "%s", why);
	} else if (cmd_restore_hold(c, d, p->fd, SAVESTREAM_LABEL, &info)) {
		p->fd = -1;
		p->go(c, d);
	} else {
		p->fd = -1;
	}
out:
	cmd_pending_free(p);
}

/* "restore": "-": the fd that came with the request. */
static enum cmd_restore_outcome
cmd_restore_fd(struct ctl_conn *c, struct domain *d, cmd_restore_go_fn *go)
{
	char err[SAVEFILE_ERR_MAX];
	struct savefile_info info;
	struct cmd_pending *p;
	int fd = ctl_take_fd(c);

	if (fd < 0) {
		ctl_reply_error(
		    c, "request",
		    "domain %s: start: restore \"-\" needs the save "
		    "stream's fd sent with the request",
		    d->cfg.name);
		return CMD_RESTORE_REFUSED;
	}
	switch (savestream_type(fd, d->cfg.name, err, sizeof(err))) {
	case SAVESTREAM_FILE:
		if (!savestream_check_file(fd, &d->cfg, &info, err,
					   sizeof(err)))
			return cmd_restore_hold(c, d, fd, SAVESTREAM_LABEL,
						&info)
				   ? CMD_RESTORE_GO
				   : CMD_RESTORE_REFUSED;
		break;
	case SAVESTREAM_STREAM:
		if (!(p = calloc(1, sizeof(*p))))
			break;
		p->sup = ctl_sup(c);
		p->go = go;
		p->fd = fd;
		snprintf(p->name, sizeof(p->name), "%s", d->cfg.name);
		p->ref = ctl_ref_new(c);
		p->rd = p->ref ? savestream_read(p->sup->base, fd,
						 d->cfg.ready_timeout,
						 cmd_header_cb, p)
			       : NULL;
		if (!p->rd) {
			if (p->ref)
				ctl_ref_take(p->ref);
			cmd_pending_free(p);
			ctl_reply_error(c, "restore", "out of memory");
			return CMD_RESTORE_REFUSED;
		}
		ctl_hold(c);
		return CMD_RESTORE_LATER;
	case SAVESTREAM_BAD:
		break;
	}
	close(fd);
	ctl_reply_error(c, "restore", "%s", err[0] ? err : "out of memory");
	return CMD_RESTORE_REFUSED;
}

enum cmd_restore_outcome cmd_restore(struct ctl_conn *c,
				     struct json_object *req, struct domain *d,
				     cmd_restore_go_fn *go)
{
	struct json_object *v = NULL;
	char err[SAVEFILE_ERR_MAX];
	struct savefile_info info;
	const char *f;
	int fd;

	if (!json_object_object_get_ex(req, "restore", &v)) {
		domain_set_restore_take_fd(d, -1, NULL);
		return CMD_RESTORE_GO;
	}
	f = json_object_is_type(v, json_type_string) ? json_object_get_string(v)
						     : "";
	if (savefile_restorable(&d->cfg, err, sizeof(err))) {
		ctl_reply_error(c, "restore", "%s", err);
		return CMD_RESTORE_REFUSED;
	}
	if (!strcmp(f, "-"))
		return cmd_restore_fd(c, d, go);
	if (f[0] != '/' || strlen(f) > 4000) {
		ctl_reply_error(c, "request",
				"domain %s: start: restore must be an "
				"absolute path, or \"-\" with its fd",
				d->cfg.name);
		return CMD_RESTORE_REFUSED;
	}
	if ((fd = savefile_open(f, &d->cfg, &info, err, sizeof(err))) < 0) {
		ctl_reply_error(c, "restore", "%s", err);
		return CMD_RESTORE_REFUSED;
	}
	return cmd_restore_hold(c, d, fd, f, &info) ? CMD_RESTORE_GO
						    : CMD_RESTORE_REFUSED;
}
