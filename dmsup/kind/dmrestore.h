/*
 * Loading a save file's device state into a QEMU started with
 * `-incoming defer` (docs/save-restore.md has the table of states):
 * query-status until QEMU is `inmigrate`, migrate-set-capabilities
 * events, getfd of the file (positioned after dmsup's header), then
 * migrate-incoming fd:NAME, done when the MIGRATION event says
 * `completed`; `failed` asks query-migrate for QEMU's reason. One timer
 * bounds the whole of it. Never calls back synchronously.
 */
#ifndef DMSUP_KIND_DMRESTORE_H
#define DMSUP_KIND_DMRESTORE_H

struct event_base;
struct dmqmp;
struct dmrestore;

/* err NULL: the state is loaded; else why not (names @file). */
typedef void dmrestore_done_fn(void *arg, const char *err);

/*
 * Takes over @fd (closed by dmrestore, also on failure) and loads it
 * through @m, which must outlive the returned handle or free it from
 * dmqmp_free (pending replies are then "cancelled"). @label names the
 * device model in the log. NULL only out of memory (@fd closed).
 */
struct dmrestore *dmrestore_start_take_fd(struct event_base *base,
					  struct dmqmp *m, int fd,
					  const char *label, const char *file,
					  int timeout_s,
					  dmrestore_done_fn *done, void *arg);
/* No call of @done follows. NULL ok. */
void dmrestore_free(struct dmrestore *r);

#endif
