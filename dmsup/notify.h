/*
 * The service manager's notifications (systemd's Type=notify):
 * sd_notify(3)'s protocol by hand, one datagram on $NOTIFY_SOCKET, so
 * that dmsup needs no libsystemd.
 */
#ifndef DMSUP_NOTIFY_H
#define DMSUP_NOTIFY_H

struct dmsup;

/*
 * Takes $NOTIFY_SOCKET (a path, or @name for the abstract namespace) and
 * removes it from the environment, so that no process dmsup starts can
 * speak for it. Before anything is started. 0 when not started by a
 * service manager, 1 taken, -1 no unix socket address (logged).
 */
int notify_init(void);
/*
 * Sends READY=1 with a STATUS= line (how many domains, how many run);
 * also after a reload. 0 when there is no notify socket, 1 sent, -1 failed
 * (logged). Never blocks.
 */
int notify_ready(const struct dmsup *sup);
/* RELOADING=1 (with MONOTONIC_USEC=), before a reload; as notify_ready. */
int notify_reloading(void);
/* STOPPING=1, when dmsup exits; as notify_ready. */
int notify_stopping(void);

#endif
