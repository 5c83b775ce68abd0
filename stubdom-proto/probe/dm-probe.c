/*
 * stubdom-probe: a diagnostic shipped in the stub image (/usr/bin/dm-probe):
 * tries, from inside the stub, the first hypercalls QEMU makes for its
 * target, and prints each one's result, so that a device model that cannot
 * start in a stub says which privilege is missing.
 *
 *   dm-probe TARGET_DOMID
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>
#include <xendevicemodel.h>
#include <xen/hvm/params.h>

int main(int argc, char **argv)
{
	xendevicemodel_handle *dm;
	xc_interface *xch;
	ioservid_t id = 0;
	uint64_t val = 0;
	unsigned int vcpus = 0;
	uint32_t target;
	int r;

	if (argc != 2)
		return 2;
	target = (uint32_t)strtoul(argv[1], NULL, 10);
	xch = xc_interface_open(NULL, NULL, 0);
	dm = xendevicemodel_open(NULL, 0);
	if (!xch || !dm) {
		printf("dm-probe: open: %s\n", strerror(errno));
		return 1;
	}
	r = xc_hvm_param_get(xch, target, HVM_PARAM_STORE_EVTCHN, &val);
	printf("dm-probe: hvm_param_get(%u): %d %s\n", target, r,
	       r ? strerror(errno) : "ok");
	r = xendevicemodel_nr_vcpus(dm, target, &vcpus);
	printf("dm-probe: dm_op nr_vcpus(%u): %d %s (%u)\n", target, r,
	       r ? strerror(errno) : "ok", vcpus);
	r = xendevicemodel_create_ioreq_server(dm, target, 1, &id);
	printf("dm-probe: dm_op create_ioreq_server(%u): %d %s (id %u)\n",
	       target, r, r ? strerror(errno) : "ok", id);
	if (!r)
		xendevicemodel_destroy_ioreq_server(dm, target, id);
	return 0;
}
