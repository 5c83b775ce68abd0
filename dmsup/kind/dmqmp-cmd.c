/*
 * The QMP commands dmsup sends (see dmqmp.h): one table row per command,
 * its QMP name and its default timeout, and one function per command that
 * builds its arguments. Callers never spell a command: a reader finds
 * every QMP command the daemon can send in this file (and the user's own,
 * through the `dmctl qmp` passthrough, in dmqmp_execute).
 */
#include <stddef.h>

#include <json-c/json.h>

#include "dmsup/kind/dmqmp.h"

/*
 * 30 s for what libxl also gives 30-ish seconds (device plug and unplug,
 * pausing, device state); quit only asks nicely: the stop phases' timer
 * decides, so its answer is not worth waiting for longer than they are.
 */
static const struct dmqmp_cmd_row {
	const char *name;
	int timeout_s;
} dmqmp_cmds[] = {
    [DMQMP_DEVICE_ADD] = {"device_add", 30},
    [DMQMP_DEVICE_DEL] = {"device_del", 30},
    [DMQMP_STOP] = {"stop", 30},
    [DMQMP_CONT] = {"cont", 30},
    [DMQMP_QUIT] = {"quit", 2},
    [DMQMP_SAVE_DEVICES_STATE] = {"xen-save-devices-state", 30},
    [DMQMP_LOAD_DEVICES_STATE] = {"xen-load-devices-state", 30},
    [DMQMP_QUERY_PCI] = {"query-pci", 30},
    [DMQMP_QUERY_STATUS] = {"query-status", 10},
    [DMQMP_QUERY_BLOCK] = {"query-block", 10},
    [DMQMP_CHANGE_MEDIUM] = {"blockdev-change-medium", 30},
    [DMQMP_EJECT] = {"eject", 30},
    [DMQMP_QUERY_CHARDEV] = {"query-chardev", 10},
    [DMQMP_ADD_FD] = {"add-fd", 10},
    [DMQMP_REMOVE_FD] = {"remove-fd", 10},
    [DMQMP_GETFD] = {"getfd", 10},
    [DMQMP_MIGRATE_SET_CAPS] = {"migrate-set-capabilities", 10},
    [DMQMP_MIGRATE_INCOMING] = {"migrate-incoming", 10},
    [DMQMP_QUERY_MIGRATE] = {"query-migrate", 10},
};

#define DMQMP_NCMDS (sizeof(dmqmp_cmds) / sizeof(*dmqmp_cmds))

const char *dmqmp_cmd_name(enum dmqmp_cmd cmd)
{
	return (size_t)cmd < DMQMP_NCMDS ? dmqmp_cmds[cmd].name : "?";
}

/* @args (reference taken over) with @cmd's default timeout. */
static int dmqmp_send(struct dmqmp *m, enum dmqmp_cmd cmd,
		      struct json_object *args, dmqmp_reply_fn *cb, void *arg,
		      const char **err_r)
{
	return dmqmp_execute(m, dmqmp_cmds[cmd].name, args,
			     dmqmp_cmds[cmd].timeout_s, cb, arg, err_r);
}

/* dmqmp_send with @fd passed along; @args NULL: could not be built. */
static int dmqmp_send_fd(struct dmqmp *m, enum dmqmp_cmd cmd,
			 struct json_object *args, int fd, dmqmp_reply_fn *cb,
			 void *arg, const char **err_r)
{
	if (!args) {
		*err_r = "out of memory";
		return -1;
	}
	return dmqmp_execute_fd(m, dmqmp_cmds[cmd].name, args, fd,
				dmqmp_cmds[cmd].timeout_s, cb, arg, err_r);
}

