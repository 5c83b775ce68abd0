/*
 * Starting processes. posix_spawn (vfork + exec in glibc) reports a failed
 * exec synchronously without a hand-made error pipe, and its attributes
 * cover what a device model must get: a new session, default signal
 * dispositions, an empty mask, and all fds above the intended ones closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dmsup/config.h"
#include "dmsup/devspec.h"
#include "dmsup/spawn.h"

/* The PATH of a device model: system directories only. */
#define SPAWN_PATH                                                             \
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* dup2(fd, fd) would keep FD_CLOEXEC set: move low fds out of the way. */
static int spawn_high_fd(int fd, int *tmp_r)
{
	*tmp_r = -1;
	if (fd < 0 || fd > 4)
		return fd;
	*tmp_r = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	return *tmp_r;
}

int spawn_process(char *const argv[], char *const envp[],
		  const struct spawn_fds *fds, pid_t *pid_r)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	int tmp[4], rc;
	int in = spawn_high_fd(fds->in, &tmp[0]);
	int out = spawn_high_fd(fds->out, &tmp[1]);
	int sentinel = spawn_high_fd(fds->sentinel, &tmp[2]);
	int qmp = fds->has_qmp ? spawn_high_fd(fds->qmp, &tmp[3]) : -1;

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigfillset(&dfl);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID |
					    POSIX_SPAWN_SETSIGMASK |
					    POSIX_SPAWN_SETSIGDEF);
	if (in >= 0)
		posix_spawn_file_actions_adddup2(&fa, in, 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY,
						 0);
	if (out >= 0) {
		posix_spawn_file_actions_adddup2(&fa, out, 1);
		posix_spawn_file_actions_adddup2(&fa, out, 2);
	} else {
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY,
						 0);
		posix_spawn_file_actions_adddup2(&fa, 1, 2);
	}
	if (sentinel >= 0)
		posix_spawn_file_actions_adddup2(&fa, sentinel, 3);
	if (qmp >= 0)
		posix_spawn_file_actions_adddup2(&fa, qmp, SPAWN_QMP_FD);
	/* A belt to O_CLOEXEC's braces: nothing else reaches the child. */
	posix_spawn_file_actions_addclosefrom_np(&fa, qmp >= 0
							  ? SPAWN_QMP_FD + 1
						      : sentinel >= 0 ? 4
								      : 3);
	rc = posix_spawn(pid_r, argv[0], &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (!fds->has_qmp)
		tmp[3] = -1;
	for (int i = 0; i < 4; i++)
		if (tmp[i] >= 0)
			close(tmp[i]);
	return rc;
}

int spawn_pidfd(pid_t pid)
{
	int fd = pidfd_open(pid, 0), e = errno;

	if (fd >= 0)
		return fd;
	/* Bounded: SIGKILL, and the child was just spawned. */
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	errno = e;
	return -1;
}

char **spawn_dm_env(const struct dm_config *cfg)
{
	char **envp = calloc(5, sizeof(*envp));
	bool oom = false;
	int n = 0;

	if (!envp)
		return NULL;
	envp[n++] = strdup(SPAWN_PATH);
	if (cfg && cfg->xen) {
		/* What libxl gives a device model, and nothing of ours. */
		if (asprintf(&envp[n++], "XEN_DOMAIN_ID=%d", cfg->domid) < 0)
			envp[--n] = NULL;
		envp[n++] = strdup("XEN_QEMU_CONSOLE_LIMIT=1048576");
		/* The tap hook's bridges (contrib/vif/dmsup-vif-bridge). */
		if (!config_is_stub(cfg) &&
		    (envp[n] = devspec_bridges_env(cfg, &oom)))
			n++;
	}
	if (oom) {
		spawn_env_free(envp);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		if (!envp[i]) {
			spawn_env_free(envp);
			return NULL;
		}
	}
	return envp;
}

void spawn_env_free(char **envp)
{
	for (char **p = envp; p && *p; p++)
		free(*p);
	free(envp);
}

int spawn_start_time(pid_t pid, unsigned long long *start_r)
{
	return spawn_proc_stat(pid, NULL, start_r);
}

int spawn_proc_stat(pid_t pid, char *state_r, unsigned long long *start_r)
{
	char path[64], buf[1024];
	int fd, r;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return -1;
	buf[r] = '\0';
	/* The command name may hold spaces and ')': count from the last. */
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	p++;
	if (state_r)
		*state_r = p[1];
	/* Field 22 is starttime; after ')' comes field 3. */
	for (int field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -1;
	}
	return sscanf(p, " %llu", start_r) == 1 ? 0 : -1;
}
