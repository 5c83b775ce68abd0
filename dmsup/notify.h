/*
 * Readiness for systemd (Type=notify): sd_notify(3)'s protocol by hand,
 * one datagram on $NOTIFY_SOCKET, so that dmsup needs no libsystemd.
 */
#ifndef DMSUP_NOTIFY_H
#define DMSUP_NOTIFY_H

/*
 * Sends READY=1 to $NOTIFY_SOCKET (a path, or @name for the abstract
 * namespace) and removes the variable from the environment, so that no
 * process dmsup starts later can speak for it. 0 when not started by a
 * service manager, 1 sent, -1 failed (logged).
 */
int notify_ready(void);

#endif
