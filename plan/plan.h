/*
 * The memory planner: how many pages a device model will populate.
 *
 * QEMU populates pages in an HVM guest that the guest never asked for: the
 * video RAM, the ROM BAR of every emulated NIC and of the VGA card, the
 * QXL card's extra BARs. The toolstack is the sole arbiter of the guest's
 * page limit (max_pages), so before a device model starts it must know
 * exactly how many pages QEMU will add. plan_compute() tells it, item by
 * item, from tables of device models and from the sizes of the ROM files
 * the QEMU binary will actually load. It also applies the rules that
 * toolstacks learned the hard way (shadow memory, the Linux balloon limit,
 * the kernel command line length) and reports them as warnings or
 * refusals. docs/memory-protocol.md describes the protocol around it.
 *
 * Everything here is pure computation plus stat() of ROM files: no Xen
 * call, no allocation that outlives a call (struct plan is fixed-size), so
 * the daemon may call it from an event callback.
 */
#ifndef DMSUP_PLAN_H
#define DMSUP_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

#define PLAN_PAGE_SIZE 4096u

/* Bounds on what one request may contain. */
#define PLAN_MAX_NICS 32
#define PLAN_MAX_ITEMS (PLAN_MAX_NICS + 8)
#define PLAN_MAX_RULES 8
#define PLAN_NAME_MAX 48
#define PLAN_WHY_MAX 224
#define PLAN_MSG_MAX 224

/* Where the firmware of Debian's QEMU lives, in QEMU's own search order
 * (`qemu-system-i386 -L help`): qemu-system-data, seabios, ipxe-qemu. */
#define PLAN_DEFAULT_FIRMWARE_PATH                                             \
	"/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu"

/* Default own memory of a stub domain, MiB. MiniOS: libxl's default.
 * Linux: what dmsup's Debian stub image needs (libxl's 128 panics while
 * the initramfs unpacks; docs/stubdom-linux.md, "Memory"); the same as
 * STUBDOM_BUILD_DEFAULT_MEMORY_MIB. */
#define PLAN_STUBDOM_LINUX_MIB 192
#define PLAN_STUBDOM_MINIOS_MIB 28

/* A kernel command line this long or longer is warned about. */
#define PLAN_CMDLINE_WARN_LEN 1024

enum plan_kind {
	PLAN_KIND_DOM0,		  /* QEMU (upstream) as a dom0 process */
	PLAN_KIND_STUBDOM_LINUX,  /* upstream QEMU in a Linux stub domain */
	PLAN_KIND_STUBDOM_MINIOS, /* qemu-traditional in a MiniOS stub domain */
};

enum plan_vga {
	PLAN_VGA_NONE,
	PLAN_VGA_STDVGA, /* -device VGA */
	PLAN_VGA_CIRRUS, /* -device cirrus-vga */
	PLAN_VGA_QXL,	 /* -device qxl-vga */
};

struct plan_nic {
	const char *model; /* "e1000", "rtl8139", "virtio-net", ... */
	/* NULL: the ROM the model loads by default; "": no ROM (romfile=);
	 * otherwise a file name searched like QEMU does, or a path. */
	const char *romfile;
};

/*
 * What the planner needs to know, as plain data, so that the daemon's
 * configuration (machine, memory, vcpus, vga/videoram, nics, ...) maps onto
 * it field by field. Zero means "not set" for every number.
 */
struct plan_request {
	enum plan_kind kind;
	uint64_t memory_mib; /* guest memory at boot */
	uint64_t maxmem_mib; /* 0: same as memory_mib */
	unsigned vcpus;	     /* 0: 1 */
	uint64_t shadow_kib; /* configured shadow memory, 0: none */
	enum plan_vga vga;
	uint64_t videoram_mib; /* 0: the VGA model's default */
	const struct plan_nic *nics;
	size_t nr_nics;
	/* Colon-separated directories searched for ROM files, in order, like
	 * QEMU's -L directories then its firmware path. NULL: the default.
	 * For a Linux stub domain: a directory holding the same ROM files as
	 * the stub domain's image. */
	const char *firmware_path;
	uint64_t stubdom_mib; /* 0: the kind's default */
	size_t cmdline_len;   /* guest kernel command line, 0: none */
	bool linux_guest;     /* the balloon limit becomes a refusal */
	/* QEMU loads saved device state (a restore): it populates no
	 * videoram and no ROMs (the saved guest memory holds them), so the
	 * plan has no VGA or NIC items. */
	bool restore;
};

