/*
 * stubxcons: consoles 1 and 2 of a stub domain (see stubxcons.h).
 *
 * States: WAITING (nodes written, pvdev following both ends) -> MAPPED
 * (the hook mapped the ring and bound the port) -> CONNECTED (pvdev's
 * done, both ends 4), or -> BROKEN (a failure; the console does nothing
 * more). The ring is served from MAPPED on: the stub may write before
 * pvdev has seen its Connected.
 */
#include "stubkeep/stubxcons.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <xenevtchn.h>
#include <xengnttab.h>

#include "stubdom-proto/pvdev.h"
#include "stubdom-proto/setup.h"
#include "stubdom-proto/xs.h"
#include "stubkeep/stubcons.h"

#define STUBXCONS_PAGE 4096

enum stubxcons_state { SX_WAITING, SX_MAPPED, SX_CONNECTED, SX_BROKEN };

struct stubxcons {
	struct xsp *xs;
	struct stubxcons_cfg cfg;
	char domain[64], name[16];
	enum stubxcons_state state;
	struct pvdev *pv;
	xengnttab_handle *xgt;
	xenevtchn_handle *xce;
	volatile struct xencons_interface *intf;
	evtchn_port_t local_port;
	bool bound;
	struct event *ev, *ev_src;
	uint32_t out_cons, in_prod; /* ours; the stub's copies are untrusted */
	int sink;
	int64_t sunk;	  /* bytes to the sink since stubxcons_sink */
	int sink_err;	  /* errno of the first failed write, 0: none */
	uint64_t dropped; /* console 1 bytes with no sink */
	uint64_t fed;	  /* restore bytes put into in[] */
	bool go;	  /* restore: the stub said its tty is ready */
	char broken[256]; /* why SX_BROKEN */
};

int64_t stubxcons_ring_room(uint32_t prod, uint32_t cons, uint32_t size)
{
	uint32_t used = prod - cons; /* modulo 2^32, as the indices run */

	return used > size ? -1 : (int64_t)(size - used);
}

void stubxcons_ring_put(volatile char *ring, uint32_t size, uint32_t prod,
			const char *buf, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		ring[(prod + i) & (size - 1)] = buf[i];
}

static void sx_say(struct stubxcons *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void sx_say(struct stubxcons *x, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n =
	    snprintf(msg, sizeof(msg), "%s: console %s: ", x->domain, x->name);

	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	if (x->cfg.say)
		x->cfg.say(x->cfg.arg, msg);
}

/* Stops serving the ring; said once. */
static void sx_break(struct stubxcons *x, const char *why)
{
	if (x->state == SX_BROKEN)
		return;
	x->state = SX_BROKEN;
	snprintf(x->broken, sizeof(x->broken), "%s", why);
	if (x->ev)
		event_del(x->ev);
	if (x->ev_src)
		event_del(x->ev_src);
	sx_say(x, "error: %s", why);
}

static void sx_close_source(struct stubxcons *x)
{
	if (x->ev_src) {
		event_free(x->ev_src);
		x->ev_src = NULL;
	}
	if (x->cfg.source >= 0)
		close(x->cfg.source);
	x->cfg.source = -1;
}

static void sx_sink_write(struct stubxcons *x, const char *buf, size_t n)
{
	if (x->sink < 0) {
		x->dropped += n;
		return;
	}
	while (n && !x->sink_err) {
		ssize_t w = write(x->sink, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			x->sink_err = w < 0 ? errno : EIO;
			break;
		}
		buf += w;
		n -= (size_t)w;
		x->sunk += w;
	}
}

/* out[]: console 1's state to the sink, console 2's echo dropped. */
static void sx_take_out(struct stubxcons *x)
{
	char buf[sizeof(x->intf->out)];
	uint32_t before = x->out_cons;
	int n = stubcons_ring_take(x->intf, &x->out_cons, buf);

	if (n < 0) {
		char why[128];
		snprintf(why, sizeof(why),
			 "producer %u is not within %zu bytes of consumer %u",
			 x->out_cons, sizeof(x->intf->out), before);
		sx_break(x, why);
		return;
	}
	if (n > 0 && x->cfg.devid == STUBXCONS_SAVE)
		sx_sink_write(x, buf, (size_t)n);
	/* The stub writes to console 2 once its tty is raw: bytes fed
	 * before would meet echo, CR translation and signal keys. */
	if (n > 0 && x->cfg.devid == STUBXCONS_RESTORE)
		x->go = true;
}

static void sx_src_cb(evutil_socket_t fd, short what, void *arg);

/* One read of the source into in[]: 1 if there may be more now, 0 if
 * not (the ring is full, or a pipe has nothing yet: its event is armed),
 * -1 at its end or on an error (said; the source is closed). */
static int sx_feed_once(struct stubxcons *x)
{
	const uint32_t size = sizeof(x->intf->in);
	char buf[sizeof(x->intf->in)];
	uint32_t cons = __atomic_load_n(&x->intf->in_cons, __ATOMIC_ACQUIRE);
	int64_t room = stubxcons_ring_room(x->in_prod, cons, size);
	ssize_t r;

	if (room < 0) {
		sx_break(x, "the stub's in_cons is outside the ring");
		return -1;
	}
	if (room == 0)
		return 0;
	r = read(x->cfg.source, buf, (size_t)room);
	if (r < 0 && errno == EINTR)
		return 1;
	if (r < 0 && errno == EAGAIN) {
		event_add(x->ev_src, NULL);
		return 0;
	}
	if (r <= 0) {
		sx_say(x, "%s: %llu bytes to the stub",
		       r < 0 ? strerror(errno) : "the restore stream ended",
		       (unsigned long long)x->fed);
		sx_close_source(x);
		return -1;
	}
	stubxcons_ring_put(x->intf->in, size, x->in_prod, buf, (uint32_t)r);
	x->in_prod += (uint32_t)r;
	x->fed += (uint64_t)r;
	__atomic_store_n(&x->intf->in_prod, x->in_prod, __ATOMIC_RELEASE);
	return 1;
}

/* in[]: as much of the source as there is room for; the stub's next
 * event (it consumed) brings more. */
static void sx_feed(struct stubxcons *x)
{
	while (x->go && x->cfg.source >= 0 && sx_feed_once(x) > 0)
		;
}

static void sx_serve(struct stubxcons *x)
{
	if (x->state != SX_MAPPED && x->state != SX_CONNECTED)
		return;
	sx_take_out(x);
	if (x->state != SX_BROKEN)
		sx_feed(x);
	if (x->state != SX_BROKEN)
		xenevtchn_notify(x->xce, x->local_port);
}

static void sx_src_cb(evutil_socket_t fd, short what, void *arg)
{
	sx_serve(arg);
}

static void sx_evtchn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stubxcons *x = arg;
	xenevtchn_port_or_error_t port = xenevtchn_pending(x->xce);

	if (port < 0) {
		if (errno != EAGAIN && errno != EINTR)
			sx_break(x, "xenevtchn_pending failed");
		return;
	}
	xenevtchn_unmask(x->xce, (evtchn_port_t)port);
	sx_serve(x);
}

