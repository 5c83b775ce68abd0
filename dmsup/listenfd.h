/*
 * The control socket as systemd passes it (socket activation, dmsup.socket):
 * sd_listen_fds(3)'s protocol, read directly (dmsup does not link
 * libsystemd). $LISTEN_PID names the process the sockets are for,
 * $LISTEN_FDS how many there are from fd 3 on, $LISTEN_FDNAMES their
 * names, colon-separated (FileDescriptorName=).
 */
#ifndef DMSUP_LISTENFD_H
#define DMSUP_LISTENFD_H

#include <stddef.h>

/* Where systemd's first socket is (SD_LISTEN_FDS_START). */
#define LISTENFD_START 3
/* The name that picks the control socket when more than one is passed. */
#define LISTENFD_NAME "control"

/*
 * The passed control socket: fd 3 when it is the only one, else the one
 * named LISTENFD_NAME. It must be a listening AF_UNIX SOCK_STREAM socket;
 * it is made O_NONBLOCK. Every passed fd gets FD_CLOEXEC (the others are
 * closed) and the LISTEN_* variables are removed, so no child sees them.
 * Returns the fd; -1 if no socket was passed to this process; -2 if one
 * was but cannot be the control socket, with the reason in @err.
 */
int listenfd_take(char *err, size_t len);

/* The path @fd is bound to into @buf: 0, or -1 if it has none (an
 * abstract or unnamed socket) or it does not fit. */
int listenfd_path(int fd, char *buf, size_t len);

#endif
