/*
 * stubcons: console 0 of a stub domain, served by us instead of
 * xenconsoled (the builder wrote console/type = "dmsup", which xenconsoled
 * leaves alone). The stub's PV console is one shared page (struct
 * xencons_interface: in[1024], out[2048] and four ring indices) plus an
 * event channel; we map the page by its machine frame (as xenconsoled
 * does when the grant table is not used), bind the channel, and on every
 * event copy out[] to an fd, advance out_cons and notify the stub.
 * Input (in[]) is not served: nothing types into a stub. The bytes go to
 * the fd as they come; a reader that stops draining it (the log helper
 * stalled) stalls the relay, and then the stub's console writes, not the
 * ring: no byte is read out of bounds or twice.
 *
 * The stub writes out_prod: it is untrusted. A producer more than the
 * ring's size ahead of our consumer (or behind it) is a protocol error:
 * reported once in a while, the consumer jumps to the producer, and we
 * never read outside the ring.
 */
#ifndef DMSUP_STUBCONS_H
#define DMSUP_STUBCONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xen/io/console.h>

struct stubcons;

/* Reports a protocol error (one line, no newline) to the owner. */
typedef void stubcons_say_fn(void *arg, const char *msg);

/*
 * Maps console 0 of domain `domid` (ring page `mfn`, unbound event channel
 * `port` in the stub allocated for dom0) and binds it. Bytes go to out_fd
 * (not owned); protocol errors to say(). NULL on failure with a reason in
 * err.
 */
struct stubcons *stubcons_open(xc_interface *xch, uint32_t domid, uint64_t mfn,
			       uint32_t port, int out_fd, stubcons_say_fn *say,
			       void *say_arg, char *err, size_t errsz);
/* The fd to poll for reading: the event channel's. */
int stubcons_fd(const struct stubcons *c);
/*
 * The fd was readable: take the event, copy what the stub wrote, notify
 * it. 0, or -1 if the event channel failed (reason in err).
 */
int stubcons_handle(struct stubcons *c, char *err, size_t errsz);
/* Copies whatever the ring holds, without an event (a stub that just
 * died may have written its last line without us being woken). */
void stubcons_drain(struct stubcons *c);
/* Whether the last byte relayed ended a line (or nothing was relayed):
 * our own lines must start on a line of their own. */
bool stubcons_at_line_start(const struct stubcons *c);
/* Writes `line` and a newline to fd on a line of its own, even when the
 * stub's last bytes on the same fd did not end theirs. c may be NULL. */
void stubcons_put_line(struct stubcons *c, int fd, const char *line);
/* Protocol errors seen so far (a producer out of bounds). */
unsigned long stubcons_errors(const struct stubcons *c);
/* Unbinds and unmaps; NULL is fine. */
void stubcons_close(struct stubcons *c);

/* --- The ring arithmetic, pure (tests/unit/stubkeep) ------------------ */

/*
 * How many bytes a consumer at `cons` may take when the producer says
 * `prod`, in a ring of `size` bytes (a power of two); indices are free
 * running and wrap at 2^32. -1 if prod is more than `size` ahead of cons
 * or behind it: a protocol error.
 */
int64_t stubcons_ring_pending(uint32_t cons, uint32_t prod, uint32_t size);

/*
 * Copies `n` (<= size) bytes from ring[size] starting at free-running index
 * `cons` into buf, wrapping at the ring's end. Returns n.
 */
uint32_t stubcons_ring_copy(const volatile char *ring, uint32_t size,
			    uint32_t cons, uint32_t n, char *buf);

/*
 * One pass over out[] of a console page: copies what the producer wrote
 * since *cons into buf (room for out[]'s size), advances *cons and
 * publishes it as out_cons. Returns the count; -1 if the producer is out
 * of bounds: nothing is copied and *cons jumps to the producer.
 */
int stubcons_ring_take(volatile struct xencons_interface *intf, uint32_t *cons,
		       char *buf);

#endif
