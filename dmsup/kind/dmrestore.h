/*
 * Loading a save file's device state into a QEMU started with
 * `-incoming defer` (docs/save-restore.md has the table of states):
 * query-status until QEMU is `inmigrate`, migrate-set-capabilities
 * events, getfd of the file (positioned after dmsup's header), then
 * migrate-incoming fd:NAME, done when the MIGRATION event says
 * `completed`; `failed` asks query-migrate for QEMU's reason. One timer
 * bounds the whole of it. Never calls back synchronously. A restarted
 * dmsup resumes one with query-migrate (dmrestore_resume).
 */
#ifndef DMSUP_KIND_DMRESTORE_H
#define DMSUP_KIND_DMRESTORE_H

struct event_base;
struct dmqmp;
struct dmrestore;

/* err NULL: the state is loaded; else why not (names @file). */
typedef void dmrestore_done_fn(void *arg, const char *err);

/* What both entry points are told. */
struct dmrestore_args {
	const char *label; /* names the device model in the log */
	const char *file;  /* the save file, named in errors */
	int timeout_s;	   /* for the whole restore */
	dmrestore_done_fn *done;
	void *arg;
};

/*
 * Takes over @fd (closed by dmrestore, also on failure) and loads it
 * through @m, which must outlive the returned handle or free it from
 * dmqmp_free (pending replies are then "cancelled"). NULL only out of
 * memory (@fd closed).
 */
struct dmrestore *dmrestore_start_take_fd(struct event_base *base,
					  struct dmqmp *m, int fd,
					  const struct dmrestore_args *a);
/*
 * A dmsup restarted while a restore was under way (its run file said
 * so): query-migrate says how far QEMU got. A load under way is waited
 * for (done at `completed`), a completed one is done, a failed one
 * fails with QEMU's reason, and one never begun (dmsup died before
 * migrate-incoming) fails: @done's error says so. NULL out of memory.
 */
struct dmrestore *dmrestore_resume(struct event_base *base, struct dmqmp *m,
				   const struct dmrestore_args *a);
/*
 * A QEMU that loads from an fd of its own (-incoming fd:N on its command
 * line: a Linux stub's console 2, which the keeper feeds): the MIGRATION
 * events on, then as dmrestore_resume, except that a load never begun
 * fails naming the command line. NULL out of memory.
 */
struct dmrestore *dmrestore_follow(struct event_base *base, struct dmqmp *m,
				   const struct dmrestore_args *a);
/* No call of @done follows. NULL ok. */
void dmrestore_free(struct dmrestore *r);

#endif
