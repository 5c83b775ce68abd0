/* NIC hotplug through dmsup on a real QEMU without Xen (no page limit, so
 * nothing is asked of a toolstack): what QEMU lists, and the errors. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tests/local/dmsup/harness.h"

START_TEST(nic_attach_adds_the_nic_with_its_id_and_mac)
{
	char *cfg = h_start_pc(), *out;

	ck_assert_int_eq(h_dmctl(&out, NULL, "nic-attach", "vm1",
				 "e1000,mac=00:16:3e:00:00:11,id=nic1", NULL),
			 0);
	ck_assert_ptr_nonnull(strstr(out, "NIC nic1 (e1000) added, 64 pages"));
	free(out);
	out = h_qmp_json("vm1", "query-pci");
	ck_assert_ptr_nonnull(strstr(out, "\"qdev_id\":\"nic1\""));
	free(out);
	ck_assert_int_eq(h_dmctl(&out, NULL, "qmp", "vm1",
				 "human-monitor-command",
				 "{\"command-line\": \"info network\"}", NULL),
			 0);
	ck_assert_ptr_nonnull(strstr(out, "00:16:3e:00:00:11"));
	free(out);
	free(cfg);
}
END_TEST

START_TEST(nic_attach_without_id_names_it)
{
	char *cfg = h_start_pc(), *out;

	ck_assert_int_eq(
	    h_dmctl(&out, NULL, "nic-attach", "vm1", "virtio-net", NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "NIC hotnic0 (virtio-net-pci)"));
	free(out);
	out = h_qmp_json("vm1", "query-pci");
	ck_assert_ptr_nonnull(strstr(out, "\"qdev_id\":\"hotnic0\""));
	free(out);
	free(cfg);
}
END_TEST

START_TEST(nic_attach_of_an_unknown_model_fails_at_memory)
{
	char *cfg = h_start_pc(), *err;

	ck_assert_int_eq(
	    h_dmctl(NULL, &err, "nic-attach", "vm1", "tulip", NULL), 1);
	ck_assert_ptr_nonnull(strstr(
	    err, "vm1 (domid 11): memory: cannot plan the NIC: unknown NIC"));
	free(err);
	free(cfg);
}
END_TEST

START_TEST(nic_attach_of_a_used_id_fails_at_qmp)
{
	char *cfg = h_start_pc(), *err;

	ck_assert_int_eq(
	    h_dmctl(NULL, NULL, "nic-attach", "vm1", "e1000,id=n", NULL), 0);
	ck_assert_int_eq(
	    h_dmctl(NULL, &err, "nic-attach", "vm1", "rtl8139,id=n", NULL), 1);
	ck_assert_ptr_nonnull(strstr(err, "vm1 (domid 11): qmp: "));
	ck_assert_ptr_nonnull(strstr(err, "Duplicate"));
	free(err);
	free(cfg);
}
END_TEST

START_TEST(nic_attach_refuses_bad_options_and_ids)
{
	char *cfg = h_start_pc(), *err;

	ck_assert_int_eq(
	    h_dmctl(NULL, &err, "nic-attach", "vm1", "e1000,rom=x", NULL), 2);
	ck_assert_ptr_nonnull(strstr(err, "unknown option 'rom=x'"));
	free(err);
	h_dmctl_refused("id 'Nic' is not valid", "nic-attach", "vm1",
			"e1000,id=Nic", NULL);
	h_dmctl_refused("mac '00:16:3e:00:00' is not valid", "nic-attach",
			"vm1", "e1000,mac=00:16:3e:00:00", NULL);
	free(cfg);
}
END_TEST

START_TEST(nic_detach_asks_qemu_and_an_unknown_id_fails_at_qmp)
{
	char *cfg = h_start_pc();

	ck_assert_int_eq(
	    h_dmctl(NULL, NULL, "nic-attach", "vm1", "e1000,id=nic1", NULL), 0);
	ck_assert_int_eq(h_dmctl(NULL, NULL, "nic-detach", "vm1", "nic1", NULL),
			 0);
	h_dmctl_refused("qmp: DeviceNotFound", "nic-detach", "vm1", "nic9",
			NULL);
	free(cfg);
}
END_TEST

START_TEST(nic_attach_on_a_stopped_domain_fails)
{
	char *cfg = h_start_pc();

	ck_assert_int_eq(h_dmctl(NULL, NULL, "stop", "vm1", NULL), 0);
	h_dmctl_refused("is stopped, not running", "nic-attach", "vm1", "e1000",
			NULL);
	free(cfg);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    nic_attach_adds_the_nic_with_its_id_and_mac,
	    nic_attach_without_id_names_it,
	    nic_attach_of_an_unknown_model_fails_at_memory,
	    nic_attach_of_a_used_id_fails_at_qmp,
	    nic_attach_refuses_bad_options_and_ids,
	    nic_detach_asks_qemu_and_an_unknown_id_fails_at_qmp,
	    nic_attach_on_a_stopped_domain_fails,
	};

	return h_main("dmsup-hotplug", NULL, tests,
		      sizeof(tests) / sizeof(*tests));
}