/* Which domain an item's pages go to. */
enum plan_where {
	PLAN_IN_TARGET,	 /* populated by QEMU in the guest */
	PLAN_IN_STUBDOM, /* the stub domain's own allocation */
};

struct plan_item {
	char name[PLAN_NAME_MAX]; /* e.g. "vga.vram", "nic0.rom" */
	enum plan_where where;
	uint64_t pages;
	char why[PLAN_WHY_MAX]; /* how the size was found */
};

enum plan_severity {
	PLAN_WARNING, /* the toolstack should know; starting is fine */
	PLAN_REFUSAL, /* the configuration cannot work as written */
};

struct plan_rule {
	enum plan_severity severity;
	char code[32]; /* stable, e.g. "balloon-unreachable" */
	char message[PLAN_MSG_MAX];
};

struct plan {
	enum plan_kind kind;
	size_t nr_items;
	struct plan_item items[PLAN_MAX_ITEMS];
	uint64_t target_pages;	    /* sum of PLAN_IN_TARGET items */
	uint64_t stubdom_pages;	    /* sum of PLAN_IN_STUBDOM items */
	uint64_t shadow_kib;	    /* shadow memory the guest needs */
	uint64_t balloon_limit_mib; /* highest reachable maxmem (Linux) */
	size_t nr_rules;
	struct plan_rule rules[PLAN_MAX_RULES];
};

/* Why a plan could not be computed. */
enum plan_rc {
	PLAN_OK = 0,
	PLAN_E_INVAL = -1,	   /* a field out of range */
	PLAN_E_UNKNOWN_MODEL = -2, /* a NIC or VGA model not in the tables */
	PLAN_E_ROM = -3,	   /* a ROM file missing, empty or too big */
	PLAN_E_UNSUPPORTED = -4,   /* not possible with this kind */
};

struct plan_error {
	char message[256];
};

/* Fills *plan_r (all of it) from req. On failure returns a plan_rc and
 * explains it in err_r (if not NULL); *plan_r is then unspecified. */
int plan_compute(const struct plan_request *req, struct plan *plan_r,
		 struct plan_error *err_r);

/* True if any rule of the plan is a refusal. */
bool plan_refused(const struct plan *plan);

/* The -device argument the plan assumes for the request's VGA model,
 * e.g. "VGA,vgamem_mb=16" (empty for no VGA), so that the argv builder
 * and the plan agree. For upstream QEMU (dom0, stubdom-linux);
 * qemu-traditional takes -vga/-videoram instead. Returns PLAN_OK or an
 * error like plan_compute. */
int plan_vga_device(const struct plan_request *req, char *buf, size_t len,
		    struct plan_error *err_r);

/* The QEMU device name for a NIC model ("virtio-net" -> "virtio-net-pci"),
 * or NULL for a model not in the table. */
const char *plan_nic_device(const char *model);

/* Pages one NIC's ROM BAR will take (0 for romfile ""): for a runtime
 * request before hotplugging the NIC. */
int plan_nic_pages(const struct plan_nic *nic, const char *firmware_path,
		   uint64_t *pages_r, struct plan_error *err_r);
/* The same, with the ROM file QEMU will load (@path_r "" for none). */
int plan_nic_rom(const struct plan_nic *nic, const char *firmware_path,
		 char *path_r, size_t len, uint64_t *pages_r,
		 struct plan_error *err_r);

