/*
 * mkhvm: create a paused HVM domain with no device model, or destroy one.
 *
 *   mkhvm [-n NAME] [-m MEMORY_MIB] [-c VCPUS] [--videoram MIB]
 *         [--hvmloader PATH] [--bios PATH] [-d]
 *         [--qdisk PATH[,vdev=xvda][,format=raw]]... [--vif BRIDGE[,mac=M]]...
 *         [--domid DOMID]
 *       prints the new domain's id on stdout (DOMID when given: a domid
 *       used again, as t-115 needs); the domain stays paused.
 *   mkhvm --destroy DOMID [--timeout SECONDS]
 *       destroys it, removes its xenstore nodes, and waits until Xen has
 *       let go of it.
 *
 * Memory follows xl: MEMORY_MIB includes the videoram that the device model
 * will populate itself, so the builder populates MEMORY_MIB - videoram.
 * --qdisk and --vif write the guest's PV vbd (served by the device model's
 * qdisk backend) and vif (served by netback in dom0) as libxl does; see
 * mkhvm-pv.c and docs/devices.md.
 */
#include "tests/xen/progs/mkhvm.h"
#include "tests/xen/progs/tbprog.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xen/hvm/hvm_info_table.h>

#define MKHVM_DEFAULT_HVMLOADER "/usr/lib/xen-4.17/boot/hvmloader"
#define MKHVM_DEFAULT_BIOS "/usr/share/seabios/bios-256k.bin"
#define MKHVM_DESTROY_TIMEOUT_S 60
#define MKHVM_MIN_RAM_MIB 8 /* what hvmloader and SeaBIOS need at least */
#define MKHVM_MAX_MEMORY_MIB (1024UL * 1024)

static void mkhvm_usage(void)
{
	fprintf(stderr,
		"usage: mkhvm [-n NAME] [-m MEMORY_MIB] [-c VCPUS] "
		"[--videoram MIB]\n"
		"             [--hvmloader PATH] [--bios PATH] [-d]\n"
		"             [--qdisk PATH[,vdev=xvda][,format=raw]]... "
		"[--vif BRIDGE[,mac=M]]...\n"
		"             [--domid DOMID]\n"
		"       mkhvm --destroy DOMID [--timeout SECONDS]\n");
}

static int mkhvm_create(xc_interface *xch, struct xs_handle *xs,
			const struct mkhvm_cfg *cfg)
{
	struct mkhvm_dom dom = {.domid = DOMID_INVALID};

	if (mkhvm_xs_name_taken(xs, cfg->name)) {
		mkhvm_log("a domain named %s exists already", cfg->name);
		return 1;
	}
	if (mkhvm_build_create(xch, cfg, &dom))
		return 1;
	if (mkhvm_xs_make(xs, cfg, &dom) ||
	    mkhvm_build_pre(xch, xs, cfg, &dom) ||
	    mkhvm_build_hvm(xch, cfg, &dom) || mkhvm_xs_post(xs, cfg, &dom) ||
	    mkhvm_pv_add(xs, cfg, &dom)) {
		mkhvm_log("building domain %u failed; destroying it",
			  dom.domid);
		xc_domain_destroy(xch, dom.domid);
		mkhvm_xs_remove(xs, dom.domid);
		return 1;
	}
	printf("%u\n", dom.domid);
	return 0;
}

static int mkhvm_destroy(xc_interface *xch, struct xs_handle *xs,
			 uint32_t domid, unsigned long timeout_s)
{
	int64_t deadline = tbprog_now_ms() + (int64_t)timeout_s * 1000;
	const struct timespec tick = {.tv_nsec = 50 * 1000 * 1000};

	if (!mkhvm_build_exists(xch, domid)) {
		mkhvm_log("no domain %u", domid);
		return 1;
	}
	/*
	 * No xs_release_domain(), like libxl: xenstored lets go of the
	 * domain (and unmaps its ring) when Xen reports it dying. Releasing
	 * it first left the domain a zombie in the test bed.
	 */
	if (xc_domain_destroy(xch, domid)) {
		mkhvm_log("xc_domain_destroy %u: %s", domid, strerror(errno));
		return 1;
	}
	mkhvm_xs_remove(xs, domid);
	/* A dying domain lingers while Xen frees its memory. */
	while (mkhvm_build_exists(xch, domid)) {
		if (tbprog_now_ms() >= deadline) {
			mkhvm_log("domain %u still exists after %lus", domid,
				  timeout_s);
			return 1;
		}
		nanosleep(&tick, NULL);
	}
	return 0;
}

enum {
	MKHVM_OPT_VIDEORAM = 256,
	MKHVM_OPT_HVMLOADER,
	MKHVM_OPT_BIOS,
	MKHVM_OPT_DESTROY,
	MKHVM_OPT_TIMEOUT,
	MKHVM_OPT_QDISK,
	MKHVM_OPT_VIF,
	MKHVM_OPT_DOMID,
};

