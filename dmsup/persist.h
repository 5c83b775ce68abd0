/*
 * What survives a dmsup restart, under the state directory:
 *   <name>.json  the device-model configuration (the domain's definition)
 *   <name>.run   while a process may be alive: pids, start times, state
 * Written to a temporary file and renamed, so a reader never sees half.
 */
#ifndef DMSUP_PERSIST_H
#define DMSUP_PERSIST_H

struct dmsup;
struct domain;
struct dm_observer;

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
/* Defines every domain found, then reattaches the ones with a .run. */
void persist_load_all(struct dmsup *sup);

#endif
