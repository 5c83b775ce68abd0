/*
 * stubvif.c - the stub domain's vifs (see stubvif.h). No state machine
 * of its own: each vif is a pvdev; this counts them to "all connected"
 * or stops at the first that failed. The hotplug hook is two ioctls
 * (bridge port, link up), not a script: pvdev calls it from the event
 * loop, where a child process would need waiting for.
 */
#include "stubkeep/stubvif.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/sockios.h>

#include "stubdom-proto/pvdev.h"
#include "stubkeep/stubset.h"

struct stubvif_one {
	struct stubvif *set;
	struct pvdev *pv;
	char name[16];	 /* the handle, for pvdev's "vif 0: ..." */
	char ifname[16]; /* dom0's netback interface, vif<stub>.<handle> */
	char bridge[16];
};

struct stubvif {
	struct stubvif_one one[STUBVIF_MAX];
	struct stubset set;
	char domain[64];
};

static bool stubvif_mac_ok(const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdefABCDEF";

	if (len != 17)
		return false;
	for (size_t i = 0; i < len; i++)
		if (i % 3 == 2 ? s[i] != ':' : !strchr(hex, s[i]) || !s[i])
			return false;
	/* A NIC's own address: the group bit of the first octet clear. */
	return !(strtoul((char[]){s[0], s[1], 0}, NULL, 16) & 1);
}

/* An interface name as the kernel takes it (dev_valid_name), in the
 * characters a config's bridge may have. */
static bool stubvif_ifname_ok(const char *s, size_t len)
{
	if (!len || len >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!strchr(
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789_.-",
			s[i]) ||
		    !s[i])
			return false;
	return true;
}

int stubvif_parse(const char *spec, struct stubvif_nic *n, char *err,
		  size_t errsz)
{
	const char *mac = spec + 4, *comma = strchr(spec, ','), *br;

	if (strncmp(spec, "mac=", 4) || !comma ||
	    strncmp(comma, ",bridge=", 8)) {
		snprintf(err, errsz, "mac=MAC,bridge=BRIDGE");
		return -1;
	}
	br = comma + 8;
	if (!stubvif_mac_ok(mac, (size_t)(comma - mac))) {
		snprintf(err, errsz,
			 "the MAC is not a unicast xx:xx:xx:xx:xx:xx");
		return -1;
	}
	if (!stubvif_ifname_ok(br, strlen(br))) {
		snprintf(err, errsz, "the bridge is not an interface name");
		return -1;
	}
	snprintf(n->mac, sizeof(n->mac), "%.17s", mac);
	snprintf(n->bridge, sizeof(n->bridge), "%s", br);
	return 0;
}

/* --- the hotplug hook: vif<stub>.<handle> on its bridge, up ------------ */

static int stubvif_ioctl(int s, unsigned long req, struct ifreq *ifr,
			 const char *what, char *err, size_t errsz)
{
	if (!ioctl(s, req, ifr))
		return 0;
	snprintf(err, errsz, "%s: %s", what, strerror(errno));
	return -1;
}

