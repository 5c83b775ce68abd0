/*
 * What survives a dmsup restart, under the state directory:
 *   <name>.json  the device-model configuration (the domain's definition)
 *   <name>.run   while a process may be alive: pids, start times, state
 * Written to a temporary file and renamed, so a reader never sees half.
 */
#ifndef DMSUP_PERSIST_H
#define DMSUP_PERSIST_H

#include <stdbool.h>

struct dmsup;
struct domain;
struct dm_observer;
struct dm_config;

int persist_save_config(struct domain *d);
void persist_remove_config(struct domain *d);
/* Writes <name>.run while the state is active, removes it otherwise. */
void persist_save_run(struct domain *d);
/* Saves <name>.run at every state change and spawn (observe.h). */
extern const struct dm_observer persist_observer;
/*
 * One dmsup per state directory: a second one would adopt, and could
 * stop, the same device models. Returns the lock's fd (held for life), or
 * -1 with errno (EWOULDBLOCK: another dmsup holds it).
 */
int persist_lock(const char *state_dir);
/* Whether a file of the state directory is a definition (NAME.json). */
bool persist_is_definition(const char *file);
/*
 * Reads the definition @file of the state directory into @cfg: 0, or -1
 * (logged: unreadable, invalid, or its name is not the file's).
 */
int persist_read_config(struct dmsup *sup, const char *file,
			struct dm_config *cfg);
/* Defines every domain found, then reattaches the ones with a .run. */
void persist_load_all(struct dmsup *sup);

#endif
