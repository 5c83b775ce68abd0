/* pci-detach waits for QEMU's DEVICE_DELETED (dmsup/ops/pcidel.c), on a real
 * QEMU without Xen (machine pc: ACPI PCI hotplug). No xen-pci-passthrough
 * here, so an emulated pci-testdev stands in for the passed-through device:
 * it is added under the id pci-attach gives 0000:03:00.0, and pci-detach
 * removes it by the same path it takes for a real one. No guest OS runs:
 * the test itself does what the guest's ACPI _EJ0 does, a write of the
 * slot's bit to PIIX4's eject register (port 0xae08), through HMP. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/local/dmsup/harness.h"

#define PT_ID "pci-pt-0000_03_00.0"
#define PT_SLOT 5

/* Adds the stand-in at slot PT_SLOT as pci-attach would name it. */
static void add_device(void)
{
	char *err = NULL;
	int rc = h_dmctl(NULL, &err, "qmp", "vm1", "device_add",
			 "{\"driver\": \"pci-testdev\", \"id\": \"" PT_ID
			 "\", \"addr\": \"5.0\"}",
			 NULL);

	ck_assert_msg(rc == 0, "device_add failed: %s", err);
	free(err);
}

static bool listed(void)
{
	char *out = h_qmp_json("vm1", "query-pci");
	bool there = strstr(out, "\"qdev_id\":\"" PT_ID "\"") != NULL;

	free(out);
	return there;
}

/* An HMP command through dmctl qmp; its output, malloc'd. */
static char *hmp(const char *line)
{
	char args[128], *out;

	snprintf(args, sizeof(args), "{\"command-line\": \"%s\"}", line);
	ck_assert_int_eq(h_dmctl(&out, NULL, "qmp", "vm1",
				 "human-monitor-command", args, NULL),
			 0);
	return out;
}

/* Whether the unplug of PT_SLOT was asked of the guest: PIIX4's
 * "down" register (port 0xae04) has its bit. */
static bool unplug_asked(void)
{
	char *out = hmp("i /w 0xae04");
	const char *eq = strstr(out, "= 0x");
	bool asked = eq && (strtoul(eq + 2, NULL, 16) & (1u << PT_SLOT));

	free(out);
	return asked;
}

/* Waits (up to H_TIMEOUT) until QEMU asked the guest for the unplug;
 * polls QEMU's register, the only place that tells it. */
static bool wait_unplug_asked(void)
{
	const struct timespec tick = {.tv_nsec = 20 * 1000 * 1000};

	for (int i = 0; i < H_TIMEOUT * 50; i++) {
		if (unplug_asked())
			return true;
		nanosleep(&tick, NULL);
	}
	return false;
}

/* What the guest's OS does once it released the device. */
static void guest_ejects(void)
{
	char line[64];

	snprintf(line, sizeof(line), "o /w 0xae08 0x%x", 1u << PT_SLOT);
	free(hmp(line));
}

/* Exit status of the background dmctl @pid, its output read from @fd. */
static int bg_status(pid_t pid, int fd, char **out_r)
{
	char buf[4096];
	ssize_t n;
	size_t len = 0;
	int status;

	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	*out_r = strdup(buf);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

START_TEST(pci_detach_says_done_only_once_qemu_deleted_the_device)
{
	char *cfg = h_start_pc(), *out;
	int fd;
	pid_t pid;

	add_device();
	ck_assert(listed());
	pid = h_dmctl_bg(&fd, "pci-detach", "-w", "60", "vm1", "03:00.0", NULL);
	ck_assert_msg(wait_unplug_asked(), "QEMU never asked the guest");
	/* Asked, not released: dmctl is still waiting, the device there. */
	ck_assert(h_alive(pid));
	ck_assert(listed());
	guest_ejects();
	ck_assert_int_eq(bg_status(pid, fd, &out), 0);
	ck_assert_msg(strstr(out, "vm1: pci-detach 03:00.0 done"), "%s", out);
	free(out);
	ck_assert_msg(!listed(), "query-pci still lists " PT_ID);
	free(cfg);
}
END_TEST

/* The id is free again once detach said done: no "Duplicate device ID". */
START_TEST(a_device_detached_can_be_attached_again)
{
	char *cfg = h_start_pc(), *out;
	int fd;
	pid_t pid;

	add_device();
	pid = h_dmctl_bg(&fd, "pci-detach", "vm1", "0000:03:00.0", NULL);
	ck_assert(wait_unplug_asked());
	guest_ejects();
	ck_assert_int_eq(bg_status(pid, fd, &out), 0);
	free(out);
	add_device();
	ck_assert(listed());
	free(cfg);
}
END_TEST

START_TEST(a_guest_that_never_releases_it_gets_the_timeout_naming_it)
{
	char *cfg = h_start_pc(), *err;

	add_device();
	ck_assert_int_eq(h_dmctl(NULL, &err, "pci-detach", "--wait", "1", "vm1",
				 "03:00.0", NULL),
			 1);
	ck_assert_msg(strstr(err, "domain vm1 (domid 11): wait: device " PT_ID
				  " (0000:03:00.0) not deleted by QEMU within "
				  "1 s: the guest has not released it"),
		      "%s", err);
	free(err);
	/* Still there, and still pending: the guest may release it. */
	ck_assert(listed());
	ck_assert(unplug_asked());
	free(cfg);
}
END_TEST

START_TEST(a_wait_out_of_range_is_refused)
{
	char *cfg = h_start_pc();

	h_dmctl_refused("wait is pci-detach's, in seconds from 1 to 3600",
			"pci-detach", "-w", "0", "vm1", "03:00.0", NULL);
	h_dmctl_refused("wait is pci-detach's, in seconds from 1 to 3600",
			"pci-detach", "-w", "3601", "vm1", "03:00.0", NULL);
	free(cfg);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    pci_detach_says_done_only_once_qemu_deleted_the_device,
	    a_device_detached_can_be_attached_again,
	    a_guest_that_never_releases_it_gets_the_timeout_naming_it,
	    a_wait_out_of_range_is_refused,
	};

	return h_main("dmsup-pcidetach", NULL, tests,
		      sizeof(tests) / sizeof(*tests));
}
