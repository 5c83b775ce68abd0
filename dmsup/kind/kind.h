/*
 * Where a device model runs, as one table of operations per kind
 * (DESIGN.md's table): domain.c does what every kind does (spawn with a
 * log helper and a sentinel FIFO, QMP, death, restart) and asks the table
 * for the rest. Every operation may be NULL: that kind has nothing to do
 * there. Tables, by kind_ops_of:
 *   dom0.c  "dom0" with xen: true (xendm.c's Xen side) and xen: false
 *   stub.c  "stubdom-linux" and "stubdom-minios" (stubdm.c, xendm.c)
 *   xl.c    a dom0 QEMU started by libxl, adopted (origin "xl")
 * A kind dmsup does not spawn itself (a QEMU adopted from xl) leaves
 * spawn_argv NULL, and says how it is stopped through stop.
 */
#ifndef DMSUP_KIND_KIND_H
#define DMSUP_KIND_KIND_H

#include <stdbool.h>

#include "dmsup/domain.h"

/* One half of readiness came (err NULL) or failed. */
typedef void kind_ready_fn(struct domain *d, const char *err);

/* How the device model's QMP is reached. */
enum kind_qmp {
	KIND_QMP_NONE,	 /* no QMP (MiniOS: the handshake channel) */
	KIND_QMP_SOCKET, /* the socket dmsup made, <state>/<name>.qmp */
	KIND_QMP_KIND,	 /* qmp_address, once the kind knows it */
};

struct dm_kind_ops {
	const char *name;
	/* What is spawned, for the log; NULL: the configured QEMU. */
	const char *process;
	enum kind_qmp qmp;
	/* Seconds added to QMP's deadline, when the kind's own timer is the
	 * real deadline of readiness. */
	int qmp_grace;
	/* What the kind's own side is called in errors and logs (the step
	 * a failure of its half of readiness names). */
	const char *side;

	/* Before spawn: 0, or -1 with *err_r (owned by @d, valid until the
	 * next call for @d). */
	int (*prepare)(struct domain *d, const char **err_r);
	/* What dmsup spawns, malloc'd (argv_free); NULL when out of memory.
	 * A NULL op: dmsup never spawns this kind. */
	char **(*spawn_argv)(const struct domain *d, const char *qmp_path);
	/* Just spawned (d->pid is set). */
	void (*spawned)(struct domain *d);
	/* Arms the kind's half of readiness (NULL: it has none): @ready
	 * once it came or failed; @known when a KIND_QMP_KIND address became
	 * known. Never calls back synchronously. 0, or -1 with *err_r. */
	int (*watch_ready)(struct domain *d, kind_ready_fn *ready,
			   kind_ready_fn *known, const char **err_r);
	/* Both halves are there: the domain is ready. */
	void (*ready_done)(struct domain *d);
	/* After a dmsup restart, for a running domain: finds the kind's
	 * side again. 0, or -1 with *err_r. */
	int (*reattach)(struct domain *d, const char **err_r);
	/* Why the device model died, malloc'd, or NULL. *memory_r: it
	 * could not populate guest memory (the toolstack must make room;
	 * restarting cannot help). */
	char *(*explain_death)(struct domain *d, bool *memory_r);
	/* Begins a stop its own way (QMP quit, or nothing yet); returns the
	 * stop phase to enter (domain.h), whose signal domain.c sends. */
	enum dm_stop (*stop)(struct domain *d);
	/* The run ended (stopped, crashed, failed): the kind's traces go. */
	void (*cleanup)(struct domain *d);
	/* Frees what the kind keeps for @d. Idempotent. */
	void (*free)(struct domain *d);
	/* For KIND_QMP_KIND: the address (malloc'd), NULL while unknown. */
	char *(*qmp_address)(const struct domain *d);
	/* d->qmp was just made (start or reattach): the kind subscribes to
	 * the events it needs. */
	void (*qmp_connected)(struct domain *d);
	/* The device model is gone: did it end on its toolstack's request
	 * (a stop, not a crash)? Asked before the crash is judged. */
	bool (*stopped_by_toolstack)(struct domain *d);
};

extern const struct dm_kind_ops kind_dom0, kind_dom0_xen;
extern const struct dm_kind_ops kind_stub_linux, kind_stub_minios;
extern const struct dm_kind_ops kind_xl;

/* The table for @cfg's kind (and xen). Never NULL. */
const struct dm_kind_ops *kind_ops_of(const struct dm_config *cfg);
/* Frees what any kind keeps for @d: a domain's kind may change between
 * runs (dmctl set). */
void kind_dispose(struct domain *d);

#endif
