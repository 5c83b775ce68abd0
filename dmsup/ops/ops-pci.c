/*
 * Passthrough addresses and options (see ops-pci.h). Strict on purpose:
 * an option dmsup cannot carry to QEMU is refused by name rather than
 * dropped, so a user never believes a setting applied that did not.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "dmsup/ops/ops-pci.h"

#define OPS_PCI_PAGE 4096u
#define OPS_PCI_ROM_LINE 6 /* PCI_ROM_RESOURCE: the 7th line */
#define OPS_PCI_OPT_MAX 64

/* Exactly @n hex digits at @s. */
static bool ops_pci_hex(const char *s, size_t n, unsigned int *v_r)
{
	char buf[8];
	char *end;

	if (n >= sizeof(buf) || strspn(s, "0123456789abcdefABCDEF") < n)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*v_r = (unsigned int)strtoul(buf, &end, 16);
	return true;
}

/* [DDDD:]BB:DD.F: the length of the address at @s, or 0. */
static size_t ops_pci_addr(const char *s, struct ops_pci *p)
{
	size_t off = 0;

	p->seg = 0;
	if (strlen(s) >= 12 && s[4] == ':' && s[7] == ':') {
		if (!ops_pci_hex(s, 4, &p->seg))
			return 0;
		off = 5;
	}
	s += off;
	if (!ops_pci_hex(s, 2, &p->bus) || s[2] != ':' ||
	    !ops_pci_hex(s + 3, 2, &p->dev) || s[5] != '.' ||
	    !ops_pci_hex(s + 6, 1, &p->fn) || p->dev > 0x1f || p->fn > 7)
		return 0;
	return off + 7;
}

static int ops_pci_option(const char *opt, struct ops_pci *p,
			  char err[OPS_PCI_ERR_MAX])
{
	const char *eq = strchr(opt, '=');
	size_t klen = eq ? (size_t)(eq - opt) : strlen(opt);
	const char *v = eq ? eq + 1 : "";
	unsigned long n;
	char *end;

	if (klen == 5 && !strncmp(opt, "vslot", 5)) {
		errno = 0;
		n = strtoul(v, &end, 16);
		if (!*v || *end || errno || n > 0x1f) {
			snprintf(err, OPS_PCI_ERR_MAX,
				 "vslot '%.16s' is not a slot (hex, 0 to 1f)",
				 v);
			return -1;
		}
		if (p->vslot >= 0)
			goto twice;
		p->vslot = (int)n;
		return 0;
	}
	if (klen == 10 && !strncmp(opt, "permissive", 10)) {
		if (strcmp(v, "0") && strcmp(v, "1")) {
			snprintf(err, OPS_PCI_ERR_MAX,
				 "permissive '%.16s' is not 0 or 1", v);
			return -1;
		}
		if (p->permissive >= 0)
			goto twice;
		p->permissive = *v == '1';
		return 0;
	}
	snprintf(err, OPS_PCI_ERR_MAX,
		 "unknown option '%.*s' (dmsup knows vslot=, permissive=)",
		 (int)(klen > 32 ? 32 : klen), opt);
	return -1;
twice:
	snprintf(err, OPS_PCI_ERR_MAX, "option '%.*s' given twice", (int)klen,
		 opt);
	return -1;
}

int ops_pci_parse(const char *s, bool opts_ok, struct ops_pci *p,
		  char err[OPS_PCI_ERR_MAX])
{
	char opt[OPS_PCI_OPT_MAX + 1];
	size_t n = ops_pci_addr(s, p);

	p->vslot = p->permissive = -1;
	if (!n || (s[n] && s[n] != ',')) {
		snprintf(err, OPS_PCI_ERR_MAX,
			 "'%.32s' is not a PCI address like 0000:03:00.0", s);
		return -1;
	}
	if (s[n] && !opts_ok) {
		snprintf(err, OPS_PCI_ERR_MAX,
			 "options are not taken here: '%.32s'", s + n + 1);
		return -1;
	}
	for (s += n; *s; s += n) {
		s++; /* the comma */
		n = strcspn(s, ",");
		if (!n || n > OPS_PCI_OPT_MAX) {
			snprintf(err, OPS_PCI_ERR_MAX, "%s option",
				 n ? "overlong" : "empty");
			return -1;
		}
		memcpy(opt, s, n);
		opt[n] = '\0';
		if (ops_pci_option(opt, p, err))
			return -1;
	}
	return 0;
}

void ops_pci_id(const struct ops_pci *p, char id[OPS_PCI_ID_MAX])
{
	/* libxl names it by bus, device, function; the segment too here,
	 * so two segments never share an id. */
	snprintf(id, OPS_PCI_ID_MAX, "pci-pt-%04x_%02x_%02x.%x",
		 p->seg & 0xffff, p->bus & 0xff, p->dev & 0x1f, p->fn & 7);
}

void ops_pci_hostaddr(const struct ops_pci *p, char addr[16])
{
	snprintf(addr, 16, "%04x:%02x:%02x.%x", p->seg & 0xffff, p->bus & 0xff,
		 p->dev & 0x1f, p->fn & 7);
}

int ops_pci_rom_pages(const char *sysfs, const struct ops_pci *p,
		      uint64_t *pages_r)
{
	char path[256], addr[16], line[128];
	uint64_t start, end, flags;
	FILE *f;
	int i, rc = -1;

	ops_pci_hostaddr(p, addr);
	snprintf(path, sizeof(path), "%s/%s/resource", sysfs, addr);
	if (!(f = fopen(path, "re")))
		return -1;
	for (i = 0; i <= OPS_PCI_ROM_LINE; i++)
		if (!fgets(line, sizeof(line), f))
			goto out;
	if (sscanf(line, "%" SCNx64 " %" SCNx64 " %" SCNx64, &start, &end,
		   &flags) != 3 ||
	    end < start)
		goto out;
	*pages_r = !start && !end ? 0 : (end - start) / OPS_PCI_PAGE + 1;
	rc = 0;
out:
	fclose(f);
	return rc;
}

int ops_pci_vdevfn(struct json_object *ret, const char *id)
{
	size_t nb = json_object_is_type(ret, json_type_array)
			? json_object_array_length(ret)
			: 0;

	for (size_t i = 0; i < nb && i < 256; i++) {
		struct json_object *bus = json_object_array_get_idx(ret, i);
		struct json_object *devs, *v;
		size_t nd;

		if (!json_object_object_get_ex(bus, "devices", &devs) ||
		    !json_object_is_type(devs, json_type_array))
			continue;
		nd = json_object_array_length(devs);
		for (size_t j = 0; j < nd && j < 256; j++) {
			struct json_object *dev =
			    json_object_array_get_idx(devs, j);
			int slot, fn;

			if (!json_object_object_get_ex(dev, "qdev_id", &v) ||
			    !json_object_is_type(v, json_type_string) ||
			    strcmp(json_object_get_string(v), id))
				continue;
			slot = json_object_object_get_ex(dev, "slot", &v)
				   ? json_object_get_int(v)
				   : -1;
			fn = json_object_object_get_ex(dev, "function", &v)
				 ? json_object_get_int(v)
				 : -1;
			if (slot < 0 || slot > 0x1f || fn < 0 || fn > 7)
				return -1;
			return slot << 3 | fn;
		}
	}
	return -1;
}
