/* pci-attach's checks of the host device under Xen (dmsup/ops/ops-pci-xen.c):
 * a sysfs tree made by the test, and xc_test_assign_device's answers. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dmsup/ops/ops-pci-xen.h"
#include "tests/unit/dmsup/run.h"

static char root[64], devices[96];

/* A device directory under the test's sysfs; bound to @driver (NULL:
 * none) through a driver link as the kernel makes it. */
static void device(const char *addr, const char *driver)
{
	char path[256], target[256];

	snprintf(path, sizeof(path), "%s/%s", devices, addr);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	if (!driver)
		return;
	snprintf(path, sizeof(path), "%s/%s/driver", devices, addr);
	snprintf(target, sizeof(target), "../../../bus/pci/drivers/%s", driver);
	ck_assert_int_eq(symlink(target, path), 0);
}

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/test-pcixen.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(devices, sizeof(devices), "%s/devices", root);
	ck_assert_int_eq(mkdir(devices, 0755), 0);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	ck_assert_int_eq(system(cmd), 0);
}

static struct ops_pci pci(const char *bdf)
{
	struct ops_pci p;
	char err[OPS_PCI_ERR_MAX];

	ck_assert_int_eq(ops_pci_parse(bdf, false, &p, err), 0);
	return p;
}

START_TEST(a_device_bound_to_pciback_passes_the_host_check)
{
	struct ops_pci p = pci("0000:03:00.0");
	char err[OPS_PCI_ERR_MAX];

	device("0000:03:00.0", "pciback");
	ck_assert_int_eq(ops_pci_xen_host(devices, &p, err), 0);
}
END_TEST

START_TEST(a_device_that_is_not_there_is_refused_naming_it)
{
	struct ops_pci p = pci("03:00.0");
	char err[OPS_PCI_ERR_MAX];

	device("0000:04:00.0", "pciback");
	ck_assert_int_eq(ops_pci_xen_host(devices, &p, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "no PCI device 0000:03:00.0 in "));
	ck_assert_ptr_nonnull(strstr(err, devices));
}
END_TEST

START_TEST(a_device_of_another_driver_is_refused_naming_the_driver)
{
	struct ops_pci p = pci("0000:00:19.0");
	char err[OPS_PCI_ERR_MAX];

	device("0000:00:19.0", "e1000e");
	ck_assert_int_eq(ops_pci_xen_host(devices, &p, err), -1);
	ck_assert_str_eq(err, "0000:00:19.0 is bound to e1000e, not pciback "
			      "(xl pci-assignable-add 0000:00:19.0 binds it)");
}
END_TEST

START_TEST(a_device_without_a_driver_is_refused_too)
{
	struct ops_pci p = pci("0000:00:01.0");
	char err[OPS_PCI_ERR_MAX];

	device("0000:00:01.0", NULL);
	ck_assert_int_eq(ops_pci_xen_host(devices, &p, err), -1);
	ck_assert_ptr_nonnull(
	    strstr(err, "is bound to no driver, not pciback"));
}
END_TEST

/* A file where the device's directory should be is no device. */
START_TEST(a_file_in_place_of_the_device_is_no_device)
{
	struct ops_pci p = pci("0000:03:00.0");
	char err[OPS_PCI_ERR_MAX], path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/0000:03:00.0", devices);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fclose(f);
	ck_assert_int_eq(ops_pci_xen_host(devices, &p, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "no PCI device 0000:03:00.0"));
}
END_TEST

/* Xen's test_assign_device is "already assigned" (EINVAL) once the
 * toolstack assigned it: the one answer that lets device_add go. */
START_TEST(only_an_assigned_device_passes_the_assignment_check)
{
	struct ops_pci p = pci("0000:03:00.0");
	char err[OPS_PCI_ERR_MAX];

	ck_assert_int_eq(ops_pci_xen_assigned(-1, EINVAL, 5, &p, err), 0);
	ck_assert_int_eq(ops_pci_xen_assigned(0, 0, 5, &p, err), -1);
	ck_assert_str_eq(err, "0000:03:00.0 is assignable but not assigned to "
			      "domain 5 (the toolstack assigns it first: "
			      "xc_assign_device)");
	ck_assert_int_eq(ops_pci_xen_assigned(-1, EOPNOTSUPP, 5, &p, err), -1);
	ck_assert_ptr_nonnull(strstr(
	    err, "0000:03:00.0 cannot be assigned to domain 5: the domain "
		 "has no IOMMU"));
	ck_assert_int_eq(ops_pci_xen_assigned(-1, EPERM, 5, &p, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "xc_test_assign_device of "
					  "0000:03:00.0 for domain 5: "));
	ck_assert_ptr_nonnull(strstr(err, strerror(EPERM)));
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    a_device_bound_to_pciback_passes_the_host_check,
	    a_device_that_is_not_there_is_refused_naming_it,
	    a_device_of_another_driver_is_refused_naming_the_driver,
	    a_device_without_a_driver_is_refused_too,
	    a_file_in_place_of_the_device_is_no_device,
	    only_an_assigned_device_passes_the_assignment_check,
	};

	return run_suite("dmsup-pcixen", setup, teardown, tests,
			 sizeof(tests) / sizeof(*tests));
}
