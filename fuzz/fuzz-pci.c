/*
 * fuzz-pci.c - dmsup/ops/ops-pci.c: a passthrough request's address and
 * options (`dmctl pci-attach`), and the reader of QEMU's query-pci reply.
 *
 * Input: one byte choosing, then the text. 0: address and options; 1: the
 * address alone; 2: a query-pci reply (JSON) searched for one device id.
 * A parsed address must print back as an address that parses to itself;
 * a refusal must have a message; vdevfn is -1 or slot << 3 | function.
 */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "dmsup/ops/ops-pci.h"
#include "fuzz/fuzz.h"

static void fuzz_parse(const char *s, bool opts_ok)
{
	char err[OPS_PCI_ERR_MAX] = "", addr[16], id[OPS_PCI_ID_MAX];
	struct ops_pci p, again;

	if (ops_pci_parse(s, opts_ok, &p, err)) {
		FUZZ_ASSERT(err[0], "a refusal without a message");
		return;
	}
	FUZZ_ASSERT(p.vslot >= -1 && p.vslot <= 0x1f, "vslot %d", p.vslot);
	FUZZ_ASSERT(p.permissive >= -1 && p.permissive <= 1, "permissive");
	ops_pci_hostaddr(&p, addr);
	ops_pci_id(&p, id);
	FUZZ_ASSERT(ops_pci_parse(addr, false, &again, err) == 0,
		    "printed address %s refused: %s", addr, err);
	FUZZ_ASSERT(again.seg == p.seg && again.bus == p.bus &&
			again.dev == p.dev && again.fn == p.fn,
		    "address %s differs", addr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (data[0] % 3 < 2) {
		fuzz_parse(s, data[0] % 3 == 0);
	} else {
		struct json_object *o = json_tokener_parse(s);
		int v = ops_pci_vdevfn(o, "pci-pt-0000_03_00.0");

		FUZZ_ASSERT(v >= -1 && v <= 0xff, "vdevfn %d", v);
		json_object_put(o);
	}
	free(s);
	return 0;
}
