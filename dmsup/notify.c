/* Readiness for systemd (see notify.h). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "dmsup/log.h"
#include "dmsup/notify.h"

#define NOTIFY_READY "READY=1"

/* @path into @sun; its address length, or 0 if it is no unix address. */
static socklen_t notify_address(const char *path, struct sockaddr_un *sun)
{
	size_t len = strlen(path);

	if ((path[0] != '/' && path[0] != '@') || len < 2 ||
	    len >= sizeof(sun->sun_path))
		return 0;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, len);
	/* "@name": the abstract namespace, whose names start with a NUL
	 * and are as long as the address says (no terminator). */
	if (path[0] == '@') {
		sun->sun_path[0] = '\0';
		return (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
				   len);
	}
	return (socklen_t)sizeof(*sun);
}

/* Blocking, once, before the loop runs: as sd_notify itself does. */
static int notify_send(const char *path, const char *msg)
{
	struct sockaddr_un sun;
	socklen_t len = notify_address(path, &sun);
	int fd, r;

	if (!len) {
		log_warnx("notify: NOTIFY_SOCKET=%s is no unix socket address",
			  path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_warn("notify: socket");
		return -1;
	}
	r = (int)sendto(fd, msg, strlen(msg), MSG_NOSIGNAL,
			(struct sockaddr *)&sun, len);
	if (r < 0)
		log_warn("notify: %s", path);
	close(fd);
	return r < 0 ? -1 : 1;
}

int notify_ready(void)
{
	const char *env = getenv("NOTIFY_SOCKET");
	char *path;
	int rc;

	if (!env || !*env)
		return 0;
	path = strdup(env);
	unsetenv("NOTIFY_SOCKET");
	if (!path) {
		log_warnx("notify: out of memory");
		return -1;
	}
	rc = notify_send(path, NOTIFY_READY);
	if (rc > 0)
		log_info("notify: %s sent", NOTIFY_READY);
	free(path);
	return rc;
}
