/*
 * Local tests: the plan against what a real QEMU 7.2 allocates.
 *
 * The Xen build of QEMU cannot run without Xen, but qemu-system-x86_64
 * comes from the same QEMU source package. Run under TCG on machine
 * pc-i440fx-3.1 (the compat level xenfv inherits) with the devices the
 * plan assumes, its `info ramblock` lists every RAM block with its full
 * size. Under Xen each of those is populated in the guest, except the ones
 * Xen's PC machine never creates (pc.ram, pc.bios, pc.rom, the fw_cfg
 * blobs /rom@etc/...). So the remaining blocks must be exactly the plan's
 * items: the same number, the same sizes.
 */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plan/plan.h"
#include "tests/unit/qmp/check-main.h"

#define MAX_ARGS 96
#define MAX_BLOCKS 64

/* Runs QEMU with `devices` (each a -device argument), asks its monitor for
 * `info ramblock` and returns everything it printed (malloc'd). */
static char *qemu_ramblocks(const char *const *devices, size_t n)
{
	const char *argv[MAX_ARGS];
	size_t argc = 0, i, len = 0, cap = 65536;
	static const char cmds[] = "info ramblock\nquit\n";
	char *out = malloc(cap);
	int in[2], outp[2], status;
	ssize_t r;
	pid_t pid;

	ck_assert_ptr_nonnull(out);
	/* `timeout` bounds a QEMU that would hang; generous on a busy box */
	argv[argc++] = "timeout";
	argv[argc++] = "120";
	argv[argc++] = "qemu-system-x86_64";
	argv[argc++] = "-machine";
	argv[argc++] = "pc-i440fx-3.1,accel=tcg";
	argv[argc++] = "-nodefaults";
	argv[argc++] = "-S";
	argv[argc++] = "-m";
	argv[argc++] = "16";
	argv[argc++] = "-display";
	argv[argc++] = "none";
	argv[argc++] = "-monitor";
	argv[argc++] = "stdio";
	for (i = 0; i < n; i++) {
		ck_assert_uint_lt(argc + 3, MAX_ARGS);
		argv[argc++] = "-device";
		argv[argc++] = devices[i];
	}
	argv[argc] = NULL;
	ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(outp, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(outp[1], 1);
		dup2(outp[1], 2);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(outp[1]);
	ck_assert_int_eq(write(in[1], cmds, sizeof(cmds) - 1),
			 (ssize_t)sizeof(cmds) - 1);
	close(in[1]);
	while ((r = read(outp[0], out + len, cap - len - 1)) > 0) {
		len += (size_t)r;
		if (cap - len < 1024) {
			cap *= 2;
			out = realloc(out, cap);
			ck_assert_ptr_nonnull(out);
		}
	}
	close(outp[0]);
	out[len] = '\0';
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "QEMU failed (status %d):\n%s", status, out);
	return out;
}