/* @o with @key: @value added, or NULL (and @o put) out of memory. */
static struct json_object *dmqmp_with_string(struct json_object *o,
					     const char *key, const char *value)
{
	struct json_object *v = json_object_new_string(value);

	if (!o || !v || json_object_object_add(o, key, v)) {
		json_object_put(v);
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* Sends @cmd with @args, which NULL means could not be built. */
static int dmqmp_send_built(struct dmqmp *m, enum dmqmp_cmd cmd,
			    struct json_object *args, dmqmp_reply_fn *cb,
			    void *arg, const char **err_r)
{
	if (!args) {
		*err_r = "out of memory";
		return -1;
	}
	return dmqmp_send(m, cmd, args, cb, arg, err_r);
}

/* driver and id first, then @props in their own order. */
int dmqmp_device_add(struct dmqmp *m, const char *driver, const char *id,
		     struct json_object *props, dmqmp_reply_fn *cb, void *arg,
		     const char **err_r)
{
	struct json_object *args = json_object_new_object();

	args = dmqmp_with_string(args, "driver", driver);
	args = dmqmp_with_string(args, "id", id);
	if (props && !json_object_is_type(props, json_type_object)) {
		json_object_put(props);
		json_object_put(args);
		*err_r = "device properties must be a JSON object";
		return -1;
	}
	if (args && props) {
		json_object_object_foreach(props, key, v)
		{
			json_object_object_add(args, key, json_object_get(v));
		}
	}
	json_object_put(props);
	return dmqmp_send_built(m, DMQMP_DEVICE_ADD, args, cb, arg, err_r);
}

int dmqmp_device_del(struct dmqmp *m, const char *id, dmqmp_reply_fn *cb,
		     void *arg, const char **err_r)
{
	struct json_object *args = json_object_new_object();

	args = dmqmp_with_string(args, "id", id);
	return dmqmp_send_built(m, DMQMP_DEVICE_DEL, args, cb, arg, err_r);
}

int dmqmp_stop(struct dmqmp *m, dmqmp_reply_fn *cb, void *arg,
	       const char **err_r)
{
	return dmqmp_send(m, DMQMP_STOP, NULL, cb, arg, err_r);
}

int dmqmp_cont(struct dmqmp *m, dmqmp_reply_fn *cb, void *arg,
	       const char **err_r)
{
	return dmqmp_send(m, DMQMP_CONT, NULL, cb, arg, err_r);
}

int dmqmp_quit(struct dmqmp *m, dmqmp_reply_fn *cb, void *arg,
	       const char **err_r)
{
	return dmqmp_send(m, DMQMP_QUIT, NULL, cb, arg, err_r);
}

int dmqmp_save_devices_state(struct dmqmp *m, const char *filename, bool live,
			     dmqmp_reply_fn *cb, void *arg, const char **err_r)
{
	struct json_object *args = json_object_new_object();

	args = dmqmp_with_string(args, "filename", filename);
	/* QEMU's default is live: say so only when it is not. */
	if (args && !live &&
	    json_object_object_add(args, "live", json_object_new_boolean(0))) {
		json_object_put(args);
		args = NULL;
	}
	return dmqmp_send_built(m, DMQMP_SAVE_DEVICES_STATE, args, cb, arg,
				err_r);
}

int dmqmp_load_devices_state(struct dmqmp *m, const char *filename,
			     dmqmp_reply_fn *cb, void *arg, const char **err_r)
{
	struct json_object *args = json_object_new_object();

	args = dmqmp_with_string(args, "filename", filename);
	return dmqmp_send_built(m, DMQMP_LOAD_DEVICES_STATE, args, cb, arg,
				err_r);
}

int dmqmp_change_medium(struct dmqmp *m, const char *id, const char *filename,
			const char *format, dmqmp_reply_fn *cb, void *arg,
			const char **err_r)
{
	struct json_object *args = json_object_new_object();

	/* By the device's qdev id, as libxl names its CD drives. */
	args = dmqmp_with_string(args, "id", id);
	args = dmqmp_with_string(args, "filename", filename);
	args = dmqmp_with_string(args, "format", format);
	return dmqmp_send_built(m, DMQMP_CHANGE_MEDIUM, args, cb, arg, err_r);
}

int dmqmp_eject(struct dmqmp *m, const char *id, dmqmp_reply_fn *cb, void *arg,
		const char **err_r)
{
	struct json_object *args = json_object_new_object();

	args = dmqmp_with_string(args, "id", id);
	if (args &&
	    json_object_object_add(args, "force", json_object_new_boolean(1))) {
		json_object_put(args);
		args = NULL;
	}
	return dmqmp_send_built(m, DMQMP_EJECT, args, cb, arg, err_r);
}

int dmqmp_add_fd(struct dmqmp *m, int fd, dmqmp_reply_fn *cb, void *arg,
		 const char **err_r)
{
	return dmqmp_send_fd(m, DMQMP_ADD_FD, json_object_new_object(), fd, cb,
			     arg, err_r);
}

int dmqmp_remove_fd(struct dmqmp *m, int fdset_id, dmqmp_reply_fn *cb,
		    void *arg, const char **err_r)
{
	struct json_object *args = json_object_new_object();

	if (args && json_object_object_add(args, "fdset-id",
					   json_object_new_int(fdset_id))) {
		json_object_put(args);
		args = NULL;
	}
	return dmqmp_send_built(m, DMQMP_REMOVE_FD, args, cb, arg, err_r);
}

int dmqmp_getfd(struct dmqmp *m, int fd, const char *name, dmqmp_reply_fn *cb,
		void *arg, const char **err_r)
{
	struct json_object *args = json_object_new_object();

	args = dmqmp_with_string(args, "fdname", name);
	return dmqmp_send_fd(m, DMQMP_GETFD, args, fd, cb, arg, err_r);
}

int dmqmp_migrate_events(struct dmqmp *m, dmqmp_reply_fn *cb, void *arg,
			 const char **err_r)
{
	struct json_object *cap = json_object_new_object();
	struct json_object *caps = json_object_new_array();
	struct json_object *args = json_object_new_object();

	cap = dmqmp_with_string(cap, "capability", "events");
	if (!cap || !caps || !args ||
	    json_object_object_add(cap, "state", json_object_new_boolean(1)) ||
	    json_object_array_add(caps, cap)) {
		json_object_put(cap);
		json_object_put(caps);
		json_object_put(args);
		*err_r = "out of memory";
		return -1;
	}
	if (json_object_object_add(args, "capabilities", caps)) {
		json_object_put(caps);
		json_object_put(args);
		*err_r = "out of memory";
		return -1;
	}
	return dmqmp_send(m, DMQMP_MIGRATE_SET_CAPS, args, cb, arg, err_r);
}

int dmqmp_migrate_incoming(struct dmqmp *m, const char *uri, dmqmp_reply_fn *cb,
			   void *arg, const char **err_r)
{
	struct json_object *args = json_object_new_object();

	args = dmqmp_with_string(args, "uri", uri);
	return dmqmp_send_built(m, DMQMP_MIGRATE_INCOMING, args, cb, arg,
				err_r);
}

int dmqmp_query(struct dmqmp *m, enum dmqmp_cmd query, dmqmp_reply_fn *cb,
		void *arg, const char **err_r)
{
	if (query != DMQMP_QUERY_PCI && query != DMQMP_QUERY_STATUS &&
	    query != DMQMP_QUERY_BLOCK && query != DMQMP_QUERY_CHARDEV &&
	    query != DMQMP_QUERY_MIGRATE) {
		*err_r = "not a query";
		return -1;
	}
	return dmqmp_send(m, query, NULL, cb, arg, err_r);
}
