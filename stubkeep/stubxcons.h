/*
 * stubxcons: the stub domain's consoles 1 and 2, served by the keeper, as
 * Xen's stubdom protocol has them: console 1 carries the device model's
 * saved state out of the stub, console 2 the state to restore into it
 * (docs/stubdom-protocols.md "Consoles 1 and 2").
 *
 * Each is a xenbus device (device/console/N in the stub, backend/console
 * /<stub>/N in dom0) followed by a pvdev (stubdom-proto/pvdev.h); no
 * kernel backend serves it, this does: once the stub's hvc_xen frontend
 * is Initialised, its ring page (a grant) is mapped and its port bound,
 * and the backend says Connected. The ring is struct xencons_interface:
 * the stub writes out[] (2048 bytes), dom0 writes in[] (1024 bytes).
 *
 *   console 1: out[] goes to the sink fd (stubxcons_sink), else it is
 *              dropped and counted: the stub never stalls on it.
 *   console 2: the restore fd (a file, or a pipe or socket read from the
 *              loop) is fed into in[] as room frees up, until its end,
 *              from the stub's first byte on out[] on: it writes one once
 *              its tty is raw (dm-launch), since bytes that met a cooked
 *              tty would be echoed or translated. What it writes is
 *              dropped.
 *
 * The stub writes out_prod and in_cons: untrusted. A producer or consumer
 * outside the ring's bounds ends the console with an error; nothing is
 * read or written outside the page.
 */
#ifndef DMSUP_STUBXCONS_H
#define DMSUP_STUBXCONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xenctrl.h> /* first: xen/ headers need its defines */
#include <xen/io/console.h>

struct xsp;
struct stubxcons;

#define STUBXCONS_SAVE 1    /* the devid of the save console */
#define STUBXCONS_RESTORE 2 /* the devid of the restore console */

/* Connected (rc 0) or failed (msg names the domain, console and step);
 * once, from the loop. Later errors and the restore's end: say. */
typedef void stubxcons_done_fn(int rc, const char *msg, void *arg);
typedef void stubxcons_say_fn(void *arg, const char *msg);

struct stubxcons_cfg {
	const char *domain; /* for messages: "domain 5" */
	unsigned int stub;
	unsigned int devid; /* STUBXCONS_SAVE or STUBXCONS_RESTORE */
	int source;	    /* restore: the fd fed to the stub (owned), or -1 */
	unsigned int timeout_ms; /* bound on the connection */
	stubxcons_done_fn *done;
	stubxcons_say_fn *say;
	void *arg;
};

/* Writes both ends' nodes (the stub may still be paused) and opens the
 * grant and event-channel handles while we may. NULL with the reason in
 * err; the source is closed then too. */
struct stubxcons *stubxcons_attach(struct xsp *xs,
				   const struct stubxcons_cfg *cfg, char *err,
				   size_t errsz);

/* Console 1: from now on its bytes go to fd (not owned; -1: dropped),
 * counted from 0. What the ring held before goes where it went before. */
void stubxcons_sink(struct stubxcons *x, int fd);

/* Console 1: takes what the ring holds now into the sink. The bytes the
 * sink got since stubxcons_sink, or -1 with err filled if writing to it
 * failed (the first error, e.g. a full disk) or the console is not
 * connected or broke. */
int64_t stubxcons_flush(struct stubxcons *x, char *err, size_t errsz);

/* Removes both ends' nodes, unmaps, unbinds, closes the source. NULL is
 * fine. */
void stubxcons_detach(struct stubxcons *x);

/* --- The in[] ring, pure (tests/unit/stubkeep) -------------------------- */

/* Room in a ring of `size` for a producer at `prod` whose consumer says
 * `cons`; -1 if cons is ahead of prod or more than size behind. */
int64_t stubxcons_ring_room(uint32_t prod, uint32_t cons, uint32_t size);

/* Puts n bytes of buf at free-running index prod, wrapping. */
void stubxcons_ring_put(volatile char *ring, uint32_t size, uint32_t prod,
			const char *buf, uint32_t n);

#endif