static bool xen_creates(const char *name)
{
	const char *base = strrchr(name, '/');

	if (!strncmp(name, "/rom@", 5))
		return false;
	base = base ? base + 1 : name;
	return strcmp(base, "pc.ram") && strcmp(base, "pc.bios") &&
	       strcmp(base, "pc.rom");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The pages of each block Xen's machine would create, sorted. */
static size_t device_blocks(const char *out, uint64_t *pages)
{
	const char *p = strstr(out, "Block Name");
	char name[128];
	unsigned long long offset, used, total;
	size_t n = 0;

	ck_assert_msg(p, "no info ramblock output:\n%s", out);
	p = strchr(p, '\n');
	while (p && *++p) {
		if (sscanf(p, "%127s %*s %*s %llx %llx %llx", name, &offset,
			   &used, &total) == 4 &&
		    xen_creates(name)) {
			ck_assert_uint_lt(n, MAX_BLOCKS);
			pages[n++] = (total + 4095) / 4096;
		}
		p = strchr(p, '\n');
	}
	qsort(pages, n, sizeof(*pages), cmp_u64);
	return n;
}

/* Plans `req`, runs QEMU with the devices the plan assumes and checks that
 * QEMU's blocks are the plan's items. */
static void assert_plan_matches_qemu(const struct plan_request *req)
{
	static struct plan plan;
	struct plan_error err;
	const char *devices[PLAN_MAX_NICS + 1];
	char vga[128];
	uint64_t want[PLAN_MAX_ITEMS], got[MAX_BLOCKS], sum = 0;
	size_t n = 0, i, ngot;
	char *out;

	ck_assert_msg(plan_compute(req, &plan, &err) == PLAN_OK, "%s",
		      err.message);
	ck_assert_int_eq(plan_vga_device(req, vga, sizeof(vga), &err), PLAN_OK);
	if (vga[0])
		devices[n++] = vga;
	for (i = 0; i < req->nr_nics; i++)
		devices[n++] = plan_nic_device(req->nics[i].model);
	out = qemu_ramblocks(devices, n);
	ngot = device_blocks(out, got);
	for (i = 0; i < plan.nr_items; i++)
		want[i] = plan.items[i].pages;
	qsort(want, plan.nr_items, sizeof(*want), cmp_u64);
	ck_assert_msg(ngot == plan.nr_items,
		      "QEMU made %zu blocks, the plan has %zu items:\n%s", ngot,
		      plan.nr_items, out);
	for (i = 0; i < ngot; i++) {
		ck_assert_uint_eq(got[i], want[i]);
		sum += got[i];
	}
	ck_assert_uint_eq(sum, plan.target_pages);
	free(out);
}

START_TEST(stdvga_alone_matches_qemu)
{
	struct plan_request req = {.memory_mib = 64, .vga = PLAN_VGA_STDVGA};

	assert_plan_matches_qemu(&req);
}
END_TEST

START_TEST(two_e1000_and_stdvga_match_qemu)
{
	struct plan_nic nics[] = {{.model = "e1000"}, {.model = "e1000"}};
	struct plan_request req = {.memory_mib = 64,
				   .vga = PLAN_VGA_STDVGA,
				   .nics = nics,
				   .nr_nics = 2};

	assert_plan_matches_qemu(&req);
}
END_TEST

START_TEST(rtl8139_and_cirrus_match_qemu)
{
	struct plan_nic nic = {.model = "rtl8139"};
	struct plan_request req = {.memory_mib = 64,
				   .vga = PLAN_VGA_CIRRUS,
				   .nics = &nic,
				   .nr_nics = 1};

	assert_plan_matches_qemu(&req);
}
END_TEST

START_TEST(qxl_matches_qemu)
{
	struct plan_request req = {.memory_mib = 512, .vga = PLAN_VGA_QXL};

	assert_plan_matches_qemu(&req);
}
END_TEST

START_TEST(rounded_stdvga_and_large_cirrus_match_qemu)
{
	struct plan_request std = {
	    .memory_mib = 256, .vga = PLAN_VGA_STDVGA, .videoram_mib = 24};
	struct plan_request cirrus = {
	    .memory_mib = 256, .vga = PLAN_VGA_CIRRUS, .videoram_mib = 16};

	assert_plan_matches_qemu(&std);
	assert_plan_matches_qemu(&cirrus);
}
END_TEST

START_TEST(every_nic_model_without_vga_matches_qemu)
{
	static const char *const models[] = {
	    "e1000",	"e1000-82545em", "e1000e",   "rtl8139", "virtio-net",
	    "ne2k_pci", "pcnet",	 "i82559er", "i82551",	"vmxnet3"};
	struct plan_nic nics[sizeof(models) / sizeof(models[0])];
	struct plan_request req = {.memory_mib = 64,
				   .vga = PLAN_VGA_NONE,
				   .nics = nics,
				   .nr_nics =
				       sizeof(models) / sizeof(models[0])};
	size_t i;

	for (i = 0; i < req.nr_nics; i++)
		nics[i] = (struct plan_nic){.model = models[i]};
	assert_plan_matches_qemu(&req);
}
END_TEST

static Suite *plan_qemu_suite(void)
{
	Suite *s = suite_create("plan-qemu");
	TCase *tc = tcase_create("ramblocks");

	/* each test starts one or two QEMUs on a shared, slow machine */
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, stdvga_alone_matches_qemu);
	tcase_add_test(tc, two_e1000_and_stdvga_match_qemu);
	tcase_add_test(tc, rtl8139_and_cirrus_match_qemu);
	tcase_add_test(tc, qxl_matches_qemu);
	tcase_add_test(tc, rounded_stdvga_and_large_cirrus_match_qemu);
	tcase_add_test(tc, every_nic_model_without_vga_matches_qemu);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	return check_main_run(plan_qemu_suite());
}
