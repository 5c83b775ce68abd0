/*
 * stubcons: console 0 of a stub domain relayed to an fd (see stubcons.h).
 * The ring layout is Xen's public io/console.h.
 */
#define XC_WANT_COMPAT_MAP_FOREIGN_API
#include "stubkeep/stubcons.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Protocol errors reported one by one; after that only a count. */
#define STUBCONS_REPORT_MAX 3

struct stubcons {
	uint32_t domid;
	volatile struct xencons_interface *intf;
	xenevtchn_handle *xce;
	evtchn_port_t local_port; /* bound; 0 while not */
	bool bound;
	uint32_t cons; /* ours: the stub's copy of out_cons is never read */
	int out_fd;
	bool line_start;
	unsigned long errors;
	stubcons_say_fn *say;
	void *say_arg;
};

int64_t stubcons_ring_pending(uint32_t cons, uint32_t prod, uint32_t size)
{
	uint32_t n = prod - cons; /* modulo 2^32, as the indices run */

	return n > size ? -1 : (int64_t)n;
}

uint32_t stubcons_ring_copy(const volatile char *ring, uint32_t size,
			    uint32_t cons, uint32_t n, char *buf)
{
	for (uint32_t i = 0; i < n; i++)
		buf[i] = ring[(cons + i) & (size - 1)];
	return n;
}

/* Writes all of buf to the fd; waits for room if it is non-blocking. A
 * reader that went away loses the bytes: the stub must not stall. */
static void stubcons_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t r = write(fd, buf, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};

			poll(&p, 1, -1);
			continue;
		}
		if (r <= 0)
			return;
		buf += r;
		len -= (size_t)r;
	}
}

static void stubcons_protocol_error(struct stubcons *c, uint32_t cons,
				    uint32_t prod)
{
	char msg[200];

	c->errors++;
	if (c->errors > STUBCONS_REPORT_MAX || !c->say)
		return;
	snprintf(msg, sizeof(msg),
		 "stub domain %u: console protocol error: producer %u is not "
		 "within %zu bytes ahead of consumer %u; skipping to it%s",
		 c->domid, prod, sizeof(c->intf->out), cons,
		 c->errors == STUBCONS_REPORT_MAX
		     ? " (further errors are not reported)"
		     : "");
	c->say(c->say_arg, msg);
}

int stubcons_ring_take(volatile struct xencons_interface *intf, uint32_t *cons,
		       char *buf)
{
	const uint32_t size = sizeof(intf->out);
	uint32_t prod = __atomic_load_n(&intf->out_prod, __ATOMIC_ACQUIRE);
	int64_t n = stubcons_ring_pending(*cons, prod, size);

	if (n == 0)
		return 0;
	if (n > 0)
		stubcons_ring_copy(intf->out, size, *cons, (uint32_t)n, buf);
	/* The bytes are ours before the stub may reuse the space. */
	__atomic_thread_fence(__ATOMIC_ACQ_REL);
	*cons = n < 0 ? prod : *cons + (uint32_t)n;
	__atomic_store_n(&intf->out_cons, *cons, __ATOMIC_RELEASE);
	return (int)n;
}

/* One pass over the ring: at most its size, so a stub that keeps
 * writing cannot keep us here. */
static void stubcons_read_ring(struct stubcons *c)
{
	char buf[sizeof(c->intf->out)];
	uint32_t before = c->cons;
	int n = stubcons_ring_take(c->intf, &c->cons, buf);

	if (n == 0)
		return;
	if (n < 0) {
		/* c->cons is now the producer ring_take saw. */
		stubcons_protocol_error(c, before, c->cons);
	} else {
		stubcons_write_all(c->out_fd, buf, (size_t)n);
		c->line_start = buf[n - 1] == '\n';
	}
	xenevtchn_notify(c->xce, c->local_port);
}

struct stubcons *stubcons_open(xc_interface *xch, uint32_t domid, uint64_t mfn,
			       uint32_t port, int out_fd, stubcons_say_fn *say,
			       void *say_arg, char *err, size_t errsz)
{
	struct stubcons *c = calloc(1, sizeof(*c));
	xenevtchn_port_or_error_t lp;
	int fd;

	if (!c) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	c->domid = domid;
	c->out_fd = out_fd;
	c->line_start = true;
	c->say = say;
	c->say_arg = say_arg;
	c->intf =
	    xc_map_foreign_range(xch, domid, XC_PAGE_SIZE,
				 PROT_READ | PROT_WRITE, (unsigned long)mfn);
	if (!c->intf) {
		snprintf(err, errsz, "mapping the console ring (mfn %#llx): %s",
			 (unsigned long long)mfn, strerror(errno));
		goto fail;
	}
	c->xce = xenevtchn_open(NULL, 0);
	if (!c->xce) {
		snprintf(err, errsz, "xenevtchn_open: %s", strerror(errno));
		goto fail;
	}
	fd = xenevtchn_fd(c->xce);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	lp = xenevtchn_bind_interdomain(c->xce, domid, port);
	if (lp < 0) {
		snprintf(err, errsz,
			 "binding the console's event channel %u: %s", port,
			 strerror(errno));
		goto fail;
	}
	c->local_port = (evtchn_port_t)lp;
	c->bound = true;
	/* Where the stub thinks we are (untrusted: checked on each read). */
	c->cons = __atomic_load_n(&c->intf->out_cons, __ATOMIC_ACQUIRE);
	/* What it wrote before we were bound. */
	stubcons_read_ring(c);
	return c;
fail:
	stubcons_close(c);
	return NULL;
}

int stubcons_fd(const struct stubcons *c)
{
	return xenevtchn_fd(c->xce);
}

int stubcons_handle(struct stubcons *c, char *err, size_t errsz)
{
	xenevtchn_port_or_error_t port = xenevtchn_pending(c->xce);

	if (port < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		snprintf(err, errsz, "xenevtchn_pending: %s", strerror(errno));
		return -1;
	}
	/* Unmask first: whatever the stub writes after our read raises a
	 * new event. */
	if (xenevtchn_unmask(c->xce, (evtchn_port_t)port) < 0) {
		snprintf(err, errsz, "xenevtchn_unmask: %s", strerror(errno));
		return -1;
	}
	if ((evtchn_port_t)port == c->local_port)
		stubcons_read_ring(c);
	return 0;
}

void stubcons_drain(struct stubcons *c)
{
	stubcons_read_ring(c);
}

bool stubcons_at_line_start(const struct stubcons *c)
{
	return c->line_start;
}

void stubcons_put_line(struct stubcons *c, int fd, const char *line)
{
	if (c && !c->line_start)
		stubcons_write_all(fd, "\n", 1);
	stubcons_write_all(fd, line, strlen(line));
	stubcons_write_all(fd, "\n", 1);
	if (c)
		c->line_start = true;
}

unsigned long stubcons_errors(const struct stubcons *c)
{
	return c->errors;
}

void stubcons_close(struct stubcons *c)
{
	if (!c)
		return;
	if (c->bound)
		xenevtchn_unbind(c->xce, c->local_port);
	if (c->xce)
		xenevtchn_close(c->xce);
	if (c->intf)
		munmap((void *)c->intf, XC_PAGE_SIZE);
	free(c);
}
