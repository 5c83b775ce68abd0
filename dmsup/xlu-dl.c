/* libxlutil loaded on first use (xlu-dl.h). */
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>

#include "dmsup/xlu-dl.h"

#ifndef XLU_SONAME
#error "XLU_SONAME (libxlutil's soname) comes from dmsup/module.mk"
#endif

struct xlu_dl XLU;

#define XLU_SYM(member, sym)                                                   \
	{                                                                      \
		offsetof(struct xlu_dl, member), #sym                          \
	}
static const struct {
	size_t off;
	const char *name;
} xlu_syms[] = {
    XLU_SYM(cfg_init, xlu_cfg_init),
    XLU_SYM(cfg_readdata, xlu_cfg_readdata),
    XLU_SYM(cfg_destroy, xlu_cfg_destroy),
    XLU_SYM(cfg_get_string, xlu_cfg_get_string),
    XLU_SYM(cfg_get_long, xlu_cfg_get_long),
    XLU_SYM(cfg_get_list, xlu_cfg_get_list),
    XLU_SYM(cfg_get_listitem, xlu_cfg_get_listitem),
    XLU_SYM(disk_parse, xlu_disk_parse),
    XLU_SYM(disk_init, libxl_device_disk_init),
    XLU_SYM(disk_dispose, libxl_device_disk_dispose),
    XLU_SYM(disk_format_to_string, libxl_disk_format_to_string),
};

const char *xlu_dl_load(void)
{
	static void *lib;
	static char why[512];

	if (lib)
		return NULL;
	/* libxlutil brings libxenlight as its dependency; dlsym on its
	 * handle searches both. */
	void *h = dlopen(XLU_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(why, sizeof(why), "xl syntax needs %s: %s", XLU_SONAME,
			 dlerror());
		return why;
	}
	for (size_t i = 0; i < sizeof(xlu_syms) / sizeof(xlu_syms[0]); i++) {
		void *f = dlsym(h, xlu_syms[i].name);
		if (!f) {
			snprintf(why, sizeof(why),
				 "xl syntax needs %s, which lacks %s",
				 XLU_SONAME, xlu_syms[i].name);
			dlclose(h);
			return why;
		}
		*(void **)((char *)&XLU + xlu_syms[i].off) = f;
	}
	lib = h;
	return NULL;
}
