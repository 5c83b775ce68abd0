/*
 * agent.c - the stub domain's side of the MiniOS protocol (see agent.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stubdom-proto/agent/agent.h"
#include "stubdom-proto/xs.h"

#define AGENT_PATH_MAX 256

static const char *const agent_mode_names[AGENT_NMODES] = {
    "faithful", "silent", "wrong",    "oversized",
    "flap",	"delete", "badparam", "probe",
};

struct agent {
	struct xsp *xs;
	struct agent_config cfg;
	char dm[AGENT_PATH_MAX];
	char path[AGENT_PATH_MAX + 32];
	struct xsp_watch *cmd_watch, *state_watch;
	unsigned long handled;
	unsigned long flaps;
	bool flapping;
	unsigned int next_slot;
};

const char *agent_mode_name(enum agent_mode mode)
{
	return (unsigned int)mode < AGENT_NMODES ? agent_mode_names[mode] : "?";
}

enum agent_mode agent_mode_parse(const char *name)
{
	unsigned int i;

	for (i = 0; i < AGENT_NMODES; i++)
		if (!strcmp(name, agent_mode_names[i]))
			break;
	return (enum agent_mode)i;
}

static void agent_say(struct agent *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void agent_say(struct agent *a, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!a->cfg.say)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	a->cfg.say(a->cfg.arg, line);
}

static const char *agent_node(struct agent *a, const char *name)
{
	snprintf(a->path, sizeof(a->path), "%s/%s", a->dm, name);
	return a->path;
}

static int agent_write(struct agent *a, const char *name, const char *val)
{
	int rc = xsp_write_str(a->xs, XSP_TXN_NONE, agent_node(a, name), val);

	if (rc)
		agent_say(a, "writing %s: %s", a->path, strerror(-rc));
	return rc;
}

/* Finds the target and the device-model directory. */
static int agent_identify(struct agent *a)
{
	char *v = NULL, *end;
	long n = -1;

	if (!a->cfg.target) {
		snprintf(a->path, sizeof(a->path), "/local/domain/%u/target",
			 a->cfg.self);
		if (xsp_read(a->xs, XSP_TXN_NONE, a->path, &v, NULL) == 0) {
			n = strtol(v, &end, 10);
			if (end == v || *end || n <= 0 || n > 0x7fef)
				n = -1;
		}
		free(v);
		if (n < 0) {
			agent_say(a, "no valid target at %s", a->path);
			return -1;
		}
		a->cfg.target = (unsigned int)n;
	}
	snprintf(a->dm, sizeof(a->dm), "/local/domain/0/device-model/%u",
		 a->cfg.target);
	return 0;
}

static void agent_show_dmargs(struct agent *a)
{
	char *vm = NULL, *args = NULL;

	snprintf(a->path, sizeof(a->path), "/local/domain/%u/vm",
		 a->cfg.target);
	if (xsp_read(a->xs, XSP_TXN_NONE, a->path, &vm, NULL)) {
		agent_say(a, "no %s: dmargs not read", a->path);
		return;
	}
	snprintf(a->path, sizeof(a->path), "%s/image/dmargs", vm);
	if (xsp_read(a->xs, XSP_TXN_NONE, a->path, &args, NULL) == 0)
		agent_say(a, "dmargs: %s", args);
	else
		agent_say(a, "no dmargs at %s", a->path);
	free(vm);
	free(args);
}

/* A BDF as xl gives it: [DDDD:]BB:DD.F[@VSLOT][,options]. */
static bool agent_bdf_ok(const char *p)
{
	unsigned int dom, bus, dev, fn;
	int n = 0;

	if (sscanf(p, "%x:%x:%x.%x%n", &dom, &bus, &dev, &fn, &n) != 4 &&
	    sscanf(p, "%x:%x.%x%n", &bus, &dev, &fn, &n) != 3)
		return false;
	return n > 0 && (p[n] == '\0' || p[n] == '@' || p[n] == ',');
}

static void agent_pci_ins(struct agent *a)
{
	char *param = NULL, vdevfn[8];

	xsp_read(a->xs, XSP_TXN_NONE, agent_node(a, "parameter"), &param, NULL);
	if (!param || !agent_bdf_ok(param)) {
		agent_write(a, "parameter", "wrong bdf or vslot");
		agent_write(a, "state", "pci-insert-failed");
	} else {
		/* Slots from 4 up, function 0, as a hotplug controller would.
		 */
		snprintf(vdevfn, sizeof(vdevfn), "0x%02x",
			 ((4 + a->next_slot++ % 28) << 3) & 0xff);
		agent_write(a, "parameter", vdevfn);
		agent_write(a, "state", "pci-inserted");
	}
	free(param);
}

static void agent_faithful(struct agent *a, const char *cmd)
{
	if (!strcmp(cmd, "pci-ins"))
		agent_pci_ins(a);
	else if (!strcmp(cmd, "pci-rem"))
		agent_write(a, "state", "pci-removed");
	else if (!strcmp(cmd, "save"))
		agent_write(a, "state", "paused");
	else if (!strcmp(cmd, "continue"))
		agent_write(a, "state", "running");
	else
		agent_say(a, "unknown command ignored");
}

