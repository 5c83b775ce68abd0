/*
 * dmsup-plan: the memory planner from the command line, for tests and the
 * test bed (the daemon's `dmctl plan CONFIG` reads a config file instead).
 *
 *   dmsup-plan [--json] [--kind dom0|stubdom-linux|stubdom-minios]
 *              --memory MIB [--maxmem MIB] [--vcpus N] [--shadow KIB]
 *              [--vga none|stdvga|cirrus|qxl] [--videoram MIB]
 *              [--nic MODEL[,romfile=FILE]]... [--firmware-path DIRS]
 *              [--stubdom-memory MIB] [--cmdline-len N] [--linux]
 *              [--devices]
 *   dmsup-plan --scan-log FILE [--need N --max-pages N --tot-pages N]
 *
 * --devices prints, instead of the plan, the -device arguments of upstream
 * QEMU the plan assumes, one a line, in the plan's order (VGA, then the
 * NICs), for a command line built by hand (the test bed's t-55).
 *
 * --scan-log reads a QEMU log (started with -trace xen_ram_alloc) and says
 * whether it failed to populate, where and how many pages that allocation
 * wanted; with the plan's target_pages (--need) and the domain's max_pages
 * and tot_pages before QEMU started, also the shortfall in pages.
 *
 * Exit status: 0 planned, 1 planned but refused, 2 error.
 */
#include "plan/plan.h"

#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int plan_tool_usage(void)
{
	fprintf(stderr, "usage: dmsup-plan [--json] [--kind KIND] --memory MIB "
			"[--maxmem MIB] [--vcpus N]\n"
			"       [--shadow KIB] [--vga MODEL] [--videoram MIB] "
			"[--nic MODEL[,romfile=FILE]]...\n"
			"       [--firmware-path DIRS] [--stubdom-memory MIB] "
			"[--cmdline-len N] [--linux]\n"
			"       [--devices]\n"
			"       dmsup-plan --scan-log FILE [--need N "
			"--max-pages N --tot-pages N]\n");
	return 2;
}

static bool plan_tool_u64(const char *s, uint64_t *v_r)
{
	char *end;

	if (!s || !*s || *s == '-')
		return false;
	*v_r = strtoull(s, &end, 10);
	return *end == '\0';
}

/* "MODEL[,romfile=FILE]", split in place. */
static bool plan_tool_nic(char *arg, struct plan_nic *nic)
{
	char *comma = strchr(arg, ',');

	nic->model = arg;
	nic->romfile = NULL;
	if (!comma)
		return true;
	*comma = '\0';
	if (strncmp(comma + 1, "romfile=", 8))
		return false;
	nic->romfile = comma + 9;
	return true;
}

/* --need, --max-pages, --tot-pages of --scan-log; all or none. */
struct plan_tool_pages {
	unsigned given; /* how many of the three */
	uint64_t need, max_pages, tot_pages;
};

static int plan_tool_scan(const char *file, const struct plan_tool_pages *pg)
{
	struct plan_log_scan scan;
	char line[4096];
	FILE *f = fopen(file, "re");

	if (!f) {
		perror(file);
		return 2;
	}
	plan_log_scan_init(&scan);
	while (fgets(line, sizeof(line), f))
		plan_log_scan_line(&scan, line, strlen(line));
	fclose(f);
	printf("failed: %s\n", scan.failed ? "yes" : "no");
	if (scan.failed)
		printf("failed at: 0x%llx, %llu pages\n",
		       (unsigned long long)scan.failed_addr,
		       (unsigned long long)scan.failed_pages);
	printf("traced requests: %u, %llu pages\n", scan.requests,
	       (unsigned long long)scan.requested_pages);
	if (pg->given)
		printf("shortfall: %llu pages\n",
		       (unsigned long long)plan_shortfall(
			   pg->need, pg->max_pages, pg->tot_pages));
	return scan.failed ? 1 : 0;
}

/* The -device arguments the plan assumes (see the header comment). */
static int plan_tool_devices(const struct plan_request *req)
{
	struct plan_error err;
	char vga[128];
	const char *dev;
	size_t i;

	if (plan_vga_device(req, vga, sizeof(vga), &err)) {
		fprintf(stderr, "dmsup-plan: %s\n", err.message);
		return 2;
	}
	if (*vga)
		printf("%s\n", vga);
	for (i = 0; i < req->nr_nics; i++) {
		dev = plan_nic_device(req->nics[i].model);
		if (!dev) {
			fprintf(stderr, "dmsup-plan: NIC %zu: unknown model\n",
				i);
			return 2;
		}
		if (req->nics[i].romfile)
			printf("%s,romfile=%s\n", dev, req->nics[i].romfile);
		else
			printf("%s\n", dev);
	}
	return 0;
}