static const struct option mkhvm_options[] = {
    {"name", required_argument, NULL, 'n'},
    {"memory", required_argument, NULL, 'm'},
    {"vcpus", required_argument, NULL, 'c'},
    {"debug", no_argument, NULL, 'd'},
    {"videoram", required_argument, NULL, MKHVM_OPT_VIDEORAM},
    {"hvmloader", required_argument, NULL, MKHVM_OPT_HVMLOADER},
    {"bios", required_argument, NULL, MKHVM_OPT_BIOS},
    {"destroy", required_argument, NULL, MKHVM_OPT_DESTROY},
    {"timeout", required_argument, NULL, MKHVM_OPT_TIMEOUT},
    {"qdisk", required_argument, NULL, MKHVM_OPT_QDISK},
    {"vif", required_argument, NULL, MKHVM_OPT_VIF},
    {"domid", required_argument, NULL, MKHVM_OPT_DOMID},
    {NULL, 0, NULL, 0},
};

struct mkhvm_args {
	struct mkhvm_cfg cfg;
	bool debug;
	bool destroy;
	unsigned long destroy_domid, timeout_s;
};

static bool mkhvm_parse(int argc, char **argv, struct mkhvm_args *a)
{
	int c;

	while ((c = getopt_long(argc, argv, "n:m:c:d", mkhvm_options, NULL)) !=
	       -1) {
		bool ok = true;

		switch (c) {
		case 'n':
			a->cfg.name = optarg;
			ok = *optarg && strlen(optarg) < 64 &&
			     !strchr(optarg, '/');
			break;
		case 'm':
			ok = tbprog_parse_ulong(optarg, MKHVM_MIN_RAM_MIB,
						MKHVM_MAX_MEMORY_MIB,
						&a->cfg.memory_mib);
			break;
		case 'c':
			ok = tbprog_parse_ulong(optarg, 1, HVM_MAX_VCPUS,
						&a->cfg.vcpus);
			break;
		case 'd':
			a->debug = true;
			break;
		case MKHVM_OPT_VIDEORAM:
			ok = tbprog_parse_ulong(optarg, 0, 1024,
						&a->cfg.videoram_mib);
			break;
		case MKHVM_OPT_HVMLOADER:
			a->cfg.hvmloader = optarg;
			break;
		case MKHVM_OPT_BIOS:
			a->cfg.bios_path = optarg;
			break;
		case MKHVM_OPT_DESTROY:
			a->destroy = true;
			ok = tbprog_parse_ulong(optarg, 1,
						DOMID_FIRST_RESERVED - 1,
						&a->destroy_domid);
			break;
		case MKHVM_OPT_TIMEOUT:
			ok = tbprog_parse_ulong(optarg, 1, 3600, &a->timeout_s);
			break;
		case MKHVM_OPT_QDISK:
			ok = a->cfg.n_disks < MKHVM_MAX_DISKS &&
			     mkhvm_pv_parse_disk(
				 optarg, &a->cfg.disks[a->cfg.n_disks++]);
			break;
		case MKHVM_OPT_DOMID:
			ok = tbprog_parse_ulong(
			    optarg, 1, DOMID_FIRST_RESERVED - 1, &a->cfg.domid);
			break;
		case MKHVM_OPT_VIF:
			ok = a->cfg.n_nics < MKHVM_MAX_NICS &&
			     mkhvm_pv_parse_nic(optarg,
						&a->cfg.nics[a->cfg.n_nics++]);
			break;
		default:
			ok = false;
		}
		if (!ok)
			return false;
	}
	if (optind != argc)
		return false;
	if (a->cfg.memory_mib < a->cfg.videoram_mib + MKHVM_MIN_RAM_MIB) {
		mkhvm_log("memory must exceed videoram by %d MiB at least",
			  MKHVM_MIN_RAM_MIB);
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	struct mkhvm_args a = {
	    .cfg = {.name = "mkhvm-guest",
		    .memory_mib = 64,
		    .videoram_mib = 16,
		    .vcpus = 1,
		    .hvmloader = MKHVM_DEFAULT_HVMLOADER,
		    .bios_path = MKHVM_DEFAULT_BIOS,
		    .bios_name = "seabios"},
	    .timeout_s = MKHVM_DESTROY_TIMEOUT_S,
	};
	xentoollog_logger_stdiostream *lg = NULL;
	xc_interface *xch = NULL;
	struct xs_handle *xs = NULL;
	int rc = 1;

	if (!mkhvm_parse(argc, argv, &a)) {
		mkhvm_usage();
		return 2;
	}
	lg = xtl_createlogger_stdiostream(stderr,
					  a.debug ? XTL_DEBUG : XTL_ERROR, 0);
	xch = xc_interface_open((xentoollog_logger *)lg,
				(xentoollog_logger *)lg, 0);
	xs = xs_open(0);
	if (!xch || !xs) {
		mkhvm_log("cannot open %s: %s", xch ? "xenstore" : "libxenctrl",
			  strerror(errno));
		goto out;
	}
	if (a.destroy)
		rc = mkhvm_destroy(xch, xs, (uint32_t)a.destroy_domid,
				   a.timeout_s);
	else
		rc = mkhvm_create(xch, xs, &a.cfg);
out:
	if (xs)
		xs_close(xs);
	if (xch)
		xc_interface_close(xch);
	if (lg)
		xtl_logger_destroy((xentoollog_logger *)lg);
	return rc;
}
