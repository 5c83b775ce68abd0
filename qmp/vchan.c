/*
 * The parts of the vchan transport that need no Xen: address parsing and
 * the bookkeeping around libxenvchan's return values (see
 * transport-vchan.h). Unit-tested in tests/unit/qmp/test-qmp-vchan.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "qmp/qmp.h"
#include "qmp/transport-vchan.h"
#include "qmp/transport.h"

int qmp_vchan_parse_address(const char *addr, int *domid_r,
			    const char **xs_path_r)
{
	static const char prefix[] = "vchan:";
	const char *p = addr + sizeof(prefix) - 1;
	char *end;
	long domid;

	if (strncmp(addr, prefix, sizeof(prefix) - 1))
		return 0;
	if (*p < '0' || *p > '9')
		return QMP_E_INVAL;
	errno = 0;
	domid = strtol(p, &end, 10);
	if (errno || *end != ':' || domid > QMP_VCHAN_DOMID_MAX)
		return QMP_E_INVAL;
	p = end + 1;
	if (*p != '/' || strlen(p) > QMP_VCHAN_XS_PATH_MAX)
		return QMP_E_INVAL;
	*domid_r = (int)domid;
	*xs_path_r = p;
	return 1;
}

int qmp_vchan_ready_mask(int data_ready, int buffer_space, int is_open,
			 int want_write)
{
	int what = 0;

	if (data_ready > 0 || !is_open)
		what |= QMP_TRANSPORT_READ;
	if (want_write && (buffer_space > 0 || !is_open))
		what |= QMP_TRANSPORT_WRITE;
	return what;
}

ssize_t qmp_vchan_io_result(int r, int is_open, int is_write)
{
	if (r > 0)
		return r;
	if (!is_open) {
		/* Bytes the peer wrote before it went are read first:
		 * libxenvchan only reports a close once the ring is empty. */
		if (!is_write)
			return 0;
		errno = EPIPE;
		return -1;
	}
	errno = r == 0 ? EAGAIN : EIO;
	return -1;
}

int qmp_vchan_ring_fresh(uint32_t client_prod, uint32_t client_cons)
{
	return client_prod == 0 && client_cons == 0;
}
