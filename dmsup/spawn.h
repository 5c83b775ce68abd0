/*
 * Starting processes: posix_spawn with an explicit minimal environment,
 * exactly the fds named here, a new session and default signals.
 */
#ifndef DMSUP_SPAWN_H
#define DMSUP_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

struct dm_config;

#define SPAWN_QMP_FD 4

/* The child's fds: 0 <- in, 1 and 2 <- out, 3 <- sentinel (if >= 0),
 * SPAWN_QMP_FD <- qmp (if has_qmp: the QMP socket dmsup listens on).
 * -1 for in or out means /dev/null. Nothing else is inherited. */
struct spawn_fds {
	int in;
	int out;
	int sentinel;
	int qmp;
	bool has_qmp;
};

/*
 * Spawns @argv[0] with @envp. Returns 0 and *pid_r, or an errno value
 * (also for a failed exec: ENOENT, EACCES...).
 */
int spawn_process(char *const argv[], char *const envp[],
		  const struct spawn_fds *fds, pid_t *pid_r);
/* A pidfd of the child @pid just spawned: how dmsup watches and reaps it
 * (zombie.h). Without one it could be neither, so on failure the child
 * is killed and reaped, and -1 returned with errno. */
int spawn_pidfd(pid_t pid);

/* The environment a device model gets (NULL-terminated, malloc'd). */
char **spawn_dm_env(const struct dm_config *cfg);
void spawn_env_free(char **envp);

/* The process's start time from /proc/PID/stat (clock ticks since boot):
 * a pid with another start time is another process. 0 or -1. */
int spawn_start_time(pid_t pid, unsigned long long *start_r);
/* The same, with the state letter ('R', 'S', 'Z' for a zombie...). */
int spawn_proc_stat(pid_t pid, char *state_r, unsigned long long *start_r);

#endif