static int plan_tool_print(const struct plan *plan, bool json)
{
	struct json_object *o;
	char *text;

	if (json) {
		o = plan_json(plan);
		if (!o)
			return 2;
		printf("%s\n", json_object_to_json_string_ext(
				   o, JSON_C_TO_STRING_PRETTY |
					  JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		text = plan_text(plan);
		if (!text)
			return 2;
		fputs(text, stdout);
		free(text);
	}
	return plan_refused(plan) ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"kind", required_argument, NULL, 'k'},
	    {"memory", required_argument, NULL, 'm'},
	    {"maxmem", required_argument, NULL, 'M'},
	    {"vcpus", required_argument, NULL, 'c'},
	    {"shadow", required_argument, NULL, 's'},
	    {"vga", required_argument, NULL, 'g'},
	    {"videoram", required_argument, NULL, 'v'},
	    {"nic", required_argument, NULL, 'n'},
	    {"firmware-path", required_argument, NULL, 'L'},
	    {"stubdom-memory", required_argument, NULL, 'S'},
	    {"cmdline-len", required_argument, NULL, 'l'},
	    {"linux", no_argument, NULL, 'x'},
	    {"scan-log", required_argument, NULL, 'f'},
	    {"devices", no_argument, NULL, 'd'},
	    {"need", required_argument, NULL, 'N'},
	    {"max-pages", required_argument, NULL, 'X'},
	    {"tot-pages", required_argument, NULL, 'T'},
	    {NULL, 0, NULL, 0},
	};
	static struct plan_nic nics[PLAN_MAX_NICS];
	static struct plan plan;
	struct plan_request req = {.vga = PLAN_VGA_NONE};
	struct plan_tool_pages pg = {0};
	const char *log = NULL;
	struct plan_error err;
	bool json = false, devices = false, ok = true;
	uint64_t v;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'k':
			ok = plan_kind_parse(optarg, &req.kind);
			break;
		case 'm':
			ok = plan_tool_u64(optarg, &req.memory_mib);
			break;
		case 'M':
			ok = plan_tool_u64(optarg, &req.maxmem_mib);
			break;
		case 'c':
			ok = plan_tool_u64(optarg, &v) && v <= 100000;
			req.vcpus = (unsigned)v;
			break;
		case 's':
			ok = plan_tool_u64(optarg, &req.shadow_kib);
			break;
		case 'g':
			ok = plan_vga_parse(optarg, &req.vga);
			break;
		case 'v':
			ok = plan_tool_u64(optarg, &req.videoram_mib);
			break;
		case 'n':
			ok = req.nr_nics < PLAN_MAX_NICS &&
			     plan_tool_nic(optarg, &nics[req.nr_nics++]);
			break;
		case 'L':
			req.firmware_path = optarg;
			break;
		case 'S':
			ok = plan_tool_u64(optarg, &req.stubdom_mib);
			break;
		case 'l':
			ok = plan_tool_u64(optarg, &v);
			req.cmdline_len = (size_t)v;
			break;
		case 'x':
			req.linux_guest = true;
			break;
		case 'f':
			log = optarg;
			break;
		case 'N':
			ok = plan_tool_u64(optarg, &pg.need);
			pg.given++;
			break;
		case 'X':
			ok = plan_tool_u64(optarg, &pg.max_pages);
			pg.given++;
			break;
		case 'T':
			ok = plan_tool_u64(optarg, &pg.tot_pages);
			pg.given++;
			break;
		case 'd':
			devices = true;
			break;
		default:
			return plan_tool_usage();
		}
		if (!ok) {
			fprintf(stderr, "dmsup-plan: bad value for --%s: %s\n",
				argv[optind - 1] + 2, optarg ? optarg : "");
			return 2;
		}
	}
	if (optind != argc || (pg.given && (!log || pg.given != 3)))
		return plan_tool_usage();
	if (log)
		return plan_tool_scan(log, &pg);
	req.nics = nics;
	rc = plan_compute(&req, &plan, &err);
	if (rc) {
		fprintf(stderr, "dmsup-plan: %s\n", err.message);
		return 2;
	}
	if (devices)
		return plan_refused(&plan) ? 1 : plan_tool_devices(&req);
	return plan_tool_print(&plan, json);
}
