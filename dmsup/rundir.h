/*
 * Where a domain's files live. The definition (<name>.json), the crash
 * report (<name>.last) and a saved state (<name>.save) stay in the state
 * directory; what only lives as long as a device model, its runtime
 * files (<name>.run, the sentinel <name>.fifo, the QMP socket
 * <name>.qmp), goes to the runtime directory (-r, default /run/dmsup).
 * A device model started by an older dmsup, which kept them in the
 * state directory, keeps them there until it ends (dmsup(8)).
 */
#ifndef DMSUP_RUNDIR_H
#define DMSUP_RUNDIR_H

#include <stdbool.h>
#include <stddef.h>

struct dmsup;

#define RUNDIR_DEFAULT "/run/dmsup"
/* The longest path a unix socket address holds (sun_path less its NUL). */
#define RUNDIR_SOCK_MAX 107

/* Whether a domain's file ending in @suffix is a runtime file. */
bool rundir_is_runtime(const char *suffix);
/*
 * The directory that holds @name's .run: the runtime directory, or the
 * state directory if only that has one (an older dmsup's layout).
 */
const char *rundir_find_run(const struct dmsup *sup, const char *name);
/*
 * Before dmsup starts: the control socket's path must fit a unix socket
 * address (-1 and @err says why). A runtime directory too long for the
 * QMP socket of a domain with a name of the longest length is only a
 * warning in @err (returns 1): shorter names still fit.
 */
int rundir_check(const struct dmsup *sup, char *err, size_t len);
/* A definition's check: @name's QMP socket in the runtime directory fits
 * a unix socket address; if not, @err says so. */
bool rundir_name_fits(const struct dmsup *sup, const char *name, char *err,
		      size_t len);
/* @path fits a unix socket address; if not, @err says so (with @what). */
bool rundir_sock_fits(const char *what, const char *path, char *err,
		      size_t len);

#endif
