/* The Xen seam (see xendm.h): not implemented in this build. */
#include "dmsup/xendm.h"

int xendm_prepare(struct domain *d, const char **err_r)
{
	*err_r = "Xen device models are not supported by this build yet "
		 "(use \"xen\": false to run QEMU without Xen)";
	return -1;
}

int xendm_watch_ready(struct domain *d, int timeout_s, xendm_ready_fn *ready,
		      const char **err_r)
{
	*err_r = "xenstore readiness is not implemented yet";
	return -1;
}

void xendm_cleanup(struct domain *d)
{
}
