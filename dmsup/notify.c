/* Readiness for systemd (see notify.h). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "dmsup/dmsup.h"
#include "dmsup/domain.h"
#include "dmsup/lifecycle.h"
#include "dmsup/log.h"
#include "dmsup/notify.h"

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

/* The socket, kept from $NOTIFY_SOCKET; NULL when none. */
static char *notify_path;

/* One datagram, never blocking: a full queue loses it (logged). */
static int notify_send(const char *msg)
{
	struct sockaddr_un sun;
	socklen_t len;
	int fd, r;

	if (!notify_path)
		return 0;
	len = notify_address(notify_path, &sun);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		log_warn("notify: socket");
		return -1;
	}
	r = (int)sendto(fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT,
			(struct sockaddr *)&sun, len);
	if (r < 0)
		log_warn("notify: %s", notify_path);
	close(fd);
	if (r >= 0)
		log_info("notify: %.*s sent", (int)strcspn(msg, "\n"), msg);
	return r < 0 ? -1 : 1;
}

int notify_init(void)
{
	const char *env = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;

	free(notify_path);
	notify_path = NULL;
	if (!env || !*env)
		return 0;
	if (!notify_address(env, &sun)) {
		log_warnx("notify: NOTIFY_SOCKET=%s is no unix socket address",
			  env);
		unsetenv("NOTIFY_SOCKET");
		return -1;
	}
	notify_path = strdup(env);
	unsetenv("NOTIFY_SOCKET");
	if (!notify_path) {
		log_warnx("notify: out of memory");
		return -1;
	}
	return 1;
}

int notify_ready(const struct dmsup *sup)
{
	char msg[256];
	int n = 0, active = 0;

	for (const struct domain *d = sup->domains; d; d = d->next, n++)
		active += lifecycle_is_active(d->state) != 0;
	snprintf(msg, sizeof(msg),
		 "READY=1\nSTATUS=%d domains, %d device models active", n,
		 active);
	return notify_send(msg);
}

int notify_reloading(void)
{
	char msg[96];
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ULL +
		     (unsigned long long)ts.tv_nsec / 1000ULL);
	return notify_send(msg);
}

int notify_stopping(void)
{
	return notify_send("STOPPING=1\nSTATUS=exiting; device models keep "
			   "running");
}