static void agent_hostile(struct agent *a, const char *cmd)
{
	/* Far beyond any valid state, yet within the entry quota that
	 * xenstored holds a stub domain to. */
	static char big[XSP_ENTRY_QUOTA / 2 + 1];
	int rc;

	switch (a->cfg.mode) {
	case AGENT_SILENT:
		break;
	case AGENT_WRONG:
		agent_write(a, "state",
			    strcmp(cmd, "save") ? "paused" : "pci-removed");
		break;
	case AGENT_OVERSIZED:
		memset(big, 'A', sizeof(big) - 1);
		agent_write(a, "state", big);
		break;
	case AGENT_FLAP:
		a->flapping = true;
		agent_write(a, "state", "flap-start");
		break;
	case AGENT_DELETE:
		rc = xsp_rm(a->xs, XSP_TXN_NONE, agent_node(a, "state"));
		agent_say(a, "deleting %s: %s", a->path,
			  rc ? strerror(-rc) : "done");
		break;
	case AGENT_BADPARAM:
		agent_write(a, "parameter", "0xzz; rm -rf /");
		agent_write(a, "state", "pci-inserted");
		break;
	default:
		agent_faithful(a, cmd);
	}
}

static void agent_command_cb(struct xsp *xs, const char *path, void *arg)
{
	struct agent *a = arg;
	char *cmd = NULL;

	/* As qemu-traditional: any event means "read command again". */
	if (xsp_read(xs, XSP_TXN_NONE, agent_node(a, "command"), &cmd, NULL) ||
	    !*cmd) {
		free(cmd);
		return;
	}
	agent_say(a, "command %s (%s)", cmd, agent_mode_name(a->cfg.mode));
	if (a->cfg.mode == AGENT_FAITHFUL)
		agent_faithful(a, cmd);
	else
		agent_hostile(a, cmd);
	free(cmd);
	if (a->cfg.max_cmds && ++a->handled == a->cfg.max_cmds && a->cfg.done)
		a->cfg.done(a->cfg.arg);
}

/* Flap mode: one write per state event, through the loop, so that the
 * toolstack sees the values interleaved with its own reads. */
static void agent_state_cb(struct xsp *xs, const char *path, void *arg)
{
	struct agent *a = arg;
	char val[32];

	if (!a->flapping)
		return;
	if (--a->flaps) {
		snprintf(val, sizeof(val), "flap-%lu", a->flaps);
		agent_write(a, "state", val);
		return;
	}
	a->flapping = false;
	a->cfg.mode = AGENT_FAITHFUL;
	agent_write(a, "state", "running");
	agent_say(a, "flapping done");
}

static struct agent *agent_new(struct xsp *xs, const struct agent_config *cfg)
{
	struct agent *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->xs = xs;
	a->cfg = *cfg;
	a->flaps = cfg->flaps ? cfg->flaps : AGENT_FLAPS_DEFAULT;
	if (agent_identify(a)) {
		free(a);
		return NULL;
	}
	agent_say(a, "stub domain %u for domain %u, mode %s", cfg->self,
		  a->cfg.target, agent_mode_name(cfg->mode));
	agent_show_dmargs(a);
	return a;
}

struct agent *agent_start(struct xsp *xs, const struct agent_config *cfg)
{
	struct agent *a = agent_new(xs, cfg);

	if (!a)
		return NULL;
	if (xsp_watch(xs, agent_node(a, "command"), agent_command_cb, a,
		      &a->cmd_watch) ||
	    xsp_watch(xs, agent_node(a, "state"), agent_state_cb, a,
		      &a->state_watch) ||
	    agent_write(a, "state", "running")) {
		agent_stop(a);
		return NULL;
	}
	agent_say(a, "ready");
	return a;
}

void agent_stop(struct agent *a)
{
	if (!a)
		return;
	agent_say(a, "stopping after %lu commands", a->handled);
	xsp_unwatch(a->xs, a->cmd_watch);
	xsp_unwatch(a->xs, a->state_watch);
	free(a);
}

/* Tries one write; `bad` records whether it went the wrong way. */
static void agent_try(struct agent *a, const char *path, const char *val,
		      bool allowed, int *bad)
{
	int rc = xsp_write_str(a->xs, XSP_TXN_NONE, path, val);

	agent_say(a, "probe %s: %s (%s)", path, rc ? "refused" : "allowed",
		  (rc != 0) == !allowed ? "as expected" : "WRONG");
	if ((rc != 0) != !allowed)
		*bad = 1;
}

int agent_probe(struct xsp *xs, const struct agent_config *cfg)
{
	static const char *const forbidden[] = {"command", "parameter",
						"new-node"};
	char path[AGENT_PATH_MAX + 32];
	struct agent *a = agent_new(xs, cfg);
	unsigned int i;
	int bad = 0;

	if (!a)
		return 1;
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", a->dm, forbidden[i]);
		agent_try(a, path, "probe", false, &bad);
	}
	snprintf(path, sizeof(path), "/local/domain/%u/target", cfg->self);
	agent_try(a, path, "0", false, &bad);
	/* The one allowed write says what a starting stub says anyway, so
	 * that a toolstack waiting for it is not confused by the probe. */
	snprintf(path, sizeof(path), "%s/state", a->dm);
	agent_try(a, path, "running", true, &bad);
	free(a);
	return bad;
}
