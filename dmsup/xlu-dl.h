/*
 * libxlutil (and the libxenlight calls its disk parser needs), loaded on
 * first use: linked, their 17 libraries cost every dmctl run about 1 ms
 * to load and relocate (bench-dmsup (a)), more than dmctl itself spends
 * on a start, and most runs read no xl syntax at all.
 */
#ifndef DMSUP_XLU_DL_H
#define DMSUP_XLU_DL_H

#include <libxl.h>
#include <libxlutil.h>

struct xlu_dl {
	typeof(xlu_cfg_init) *cfg_init;
	typeof(xlu_cfg_readdata) *cfg_readdata;
	typeof(xlu_cfg_destroy) *cfg_destroy;
	typeof(xlu_cfg_get_string) *cfg_get_string;
	typeof(xlu_cfg_get_long) *cfg_get_long;
	typeof(xlu_cfg_get_list) *cfg_get_list;
	typeof(xlu_cfg_get_listitem) *cfg_get_listitem;
	typeof(xlu_disk_parse) *disk_parse;
	typeof(libxl_device_disk_init) *disk_init;
	typeof(libxl_device_disk_dispose) *disk_dispose;
	typeof(libxl_disk_format_to_string) *disk_format_to_string;
};

/* The loaded functions; valid once xlu_dl_load() returned NULL. */
extern struct xlu_dl XLU;

/* Loads the library once: NULL, or why it cannot be used. */
const char *xlu_dl_load(void);

#endif
