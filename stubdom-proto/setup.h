/*
 * setup.h - the xenstore layout a stub domain reads when it starts.
 *
 * stubdom_setup_write() writes, in one transaction (re-run on EAGAIN, a
 * bounded number of times), everything the toolstack side owes a stub
 * domain before it is unpaused (see docs/stubdom-protocols.md):
 *
 *   MiniOS: /vm/<uuid>/image/dmargs        the QEMU arguments, space separated
 *   Linux:  /vm/<uuid>/image/dm-argv/NNN   one argument per key, NNN = 001..
 *   both:   /local/domain/<stub>/target     the target's domid
 *           /local/domain/<domid>/hvmloader/bios   (if `bios` is set)
 *           <dm>/{command,parameter,state}  the device-model directory,
 *             <dm> = /local/domain/0/device-model/<domid>        (MiniOS)
 *                    /local/domain/<stub>/device-model/<domid>   (Linux)
 *
 * Permissions: dom0 owns every node. The stub domain may read the argv,
 * target, command and parameter and write nothing but `state`; the guest
 * may read only its own hvmloader/bios. Nothing is written if any value or
 * path breaks xenstore's limits: the error says which and by how much.
 */
#ifndef STUBDOM_PROTO_SETUP_H
#define STUBDOM_PROTO_SETUP_H

#include <stddef.h>

struct xsp;

enum stubdom_kind {
	STUBDOM_MINIOS, /* qemu-traditional in MiniOS: dmargs, handshake */
	STUBDOM_LINUX,	/* upstream QEMU in Linux: dm-argv, QMP over vchan */
};

#define STUBDOM_ARGC_MAX 999 /* three digits in dm-argv/NNN */

struct stubdom_setup {
	enum stubdom_kind kind;
	unsigned int domid;	 /* the target (guest) domain */
	unsigned int stub_domid; /* the stub domain */
	const char *uuid;	 /* the guest's /vm/<uuid> */
	/* QEMU's arguments after the program name (argv[1..]). */
	const char *const *argv;
	size_t argc;
	const char *bios; /* "seabios", "rombios", "ovmf"; NULL: not written */
};

/* Writes the layout. 0 or a negative errno; on failure `err` (if not
 * NULL) holds a one-line reason naming the domain and the node. */
int stubdom_setup_write(struct xsp *xs, const struct stubdom_setup *s,
			char *err, size_t errsz);

/* The device-model directory of a domain, into buf. 0, or -E2BIG if buf
 * is too small. */
int stubdom_setup_dm_path(enum stubdom_kind kind, unsigned int domid,
			  unsigned int stub_domid, char *buf, size_t size);

/* Upper bound of a xenstore path built here. */
#define STUBDOM_PATH_MAX 256

#endif
