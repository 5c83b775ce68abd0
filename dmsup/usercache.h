/*
 * getpwnam() answers kept for a few seconds: every start of a restricted
 * (or "auto") device model looks up libxl's users, and a lookup through
 * NSS reads /etc/passwd and probes userdb paths (0.15-0.5 ms measured),
 * all in the event loop. An answer is dropped when /etc/passwd changes
 * or after USERCACHE_TTL_MS, so a user added just now (useradd, or a
 * directory service) is seen by the next start after that at the latest.
 */
#ifndef DMSUP_USERCACHE_H
#define DMSUP_USERCACHE_H

#include <sys/types.h>

#define USERCACHE_TTL_MS 5000
#define USERCACHE_SLOTS 8

/* 0 with the user's uid and gid, -1 if there is no such user. */
int usercache_getpw(const char *name, uid_t *uid_r, gid_t *gid_r);
/* Forgets every answer (a reload, and tests). */
void usercache_flush(void);

/* Tests: where answers come from and which file's change drops them
 * (NULL, NULL: getpwnam and /etc/passwd). Flushes. */
typedef struct passwd *usercache_source_fn(const char *name);
void usercache_set_source(usercache_source_fn *fn, const char *stamp);

#endif