/* A decimal below 2^32 from the stub's frontend directory. */
static int sx_read_num(struct stubxcons *x, const char *key, uint32_t *v_r,
		       char *err, size_t errsz)
{
	char path[STUBDOM_PATH_MAX + 16], *val = NULL, *end = NULL;
	unsigned long long v;
	size_t len = 0;
	int rc;

	pvdev_fe_path(PVDEV_CONSOLE, x->cfg.stub, x->cfg.devid, path,
		      sizeof(path));
	strncat(path, "/", sizeof(path) - strlen(path) - 1);
	strncat(path, key, sizeof(path) - strlen(path) - 1);
	if ((rc = xsp_read(x->xs, XSP_TXN_NONE, path, &val, &len))) {
		snprintf(err, errsz, "cannot read %s: %s", path, strerror(-rc));
		return -1;
	}
	errno = 0;
	v = len && len < 12 && val[0] >= '0' && val[0] <= '9'
		? strtoull(val, &end, 10)
		: 0;
	rc = !end || *end || errno || v > UINT32_MAX ? -1 : 0;
	free(val);
	if (rc)
		snprintf(err, errsz, "%s is not a number", path);
	else
		*v_r = (uint32_t)v;
	return rc;
}

/* pvdev's hook, once the frontend is Initialised: map and bind. */
static int sx_connect_hook(void *arg, char *err, size_t errsz)
{
	struct stubxcons *x = arg;
	uint32_t ref, port;
	xenevtchn_port_or_error_t lp;

	if (sx_read_num(x, "ring-ref", &ref, err, errsz) ||
	    sx_read_num(x, "port", &port, err, errsz))
		return -1;
	x->intf = xengnttab_map_grant_ref(x->xgt, x->cfg.stub, ref,
					  PROT_READ | PROT_WRITE);
	if (!x->intf) {
		snprintf(err, errsz, "mapping grant %u: %s", ref,
			 strerror(errno));
		return -1;
	}
	lp = xenevtchn_bind_interdomain(x->xce, x->cfg.stub, port);
	if (lp < 0) {
		snprintf(err, errsz, "binding event channel %u: %s", port,
			 strerror(errno));
		return -1;
	}
	x->local_port = (evtchn_port_t)lp;
	x->bound = true;
	x->out_cons = __atomic_load_n(&x->intf->out_cons, __ATOMIC_ACQUIRE);
	x->in_prod = __atomic_load_n(&x->intf->in_prod, __ATOMIC_ACQUIRE);
	x->state = SX_MAPPED;
	event_add(x->ev, NULL);
	sx_serve(x);
	return 0;
}

static void sx_done_cb(const struct pvdev_result *res, void *arg)
{
	struct stubxcons *x = arg;

	if (res->rc) {
		sx_break(x, res->error);
		x->cfg.done(res->rc, res->error, x->cfg.arg);
		return;
	}
	x->state = SX_CONNECTED;
	x->cfg.done(0, x->name, x->cfg.arg);
}

