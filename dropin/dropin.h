/*
 * dmsup-qemu-dm: the program libxl runs as its device model
 * (device_model_override in xl.cfg). It registers the device model with
 * dmsup, takes the supervision fds dmsup hands over, and execs the real
 * QEMU with libxl's argv plus dmsup's monitor (dmsup-qemu-dm(8)).
 *
 * The parts are pure where they can be, so that unit tests check them:
 * the config file, the scan of libxl's argv, the argv and environment
 * that QEMU gets.
 */
#ifndef DMSUP_DROPIN_H
#define DMSUP_DROPIN_H

#include <stdbool.h>
#include <stddef.h>

#define DROPIN_CONF "/etc/dmsup/qemu-dm.conf"
#define DROPIN_QEMU "/usr/libexec/xen-qemu-system-i386"
#define DROPIN_CONTROL "/run/dmsup/control"
#define DROPIN_TIMEOUT_MS 3000
#define DROPIN_CONF_MAX 4096
#define DROPIN_MON_ID "dmsup-qmp"

struct dropin_conf {
	char qemu[256];	   /* the real device model */
	char control[108]; /* dmsup's control socket */
	int timeout_ms;	   /* for dmsup's answer */
	bool fail_closed;  /* no dmsup: fail the start instead of running */
	bool crash_report; /* on_dm_crash = report: dmsup only reports */
};

/* Defaults, then @text (the file's bytes, "key = value" lines, '#'
 * comments). 0, or -1 with a message in @err naming the line. */
int dropin_conf_parse(struct dropin_conf *c, const char *text, char *err,
		      size_t len);

/* What libxl's argv says of the guest: -xen-domid and -name; domid -1
 * when the argv is not an HVM guest's device model. */
struct dropin_guest {
	int domid; /* -1: not ours (no -xen-domid, or a qdisk backend) */
	const char *name;
};
void dropin_scan_argv(int argc, char *const argv[], struct dropin_guest *g);

/* QEMU's argv: @qemu, libxl's arguments (argv[1..]), then dmsup's monitor
 * on the listening socket @qmp_fd. malloc'd, NULL-terminated; the
 * strings of the monitor are malloc'd too (dropin_argv_free). */
char **dropin_qemu_argv(const char *qemu, int argc, char *const argv[],
			int qmp_fd);
void dropin_argv_free(char **v, int argc);

#endif
