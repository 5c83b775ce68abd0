/*
 * agent.h - the stub domain's side of the MiniOS protocol (what
 * qemu-traditional does in xenstore), for tests: the test bed runs it in a
 * real domU (minios-agent), unit tests run it against the in-memory
 * xenstore, opposite the toolstack side in handshake.c.
 *
 * Faithful mode, as docs/stubdom-protocols.md describes the stub's side:
 * read the target's image/dmargs, write "running" to
 * /local/domain/0/device-model/<target>/state, then on every change of
 * `command`, read it and answer
 *   pci-ins   parameter := "0xNN" (the vdevfn), state := pci-inserted;
 *	      a malformed BDF: parameter := reason, state := pci-insert-failed
 *   pci-rem   state := pci-removed
 *   save      state := paused
 *   continue  state := running
 * The hostile modes answer wrongly instead.
 */
#ifndef STUBDOM_PROTO_AGENT_AGENT_H
#define STUBDOM_PROTO_AGENT_AGENT_H

#include <stdbool.h>

struct xsp;
struct agent;

enum agent_mode {
	AGENT_FAITHFUL,
	AGENT_SILENT,	 /* never answers a command */
	AGENT_WRONG,	 /* answers every command with a wrong result */
	AGENT_OVERSIZED, /* answers with a state filling the message */
	AGENT_FLAP,	 /* flaps state `flaps` times, then turns faithful */
	AGENT_DELETE,	 /* deletes its state node */
	AGENT_BADPARAM,	 /* pci-inserted with a parameter that is no vdevfn */
	AGENT_PROBE,	 /* tries forbidden writes, reports (agent_probe) */
	AGENT_NMODES
};

#define AGENT_FLAPS_DEFAULT 100000

/* One line of what the agent does ("command save (faithful)", ...). */
typedef void agent_say_fn(void *arg, const char *line);
/* Called when `max_cmds` commands were answered. */
typedef void agent_done_fn(void *arg);

struct agent_config {
	unsigned int self;   /* the stub domain's domid */
	unsigned int target; /* 0: read /local/domain/<self>/target */
	enum agent_mode mode;
	unsigned long flaps; /* 0: AGENT_FLAPS_DEFAULT */
	unsigned long max_cmds;
	agent_say_fn *say;
	agent_done_fn *done;
	void *arg;
};

/* Starts answering: reads target and dmargs, watches `command`, writes
 * state "running". NULL on failure (said through cfg->say). */
struct agent *agent_start(struct xsp *xs, const struct agent_config *cfg);
void agent_stop(struct agent *a);
/* Probe mode: tries each write a stub domain must not make and says
 * what xenstore answered. 0 if every one was refused and the stub's own
 * state node could still be written (with "running"), 1 otherwise. */
int agent_probe(struct xsp *xs, const struct agent_config *cfg);

const char *agent_mode_name(enum agent_mode mode);
/* AGENT_NMODES if unknown. */
enum agent_mode agent_mode_parse(const char *name);

#endif