static int sx_open_source(struct stubxcons *x, struct event_base *base,
			  char *err, size_t errsz)
{
	struct stat st;

	if (x->cfg.source < 0)
		return 0;
	if (fstat(x->cfg.source, &st)) {
		snprintf(err, errsz, "%s: console %s: the restore fd: %s",
			 x->domain, x->name, strerror(errno));
		return -1;
	}
	/* A file is read whenever there is room; a pipe or socket when it
	 * is readable too (epoll takes no files). */
	if (S_ISREG(st.st_mode))
		return 0;
	fcntl(x->cfg.source, F_SETFL,
	      fcntl(x->cfg.source, F_GETFL) | O_NONBLOCK);
	x->ev_src = event_new(base, x->cfg.source, EV_READ, sx_src_cb, x);
	if (!x->ev_src) {
		snprintf(err, errsz, "%s: console %s: out of memory", x->domain,
			 x->name);
		return -1;
	}
	return 0;
}

static int sx_handles(struct stubxcons *x, struct event_base *base, char *err,
		      size_t errsz)
{
	int fd;

	x->xgt = xengnttab_open(NULL, 0);
	x->xce = xenevtchn_open(NULL, 0);
	if (!x->xgt || !x->xce) {
		snprintf(err, errsz, "%s: console %s: %s: %s", x->domain,
			 x->name, x->xgt ? "xenevtchn_open" : "xengnttab_open",
			 strerror(errno));
		return -1;
	}
	fd = xenevtchn_fd(x->xce);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	x->ev = event_new(base, fd, EV_READ | EV_PERSIST, sx_evtchn_cb, x);
	if (!x->ev) {
		snprintf(err, errsz, "%s: console %s: out of memory", x->domain,
			 x->name);
		return -1;
	}
	return sx_open_source(x, base, err, errsz);
}

struct stubxcons *stubxcons_attach(struct xsp *xs,
				   const struct stubxcons_cfg *cfg, char *err,
				   size_t errsz)
{
	struct stubxcons *x = calloc(1, sizeof(*x));
	const char *fe_kv[] = {"type", "dmsup", "name", NULL, NULL};
	struct pvdev_config pc = {.type = PVDEV_CONSOLE,
				  .fe_domid = cfg->stub,
				  .be_domid = 0,
				  .devid = cfg->devid,
				  .fe_kv = fe_kv,
				  .timeout_ms = cfg->timeout_ms,
				  .hotplug = sx_connect_hook};

	if (!x) {
		snprintf(err, errsz, "%s: console %u: out of memory",
			 cfg->domain, cfg->devid);
		if (cfg->source >= 0)
			close(cfg->source);
		return NULL;
	}
	x->xs = xs;
	x->cfg = *cfg;
	x->sink = -1;
	snprintf(x->domain, sizeof(x->domain), "%s", cfg->domain);
	snprintf(x->name, sizeof(x->name), "%u (%s)", cfg->devid,
		 cfg->devid == STUBXCONS_SAVE ? "save" : "restore");
	fe_kv[3] = cfg->devid == STUBXCONS_SAVE ? "save" : "restore";
	pc.domain = x->domain;
	pc.name = x->name;
	pc.hotplug_arg = x;
	if (sx_handles(x, xsp_event_base(xs), err, errsz) ||
	    !(x->pv = pvdev_new(xs, &pc, sx_done_cb, x, err, errsz))) {
		stubxcons_detach(x);
		return NULL;
	}
	return x;
}

void stubxcons_sink(struct stubxcons *x, int fd)
{
	if (x->state == SX_MAPPED || x->state == SX_CONNECTED)
		sx_take_out(x);
	x->sink = fd;
	x->sunk = 0;
	x->sink_err = 0;
}

int64_t stubxcons_flush(struct stubxcons *x, char *err, size_t errsz)
{
	if (x->state == SX_WAITING) {
		snprintf(err, errsz, "%s: console %s is not connected",
			 x->domain, x->name);
		return -1;
	}
	if (x->state != SX_BROKEN)
		sx_serve(x);
	if (x->state == SX_BROKEN) {
		snprintf(err, errsz, "%s: console %s: %s", x->domain, x->name,
			 x->broken);
		return -1;
	}
	if (x->sink_err) {
		snprintf(err, errsz, "%s: console %s: writing the state: %s",
			 x->domain, x->name, strerror(x->sink_err));
		return -1;
	}
	return x->sunk;
}

void stubxcons_detach(struct stubxcons *x)
{
	if (!x)
		return;
	pvdev_destroy(x->pv);
	if (x->ev)
		event_free(x->ev);
	sx_close_source(x);
	if (x->bound)
		xenevtchn_unbind(x->xce, x->local_port);
	if (x->intf)
		xengnttab_unmap(x->xgt, (void *)x->intf, 1);
	if (x->xce)
		xenevtchn_close(x->xce);
	if (x->xgt)
		xengnttab_close(x->xgt);
	free(x);
}