/* Builds a firmware_path from what `QEMU -L help` prints (one directory a
 * line, in QEMU's search order), so the daemon can ask the QEMU binary it
 * will run instead of assuming Debian's layout. Lines that are not
 * absolute paths are skipped. Returns PLAN_OK, or PLAN_E_INVAL if no
 * directory was found or buf is too small. */
int plan_firmware_path_from_help(const char *help, size_t len, char *buf,
				 size_t buflen);

/* Pages QEMU populates for a ROM of `bytes` bytes: the ROM BAR is the
 * next power of two, allocated in whole pages. */
uint64_t plan_rom_pages(uint64_t bytes);

/* Minimum shadow memory, KiB, for an HVM guest: 4 * (256 * vcpus +
 * 2 * maxmem_MiB). */
uint64_t plan_shadow_min_kib(unsigned vcpus, uint64_t maxmem_mib);

/* Highest maxmem, MiB, a Linux guest booted with init_mib can balloon
 * up to (see the comment in plan.c for the derivation). */
uint64_t plan_balloon_limit_mib(uint64_t init_mib);

/* Pages missing for `need` pages to fit under max_pages, given tot_pages
 * already there; 0 if they fit. */
uint64_t plan_shortfall(uint64_t need, uint64_t max_pages, uint64_t tot_pages);

/* Static names for the enums, as used in the JSON form. */
const char *plan_kind_name(enum plan_kind kind);
const char *plan_vga_name(enum plan_vga vga);
const char *plan_where_name(enum plan_where where);
const char *plan_severity_name(enum plan_severity severity);
/* Parse the names above; return false for an unknown name. */
bool plan_kind_parse(const char *s, enum plan_kind *kind_r);
bool plan_vga_parse(const char *s, enum plan_vga *vga_r);

/* The plan as a JSON object (a new reference), or NULL on ENOMEM:
 *   {"kind": "dom0", "target_pages": N, "stubdom_pages": N,
 *    "shadow_kib": N, "balloon_limit_mib": N, "refused": bool,
 *    "items": [{"name", "where", "pages", "why"}...],
 *    "rules": [{"severity", "code", "message"}...]} */
struct json_object *plan_json(const struct plan *plan);

/* Reads a plan back from plan_json()'s form (for a toolstack written in C,
 * and the tests). Returns PLAN_OK or PLAN_E_INVAL with err_r filled. */
int plan_json_parse(const struct json_object *obj, struct plan *plan_r,
		    struct plan_error *err_r);

/* A readable breakdown for `dmctl plan`, malloc'd (NULL on ENOMEM). */
char *plan_text(const struct plan *plan);

/*
 * Recognising QEMU's "failed to populate ram" in its log.
 *
 * QEMU 7.2's Xen code (xen_ram_alloc) says, for the allocation that
 * failed,  "xen: failed to populate ram at <hex ram_addr>"  (often after
 * a "<prog>: " or "<prog>: -device ...: " prefix) and then exits. The
 * message has no size; QEMU started with `-trace xen_ram_alloc` also logs
 * every allocation before it is made,
 *   "xen_ram_alloc requested: 0x<ram_addr>, size 0x<bytes>"
 * (possibly prefixed "<pid>@<sec>.<usec>:"), which gives the size of the
 * failing one. Feed the log line by line; the scanner is bounded and never
 * trusts a line.
 */
struct plan_log_scan {
	bool failed;		  /* the failure message was seen */
	uint64_t failed_addr;	  /* its ram_addr */
	uint64_t failed_pages;	  /* its size in pages, 0 if unknown */
	uint64_t requested_pages; /* all allocations traced so far */
	unsigned requests;	  /* how many were traced */
	/* private: the last traced request, to match the failure with */
	uint64_t last_addr;
	uint64_t last_pages;
};

void plan_log_scan_init(struct plan_log_scan *scan);
/* One line, without or with its newline; len bytes, NUL not required. */
void plan_log_scan_line(struct plan_log_scan *scan, const char *line,
			size_t len);
/* A whole buffer of lines. */
void plan_log_scan_buf(struct plan_log_scan *scan, const char *buf, size_t len);

#endif
