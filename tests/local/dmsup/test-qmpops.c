/* pci-attach, pci-detach, save and resume over QMP (kind dom0) on a real
 * QEMU without Xen: what the user sees, and what QEMU then reports. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/local/dmsup/harness.h"

/* dmsup's reply to the request @json, as a client other than dmctl reads
 * it (the step is there, not in dmctl's message). */
static char *reply_to(const char *json)
{
	int fd = h_connect();
	size_t len = strlen(json), got = 0;
	unsigned char hdr[4] = {len >> 24, len >> 16, len >> 8, len};
	char *buf = calloc(1, 4096);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, hdr, 4), 4);
	ck_assert_int_eq(write(fd, json, len), (ssize_t)len);
	shutdown(fd, SHUT_WR);
	while ((n = read(fd, buf + got, 4095 - got)) > 0)
		got += (size_t)n;
	close(fd);
	ck_assert_uint_gt(got, 4);
	memmove(buf, buf + 4, got - 4);
	buf[got - 4] = '\0';
	return buf;
}

START_TEST(save_pauses_qemu_and_leaves_its_device_state_in_a_file)
{
	char *cfg = h_start_pc(), *out, path[400];
	struct stat st;

	snprintf(path, sizeof(path), "%s/vm1.save", H.state);
	ck_assert_int_eq(h_dmctl(&out, NULL, "save", "vm1", NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "device model paused"));
	ck_assert_ptr_nonnull(strstr(out, path));
	free(out);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_gt(st.st_size, 0);
	out = h_qmp_json("vm1", "query-status");
	ck_assert_ptr_nonnull(strstr(out, "\"status\":\"paused\""));
	free(out);
	ck_assert_int_eq(h_dmctl(&out, NULL, "--json", "status", "vm1", NULL),
			 0);
	ck_assert_msg(strstr(out, "\"paused\":true"),
		      "dmctl status does not say paused: %s", out);
	free(out);
	free(cfg);
}
END_TEST

/* The text says what --json says: paused, in status and in the table. */
START_TEST(text_status_and_list_say_paused_after_save)
{
	char *cfg = h_start_pc(), *out;

	ck_assert_int_eq(h_dmctl(NULL, NULL, "save", "vm1", NULL), 0);
	ck_assert_int_eq(h_dmctl(&out, NULL, "status", "vm1", NULL), 0);
	ck_assert_msg(strstr(out, "\nstate    running\npaused   true\n"),
		      "dmctl status does not say paused: %s", out);
	free(out);
	ck_assert_int_eq(h_dmctl(&out, NULL, "list", NULL), 0);
	ck_assert_msg(strstr(out, "     11  paused "),
		      "dmctl list does not say paused: %s", out);
	free(out);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "resume", "vm1", NULL), 0);
	ck_assert_int_eq(h_dmctl(&out, NULL, "status", "vm1", NULL), 0);
	ck_assert_msg(!strstr(out, "paused"), "still paused: %s", out);
	free(out);
	free(cfg);
}
END_TEST

/* Every member of the JSON status is in the text one (started as the
 * uptime, log_tail as its block). */
START_TEST(text_status_shows_every_member_of_the_json_one)
{
	char *cfg = h_start_pc(), *out;
	struct json_object *st = h_status("vm1");

	ck_assert_int_eq(h_dmctl(&out, NULL, "status", "vm1", NULL), 0);
	json_object_object_foreach(st, key, val)
	{
		char line[128];
		(void)val;
		snprintf(line, sizeof(line), "\n%-8s ",
			 strcmp(key, "started") ? key : "uptime");
		ck_assert_msg(strstr(out, line) ||
				  !strncmp(out, line + 1, strlen(line) - 1),
			      "text status lacks %s: %s", key, out);
	}
	json_object_put(st);
	free(out);
	free(cfg);
}
END_TEST

START_TEST(resume_after_save_lets_qemu_run_again)
{
	char *cfg = h_start_pc(), *out;

	ck_assert_int_eq(h_dmctl(NULL, NULL, "save", "vm1", NULL), 0);
	ck_assert_int_eq(h_dmctl(&out, NULL, "resume", "vm1", NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "vm1: resume done"));
	free(out);
	out = h_qmp_json("vm1", "query-status");
	ck_assert_ptr_nonnull(strstr(out, "\"status\":\"running\""));
	free(out);
	ck_assert_int_eq(h_dmctl(&out, NULL, "--json", "status", "vm1", NULL),
			 0);
	ck_assert_msg(!strstr(out, "\"paused\""),
		      "dmctl status still says paused: %s", out);
	free(out);
	free(cfg);
}
END_TEST

START_TEST(pci_attach_without_xen_fails_at_qmp_with_qemus_error)
{
	char *cfg = h_start_pc(), *err, *out;

	ck_assert_int_eq(h_dmctl(NULL, &err, "pci-attach", "vm1",
				 "0000:00:1f.7,vslot=5", NULL),
			 1);
	ck_assert_ptr_nonnull(strstr(err, "vm1 (domid 11): qmp: device_add: "));
	ck_assert_ptr_nonnull(strstr(
	    err, "'xen-pci-passthrough' is not a valid device model name"));
	free(err);
	/* QEMU is still there and answers. */
	out = h_qmp_json("vm1", "query-status");
	ck_assert_ptr_nonnull(strstr(out, "\"status\":\"running\""));
	free(out);
	free(cfg);
}
END_TEST

START_TEST(pci_attach_refuses_unknown_options_by_name)
{
	char *cfg = h_start_pc(), *err;

	h_dmctl_refused("unknown option 'msitrans'", "pci-attach", "vm1",
			"0000:03:00.0,msitrans=1", NULL);
	err = reply_to("{\"cmd\": \"pci-attach\", \"domain\": \"vm1\", "
		       "\"bdf\": \"03:00.0,rdm_policy=strict\"}");
	ck_assert_msg(strstr(err, "\"step\":\"request\""), "%s", err);
	ck_assert_ptr_nonnull(strstr(err, "unknown option 'rdm_policy'"));
	free(err);
	h_dmctl_refused("vslot '20' is not a slot", "pci-attach", "vm1",
			"0000:03:00.0,vslot=20", NULL);
	free(cfg);
}
END_TEST

START_TEST(pci_detach_of_a_device_never_attached_fails_at_qmp)
{
	char *cfg = h_start_pc(), *err;

	ck_assert_int_eq(
	    h_dmctl(NULL, &err, "pci-detach", "vm1", "03:00.0", NULL), 1);
	ck_assert_ptr_nonnull(strstr(err, "qmp: device_del: DeviceNotFound"));
	ck_assert_ptr_nonnull(strstr(err, "pci-pt-0000_03_00.0"));
	free(err);
	free(cfg);
}
END_TEST

START_TEST(save_of_a_stopped_domain_fails_naming_its_state)
{
	char *cfg = h_start_pc();

	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "vm1", NULL), 0);
	h_dmctl_refused("is stopped, not running", "save", "vm1", NULL);
	free(cfg);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    save_pauses_qemu_and_leaves_its_device_state_in_a_file,
	    resume_after_save_lets_qemu_run_again,
	    text_status_and_list_say_paused_after_save,
	    text_status_shows_every_member_of_the_json_one,
	    pci_attach_without_xen_fails_at_qmp_with_qemus_error,
	    pci_attach_refuses_unknown_options_by_name,
	    pci_detach_of_a_device_never_attached_fails_at_qmp,
	    save_of_a_stopped_domain_fails_naming_its_state,
	};

	return h_main("dmsup-qmpops", NULL, tests,
		      sizeof(tests) / sizeof(*tests));
}
