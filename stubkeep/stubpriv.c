/* The stub keeper drops what it does not need (stubpriv.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "stubkeep/stubpriv.h"

int stubpriv_drop(bool keep_net_admin, char *err, size_t len)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2] = {{0}};
	struct rlimit none = {0, 0};
	const char *step = NULL;

	/* Up to the first capability this kernel does not know. */
	for (int c = 0; c <= 63 && !step; c++)
		if (!(keep_net_admin && c == CAP_NET_ADMIN) &&
		    prctl(PR_CAPBSET_DROP, c, 0, 0, 0) && errno != EINVAL)
			step = "PR_CAPBSET_DROP";
	if (keep_net_admin)
		d[0].effective = d[0].permitted = 1u << CAP_NET_ADMIN;
	if (!step && syscall(SYS_capset, &h, d))
		step = "capset";
	if (!step && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		step = "PR_SET_NO_NEW_PRIVS";
	if (!step && setrlimit(RLIMIT_CORE, &none))
		step = "RLIMIT_CORE";
	if (step)
		snprintf(err, len, "dropping privileges: %s: %s", step,
			 strerror(errno));
	return step ? -1 : 0;
}
