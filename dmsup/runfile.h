/*
 * NAME.run, re-read at reattach, is untrusted (anyone who can write the
 * state dir): checked strictly here before domain_reattach believes it.
 * Fuzzed by fuzz/fuzz-runfile.c.
 */
#ifndef DMSUP_RUNFILE_H
#define DMSUP_RUNFILE_H

#include <stddef.h>

struct json_object;

/*
 * 0 if run is an object whose fields are what persist_save_run writes:
 * pid (1..4194304, required), log_pid (0..4194304), pid_start, log_start,
 * started (integers >= 0), spawns (0..10^9), state ("starting", "running"
 * or "stopping"), restore (an absolute path); each optional but pid, unknown
 * keys refused. Else -1 with a sentence naming the field in err.
 */
int runfile_check(struct json_object *run, char *err, size_t errlen);

#endif
