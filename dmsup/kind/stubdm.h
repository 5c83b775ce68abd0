/*
 * The daemon's side of a stub-domain device model (kinds stubdom-linux and
 * stubdom-minios; the stub itself is built, relayed and destroyed by the
 * stub keeper, see KEEPER.md and docs/supervision.md).
 *
 * Readiness, as a state machine (stubdm.c, docs/supervision.md):
 *   1. the stub's domid S from /local/domain/<T>/image/device-model-domid
 *      (xenstore watch), valid only if S is a live PV domain whose
 *      /local/domain/<S>/target is T;
 *   2. stubdom-linux: /local/domain/<S>/device-model/<T>/state = running
 *      (watch) and QMP over vchan (the caller's dmqmp, told by @known);
 *      stubdom-minios: stubdom-proto's handshake START on xendm's xenstore
 *      connection; the channel then stays open for the runtime commands.
 * One timer for the whole wait; its error names the step that never
 * happened.
 */
#ifndef DMSUP_STUBDM_H
#define DMSUP_STUBDM_H

#include "stubdom-proto/handshake.h"

struct domain;

typedef void stubdm_fn(struct domain *d, const char *err);

/* Before spawn: a device-model-domid left by an earlier stub is removed;
 * one that names a live stub of the domain refuses the start. 0, or -1
 * with *err_r (valid until the next call for @d). */
int stubdm_prepare(struct domain *d, const char **err_r);
/*
 * Starts waiting. @known(d, NULL) runs once d->stub_domid is set;
 * @ready(d, NULL) once the stub's own signal came (state running /
 * handshake START), @ready(d, err) when a step failed or the timeout
 * passed first (also after the stub's signal, while QMP is not ready).
 * Never calls back synchronously. 0, or -1 with *err_r.
 */
int stubdm_watch_ready(struct domain *d, int timeout_s, stubdm_fn *known,
		       stubdm_fn *ready, const char **err_r);
/* The domain is ready: the timer goes, a MiniOS channel stays. */
void stubdm_ready_done(struct domain *d);
/* After a dmsup restart, for a running domain: S from xenstore (checked
 * as above); a MiniOS channel is reopened (no START). 0 or -1, *err_r. */
int stubdm_reattach(struct domain *d, const char **err_r);
/* "vchan:S:/local/domain/S/device-model/T/qmp-vchan" (malloc'd), NULL
 * while S is unknown. */
char *stubdm_qmp_address(const struct domain *d);
/* A runtime command on the MiniOS handshake channel. 0, or -1 with
 * *err_r (no channel, queue full, parameter too long). */
int stubdm_submit(struct domain *d, enum stubdom_cmd cmd, const char *param,
		  stubdom_hs_done_fn *cb, void *arg, const char **err_r);
/* Why a keeper exited, from its `dmsup-stub:` lines in the log (and the
 * stub's `device model exited` line): malloc'd, or NULL. */
char *stubdm_explain_death(struct domain *d);
/* The run ended: channel, watches and timer go, S is forgotten. */
void stubdm_cleanup(struct domain *d);
void stubdm_domain_free(struct domain *d);

#endif