static int stubvif_plug(int s, const struct stubvif_one *o, char *err,
			size_t errsz)
{
	struct ifreq ifr = {0};
	unsigned int idx = if_nametoindex(o->ifname);
	char what[64];

	if (!idx)
		return PVDEV_HOTPLUG_AGAIN; /* netback registers it next */
	if (!if_nametoindex(o->bridge)) {
		snprintf(err, errsz, "%s: no bridge %s in dom0", o->ifname,
			 o->bridge);
		return -1;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", o->bridge);
	ifr.ifr_ifindex = (int)idx;
	snprintf(what, sizeof(what), "adding %s to bridge %s", o->ifname,
		 o->bridge);
	if (ioctl(s, SIOCBRADDIF, &ifr) && errno != EBUSY) {
		snprintf(err, errsz, "%s: %s", what, strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", o->ifname);
	snprintf(what, sizeof(what), "reading %s's flags", o->ifname);
	if (stubvif_ioctl(s, SIOCGIFFLAGS, &ifr, what, err, errsz))
		return -1;
	ifr.ifr_flags |= IFF_UP;
	snprintf(what, sizeof(what), "bringing %s up", o->ifname);
	return stubvif_ioctl(s, SIOCSIFFLAGS, &ifr, what, err, errsz);
}

static int stubvif_hotplug_cb(void *arg, char *err, size_t errsz)
{
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	if (s < 0) {
		snprintf(err, errsz, "socket: %s", strerror(errno));
		return -1;
	}
	rc = stubvif_plug(s, arg, err, errsz);
	close(s);
	return rc;
}

/* --- the set ------------------------------------------------------------ */

static void stubvif_done_cb(const struct pvdev_result *res, void *arg)
{
	struct stubvif_one *o = arg;

	stubset_result(&o->set->set, res);
}

/* netback registers xenbus backend driver "vif"; without it the backend
 * would sit at state 1 until the timeout, so say it at once. */
static bool stubvif_have_netback(void)
{
	return !access("/sys/bus/xen-backend/drivers/vif", F_OK) ||
	       !access("/sys/module/xen_netback", F_OK);
}

static int stubvif_one(struct xsp *xs, struct stubvif *v, unsigned int stub,
		       const struct stubvif_nic *nic, unsigned int handle,
		       unsigned int timeout_ms, char *err, size_t errsz)
{
	struct stubvif_one *o = &v->one[handle];
	char handle_s[16];

	*o = (struct stubvif_one){.set = v};
	snprintf(o->name, sizeof(o->name), "%u", handle);
	snprintf(o->ifname, sizeof(o->ifname), "vif%u.%u", stub, handle);
	snprintf(o->bridge, sizeof(o->bridge), "%s", nic->bridge);
	snprintf(handle_s, sizeof(handle_s), "%u", handle);
	const char *fe_kv[] = {"handle", handle_s, "mac", nic->mac, NULL};
	/* netback refuses a backend without "script" (it passes it to udev);
	 * the hook is the keeper's own, so the script does nothing. */
	const char *be_kv[] = {"mac",	    nic->mac,	 "bridge",
			       nic->bridge, "type",	 "vif",
			       "script",    "/bin/true", NULL};
	const struct pvdev_config cfg = {.type = PVDEV_VIF,
					 .domain = v->domain,
					 .name = o->name,
					 .fe_domid = stub,
					 .be_domid = 0,
					 .devid = handle,
					 .fe_kv = fe_kv,
					 .be_kv = be_kv,
					 .timeout_ms = timeout_ms,
					 .hotplug = stubvif_hotplug_cb,
					 .hotplug_arg = o};
	o->pv = pvdev_new(xs, &cfg, stubvif_done_cb, o, err, errsz);
	return o->pv ? 0 : -1;
}

struct stubvif *stubvif_attach(struct xsp *xs, const char *domain,
			       unsigned int stub,
			       const struct stubvif_nic *nics, size_t n,
			       unsigned int timeout_ms, stubvif_done_fn *done,
			       void *arg, char *err, size_t errsz)
{
	struct stubvif *v;

	if (n > STUBVIF_MAX) {
		snprintf(err, errsz, "%s: %zu NICs: a stub takes at most %d",
			 domain, n, STUBVIF_MAX);
		return NULL;
	}
	if (!stubvif_have_netback()) {
		snprintf(err, errsz,
			 "%s: vif 0: no netback in dom0 (load the "
			 "xen-netback module)",
			 domain);
		return NULL;
	}
	if (!(v = calloc(1, sizeof(*v)))) {
		snprintf(err, errsz, "%s: vifs: out of memory", domain);
		return NULL;
	}
	v->set.done = done;
	v->set.arg = arg;
	snprintf(v->domain, sizeof(v->domain), "%s", domain);
	for (size_t i = 0; i < n; i++) {
		v->set.n = i + 1;
		if (stubvif_one(xs, v, stub, &nics[i], (unsigned int)i,
				timeout_ms, err, errsz)) {
			stubvif_detach(v);
			return NULL;
		}
		stubset_info(&v->set, "vif%u.%zu on %s (%s)", stub, i,
			     nics[i].bridge, nics[i].mac);
	}
	return v;
}

void stubvif_detach(struct stubvif *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->set.n; i++)
		pvdev_destroy(v->one[i].pv);
	free(v);
}
