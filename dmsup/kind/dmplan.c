/* The configuration -> planner mapping (see dmplan.h). */
#include <stdio.h>
#include <string.h>

#include "dmsup/kind/dmplan.h"

/* The config's VGA names and the planner's. */
static const struct {
	const char *cfg;
	enum plan_vga vga;
} dmplan_vgas[] = {
    {"none", PLAN_VGA_NONE},
    {"std", PLAN_VGA_STDVGA},
    {"cirrus", PLAN_VGA_CIRRUS},
};

int dmplan_request(const struct dm_config *cfg, struct dmplan_req *r,
		   struct plan_error *err_r)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	static const enum plan_kind kinds[] = {
	    [DM_KIND_DOM0] = PLAN_KIND_DOM0,
	    [DM_KIND_STUBDOM_LINUX] = PLAN_KIND_STUBDOM_LINUX,
	    [DM_KIND_STUBDOM_MINIOS] = PLAN_KIND_STUBDOM_MINIOS,
	};
	r->req.kind = kinds[config_kind(cfg)];
	r->req.stubdom_mib = (uint64_t)cfg->stubdom_memory;
	r->req.memory_mib = (uint64_t)cfg->memory;
	r->req.vcpus = (unsigned)cfg->vcpus;
	r->req.videoram_mib = (uint64_t)cfg->videoram;
	for (i = 0; i < sizeof(dmplan_vgas) / sizeof(*dmplan_vgas); i++)
		if (cfg->vga && !strcmp(cfg->vga, dmplan_vgas[i].cfg))
			break;
	if (i == sizeof(dmplan_vgas) / sizeof(*dmplan_vgas)) {
		if (err_r)
			snprintf(err_r->message, sizeof(err_r->message),
				 "vga '%s' is not known to the planner",
				 cfg->vga ? cfg->vga : "");
		return PLAN_E_UNKNOWN_MODEL;
	}
	r->req.vga = dmplan_vgas[i].vga;
	if (cfg->n_nics > PLAN_MAX_NICS) {
		if (err_r)
			snprintf(err_r->message, sizeof(err_r->message),
				 "more than %d NICs", PLAN_MAX_NICS);
		return PLAN_E_INVAL;
	}
	for (int n = 0; n < cfg->n_nics; n++)
		r->nics[n].model = cfg->nics[n].model;
	r->req.nics = r->nics;
	r->req.nr_nics = (size_t)cfg->n_nics;
	return PLAN_OK;
}

int dmplan_compute(const struct dm_config *cfg, bool restore,
		   struct plan *plan_r, struct plan_error *err_r)
{
	struct dmplan_req r;
	int rc = dmplan_request(cfg, &r, err_r);

	r.req.restore = restore;
	return rc ? rc : plan_compute(&r.req, plan_r, err_r);
}

const char *dmplan_nic_device(const char *model)
{
	const char *dev = plan_nic_device(model);

	return dev ? dev : model;
}
