/* Which table serves a configuration (see kind.h). */
#include <stddef.h>

#include "dmsup/kind/kind.h"

static const struct dm_kind_ops *const kind_all[] = {
    &kind_dom0, &kind_dom0_xen, &kind_stub_linux, &kind_stub_minios, &kind_xl,
};

const struct dm_kind_ops *kind_ops_of(const struct dm_config *cfg)
{
	if (config_adopted(cfg))
		return &kind_xl;
	switch (config_kind(cfg)) {
	case DM_KIND_STUBDOM_LINUX:
		return &kind_stub_linux;
	case DM_KIND_STUBDOM_MINIOS:
		return &kind_stub_minios;
	case DM_KIND_DOM0:
		break;
	}
	return cfg->xen ? &kind_dom0_xen : &kind_dom0;
}

void kind_dispose(struct domain *d)
{
	/* Each free is idempotent: a shared one may run twice. */
	for (size_t i = 0; i < sizeof(kind_all) / sizeof(*kind_all); i++)
		if (kind_all[i]->free)
			kind_all[i]->free(d);
}
