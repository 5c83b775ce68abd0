/*
 * A device model's configuration as a memory-planner request: the one
 * mapping that `dmctl plan`, the start check and the QEMU argv share, so
 * that the plan and the command line cannot disagree.
 */
#ifndef DMSUP_DMPLAN_H
#define DMSUP_DMPLAN_H

#include "dmsup/config.h"
#include "plan/plan.h"

struct dmplan_req {
	struct plan_request req;
	struct plan_nic nics[PLAN_MAX_NICS];
};

/* Fills *r from @cfg (it points into @cfg: keep @cfg alive). Returns
 * PLAN_OK or a plan_rc with err_r filled. */
int dmplan_request(const struct dm_config *cfg, struct dmplan_req *r,
		   struct plan_error *err_r);
/* dmplan_request, then plan_compute; @restore: QEMU will load saved
 * device state (plan_request.restore). */
int dmplan_compute(const struct dm_config *cfg, bool restore,
		   struct plan *plan_r, struct plan_error *err_r);
/* The QEMU device a NIC model becomes ("virtio-net" -> "virtio-net-pci");
 * a model the planner does not know is passed through as written. */
const char *dmplan_nic_device(const char *model);

#endif
