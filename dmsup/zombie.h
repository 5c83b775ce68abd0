/*
 * Children whose end nobody waits for (a log helper once its device
 * model's death is reported; a process left by a failed spawn): reaped
 * when their pidfd says they have ended. dmsup has no SIGCHLD handler:
 * each child is watched and reaped through its own pidfd, so a death
 * never costs a scan of every child (waitid(P_ALL)).
 */
#ifndef DMSUP_ZOMBIE_H
#define DMSUP_ZOMBIE_H

struct event_base;

/* Takes @pidfd (-1 is ignored): the process is reaped if it is our child
 * and the fd closed, once it has ended; at once if it already has. */
void zombie_reap_later(struct event_base *base, int pidfd);

/* Reaps the ended child of @pidfd: 0 with its wait status in *status_r,
 * -1 if it is not our child, not ended or already reaped. */
int zombie_reap(int pidfd, int *status_r);

#endif
