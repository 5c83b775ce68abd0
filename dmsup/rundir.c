/* Runtime files apart from definitions (see rundir.h). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "dmsup/dmsup.h"
#include "dmsup/rundir.h"

/* A definition's name: config.c's "name" field holds at most this. */
#define RUNDIR_NAME_MAX 64

static const char *const rundir_suffixes[] = {".run", ".fifo", ".qmp", ".keep"};

bool rundir_is_runtime(const char *suffix)
{
	for (size_t i = 0;
	     i < sizeof(rundir_suffixes) / sizeof(*rundir_suffixes); i++)
		if (!strcmp(suffix, rundir_suffixes[i]))
			return true;
	return false;
}

static bool rundir_has_run(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/%s.run", dir, name) >=
	    (int)sizeof(path))
		return false;
	return !fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW);
}

const char *rundir_find_run(const struct dmsup *sup, const char *name)
{
	if (!rundir_has_run(sup->run_dir, name) &&
	    strcmp(sup->run_dir, sup->state_dir) &&
	    rundir_has_run(sup->state_dir, name))
		return sup->state_dir;
	return sup->run_dir;
}

bool rundir_sock_fits(const char *what, const char *path, char *err, size_t len)
{
	size_t n = strlen(path);

	if (n <= RUNDIR_SOCK_MAX)
		return true;
	snprintf(err, len,
		 "%s %s is %zu bytes long, a unix socket path holds at most %d",
		 what, path, n, RUNDIR_SOCK_MAX);
	return false;
}

bool rundir_name_fits(const struct dmsup *sup, const char *name, char *err,
		      size_t len)
{
	char path[RUNDIR_SOCK_MAX * 4];

	snprintf(path, sizeof(path), "%s/%s.qmp", sup->run_dir, name);
	return rundir_sock_fits("its QMP socket", path, err, len);
}

int rundir_check(const struct dmsup *sup, char *err, size_t len)
{
	/* "<run_dir>/<name>.qmp" */
	size_t room = RUNDIR_SOCK_MAX - 1 - strlen(".qmp");
	size_t dir = strlen(sup->run_dir);

	if (!rundir_sock_fits("the control socket", sup->ctl_path, err, len))
		return -1;
	if (dir + RUNDIR_NAME_MAX <= room)
		return 0;
	if (dir >= room) {
		snprintf(err, len,
			 "the runtime directory %s is %zu bytes long: no QMP "
			 "socket fits in it (a unix socket path holds at most "
			 "%d bytes)",
			 sup->run_dir, dir, RUNDIR_SOCK_MAX);
		return -1;
	}
	snprintf(err, len,
		 "the runtime directory %s is %zu bytes long: a domain whose "
		 "name is longer than %zu bytes cannot get a QMP socket there",
		 sup->run_dir, dir, room - dir);
	return 1;
}
