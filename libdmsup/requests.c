/* libdmsup's requests, one function each (docs/control-protocol.md). */
#include <stdarg.h>
#include <stdio.h>

#include "libdmsup/libdmsup.h"
#include "libdmsup/private.h"

/* {"cmd": @cmd, KEY: VALUE...}, a NULL-ended list of string pairs; a
 * NULL value leaves its key out. */
static struct json_object *dmsup_req(const char *cmd, ...)
{
	struct json_object *req = json_object_new_object();
	const char *key;
	va_list ap;

	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	va_start(ap, cmd);
	while ((key = va_arg(ap, const char *))) {
		const char *val = va_arg(ap, const char *);
		if (val)
			json_object_object_add(req, key,
					       json_object_new_string(val));
	}
	va_end(ap);
	return req;
}

DMSUP_EXPORT int dmsup_hello(struct dmsup_client *cl, dmsup_reply_fn *fn,
			     void *arg)
{
	struct json_object *req = dmsup_req("hello", NULL),
			   *v = json_object_new_array();

	for (int p = 1; p <= DMSUP_PROTOCOL; p++)
		json_object_array_add(v, json_object_new_int(p));
	json_object_object_add(req, "protocols", v);
	return dmsup_send(cl, req, fn, arg, true);
}

static int dmsup_with_config(struct dmsup_client *cl, const char *cmd,
			     struct json_object *config, dmsup_reply_fn *fn,
			     void *arg)
{
	struct json_object *req = dmsup_req(cmd, NULL);

	if (!config) {
		json_object_put(req);
		return -1;
	}
	json_object_object_add(req, "config", config);
	return dmsup_request(cl, req, fn, arg);
}

DMSUP_EXPORT int dmsup_define(struct dmsup_client *cl,
			      struct json_object *config, dmsup_reply_fn *fn,
			      void *arg)
{
	return dmsup_with_config(cl, "define", config, fn, arg);
}

DMSUP_EXPORT int dmsup_start_config(struct dmsup_client *cl,
				    struct json_object *config,
				    dmsup_reply_fn *fn, void *arg)
{
	return dmsup_with_config(cl, "start", config, fn, arg);
}

DMSUP_EXPORT int dmsup_start(struct dmsup_client *cl, const char *domain,
			     int domid, dmsup_reply_fn *fn, void *arg)
{
	struct json_object *req = dmsup_req("start", "domain", domain, NULL);

	if (domid >= 0)
		json_object_object_add(req, "domid",
				       json_object_new_int(domid));
	return dmsup_request(cl, req, fn, arg);
}

/* The requests of a domain alone. */
static int dmsup_on(struct dmsup_client *cl, const char *cmd,
		    const char *domain, dmsup_reply_fn *fn, void *arg)
{
	return dmsup_request(cl, dmsup_req(cmd, "domain", domain, NULL), fn,
			     arg);
}

DMSUP_EXPORT int dmsup_stop(struct dmsup_client *cl, const char *domain,
			    dmsup_reply_fn *fn, void *arg)
{
	return dmsup_on(cl, "stop", domain, fn, arg);
}

DMSUP_EXPORT int dmsup_undefine(struct dmsup_client *cl, const char *domain,
				dmsup_reply_fn *fn, void *arg)
{
	return dmsup_on(cl, "undefine", domain, fn, arg);
}

DMSUP_EXPORT int dmsup_status(struct dmsup_client *cl, const char *domain,
			      dmsup_reply_fn *fn, void *arg)
{
	return dmsup_on(cl, "status", domain, fn, arg);
}

DMSUP_EXPORT int dmsup_list(struct dmsup_client *cl, dmsup_reply_fn *fn,
			    void *arg)
{
	return dmsup_on(cl, "status", NULL, fn, arg);
}

DMSUP_EXPORT int dmsup_save(struct dmsup_client *cl, const char *domain,
			    dmsup_reply_fn *fn, void *arg)
{
	return dmsup_on(cl, "save", domain, fn, arg);
}

DMSUP_EXPORT int dmsup_resume(struct dmsup_client *cl, const char *domain,
			      dmsup_reply_fn *fn, void *arg)
{
	return dmsup_on(cl, "resume", domain, fn, arg);
}

DMSUP_EXPORT int dmsup_watch(struct dmsup_client *cl, const char *domain,
			     dmsup_reply_fn *fn, void *arg)
{
	return dmsup_on(cl, "watch", domain, fn, arg);
}

DMSUP_EXPORT int dmsup_pci_attach(struct dmsup_client *cl, const char *domain,
				  const char *bdf, dmsup_reply_fn *fn,
				  void *arg)
{
	return dmsup_request(
	    cl, dmsup_req("pci-attach", "domain", domain, "bdf", bdf, NULL), fn,
	    arg);
}

DMSUP_EXPORT int dmsup_pci_detach(struct dmsup_client *cl, const char *domain,
				  const char *bdf, dmsup_reply_fn *fn,
				  void *arg)
{
	return dmsup_request(
	    cl, dmsup_req("pci-detach", "domain", domain, "bdf", bdf, NULL), fn,
	    arg);
}

DMSUP_EXPORT int dmsup_nic_attach(struct dmsup_client *cl, const char *domain,
				  const char *model, const char *mac,
				  const char *id, dmsup_reply_fn *fn, void *arg)
{
	return dmsup_request(cl,
			     dmsup_req("nic-attach", "domain", domain, "model",
				       model, "mac", mac, "id", id, NULL),
			     fn, arg);
}

DMSUP_EXPORT int dmsup_nic_detach(struct dmsup_client *cl, const char *domain,
				  const char *id, dmsup_reply_fn *fn, void *arg)
{
	return dmsup_request(
	    cl, dmsup_req("nic-detach", "domain", domain, "id", id, NULL), fn,
	    arg);
}

DMSUP_EXPORT int dmsup_qmp(struct dmsup_client *cl, const char *domain,
			   const char *command, struct json_object *arguments,
			   dmsup_reply_fn *fn, void *arg)
{
	struct json_object *req =
	    dmsup_req("qmp", "domain", domain, "command", command, NULL);

	if (arguments)
		json_object_object_add(req, "arguments", arguments);
	return dmsup_request(cl, req, fn, arg);
}
